# This file is part of the CRM suite.
"""What the shop owes its members month after month: the stored value
(principal and bonus) and the points at the end of each month; the
ledgers' closed months summed each night"""
from sql import Literal, Union, Window
from sql.aggregate import Max, Sum
from sql.functions import CurrentTimestamp, Extract

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.crm_membership.configuration import MONEY
from trytond.modules.crm_membership.statistic import period, period_start
from trytond.pool import Pool
from trytond.transaction import Transaction

from .filters import context_dates


def month_period(date_column):
    return Extract('YEAR', date_column) * 12 + Extract('MONTH', date_column) - 1


def ledger_moves(where):
    """The value and point lines matching where(line) as rows of period,
    principal, bonus and points"""
    pool = Pool()
    ValueLine = pool.get('crm.membership.value.line')
    PointLine = pool.get('crm.membership.point.line')
    value, point = ValueLine.__table__(), PointLine.__table__()
    zero = Literal(0)
    return Union(
        value.select(month_period(value.date).as_('period'),
            value.principal.as_('principal'), value.bonus.as_('bonus'),
            zero.as_('points'),
            where=where(value)),
        point.select(month_period(point.date).as_('period'),
            zero.as_('principal'), zero.as_('bonus'),
            point.points.as_('points'),
            where=where(point)),
        all_=True)


class LedgerMonth(ModelSQL):
    """The stored value and the points booked in a closed month, a row a
    month: the ledgers date a line the day it is booked, so a month over
    stays as summed"""
    __name__ = 'crm.analysis.ledger.month'
    __string__ = "Ledger Month"

    period = fields.Integer("Period", required=True, readonly=True)
    principal = fields.Numeric("Principal", digits=MONEY, required=True,
        readonly=True)
    bonus = fields.Numeric("Bonus", digits=MONEY, required=True,
        readonly=True)
    points = fields.Integer("Points", required=True, readonly=True)

    @classmethod
    def refresh(cls, date=None):
        "Sum the months before the month of date (today): the cron's job"
        date = date or Pool().get('ir.date').today()
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        moves = ledger_moves(lambda line: line.date < date.replace(day=1))
        cursor.execute(*table.delete())
        cursor.execute(*table.insert(
                [table.create_uid, table.create_date, table.period,
                    table.principal, table.bonus, table.points],
                moves.select(
                    Literal(Transaction().user), CurrentTimestamp(),
                    moves.period, Sum(moves.principal), Sum(moves.bonus),
                    Sum(moves.points),
                    group_by=[moves.period])))

    @classmethod
    def summed_until(cls):
        "The first period not summed, None when none is"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(Max(table.period)))
        last, = cursor.fetchone()
        return last + 1 if last is not None else None


class LiabilityMonth(ModelSQL, ModelView):
    """Each month's movement of the stored value and the points, and the
    balances at its end"""
    __name__ = 'crm.analysis.liability_month'
    __string__ = "Liability by Month"

    period = fields.Integer("Period", readonly=True)
    month = fields.Function(fields.Date("Month"), 'get_month')
    principal = fields.Numeric("Principal Movement", digits=MONEY,
        readonly=True)
    bonus = fields.Numeric("Bonus Movement", digits=MONEY, readonly=True)
    principal_balance = fields.Numeric("Principal Owed", digits=MONEY,
        readonly=True)
    bonus_balance = fields.Numeric("Bonus Owed", digits=MONEY,
        readonly=True)
    value_balance = fields.Numeric("Stored Value Owed", digits=MONEY,
        readonly=True)
    points = fields.Integer("Points Movement", readonly=True)
    points_balance = fields.Integer("Points Owed", readonly=True)
    _excel_fields = ['month', 'principal', 'bonus', 'principal_balance',
        'bonus_balance', 'value_balance', 'points', 'points_balance']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('period', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        LedgerMonth = Pool().get('crm.analysis.ledger.month')
        summed = LedgerMonth.__table__()
        _, to_date = context_dates()
        # The closed months before the month of to_date from their sums,
        # the lines of the others
        until = min(LedgerMonth.summed_until() or 0, period(to_date))
        since = period_start(until) if until else None
        moves = ledger_moves(lambda line: (line.date <= to_date)
            & ((line.date >= since) if since else Literal(True)))
        moves = Union(*moves.queries,
            summed.select(summed.period, summed.principal, summed.bonus,
                summed.points, where=summed.period < until),
            all_=True)
        months = moves.select(moves.period.as_('period'),
            Sum(moves.principal).as_('principal'),
            Sum(moves.bonus).as_('bonus'),
            Sum(moves.points).as_('points'),
            group_by=[moves.period])
        # The balances from the first line on, the rows of the period only
        running = Window([], order_by=[months.period.asc])
        balances = months.select(
            months.period, months.principal, months.bonus, months.points,
            Sum(months.principal, window=running).as_('principal_balance'),
            Sum(months.bonus, window=running).as_('bonus_balance'),
            Sum(months.points, window=running).as_('points_balance'))
        from_date, _ = context_dates()
        first = period(from_date)
        return balances.select(
            cls.period.sql_cast(balances.period).as_('id'),
            cls.period.sql_cast(balances.period).as_('period'),
            cls.principal.sql_cast(balances.principal).as_('principal'),
            cls.bonus.sql_cast(balances.bonus).as_('bonus'),
            cls.principal_balance.sql_cast(
                balances.principal_balance).as_('principal_balance'),
            cls.bonus_balance.sql_cast(
                balances.bonus_balance).as_('bonus_balance'),
            cls.value_balance.sql_cast(balances.principal_balance
                + balances.bonus_balance).as_('value_balance'),
            cls.points.sql_cast(balances.points).as_('points'),
            cls.points_balance.sql_cast(
                balances.points_balance).as_('points_balance'),
            where=balances.period >= first)

    def get_month(self, name):
        return period_start(self.period)
