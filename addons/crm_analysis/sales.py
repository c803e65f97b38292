# This file is part of the CRM suite.
"""Today's and this month's till sales beside the same days of last year"""
from dateutil.relativedelta import relativedelta
from sql import Literal, Null, Values
from sql.operators import Or
from sql.aggregate import Count, Sum
from sql.conditionals import Coalesce

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.crm_membership.configuration import MONEY
from trytond.pool import Pool
from trytond.transaction import Transaction

PERIODS = [
    ('today', "Today"),
    ('today_last_year', "Same Day Last Year"),
    ('month', "This Month"),
    ('month_last_year', "Same Days Last Year"),
    ]


class SalesComparison(ModelSQL, ModelView):
    "The till sales of today and of this month beside last year's"
    __name__ = 'crm.analysis.sales_comparison'
    __string__ = "Sales beside Last Year"

    period = fields.Selection(PERIODS, "Period", readonly=True, sort=False)
    label = fields.Char("Period Name", readonly=True,
        help="The period in the user's language, for the chart.")
    start_date = fields.Date("From", readonly=True)
    end_date = fields.Date("To", readonly=True)
    sales = fields.Integer("Sales", readonly=True)
    amount = fields.Numeric("Amount", digits=MONEY, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('id', 'ASC')]

    @classmethod
    def periods(cls, today):
        "[(id, period, first day, last day)]"
        year = relativedelta(years=1)
        first = today.replace(day=1)
        return [
            (1, 'today', today, today),
            (2, 'today_last_year', today - year, today - year),
            (3, 'month', first, today),
            (4, 'month_last_year', first - year, today - year),
            ]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        Payment = pool.get('sale.point.payment')
        Sale = pool.get('sale.point.sale')
        payment, sale = Payment.__table__(), Sale.__table__()
        company = Transaction().context.get('company') or -1
        labels = dict(cls.fields_get(['period'])['period']['selection'])
        rows = [(i, p, labels[p], s, e)
            for i, p, s, e in cls.periods(Date.today())]
        periods = Values(rows)
        # Done sales' payments per sale first: a sale counts once
        totals = (sale
            .join(payment, condition=payment.sale == sale.id)
            .select(sale.id.as_('sale'), sale.date.as_('date'),
                Sum(payment.amount).as_('amount'),
                where=(sale.company == company)
                & sale.state.in_(['done', 'posted'])
                & (payment.amount != Null)
                & Or([(sale.date >= s) & (sale.date <= e)
                        for _, _, _, s, e in rows]),
                group_by=[sale.id, sale.date]))
        # Columns of a VALUES list are column1, column2… on every backend
        id_, period, label, start, end = (getattr(periods, 'column%s' % i)
            for i in range(1, 6))
        return periods.join(totals, 'LEFT',
            condition=(totals.date >= start) & (totals.date <= end)
            ).select(
                id_.as_('id'),
                period.as_('period'),
                label.as_('label'),
                cls.start_date.sql_cast(start).as_('start_date'),
                cls.end_date.sql_cast(end).as_('end_date'),
                Count(totals.sale).as_('sales'),
                Coalesce(Sum(totals.amount), Literal(0)).as_('amount'),
                group_by=[id_, period, label, start, end])

    @classmethod
    def drill_down(cls, rows):
        "The done sales of the rows' periods"
        company = Transaction().context.get('company') or -1
        return 'act_drill_sales', [('state', 'in', ['done', 'posted']),
            ('company', '=', company),
            ['OR'] + [[('date', '>=', r.start_date),
                    ('date', '<=', r.end_date)] for r in rows]]
