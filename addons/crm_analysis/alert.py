# This file is part of the CRM suite.
"""消费预警: the members whose spend in the last months fell by more than
a share against the same number of months before"""
from sql import Literal
from sql.aggregate import Sum
from sql.conditionals import Case

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.crm_membership.configuration import MONEY
from trytond.pool import Pool
from trytond.transaction import Transaction

from .filters import context_periods, member_of_filter


class SpendAlert(ModelSQL, ModelView):
    "A member who spent much less in the last months than before"
    __name__ = 'crm.analysis.spend_alert'
    __string__ = "Spend Alert"

    party = fields.Many2One('party.party', "Member", readonly=True)
    salesperson = fields.Many2One('company.employee', "Salesperson",
        readonly=True)
    before = fields.Numeric("Months Before", digits=MONEY, readonly=True)
    recent = fields.Numeric("Last Months", digits=MONEY, readonly=True)
    drop = fields.Float("Drop", digits=(1, 4), readonly=True)
    _excel_fields = ['party', 'salesperson', 'before', 'recent', 'drop']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('drop', 'DESC'), ('before', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Month = pool.get('crm.membership.member.month')
        Party = pool.get('party.party')
        month, party = Month.__table__(), Party.__table__()
        first, last, _ = context_periods(default_months=3)
        months = last - first + 1
        drop = max(1, min(int(Transaction().context.get('drop') or 50), 100))
        recent = Sum(Case((month.period >= first, month.amount), else_=0))
        before = Sum(Case((month.period < first, month.amount), else_=0))
        # The members' sums first, their salesperson for the few kept
        spend = month.select(
            month.party.as_('party'),
            before.as_('before'),
            recent.as_('recent'),
            where=(month.period >= first - months)
            & (month.period <= last) & member_of_filter(month.party),
            group_by=[month.party])
        return spend.join(party, condition=spend.party == party.id).select(
            spend.party.as_('id'),
            spend.party.as_('party'),
            party.owner.as_('salesperson'),
            cls.before.sql_cast(spend.before).as_('before'),
            cls.recent.sql_cast(spend.recent).as_('recent'),
            cls.drop.sql_cast((spend.before - spend.recent) * Literal(1.0)
                / spend.before).as_('drop'),
            where=(spend.before > 0)
            & (spend.recent * 100 < spend.before * (100 - drop)))
