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
from trytond.modules.product import price_digits, round_price
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
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


class POSSale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    @classmethod
    def create_commissions(cls, sales):
        """Give the staff of each line the commission of their plan, or
        take back that of a refunded line"""
        pool = Pool()
        Commission = pool.get('commission')
        commissions, totals = [], {}
        for sale in sales:
            for line in sale.lines:
                if line.commissions:
                    continue
                if line.refund_of:
                    commissions.extend(line.reversed_commissions())
                else:
                    commissions.extend(line.get_commissions(totals))
        Commission.save(commissions)


class POSSaleLine(metaclass=PoolMeta):
    __name__ = 'sale.point.sale.line'

    staff = fields.Many2One(
        'company.employee', "Staff",
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'readonly': Eval('sale_state') != 'open',
            },
        help="The salesperson or technician whose commission the line "
        "earns.")
    commissions = fields.One2Many('commission', 'origin', "Commissions",
        readonly=True,
        states={
            'invisible': ~Eval('commissions'),
            })
    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('commissions')
        return super().copy(lines, default=default)

    @property
    def staff_agent(self):
        "The commission agent of the line's staff"
        pool = Pool()
        Agent = pool.get('commission.agent')
        if not self.staff:
            return
        agents = Agent.search([
                ('party', '=', self.staff.party.id),
                ('company', '=', self.sale.company.id),
                ('type_', '=', 'agent'),
                ('plan', '!=', None),
                ], limit=1)
        return agents[0] if agents else None

    def get_commissions(self, totals):
        """The commission the staff earns on the line by their plan, with
        the month's total so far in totals"""
        pool = Pool()
        Commission = pool.get('commission')
        agent = self.staff_agent
        if not agent or not self.amount:
            return []
        if agent not in totals:
            totals[agent] = agent.month_total(self.sale.date)
        with Transaction().set_context(commission_names={
                    'quantity': Decimal(str(self.quantity)),
                    'month_total': totals[agent],
                    }):
            amount = agent.plan.compute(self.amount, self.product)
        totals[agent] += self.amount
        if not amount:
            return []
        return [Commission(origin=self, agent=agent, date=self.sale.date,
                product=agent.plan.commission_product,
                base_amount=self.amount, amount=round_price(amount))]

    def reversed_commissions(self):
        """The commissions that take back those of the refunded line, in
        proportion, all that is left of them on its last refund"""
        pool = Pool()
        Commission = pool.get('commission')
        sold = self.refund_of
        last = not sold.sale.refundable_quantities()[sold]
        share = Decimal(str(-self.quantity)) / Decimal(str(sold.quantity))
        reversed_ = Commission.search([
                ('origin.refund_of', '=', sold.id, 'sale.point.sale.line'),
                ])
        commissions = []
        for commission in sold.commissions:
            left = commission.amount + sum(
                c.amount for c in reversed_ if c.agent == commission.agent)
            amount = left if last else min(
                round_price(commission.amount * share), left)
            if amount:
                commissions.append(Commission(origin=self,
                        agent=commission.agent, date=self.sale.date,
                        product=commission.product,
                        base_amount=-round_price(
                            commission.base_amount * share),
                        amount=-amount))
        return commissions

