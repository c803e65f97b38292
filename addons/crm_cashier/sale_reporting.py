# This file is part of the CRM suite.
"""What the tills took each day by payment method; the category ranking
and the top products are Tryton's sale reporting, which counts the tills"""
from sql import Null
from sql.aggregate import Count, Min, Sum

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
        Payment = pool.get('sale.point.payment')
        Sale = pool.get('sale.point.sale')
        Company = pool.get('company.company')
        payment = Payment.__table__()
        sale = Sale.__table__()
        company = Company.__table__()
        context = Transaction().context
        where = sale.state.in_(['done', 'posted'])
        where &= sale.company == context.get('company', -1)
        if context.get('from_date'):
            where &= sale.date >= context['from_date']
        if context.get('to_date'):
            where &= sale.date <= context['to_date']
        tables = payment.join(sale, condition=payment.sale == sale.id).join(
            company, condition=sale.company == company.id)
        return tables.select(
                Min(payment.id).as_('id'),
                sale.date.as_('date'),
                sale.point.as_('point'),
                payment.method.as_('method'),
                Count(payment.id).as_('number'),
                Sum(payment.amount).as_('amount'),
                company.currency.as_('currency'),
                where=where & (payment.amount != Null),
                group_by=[sale.date, sale.point, payment.method,
                    company.currency])
