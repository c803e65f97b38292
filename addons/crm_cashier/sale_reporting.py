# This file is part of the CRM suite.
"""What the tills took each day by payment method; the category ranking
and the top products are Tryton's sale reporting, which counts the tills"""
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.transaction import Transaction


class PaymentReport(ModelSQL, ModelView):
    "The payments of the tills' done sales by day and payment method"
    __name__ = 'sale.point.reporting.payment'
    __string__ = "Payments by Day"

    date = fields.Date("Date", readonly=True)
    point = fields.Many2One('sale.point', "Till", readonly=True)
    method = fields.Many2One(
        'sale.point.payment.method', "Method", readonly=True)
    number = fields.Integer("Payments", readonly=True)
    amount = Monetary(
        "Amount", currency='currency', digits='currency', readonly=True)
    currency = fields.Many2One('currency.currency', "Currency", readonly=True)
    _excel_fields = ['date', 'point', 'method', 'number', 'amount']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('point', 'ASC'), ('method', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Takings = pool.get('sale.point.takings')
        Company = pool.get('company.company')
        takings = Takings.__table__()
        company = Company.__table__()
        context = Transaction().context
        # The takings kept by the sales' transitions: a row a day, till and
        # method
        where = ((takings.company == context.get('company', -1))
            & (takings.number != 0))
        if context.get('from_date'):
            where &= takings.date >= context['from_date']
        if context.get('to_date'):
            where &= takings.date <= context['to_date']
        return takings.join(company,
            condition=takings.company == company.id).select(
                takings.id.as_('id'),
                takings.date.as_('date'),
                takings.point.as_('point'),
                takings.method.as_('method'),
                takings.number.as_('number'),
                cls.amount.sql_cast(takings.amount).as_('amount'),
                company.currency.as_('currency'),
                where=where)
