# This file is part of the CRM suite.
"""What each till took each day by payment method, kept by the sale's own
transaction: the reports of the takings read these rows instead of
adding up millions of payments at every opening"""
from decimal import Decimal

from sql import Literal, Null
from sql.aggregate import Count, Sum
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.modules.crm_membership.configuration import MONEY
from trytond.modules.crm_membership.statistic import update_row
from trytond.pool import Pool
from trytond.transaction import Transaction

DONE = ['done', 'posted']


class Takings(ModelSQL, ModelView):
    "The payments of a till's done sales on a day by one method"
    __name__ = 'sale.point.takings'
    __string__ = "Till Takings"

    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True)
    date = fields.Date("Date", required=True, readonly=True)
    point = fields.Many2One('sale.point', "Till", required=True,
        readonly=True, ondelete='CASCADE')
    method = fields.Many2One('sale.point.payment.method', "Method",
        required=True, readonly=True, ondelete='CASCADE')
    number = fields.Integer("Payments", required=True, readonly=True)
    amount = fields.Numeric("Amount", digits=MONEY, required=True,
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('day_unique', Unique(t, t.company, t.date, t.point, t.method),
                'crm_cashier.msg_takings_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.date, Index.Range())))
        cls._order = [('date', 'DESC'), ('id', 'ASC')]

    @classmethod
    def __register__(cls, module):
        exists = backend.TableHandler.table_exist(cls._table)
        super().__register__(module)
        if not exists:
            # Activated on a shop that already sold
            cls.rebuild()

    @classmethod
    def _payments(cls, where):
        "The query of the payments of sales matching where, by day"
        pool = Pool()
        Payment = pool.get('sale.point.payment')
        Sale = pool.get('sale.point.sale')
        payment, sale = Payment.__table__(), Sale.__table__()
        return payment.join(sale, condition=payment.sale == sale.id).select(
            sale.company.as_('company'), sale.date.as_('date'),
            sale.point.as_('point'), payment.method.as_('method'),
            Count(payment.id).as_('number'),
            Sum(payment.amount).as_('amount'),
            where=where(sale) & (payment.amount != Null),
            group_by=[sale.company, sale.date, sale.point, payment.method])

    @classmethod
    def rebuild(cls):
        """Count again every done sale: for a database whose sales were
        written around the tills (an import), not needed otherwise"""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.delete())
        payments = cls._payments(lambda sale: sale.state.in_(DONE))
        cursor.execute(*table.insert(
                [table.create_uid, table.create_date, table.company,
                    table.date, table.point, table.method, table.number,
                    table.amount],
                payments.select(
                    Literal(Transaction().user), CurrentTimestamp(),
                    payments.company, payments.date, payments.point,
                    payments.method, payments.number, payments.amount)))

    @classmethod
    def add(cls, sales, sign=1):
        """Add the payments of the sales that become done (sign 1) or
        take those of the done sales reopened away (sign -1); in the
        sale's transaction, which holds the lock of its till's sequence
        (each row is one till's)"""
        table = cls.__table__()
        totals = {}
        for sale in sales:
            for payment in sale.payments:
                if payment.amount is None:
                    continue
                key = (sale.company.id, sale.date, sale.point.id,
                    payment.method.id)
                number, amount = totals.get(key, (0, Decimal(0)))
                totals[key] = (number + sign, amount + sign * payment.amount)
        to_create = []
        for (company, date, point, method), (number, amount) in (
                totals.items()):
            if not update_row(cls, table, [table.number, table.amount],
                    [table.number + number, table.amount + amount],
                    (table.company == company) & (table.date == date)
                    & (table.point == point) & (table.method == method)):
                to_create.append({'company': company, 'date': date,
                        'point': point, 'method': method,
                        'number': number, 'amount': amount})
        if to_create:
            cls.create(to_create)
