# This file is part of the CRM suite.
from sql import Null
from sql.aggregate import Count, Max, Min, Sum

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.transaction import Transaction


class ShiftPayment(ModelSQL, ModelView):
    """本班收款: what the cashier's shift took by payment method, the open
    shift or else the last one"""
    __name__ = 'crm.analysis.shift_payment'
    __string__ = "My Shift by Payment Method"

    shift = fields.Many2One('sale.point.cash.session', "Shift",
        readonly=True)
    method = fields.Many2One(
        'sale.point.payment.method', "Method", readonly=True)
    number = fields.Integer("Payments", readonly=True)
    amount = Monetary(
        "Amount", currency='currency', digits='currency', readonly=True)
    currency = fields.Many2One('currency.currency', "Currency", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('amount', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Session = pool.get('sale.point.cash.session')
        Payment = pool.get('sale.point.payment')
        Sale = pool.get('sale.point.sale')
        Company = pool.get('company.company')
        session, last = Session.__table__(), Session.__table__()
        payment, sale = Payment.__table__(), Sale.__table__()
        company = Company.__table__()
        employee = Transaction().context.get('employee') or -1
        shift = last.select(Max(last.id), where=last.employee == employee)
        tables = (payment
            .join(sale, condition=payment.sale == sale.id)
            .join(session, condition=sale.shift == session.id)
            .join(company, condition=sale.company == company.id))
        return tables.select(
            Min(payment.id).as_('id'),
            session.id.as_('shift'),
            payment.method.as_('method'),
            Count(payment.id).as_('number'),
            Sum(payment.amount).as_('amount'),
            company.currency.as_('currency'),
            where=(session.id == shift)
            & sale.state.in_(['done', 'posted'])
            & (payment.amount != Null),
            group_by=[session.id, payment.method, company.currency])

    @classmethod
    def drill_down(cls, rows):
        "The done sales of the rows' shifts paid by their methods"
        return 'act_drill_sales', [('state', 'in', ['done', 'posted']),
            ['OR'] + [[('shift', '=', r.shift.id),
                    ('payments.method', '=', r.method.id)] for r in rows]]
