# This file is part of the CRM suite.
"""Commissions of the staff on the lines of the till, with Tryton's plans,
and the monthly payroll of base pay and commission"""
import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql import Null
from sql.aggregate import Sum
from sql.conditionals import Coalesce

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.product import price_digits
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

MONEY = (16, 2)


def month_start(date):
    return date.replace(day=1)


class Commission(metaclass=PoolMeta):
    __name__ = 'commission'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['sale.point.sale.line']


class Plan(metaclass=PoolMeta):
    __name__ = 'commission.plan'

    def get_context_formula(self, amount, product):
        context = super().get_context_formula(amount, product)
        # The till's lines also give their quantity and the month's total
        # of the employee, for fixed amounts per service and tiers
        context['names'].update({
                'quantity': Decimal(0),
                'month_total': Decimal(0),
                })
        context['names'].update(
            Transaction().context.get('commission_names') or {})
        return context


class Agent(metaclass=PoolMeta):
    __name__ = 'commission.agent'

    def month_total(self, date):
        """The amount of the till's lines that earned this agent a
        commission in the month of date"""
        pool = Pool()
        Commission = pool.get('commission')
        commission = Commission.__table__()
        cursor = Transaction().connection.cursor()
        start = month_start(date)
        cursor.execute(*commission.select(
                Coalesce(Sum(commission.base_amount), 0),
                where=(commission.agent == self.id)
                & (commission.date >= start)
                & (commission.date < start + relativedelta(months=1))
                & commission.origin.like('sale.point.sale.line,%')))
        total, = cursor.fetchone()
        return Decimal(str(total))


class PayrollContext(ModelView):
    "Payroll month"
    __name__ = 'commission.payroll.context'
    __string__ = "Payroll Month"

    month = fields.Date("Month", required=True,
        help="Any day of the month of the payroll.")

    @classmethod
    def default_month(cls):
        return month_start(Pool().get('ir.date').today())


class Payroll(ModelSQL, ModelView):
    "What each employee earns in a month: base pay and commission"
    __name__ = 'commission.payroll'
    __string__ = "Payroll"

    employee = fields.Many2One('company.employee', "Employee", readonly=True)
    month = fields.Function(fields.Date("Month"), 'get_month')
    base_pay = fields.Numeric("Base Pay", digits=MONEY, readonly=True)
    commission = fields.Numeric("Commission", digits=price_digits,
        readonly=True)
    total = fields.Numeric("Total", digits=price_digits, readonly=True)
    commissions = fields.Function(fields.Many2Many(
            'commission', None, None, "Commissions"), 'get_commissions')
    _excel_fields = ['month', 'employee', 'base_pay', 'commission', 'total']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('employee', 'ASC'), ('id', 'ASC')]

    @classmethod
    def _month(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        month = Transaction().context.get('month') or Date.today()
        if isinstance(month, str):
            month = dt.date.fromisoformat(month)
        return month_start(month)

    def get_month(self, name):
        return self._month()

    def get_commissions(self, name):
        pool = Pool()
        Commission = pool.get('commission')
        start = self._month()
        return [c.id for c in Commission.search([
                    ('agent.party', '=', self.employee.party.id),
                    ('agent.company', '=', self.employee.company.id),
                    ('date', '>=', start),
                    ('date', '<', start + relativedelta(months=1)),
                    ], order=[('date', 'ASC'), ('id', 'ASC')])]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Employee = pool.get('company.employee')
        Agent = pool.get('commission.agent')
        Commission = pool.get('commission')
        employee = Employee.__table__()
        agent = Agent.__table__()
        commission = Commission.__table__()
        start = cls._month()
        end = start + relativedelta(months=1)
        company = Transaction().context.get('company') or -1
        earned = commission.join(
            agent, condition=commission.agent == agent.id).select(
                agent.party.as_('party'),
                agent.company.as_('company'),
                Sum(commission.amount).as_('amount'),
                where=(commission.date >= start) & (commission.date < end)
                & (agent.type_ == 'agent'),
                group_by=[agent.party, agent.company])
        base_pay = Coalesce(employee.base_pay, 0)
        amount = Coalesce(earned.amount, 0)
        active = ((employee.start_date == Null)
            | (employee.start_date < end)) & (
            (employee.end_date == Null) | (employee.end_date >= start))
        return employee.join(earned, 'LEFT',
            condition=(earned.party == employee.party)
            & (earned.company == employee.company)
            ).select(
                employee.id.as_('id'),
                employee.id.as_('employee'),
                base_pay.as_('base_pay'),
                amount.as_('commission'),
                (base_pay + amount).as_('total'),
                where=(employee.company == company) & active)
