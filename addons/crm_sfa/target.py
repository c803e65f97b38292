# This file is part of the CRM suite.
"""目标 / 销售预测: monthly or quarterly targets of the salespeople and
departments with their achievement, the ranking of a period, and the
forecast of the weighted pipeline beside last year's sales"""
import calendar
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql import Literal, Null, Select, Union, Window
from sql.aggregate import Min, Sum
from sql.conditionals import Case, Coalesce, NullIf
from sql.functions import Rank

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.modules.crm_customer.access import refuse_server_fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.tools import timezone as tz
from trytond.transaction import Transaction, without_check_access

from .exceptions import SfaValidationError
from .opportunity import OPEN_STATES
from .stage import OPEN_KINDS

PERIODS = [
    ('month', "Month"),
    ('quarter', "Quarter"),
    ]
MONTHS = [('%02d' % m, "%02d" % m) for m in range(1, 13)]
QUARTERS = [(str(q), "Q%s" % q) for q in range(1, 5)]
# The states in which a sale counts as sold (the brief's 已成交); a
# confirmed sale is processed right after its confirmation
SOLD_STATES = ['processing', 'done']
# A deal with a sale in these states is counted by its sales
DEAL_SALE_STATES = ['confirmed', 'processing', 'done']
# Set by the server from the period
SERVER_FIELDS = {'start_date', 'end_date'}


def period_dates(year, period, month=None, quarter=None):
    "The first and the last day of the month or quarter of year"
    if not year or not (month if period == 'month' else quarter):
        return None, None
    if period == 'quarter':
        first = 3 * (int(quarter) - 1) + 1
        last = first + 2
    else:
        first = last = int(month)
    return (dt.date(year, first, 1),
        dt.date(year, last, calendar.monthrange(year, last)[1]))


def add_months(date, months):
    "The first day of the month months after date's"
    return date + relativedelta(months=months, day=1)


def _utc_bounds(company, start, end):
    """The company's midnights starting start and ending end, as the naive
    UTC of the database's timestamps"""
    zone = (tz.get_tzinfo(company.timezone)
        if company and company.timezone else tz.SERVER)

    def utc(date):
        return (dt.datetime.combine(date, dt.time(), tzinfo=zone)
            .astimezone(tz.UTC).replace(tzinfo=None))
    return utc(start), utc(end + dt.timedelta(days=1))


def achieved_query(company, start, end):
    """One row per employee of what they achieved from start to end
    (included): sales amount, won deals, new customers and visits.

    A sale counts when it is processing or done, on its sale date, for its
    credited salesperson (the deal's, or the customer's owner when it was
    confirmed; the customer's owner for older sales). A won deal counts as
    won on its close date and adds its amount only when no sale of it is
    confirmed, so an amount is never counted twice."""
    pool = Pool()
    Sale = pool.get('sale.sale')
    Opportunity = pool.get('sale.opportunity')
    Party = pool.get('party.party')
    Contact = pool.get('crm.sfa.contact')
    sale = Sale.__table__()
    party = Party.__table__()
    opportunity = Opportunity.__table__()
    deal_sale = Sale.__table__()
    customer = Party.__table__()
    contact = Contact.__table__()
    zero, one = Literal(0), Literal(1)
    company_id = company.id if company else -1
    begin, stop = _utc_bounds(company, start, end)

    sales = (sale
        .join(party, condition=sale.party == party.id)
        .select(
            Coalesce(sale.sfa_salesperson, party.owner).as_('employee'),
            Coalesce(sale.untaxed_amount_cache, zero).as_('amount'),
            zero.as_('won'),
            zero.as_('customers'),
            zero.as_('visits'),
            where=((sale.company == company_id)
                & sale.state.in_(SOLD_STATES)
                & (sale.sale_date >= start) & (sale.sale_date <= end))))
    with_sales = deal_sale.select(
        Sale.origin.sql_id(deal_sale.origin, Opportunity),
        where=(deal_sale.origin.like(Opportunity.__name__ + ',%')
            & deal_sale.state.in_(DEAL_SALE_STATES)))
    won = opportunity.select(
        opportunity.employee,
        Case((opportunity.id.in_(with_sales), zero),
            else_=Coalesce(opportunity.amount, zero)),
        one, zero, zero,
        where=((opportunity.company == company_id)
            & (opportunity.state == 'won')
            & (opportunity.end_date >= start)
            & (opportunity.end_date <= end)))
    # Merged or erased customers are deactivated: not counted
    customers = customer.select(
        customer.owner, zero, zero, one, zero,
        where=((customer.owner != Null)
            & (customer.active == Literal(True))
            & (customer.create_date >= begin)
            & (customer.create_date < stop)))
    visits = contact.select(
        contact.employee, zero, zero, zero, one,
        where=((contact.kind == 'visit')
            & (contact.date >= begin) & (contact.date < stop)))
    union = Union(sales, won, customers, visits, all_=True)
    return union.select(
        union.employee,
        Sum(union.amount).as_('amount'),
        Sum(union.won).as_('won'),
        Sum(union.customers).as_('customers'),
        Sum(union.visits).as_('visits'),
        where=union.employee != Null,
        group_by=[union.employee])


class PeriodMixin:
    "A month or a quarter of a year, this month by default"
    __slots__ = ()
    period = fields.Selection(PERIODS, "Period", required=True, sort=False)
    year = fields.Integer("Year", required=True,
        domain=[('year', '>=', 2000), ('year', '<=', 2100)])
    month = fields.Selection([(None, "")] + MONTHS, "Month", sort=False,
        states={
            'invisible': Eval('period') != 'month',
            'required': Eval('period') == 'month',
            })
    quarter = fields.Selection([(None, "")] + QUARTERS, "Quarter",
        sort=False,
        states={
            'invisible': Eval('period') != 'quarter',
            'required': Eval('period') == 'quarter',
            })

    @classmethod
    def default_period(cls):
        return 'month'

    @classmethod
    def default_year(cls):
        return Pool().get('ir.date').today().year

    @classmethod
    def default_month(cls):
        return '%02d' % Pool().get('ir.date').today().month


class Target(PeriodMixin, ModelSQL, ModelView):
    __name__ = 'crm.sfa.target'
    __string__ = "Sales Target"

    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='CASCADE')
    kind = fields.Selection([
            ('employee', "Salesperson"),
            ('department', "Department"),
            ], "Target Of", required=True, sort=False)
    employee = fields.Many2One(
        'company.employee', "Salesperson", ondelete='CASCADE',
        domain=[('company', '=', Eval('company', -1))],
        states={
            'invisible': Eval('kind') != 'employee',
            'required': Eval('kind') == 'employee',
            })
    department = fields.Many2One(
        'company.department', "Department", ondelete='CASCADE',
        domain=[('company', '=', Eval('company', -1))],
        states={
            'invisible': Eval('kind') != 'department',
            'required': Eval('kind') == 'department',
            },
        help="Its salespeople and those of its sub-departments.")
    start_date = fields.Date("Start Date", readonly=True)
    end_date = fields.Date("End Date", readonly=True)
    amount = fields.Numeric("Sales Amount", digits=(16, 2),
        domain=['OR', ('amount', '=', None), ('amount', '>=', 0)])
    customers = fields.Integer("New Customers",
        domain=['OR', ('customers', '=', None), ('customers', '>=', 0)])
    visits = fields.Integer("Visits",
        domain=['OR', ('visits', '=', None), ('visits', '>=', 0)])
    amount_achieved = fields.Function(fields.Numeric(
            "Sales Achieved", digits=(16, 2),
            help="Untaxed amount of the sales processing or done in the "
            "period, and of the deals won without an order."),
        'get_achievement')
    won_deals = fields.Function(fields.Integer("Won Deals"),
        'get_achievement')
    customers_achieved = fields.Function(fields.Integer(
            "New Customers Achieved",
            help="Customers created in the period that the salesperson "
            "owns."),
        'get_achievement')
    visits_achieved = fields.Function(fields.Integer("Visits Made",
            help="Contact records of kind visit in the period."),
        'get_achievement')
    amount_rate = fields.Function(fields.Float(
            "Sales Achievement Rate", digits=(16, 4)), 'get_achievement')
    customers_rate = fields.Function(fields.Float(
            "New Customers Achievement Rate", digits=(16, 4)),
        'get_achievement')
    visits_rate = fields.Function(fields.Float(
            "Visits Achievement Rate", digits=(16, 4)), 'get_achievement')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('employee_period_unique',
                Unique(t, t.employee, t.start_date, t.end_date),
                'crm_sfa.msg_target_unique'),
            ('department_period_unique',
                Unique(t, t.department, t.start_date, t.end_date),
                'crm_sfa.msg_target_unique'),
            ]
        cls._order = [('start_date', 'DESC'), ('kind', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_kind(cls):
        return 'employee'

    @fields.depends('period', 'month', 'quarter')
    def on_change_period(self):
        if self.period == 'month':
            self.quarter = None
        elif self.period == 'quarter':
            self.month = None

    @fields.depends('kind')
    def on_change_kind(self):
        if self.kind == 'employee':
            self.department = None
        elif self.kind == 'department':
            self.employee = None

    def get_rec_name(self, name):
        who = self.employee if self.kind == 'employee' else self.department
        if self.period == 'quarter':
            period = '%s Q%s' % (self.year, self.quarter)
        else:
            period = '%s-%s' % (self.year, self.month)
        return '%s %s' % (who.rec_name if who else '', period)

    @classmethod
    def validate_fields(cls, targets, field_names):
        super().validate_fields(targets, field_names)
        if field_names and not field_names & {'kind', 'employee',
                'department', 'year', 'period', 'month', 'quarter'}:
            return
        for target in targets:
            who = (target.employee if target.kind == 'employee'
                else target.department)
            other = (target.department if target.kind == 'employee'
                else target.employee)
            if not who or other:
                raise SfaValidationError(gettext(
                        'crm_sfa.msg_target_whom', target=target.rec_name))
            if (target.period == 'month') != bool(target.month) or (
                    (target.period == 'quarter') != bool(target.quarter)):
                raise SfaValidationError(gettext(
                        'crm_sfa.msg_target_period',
                        target=target.rec_name))
            # Checked before the constraint: the dates are set after it
            start, end = period_dates(target.year, target.period,
                target.month, target.quarter)
            with without_check_access():
                if cls.search([
                            ('id', '!=', target.id),
                            (target.kind, '=', who.id),
                            ('start_date', '=', start),
                            ('end_date', '=', end),
                            ], limit=1):
                    raise SfaValidationError(gettext(
                            'crm_sfa.msg_target_unique'))

    @classmethod
    def check_modification(cls, mode, targets, values=None, external=False):
        super().check_modification(
            mode, targets, values=values, external=external)
        if not external:
            return
        if mode == 'write':
            refuse_server_fields(cls, SERVER_FIELDS, values)
        elif mode == 'create':
            refuse_server_fields(cls, SERVER_FIELDS, [n for n in SERVER_FIELDS
                    if any(getattr(t, n, None) for t in targets)])

    @classmethod
    def on_modification(cls, mode, targets, field_names=None):
        super().on_modification(mode, targets, field_names=field_names)
        if mode == 'create' or (mode == 'write' and (not field_names
                    or {'year', 'period', 'month', 'quarter'}
                    & set(field_names))):
            to_write = []
            for target in targets:
                dates = period_dates(target.year, target.period,
                    target.month, target.quarter)
                if (target.start_date, target.end_date) != dates:
                    to_write.extend(([target], dict(
                                zip(['start_date', 'end_date'], dates))))
            if to_write:
                cls.write(*to_write)

    @classmethod
    def copy(cls, targets, default=None):
        default = default.copy() if default is not None else {}
        # A copy is for another period: the same one would be refused
        default.setdefault('start_date')
        default.setdefault('end_date')
        return super().copy(targets, default=default)

    def members(self):
        "The ids of the employees whose achievement is the target's"
        Employee = Pool().get('company.employee')
        if self.kind == 'employee':
            return {self.employee.id}
        # The department's figures are its team's, whatever the user sees
        with without_check_access():
            return {e.id for e in Employee.search([
                        ('company', '=', self.company.id),
                        ('department', 'child_of', [self.department.id],
                            'parent'),
                        ])}

    @classmethod
    def achieved(cls, company, start, end, employees):
        """{employee id: (amount, won deals, new customers, visits)} of the
        employees from start to end; one query for them all"""
        cursor = Transaction().connection.cursor()
        query = achieved_query(company, start, end)
        figures = {}
        for sub_ids in grouped_slice(list(employees)):
            cursor.execute(*query.select(
                    query.employee, query.amount, query.won,
                    query.customers, query.visits,
                    where=query.employee.in_(list(sub_ids))))
            for employee, amount, won, customers, visits in cursor:
                figures[employee] = (
                    company.currency.round(Decimal(str(amount or 0))),
                    int(won or 0), int(customers or 0), int(visits or 0))
        return figures

    @classmethod
    def get_achievement(cls, targets, names):
        "Computed per period: one query for all the targets of a period"
        result = {n: {t.id: None for t in targets} for n in names}
        periods = defaultdict(list)
        for target in targets:
            if target.start_date:
                periods[(target.company, target.start_date,
                        target.end_date)].append(target)
        nothing = (Decimal(0), 0, 0, 0)
        for (company, start, end), p_targets in periods.items():
            members = {t.id: t.members() for t in p_targets}
            figures = cls.achieved(company, start, end,
                set().union(*members.values()))
            for target in p_targets:
                amount, won, customers, visits = (
                    sum(x) for x in zip(nothing, *(
                            figures.get(e, nothing)
                            for e in members[target.id])))
                values = {
                    'amount_achieved': amount,
                    'won_deals': won,
                    'customers_achieved': customers,
                    'visits_achieved': visits,
                    'amount_rate': _rate(amount, target.amount),
                    'customers_rate': _rate(customers, target.customers),
                    'visits_rate': _rate(visits, target.visits),
                    }
                for name in names:
                    result[name][target.id] = values[name]
        return result


def _rate(achieved, target):
    return float(achieved) / float(target) if target else None


class TargetContext(PeriodMixin, ModelView):
    __name__ = 'crm.sfa.target.context'
    __string__ = "Target Period"

    department = fields.Many2One('company.department', "Department")

    @classmethod
    def default_quarter(cls):
        return str((Pool().get('ir.date').today().month - 1) // 3 + 1)

    @classmethod
    def dates(cls):
        "The period of the context; this month when it has none"
        context = Transaction().context
        start, end = period_dates(context.get('year'),
            context.get('period') or 'month', context.get('month'),
            context.get('quarter'))
        if not start:
            start, end = period_dates(cls.default_year(), 'month',
                cls.default_month())
        return start, end


class Ranking(ModelSQL, ModelView):
    """排行: the salespeople with a target for the context's period, by
    their sales achievement rate"""
    __name__ = 'crm.sfa.target.ranking'
    __string__ = "Target Ranking"

    rank = fields.Integer("Rank", readonly=True)
    target = fields.Many2One('crm.sfa.target', "Target", readonly=True)
    employee = fields.Many2One(
        'company.employee', "Salesperson", readonly=True)
    department = fields.Many2One(
        'company.department', "Department", readonly=True)
    amount = fields.Numeric(
        "Sales Amount Target", digits=(16, 2), readonly=True)
    amount_achieved = fields.Numeric(
        "Sales Achieved", digits=(16, 2), readonly=True)
    amount_rate = fields.Float(
        "Sales Achievement Rate", digits=(16, 4), readonly=True)
    won_deals = fields.Integer("Won Deals", readonly=True)
    customers = fields.Integer("New Customers Target", readonly=True)
    customers_achieved = fields.Integer(
        "New Customers Achieved", readonly=True)
    customers_rate = fields.Float(
        "New Customers Achievement Rate", digits=(16, 4), readonly=True)
    visits = fields.Integer("Visits Target", readonly=True)
    visits_achieved = fields.Integer("Visits Made", readonly=True)
    visits_rate = fields.Float(
        "Visits Achievement Rate", digits=(16, 4), readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('rank', 'ASC'), ('employee', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Company = pool.get('company.company')
        Context = pool.get('crm.sfa.target.context')
        Department = pool.get('company.department')
        Employee = pool.get('company.employee')
        Target = pool.get('crm.sfa.target')
        context = Transaction().context
        target = Target.__table__()
        employee = Employee.__table__()
        start, end = Context.dates()
        company = Company(context['company']) if context.get('company') \
            else None
        where = ((target.kind == 'employee')
            & (target.company == (company.id if company else -1))
            & (target.start_date == start) & (target.end_date == end))
        if context.get('department'):
            departments = [d.id for d in Department.search([
                        ('parent', 'child_of', [context['department']]),
                        ])]
            where &= employee.department.in_(departments or [-1])
        achieved = achieved_query(company, start, end)
        amount = Coalesce(achieved.amount, 0)
        customers = Coalesce(achieved.customers, 0)
        visits = Coalesce(achieved.visits, 0)

        def rate(value, goal):
            return cls.amount_rate.sql_cast(
                value * Literal(1.0) / NullIf(goal, Literal(0)))
        amount_rate = rate(amount, target.amount)
        return (target
            .join(employee, condition=target.employee == employee.id)
            .join(achieved, 'LEFT',
                condition=achieved.employee == target.employee)
            .select(
                target.id.as_('id'),
                Rank(window=Window([], order_by=[
                            Coalesce(amount_rate, Literal(-1)).desc])
                    ).as_('rank'),
                target.id.as_('target'),
                target.employee.as_('employee'),
                employee.department.as_('department'),
                target.amount.as_('amount'),
                amount.as_('amount_achieved'),
                amount_rate.as_('amount_rate'),
                Coalesce(achieved.won, 0).as_('won_deals'),
                target.customers.as_('customers'),
                customers.as_('customers_achieved'),
                rate(customers, target.customers).as_('customers_rate'),
                target.visits.as_('visits'),
                visits.as_('visits_achieved'),
                rate(visits, target.visits).as_('visits_rate'),
                where=where))

    def get_rec_name(self, name):
        return self.employee.rec_name if self.employee else ''


class Forecast(ModelSQL, ModelView):
    """销售预测: per month and salesperson, the weighted amount of the open
    deals expected to close in the month, beside the sales of the same month
    last year"""
    __name__ = 'crm.sfa.forecast'
    __string__ = "Sales Forecast"

    month = fields.Date("Month", readonly=True)
    employee = fields.Many2One(
        'company.employee', "Salesperson", readonly=True)
    department = fields.Many2One(
        'company.department', "Department", readonly=True)
    deals = fields.Integer("Open Deals", readonly=True)
    amount = fields.Numeric("Pipeline", digits=(16, 2), readonly=True)
    weighted_amount = fields.Numeric(
        "Weighted Pipeline", digits=(16, 2), readonly=True,
        help="The sum of the amounts of the open deals times their "
        "probability.")
    last_year_amount = fields.Numeric(
        "Sales Last Year", digits=(16, 2), readonly=True,
        help="The untaxed amount of the sales of the same month last year.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'ASC'), ('employee', 'ASC'), ('id', 'ASC')]

    @classmethod
    def months(cls):
        """The first days of the months of the context's period: from its
        from date (this month by default) to its to date (for 12 months by
        default)"""
        Date = Pool().get('ir.date')
        context = Transaction().context
        this_month = Date.today().replace(day=1)
        month = (context.get('from_date') or this_month).replace(day=1)
        last = context.get('to_date') or add_months(this_month, 11)
        months = []
        while month <= last:
            months.append(month)
            month = add_months(month, 1)
        return months

    @classmethod
    def table_query(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        Department = pool.get('company.department')
        Employee = pool.get('company.employee')
        Opportunity = pool.get('sale.opportunity')
        Party = pool.get('party.party')
        Sale = pool.get('sale.sale')
        Stage = pool.get('crm.sfa.stage')
        context = Transaction().context
        opportunity = Opportunity.__table__()
        stage = Stage.__table__()
        sale = Sale.__table__()
        party = Party.__table__()
        employee = Employee.__table__()
        company = context.get('company', -1)

        def date(value):
            return cls.month.sql_cast(Literal(value))
        # The months as a table: month, its days [start, stop) and those of
        # the same month last year
        months = Union(*(Select([
                        date(m).as_('month'),
                        date(m).as_('start'),
                        date(add_months(m, 1)).as_('stop'),
                        date(add_months(m, -12)).as_('last_start'),
                        date(add_months(m, -11)).as_('last_stop'),
                        ]) for m in cls.months() or [dt.date.min]),
            all_=True)
        # A deal late on its expected close is expected this month
        this_month = Date.today().replace(day=1)
        close = Case((opportunity.end_date < this_month, date(this_month)),
            else_=opportunity.end_date)
        zero = Literal(0)
        # Even ids for the deals, odd for the sales: a row's smallest is its
        pipeline = (opportunity
            .join(stage, condition=opportunity.stage == stage.id)
            .join(months, condition=(close >= months.start)
                & (close < months.stop))
            .select(
                (opportunity.id * 2).as_('id'),
                months.month.as_('month'),
                opportunity.employee.as_('employee'),
                Literal(1).as_('deals'),
                Coalesce(opportunity.amount, zero).as_('amount'),
                (Coalesce(opportunity.amount, zero)
                    * opportunity.conversion_probability).as_('weighted'),
                zero.as_('last_year'),
                where=((opportunity.company == company)
                    & opportunity.state.in_(OPEN_STATES)
                    & stage.kind.in_(OPEN_KINDS)
                    & (opportunity.end_date != Null))))
        last_year = (sale
            .join(party, condition=sale.party == party.id)
            .join(months, condition=(sale.sale_date >= months.last_start)
                & (sale.sale_date < months.last_stop))
            .select(
                (sale.id * 2 + 1),
                months.month,
                Coalesce(sale.sfa_salesperson, party.owner),
                zero, zero, zero,
                Coalesce(sale.untaxed_amount_cache, zero),
                where=((sale.company == company)
                    & sale.state.in_(SOLD_STATES))))
        rows = Union(pipeline, last_year, all_=True)
        where = Literal(True)
        if context.get('salesperson'):
            where &= rows.employee == context['salesperson']
        if context.get('department'):
            departments = [d.id for d in Department.search([
                        ('parent', 'child_of', [context['department']]),
                        ])]
            where &= employee.department.in_(departments or [-1])
        keys = [rows.month, rows.employee, employee.department]
        return (rows
            .join(employee, 'LEFT', condition=rows.employee == employee.id)
            .select(
            Min(rows.id).as_('id'),
            rows.month.as_('month'),
            rows.employee.as_('employee'),
            employee.department.as_('department'),
            Sum(rows.deals).as_('deals'),
            Sum(rows.amount).as_('amount'),
            Sum(rows.weighted).as_('weighted_amount'),
            Sum(rows.last_year).as_('last_year_amount'),
            where=where,
            group_by=keys))


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    sfa_salesperson = fields.Many2One(
        'company.employee', "Credited Salesperson", readonly=True,
        ondelete='RESTRICT',
        help="Whose target the sale counts for: the salesperson of its "
        "deal, else the owner of the customer when it was confirmed.")

    @classmethod
    def confirm(cls, sales):
        super().confirm(sales)
        cls.sfa_credit(sales)

    @classmethod
    def sfa_credit(cls, sales):
        "Credit the confirmed sales to their salesperson, once"
        Opportunity = Pool().get('sale.opportunity')
        to_write = []
        for sale in sales:
            if sale.state != 'confirmed' or sale.sfa_salesperson:
                continue
            if isinstance(sale.origin, Opportunity) and sale.origin.employee:
                salesperson = sale.origin.employee
            else:
                salesperson = sale.party.owner
            if salesperson:
                to_write.extend(([sale], {'sfa_salesperson': salesperson.id}))
        if to_write:
            with without_check_access():
                cls.write(*to_write)

    @classmethod
    def check_modification(cls, mode, sales, values=None, external=False):
        super().check_modification(
            mode, sales, values=values, external=external)
        if external and mode == 'write':
            refuse_server_fields(cls, {'sfa_salesperson'}, values)
        elif external and mode == 'create':
            refuse_server_fields(cls, {'sfa_salesperson'},
                ['sfa_salesperson'] if any(
                    s.sfa_salesperson for s in sales) else [])

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('sfa_salesperson')
        return super().copy(sales, default=default)
