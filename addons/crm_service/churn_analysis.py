# This file is part of the CRM suite.
"""Churn analysis (流失分析): the confirmed churn records counted by month,
reason, level, region and salesperson, for the graph views"""
from sql import Literal
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Coalesce

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.crm_membership.configuration import MONEY
from trytond.pool import Pool
from trytond.transaction import Transaction


class ChurnAnalysisContext(ModelView):
    "Churn analysis period"
    __name__ = 'crm.service.churn.analysis.context'
    __string__ = "Churn Analysis Period"

    from_date = fields.Date("From Date")
    to_date = fields.Date("To Date")


class ChurnAnalysis(ModelSQL, ModelView):
    """The customers lost (confirmed, and of those the ones won back) per
    month, churn type, reason, level, region and salesperson; each graph
    adds the rows up along one of them"""
    __name__ = 'crm.service.churn.analysis'
    __string__ = "Churn Analysis"

    month = fields.Date("Month", readonly=True)
    churn_type = fields.Many2One(
        'crm.service.churn.type', "Churn Type", readonly=True)
    reason = fields.Many2One(
        'crm.service.churn.reason', "Reason", readonly=True)
    level = fields.Many2One(
        'crm.membership.level', "Member Level", readonly=True)
    region = fields.Many2One('crm.region', "Region", readonly=True)
    salesperson = fields.Many2One(
        'company.employee', "Salesperson", readonly=True)
    customers = fields.Integer("Customers Lost", readonly=True)
    won_back = fields.Integer("Won Back", readonly=True)
    spend = fields.Numeric("Spend in 12 Months", digits=MONEY,
        readonly=True)
    _excel_fields = ['month', 'churn_type', 'reason', 'level', 'region',
        'salesperson', 'customers', 'won_back', 'spend']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('customers', 'DESC'),
            ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Churn = pool.get('crm.service.churn')
        churn = Churn.__table__()
        context = Transaction().context
        # Only confirmed records have their snapshot and month
        where = churn.state.in_(['confirmed', 'won_back'])
        if context.get('from_date'):
            where &= churn.date >= context['from_date']
        if context.get('to_date'):
            where &= churn.date <= context['to_date']
        keys = [churn.month, churn.churn_type, churn.reason, churn.level,
            churn.region, churn.salesperson]
        return churn.select(
            Min(churn.id).as_('id'),
            *(k.as_(k.name) for k in keys),
            Count(churn.id).as_('customers'),
            Coalesce(Sum(Literal(1), filter_=churn.state == 'won_back'),
                0).as_('won_back'),
            Sum(churn.spend).as_('spend'),
            where=where,
            group_by=keys)
