# This file is part of the CRM suite.
"""The filters the analyses share: the period, the members' level, region
and salesperson"""
from dateutil.relativedelta import relativedelta
from sql import Literal

from trytond.model import ModelView, fields
from trytond.modules.crm_membership.statistic import period
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction


class CustomerFilterMixin:
    "The customers' level, region and salesperson"
    __slots__ = ()
    level = fields.Many2One('crm.membership.level', "Member Level")
    region = fields.Many2One('crm.region', "Region",
        help="A province or a city of the customers.")
    salesperson = fields.Many2One('company.employee', "Salesperson",
        domain=[If(Eval('context', {}).get('company'),
                ('company', '=', Eval('context', {}).get('company', -1)),
                ())])


class FilterContext(CustomerFilterMixin, ModelView):
    "The filters of the member analyses"
    __name__ = 'crm.analysis.member.context'
    __string__ = "Member Analysis Filters"

    date = fields.Date("As of", required=True)
    months = fields.Integer("Months", required=True,
        domain=[('months', '>=', 1), ('months', '<=', 120)],
        help="How many months up to the date count.")

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_months(cls):
        return 12


def member_filter(party_table):
    """The condition on party_table of the context's level (of the active
    card), region and salesperson"""
    pool = Pool()
    Card = pool.get('crm.membership.card')
    context = Transaction().context
    where = Literal(True)
    if context.get('region'):
        where &= ((party_table.province == context['region'])
            | (party_table.city == context['region']))
    if context.get('salesperson'):
        where &= party_table.owner == context['salesperson']
    if context.get('level'):
        card = Card.__table__()
        where &= party_table.id.in_(card.select(card.party,
                where=(card.level == context['level'])
                & (card.state == 'active')))
    return where


def member_filtered():
    "Whether the context filters the members"
    context = Transaction().context
    return any(context.get(n) for n in ['region', 'salesperson', 'level'])


def member_of_filter(party_column):
    """The condition on a column of party ids of the context's member
    filters; none without them, so that a query need not read the parties"""
    if not member_filtered():
        return Literal(True)
    party = Pool().get('party.party').__table__()
    return party_column.in_(party.select(party.id,
            where=member_filter(party)))


def context_periods(default_months=12):
    """The first and last period of the context's months up to its date,
    and the date"""
    today = Pool().get('ir.date').today()
    context = Transaction().context
    date = context.get('date') or today
    months = max(1, min(int(context.get('months') or default_months), 120))
    first = date - relativedelta(months=months - 1)
    return period(first), period(date), date




class PeriodContext(CustomerFilterMixin, ModelView):
    "The filters of the analyses over a period"
    __name__ = 'crm.analysis.period.context'
    __string__ = "Period Analysis Filters"

    from_date = fields.Date("From Date", required=True,
        domain=[('from_date', '<=', Eval('to_date', None))])
    to_date = fields.Date("To Date", required=True)

    @classmethod
    def default_from_date(cls):
        # This month so far: the analyses read every line of the period
        return Pool().get('ir.date').today().replace(day=1)

    @classmethod
    def default_to_date(cls):
        return Pool().get('ir.date').today()


class CustomerContext(CustomerFilterMixin, ModelView):
    "The filters of the customer distribution"
    __name__ = 'crm.analysis.customer.context'
    __string__ = "Customer Filters"


class AlertContext(FilterContext):
    "The filters of the spend alerts"
    __name__ = 'crm.analysis.alert.context'
    __string__ = "Spend Alert Filters"

    drop = fields.Integer("Drop (%)", required=True,
        domain=[('drop', '>=', 1), ('drop', '<=', 100)],
        help="Alert on the members whose spend in the months fell by more "
        "than this against the same number of months before.")

    @classmethod
    def default_months(cls):
        return 3

    @classmethod
    def default_drop(cls):
        return 50


def context_dates():
    "The context's first and last day, this month until today by default"
    today = Pool().get('ir.date').today()
    context = Transaction().context
    return (context.get('from_date') or today.replace(day=1),
        context.get('to_date') or today)
