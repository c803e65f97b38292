# This file is part of the CRM suite.
"""销售漏斗: deals by stage, salesperson, department and month of their
expected close, and each salesperson's win rate and sales cycle"""
from sql import Literal, Null
from sql.aggregate import Avg, Count, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import DateTrunc, Extract

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction


class FunnelContext(ModelView):
    __name__ = 'crm.sfa.funnel.context'
    __string__ = "Funnel Period"

    from_date = fields.Date("From Date")
    to_date = fields.Date("To Date")
    department = fields.Many2One('company.department', "Department")
    # Not "employee": the context's key of the user's own employee
    salesperson = fields.Many2One('company.employee', "Salesperson")


def _month(Model, date):
    return Model.month.sql_cast(DateTrunc('month', date))


def _filters(opportunity, employee, date):
    "The context's period, department and salesperson"
    pool = Pool()
    Department = pool.get('company.department')
    context = Transaction().context
    where = opportunity.company == context.get('company', -1)
    if context.get('from_date'):
        where &= date >= context['from_date']
    if context.get('to_date'):
        where &= date <= context['to_date']
    if context.get('salesperson'):
        where &= opportunity.employee == context['salesperson']
    if context.get('department'):
        departments = [d.id for d in Department.search([
                    ('parent', 'child_of', [context['department']]),
                    ])]
        where &= employee.department.in_(departments or [-1])
    return where


class Funnel(ModelSQL, ModelView):
    "One row per stage, salesperson and month of the expected close"
    __name__ = 'crm.sfa.funnel'
    __string__ = "Sales Funnel"

    month = fields.Date("Month", readonly=True)
    stage = fields.Many2One('crm.sfa.stage', "Stage", readonly=True)
    stage_sequence = fields.Integer("Stage Order", readonly=True)
    employee = fields.Many2One(
        'company.employee', "Salesperson", readonly=True)
    department = fields.Many2One(
        'company.department', "Department", readonly=True)
    deals = fields.Integer("Deals", readonly=True)
    amount = fields.Numeric("Amount", digits=(16, 2), readonly=True)
    weighted_amount = fields.Numeric(
        "Weighted Amount", digits=(16, 2), readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # The graph draws the stages in the order of the rows: the funnel's
        cls._order = [('stage_sequence', 'ASC'), ('month', 'DESC'),
            ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Stage = pool.get('crm.sfa.stage')
        Employee = pool.get('company.employee')
        opportunity = Opportunity.__table__()
        stage = Stage.__table__()
        employee = Employee.__table__()
        date = Coalesce(opportunity.end_date, opportunity.start_date)
        # The month in a subquery: PostgreSQL does not group by an
        # expression with parameters
        deals = (opportunity
            .join(stage, condition=opportunity.stage == stage.id)
            .join(employee, 'LEFT',
                condition=opportunity.employee == employee.id)
            .select(
                opportunity.id,
                _month(cls, date).as_('month'),
                opportunity.stage,
                stage.sequence.as_('stage_sequence'),
                opportunity.employee,
                employee.department,
                Coalesce(opportunity.amount, 0).as_('amount'),
                opportunity.conversion_probability.as_('probability'),
                where=(_filters(opportunity, employee, date)
                    & (opportunity.state != 'cancelled'))))
        keys = [deals.month, deals.stage, deals.stage_sequence,
            deals.employee, deals.department]
        return deals.select(
            Min(deals.id).as_('id'),
            *(k.as_(k.name) for k in keys),
            Count(deals.id).as_('deals'),
            Sum(deals.amount).as_('amount'),
            Sum(deals.amount * deals.probability).as_('weighted_amount'),
            group_by=keys)

    def get_rec_name(self, name):
        return self.stage.rec_name if self.stage else ''


class Performance(ModelSQL, ModelView):
    """Per salesperson and month of the close: the deals won and lost, the
    win rate and the average days from start to win"""
    __name__ = 'crm.sfa.performance'
    __string__ = "Sales Performance"

    month = fields.Date("Month", readonly=True)
    employee = fields.Many2One(
        'company.employee', "Salesperson", readonly=True)
    department = fields.Many2One(
        'company.department', "Department", readonly=True)
    won = fields.Integer("Won", readonly=True)
    lost = fields.Integer("Lost", readonly=True)
    won_amount = fields.Numeric("Won Amount", digits=(16, 2), readonly=True)
    win_rate = fields.Float("Win Rate", digits=(1, 4), readonly=True)
    cycle_days = fields.Float("Average Cycle (Days)", digits=(16, 1),
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('won_amount', 'DESC'),
            ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Employee = pool.get('company.employee')
        opportunity = Opportunity.__table__()
        employee = Employee.__table__()
        # Days as epochs: dates subtract differently in each database
        days = (Extract('EPOCH', opportunity.end_date)
            - Extract('EPOCH', opportunity.start_date)) / Literal(86400.0)
        # The month in a subquery: PostgreSQL does not group by an
        # expression with parameters
        closed = (opportunity
            .join(employee, 'LEFT',
                condition=opportunity.employee == employee.id)
            .select(
                opportunity.id,
                _month(cls, opportunity.end_date).as_('month'),
                opportunity.employee,
                employee.department,
                Case((opportunity.state == 'won', Literal(1)),
                    else_=Literal(0)).as_('won'),
                Coalesce(opportunity.amount, 0).as_('amount'),
                days.as_('days'),
                where=(_filters(opportunity, employee, opportunity.end_date)
                    & opportunity.state.in_(['won', 'lost'])
                    & (opportunity.end_date != Null))))
        won = closed.won == 1
        won_count = Sum(closed.won)
        keys = [closed.month, closed.employee, closed.department]
        return closed.select(
            Min(closed.id).as_('id'),
            *(k.as_(k.name) for k in keys),
            won_count.as_('won'),
            (Count(closed.id) - won_count).as_('lost'),
            Sum(Case((won, closed.amount), else_=Literal(0))).as_(
                'won_amount'),
            (won_count * Literal(1.0) / Count(closed.id)).as_('win_rate'),
            Avg(Case((won, closed.days), else_=Null)).as_('cycle_days'),
            group_by=keys)
