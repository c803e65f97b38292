# This file is part of the CRM suite.
"""消费习惯: when members buy (weekday, hour of the day) and what (the
categories), from the tills' done sales"""
import datetime as dt
from zoneinfo import ZoneInfo

from sql import Null
from sql.aggregate import Count, Min, Sum
from sql.functions import Extract
from sql.operators import Mod

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.crm_membership.configuration import MONEY
from trytond.pool import Pool
from trytond.transaction import Transaction

from .filters import context_dates, member_of_filter

# ISO numbers, as text: the key of a selection
WEEKDAYS = [
    ('1', "Monday"), ('2', "Tuesday"), ('3', "Wednesday"), ('4', "Thursday"),
    ('5', "Friday"), ('6', "Saturday"), ('7', "Sunday"),
    ]


class Habit(ModelSQL, ModelView):
    "What members bought by weekday, hour of the day and category"
    __name__ = 'crm.analysis.habit'
    __string__ = "Member Spending Habits"

    weekday = fields.Selection(WEEKDAYS, "Weekday", readonly=True,
        sort=False)
    hour = fields.Integer("Hour", readonly=True)
    category = fields.Many2One('product.category', "Category",
        readonly=True)
    sales = fields.Integer("Sales", readonly=True)
    quantity = fields.Float("Quantity", readonly=True)
    amount = fields.Numeric("Amount", digits=MONEY, readonly=True)
    _excel_fields = ['weekday', 'hour', 'category', 'sales', 'quantity',
        'amount']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('weekday', 'ASC'), ('hour', 'ASC'),
            ('amount', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Company = pool.get('company.company')
        Line = pool.get('sale.point.sale.line')
        Product = pool.get('product.product')
        Sale = pool.get('sale.point.sale')
        TemplateCategory = pool.get('product.template-product.category')
        line, sale = Line.__table__(), Sale.__table__()
        product = Product.__table__()
        template_category = TemplateCategory.__table__()
        context = Transaction().context
        company_id = context.get('company') or -1
        from_date, to_date = context_dates()
        # The timestamps are UTC, the hour is the shop's
        timezone = Company(company_id).timezone if company_id > 0 else None
        offset = (ZoneInfo(timezone).utcoffset(dt.datetime.now())
            if timezone else dt.timedelta())
        hour = Mod(Extract('HOUR', sale.create_date)
            + int(offset.total_seconds() // 3600) + 24, 24)
        weekday = Extract('ISODOW', sale.date)
        categories = template_category.select(
            template_category.template.as_('template'),
            Min(template_category.category).as_('category'),
            group_by=[template_category.template])
        tables = (line
            .join(sale, condition=line.sale == sale.id)
            .join(product, condition=line.product == product.id)
            .join(categories, 'LEFT',
                condition=categories.template == product.template))
        # The weekday and hour per line in a subquery: PostgreSQL matches a
        # GROUP BY expression with its parameters only by the column
        rows = tables.select(
            line.id.as_('line'),
            sale.id.as_('sale'),
            weekday.as_('weekday'),
            hour.as_('hour'),
            categories.category.as_('category'),
            line.quantity.as_('quantity'),
            (line.quantity * line.unit_gross_price).as_('amount'),
            where=(sale.company == company_id)
            & sale.state.in_(['done', 'posted'])
            & (sale.member != Null)
            & (sale.date >= from_date) & (sale.date <= to_date)
            & member_of_filter(sale.member))
        return rows.select(
            Min(rows.line).as_('id'),
            cls.weekday.sql_cast(rows.weekday).as_('weekday'),
            cls.hour.sql_cast(rows.hour).as_('hour'),
            rows.category.as_('category'),
            Count(rows.sale, distinct=True).as_('sales'),
            Sum(rows.quantity).as_('quantity'),
            cls.amount.sql_cast(Sum(rows.amount)).as_('amount'),
            group_by=[rows.weekday, rows.hour, rows.category])
