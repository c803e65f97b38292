# This file is part of the CRM suite.
"""消费预警: the members whose spend in the last months fell by more than
a share against the same number of months before; the whole shop's, for
the default months, kept by a nightly job"""
from sql import Literal
from sql.functions import CurrentTimestamp
from sql.aggregate import Sum
from sql.conditionals import Case

from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.crm_membership.configuration import MONEY
from trytond.pool import Pool
from trytond.transaction import Transaction

from .filters import context_periods, member_filtered, member_of_filter

# The months the alert compares unless the user asks for others
ALERT_MONTHS = 3


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
        Snapshot = pool.get('crm.analysis.spend_alert.snapshot')
        month, party = Month.__table__(), Party.__table__()
        context = Transaction().context
        first, last, date = context_periods(default_months=ALERT_MONTHS)
        months = last - first + 1
        drop = max(1, min(int(context.get('drop') or 50), 100))
        if (context.get('alert_snapshot', True) and months == ALERT_MONTHS
                and not member_filtered() and Snapshot.current(date)):
            # The whole shop as of today: the night's sums
            spend = Snapshot.__table__()
            where = spend.date == date
        else:
            spend = cls._spend(month, first, last, months)
            where = Literal(True)
        return spend.join(party, condition=spend.party == party.id).select(
            spend.party.as_('id'),
            spend.party.as_('party'),
            party.owner.as_('salesperson'),
            cls.before.sql_cast(spend.before).as_('before'),
            cls.recent.sql_cast(spend.recent).as_('recent'),
            cls.drop.sql_cast((spend.before - spend.recent) * Literal(1.0)
                / spend.before).as_('drop'),
            where=where & (spend.before > 0)
            & (spend.recent * 100 < spend.before * (100 - drop)))

    @classmethod
    def _spend(cls, month, first, last, months):
        "Each member's spend in the months and in as many months before"
        recent = Sum(Case((month.period >= first, month.amount), else_=0))
        before = Sum(Case((month.period < first, month.amount), else_=0))
        return month.select(
            month.party.as_('party'),
            before.as_('before'),
            recent.as_('recent'),
            where=(month.period >= first - months)
            & (month.period <= last) & member_of_filter(month.party),
            group_by=[month.party])


class SpendAlertSnapshot(ModelSQL):
    """The members whose spend fell in the default months up to a day, the
    whole shop's, kept by the nightly job"""
    __name__ = 'crm.analysis.spend_alert.snapshot'
    __string__ = "Spend Alert Snapshot"

    date = fields.Date("Date", required=True, readonly=True)
    party = fields.Many2One('party.party', "Member", required=True,
        readonly=True, ondelete='CASCADE')
    before = fields.Numeric("Months Before", digits=MONEY, readonly=True)
    recent = fields.Numeric("Last Months", digits=MONEY, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.date, Index.Range())))

    @classmethod
    def refresh(cls, date=None):
        """Replace the rows with the members whose spend fell in the
        months up to date (today): the cron's job, set-based"""
        pool = Pool()
        Alert = pool.get('crm.analysis.spend_alert')
        Month = pool.get('crm.membership.member.month')
        date = date or pool.get('ir.date').today()
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        # The whole shop's, never a user's filters
        with Transaction().set_context(date=date, months=ALERT_MONTHS,
                level=None, region=None, salesperson=None):
            first, last, _ = context_periods()
            spend = Alert._spend(
                Month.__table__(), first, last, ALERT_MONTHS)
        cursor.execute(*table.delete())
        cursor.execute(*table.insert(
                [table.create_uid, table.create_date, table.date,
                    table.party, table.before, table.recent],
                spend.select(
                    Literal(Transaction().user), CurrentTimestamp(),
                    Literal(date), spend.party, spend.before, spend.recent,
                    where=(spend.before > 0)
                    & (spend.recent < spend.before))))

    @classmethod
    def current(cls, date):
        "Whether the rows were made on date"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.id,
                where=table.date == date, limit=1))
        return bool(cursor.fetchone())
