# This file is part of the CRM suite.
"""What the shop owes its members month after month: the stored value
(principal and bonus) and the points at the end of each month"""
import datetime as dt

from sql import Literal, Union, Window
from sql.aggregate import Sum
from sql.functions import Extract

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.crm_membership.configuration import MONEY
from trytond.pool import Pool

from .filters import context_dates


def month_period(date_column):
    return Extract('YEAR', date_column) * 12 + Extract('MONTH', date_column) - 1


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
        pool = Pool()
        ValueLine = pool.get('crm.membership.value.line')
        PointLine = pool.get('crm.membership.point.line')
        value, point = ValueLine.__table__(), PointLine.__table__()
        _, to_date = context_dates()
        zero = Literal(0)
        moves = Union(
            value.select(month_period(value.date).as_('period'),
                value.principal.as_('principal'), value.bonus.as_('bonus'),
                zero.as_('points'),
                where=value.date <= to_date),
            point.select(month_period(point.date).as_('period'),
                zero.as_('principal'), zero.as_('bonus'),
                point.points.as_('points'),
                where=point.date <= to_date),
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
        first = from_date.year * 12 + from_date.month - 1
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
        return dt.date(self.period // 12, self.period % 12 + 1, 1)
