# This file is part of the CRM suite.
"The cashier's shift (班次) at the till and its handover"
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import CashierError
from .payment import check_server_fields


class POSCashSession(metaclass=PoolMeta):
    __name__ = 'sale.point.cash.session'

    employee = fields.Many2One(
        'company.employee', "Cashier",
        states={
            'readonly': Eval('state') != 'open',
            },
        help="Who opened the shift and sells in it.")
    over_short = Monetary(
        "Over/Short", currency='currency', digits='currency', readonly=True,
        help="The cash counted at the close less the cash expected.")
    sales = fields.One2Many('sale.point.sale', 'shift', "Sales",
        readonly=True)
    deposits = fields.One2Many('sale.point.card.deposit', 'shift',
        "Card Money", readonly=True,
        help="The money taken for member cards sold and topped up.")

    @classmethod
    def default_employee(cls):
        pool = Pool()
        User = pool.get('res.user')
        user = User(Transaction().user)
        return user.employee.id if user.employee else None

    @classmethod
    def check_modification(cls, mode, sessions, values=None, external=False):
        """A cashier opens a shift of their own and counts its drawer
        while it is open; the over/short is the close's, and the shift of
        another cashier or a closed count is for a manager to reopen"""
        pool = Pool()
        User = pool.get('res.user')
        super().check_modification(
            mode, sessions, values=values, external=external)
        if not external or mode not in {'create', 'write'}:
            return
        check_server_fields(sessions, values, {'over_short'})
        if mode == 'write' and 'end_amount' in values:
            for session in sessions:
                if session.state != 'open':
                    raise CashierError(gettext(
                            'crm_cashier.msg_shift_counted',
                            shift=session.rec_name))
        if User.is_crm_manager():
            return
        employee = User(Transaction().user).employee
        if mode == 'create':
            others = [s for s in sessions if s.employee != employee]
        else:
            others = sessions if 'employee' in values else []
        for session in others:
            raise CashierError(gettext(
                    'crm_cashier.msg_shift_employee',
                    shift=session.rec_name))

    @classmethod
    def get_current(cls, point):
        "The open shift of point; none is opened by selling"
        sessions = cls.search([
                ('point', '=', point.id),
                ('state', '=', 'open'),
                ], limit=1)
        if not sessions:
            raise CashierError(gettext(
                    'crm_cashier.msg_shift_closed', point=point.rec_name))
        return sessions[0]

    @classmethod
    def get_balance(cls, sessions, name):
        pool = Pool()
        Deposit = pool.get('sale.point.card.deposit')
        balances = super().get_balance(sessions, name)
        # The cash paid for cards is in the drawer too
        for deposit in Deposit.search([
                    ('shift', 'in', [s.id for s in sessions]),
                    ('method.cash', '=', True),
                    ]):
            balances[deposit.shift.id] += deposit.amount
        return balances

    @property
    def cash_expected(self):
        "The cash the drawer should hold, before the over/short of the close"
        return self.start_amount + self.balance - (self.over_short or 0)

    def handover_lines(self):
        """[(method, sold, refunded)] of the payments of the shift's sales
        by payment method, cash included"""
        totals = {}
        for sale in self.sales:
            for payment in sale.payments:
                totals.setdefault(payment.method, [Decimal(0), Decimal(0)])
                if payment.amount >= 0:
                    totals[payment.method][0] += payment.amount
                else:
                    totals[payment.method][1] += payment.amount
        return sorted(((m, s, r) for m, (s, r) in totals.items()),
            key=lambda x: x[0].name)

    def handover_deposits(self):
        "[(method, amount)] of the money taken for cards in the shift"
        totals = {}
        for deposit in self.deposits:
            totals.setdefault(deposit.method, Decimal(0))
            totals[deposit.method] += deposit.amount
        return sorted(totals.items(), key=lambda x: x[0].name)

    @classmethod
    def copy(cls, sessions, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('over_short')
        default.setdefault('sales')
        default.setdefault('deposits')
        return super().copy(sessions, default=default)

    @classmethod
    def close(cls, sessions):
        pool = Pool()
        Transfer = pool.get('sale.point.cash.transfer')
        transfers = []
        for session in sessions:
            if session.state != 'open':
                continue
            difference = session.end_amount - (
                session.start_amount + session.balance)
            session.over_short = difference
            if difference and session.point.over_short_type:
                transfers.append(Transfer(point=session.point,
                        session=session, amount=difference,
                        type=session.point.over_short_type))
        Transfer.save(transfers)
        cls.save(sessions)
        super().close(cls.browse(sessions))

    @classmethod
    def open(cls, sessions):
        pool = Pool()
        Transfer = pool.get('sale.point.cash.transfer')
        sessions = [s for s in sessions if s.state == 'closed']
        super().open(sessions)
        Transfer.delete(Transfer.search([
                    ('session', 'in', [s.id for s in sessions]),
                    ('state', '=', 'draft'),
                    ('type', 'in', list({s.point.over_short_type.id
                                for s in sessions
                                if s.point.over_short_type})),
                    ]))
        cls.write(sessions, {'over_short': None})
