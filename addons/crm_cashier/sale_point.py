# This file is part of the CRM suite.
"""The till: its rounding (抹零), the totals of its sales as stored, the
shift a sale is paid in and the locks a payment takes"""
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, fields
from trytond.modules.crm_membership.ledger import lock_together
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .exceptions import CashierError

ROUNDINGS = {
    'drop_fen': (Decimal('0.1'), ROUND_DOWN),
    'drop_jiao': (Decimal(1), ROUND_DOWN),
    'half_jiao': (Decimal('0.1'), ROUND_HALF_UP),
    'half_yuan': (Decimal(1), ROUND_HALF_UP),
    }


class AmountsMemo:
    """The stored amounts of the sales read in a transaction since its
    last write, joined to the transaction so that its commit or rollback
    forgets them"""

    def __init__(self):
        self.counter = None
        self.amounts = {}

    def __eq__(self, other):
        # One per transaction: join() gives back the one already joined
        return isinstance(other, AmountsMemo)

    def __hash__(self):
        return hash(AmountsMemo)

    def forget(self, transaction=None):
        self.counter = None
        self.amounts.clear()

    def tpc_begin(self, transaction):
        pass

    def commit(self, transaction):
        pass

    def tpc_vote(self, transaction):
        pass

    tpc_finish = tpc_abort = forget


def rounded(amount, mode):
    "amount rounded as the rounding mode of a till says"
    if not mode or mode == 'none' or amount is None:
        return amount
    unit, rounding = ROUNDINGS[mode]
    # Away from zero as for a sale, so a refund mirrors it
    sign = -1 if amount < 0 else 1
    return sign * abs(amount).quantize(unit, rounding=rounding)



class POS(metaclass=PoolMeta):
    __name__ = 'sale.point'

    rounding = fields.Selection([
            ('none', "None"),
            ('drop_fen', "Drop the Fen"),
            ('drop_jiao', "Drop the Jiao"),
            ('half_jiao', "Round Half Up to the Jiao"),
            ('half_yuan', "Round Half Up to the Yuan"),
            ], "Rounding", required=True,
        help="How the total of a sale is rounded (抹零).")
    rounding_account = fields.Many2One(
        'account.account', "Rounding Account",
        domain=[
            ('type', '!=', None),
            ('closed', '!=', True),
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'required': Eval('rounding', 'none') != 'none',
            },
        help="Where the rounding of the sales is posted.")

    over_short_type = fields.Many2One(
        'sale.point.cash.transfer.type', "Over/Short Type",
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="The transfer that books the difference between the cash "
        "counted at the close of a shift and the cash expected.")

    @classmethod
    def default_rounding(cls):
        return 'none'


class POSSale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    shift = fields.Many2One(
        'sale.point.cash.session', "Shift", readonly=True,
        ondelete='RESTRICT',
        help="The cashier's shift the sale was paid in.")
    rounding_amount = Monetary(
        "Rounding", currency='currency', digits='currency', readonly=True,
        help="What the rounding of the till (抹零) adds to the total.")
    change_amount = fields.Function(Monetary(
            "Change", currency='currency', digits='currency'),
        'on_change_with_change_amount')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # The till reads them a dozen times per sale on stored sales; the
        # on_change_with methods stay for the form's unsaved values
        for name in ['total', 'amount_paid', 'amount_to_pay']:
            getattr(cls, name).getter = 'get_amounts'
        # The day's and the month's sales are read by date (boards, reports)
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.date, Index.Range())))
    @classmethod
    def default_rounding_amount(cls):
        return Decimal(0)

    @fields.depends('rounding_amount', methods=['_lines_total'])
    def on_change_with_total(self, name=None):
        return self._lines_total() + (self.rounding_amount or 0)

    @fields.depends('company', 'lines')
    def _lines_total(self):
        return super().on_change_with_total()

    @fields.depends('payments')
    def on_change_with_change_amount(self, name=None):
        return sum(p.change or 0 for p in self.payments)

    def _rounded_lines_total(self):
        "The total of the lines paid in money, not by a count package"
        return self._lines_total() - sum(line.gross_amount
            for line in self.lines
            if line.package_use or (
                line.refund_of and line.refund_of.package_use))

    @classmethod
    def stored_amounts(cls, sales):
        """{sale id: (total of the lines, total of those paid in money,
        amount paid)} as stored, in one query each for all sales; read again
        only once the transaction has written something since"""
        pool = Pool()
        Line = pool.get('sale.point.sale.line')
        Payment = pool.get('sale.point.payment')
        transaction = Transaction()
        joined = transaction.join(AmountsMemo())
        if joined.counter != transaction.counter:
            joined.forget()
            joined.counter = transaction.counter
        memo = joined.amounts
        currencies = {s.id: s.company.currency
            for s in sales if s.id not in memo}
        amounts = {i: [Decimal(0), Decimal(0), Decimal(0)]
            for i in currencies}
        for sub_ids in grouped_slice(
                list(currencies), backend.MAX_QUERY_PARAMS):
            sub_ids = list(sub_ids)
            for line in Line.search_read([
                        ('sale', 'in', sub_ids),
                        ], fields_names=['sale', 'quantity',
                        'unit_gross_price', 'package_use',
                        'refund_of.package_use']):
                # As sale_point's gross_amount
                amount = (Decimal(str(line['quantity'] or 0))
                    * (line['unit_gross_price'] or Decimal(0)))
                if currency := currencies[line['sale']]:
                    amount = currency.round(amount)
                refund_of = line.get('refund_of.') or {}
                amounts[line['sale']][0] += amount
                if not (line['package_use'] or refund_of.get('package_use')):
                    amounts[line['sale']][1] += amount
            for payment in Payment.search_read([
                        ('sale', 'in', sub_ids),
                        ], fields_names=['sale', 'amount']):
                amounts[payment['sale']][2] += payment['amount'] or 0
        memo.update((i, tuple(a)) for i, a in amounts.items())
        return {s.id: memo[s.id] for s in sales}

    @classmethod
    def get_amounts(cls, sales, names):
        amounts = cls.stored_amounts(sales)
        result = {name: {} for name in names}
        for sale in sales:
            lines_total, _, paid = amounts[sale.id]
            total = lines_total + (sale.rounding_amount or 0)
            for name, value in [
                    ('total', total),
                    ('amount_paid', paid),
                    ('amount_to_pay', total - paid),
                    ]:
                if name in result:
                    result[name][sale.id] = value
        return result

    def expected_rounding(self):
        """The rounding the till's mode gives the lines paid in money, as
        stored"""
        total = self.stored_amounts([self])[self.id][1]
        return rounded(total, self.point.rounding) - total

    def apply_rounding(self):
        """Round the total as the till says, within the limit of the
        cashier"""
        if self.refund_of:
            # A refund gives back its share of the sale's rounding
            return
        rounding = self.expected_rounding()
        employee = self.till_employee()
        limit = employee.till_rounding_limit if employee else None
        if limit is not None and abs(rounding) > limit:
            raise CashierError(gettext(
                    'crm_cashier.msg_rounding_limit',
                    sale=self.rec_name, rounding=abs(rounding),
                    employee=employee.rec_name, limit=limit))
        if rounding != self.rounding_amount:
            self.rounding_amount = rounding
            self.save()

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('rounding_amount', Decimal(0))
        default.setdefault('shift')
        return super().copy(sales, default=default)

    @classmethod
    def open(cls, sales):
        for sale in sales:
            if sale.member_counted:
                raise CashierError(gettext(
                        'crm_cashier.msg_sale_member_counted',
                        sale=sale.rec_name))
            if (sale.refund_of
                    or any(r.state != 'cancelled' for r in sale.refunds)
                    or any(line.commissions for line in sale.lines)):
                raise CashierError(gettext(
                        'crm_cashier.msg_sale_refunded_reopen',
                        sale=sale.rec_name))
        reopened = [s for s in sales if s.state == 'done']
        super().open(sales)
        Pool().get('sale.point.takings').add(reopened, sign=-1)

    def till_employee(self):
        """The employee whose limits apply: the user's at the till, not
        the employee a client wrote on the sale"""
        pool = Pool()
        User = pool.get('res.user')
        transaction = Transaction()
        if not transaction.user:
            # The server itself (cron, tests): the sale's
            return self.employee
        # The user's employee of the company, which a user without one
        # may not borrow from the sale
        return User(transaction.user).employee

    def current_shift(self):
        "The open shift of the till, which must be the cashier's"
        pool = Pool()
        Session = pool.get('sale.point.cash.session')
        shift = Session.get_current(self.point)
        if (shift.employee and self.employee
                and shift.employee != self.employee):
            raise CashierError(gettext(
                    'crm_cashier.msg_shift_other_cashier',
                    point=self.point.rec_name,
                    cashier=shift.employee.rec_name))
        return shift

    def lock_for_payment(self):
        """Lock what a payment of the sale may lock: the card it is paid
        from, the member whose spend it counts and the till's sequence that
        numbers it when the last payment processes it"""
        lock_together(
            [self.point.sequence] if self.point else [],
            [self.card] if self.card else [],
            [self.member] if self.member else [])

    @classmethod
    def do(cls, sales):
        for sale in sales:
            sale.apply_rounding()
        # Counted before the transition, which saves the member's figures
        # with the number, so that the sale is written once less
        cls.count_for_members(
            [s for s in sales if s.card and s.state == 'open'])
        opened = [s for s in sales if s.state == 'open']
        super().do(sales)
        Pool().get('sale.point.takings').add(
            [s for s in opened if s.state == 'done'])
        cls.create_commissions([s for s in sales if s.state == 'done'])

    def get_account_move(self):
        pool = Pool()
        MoveLine = pool.get('account.move.line')
        move = super().get_account_move()
        if self.rounding_amount:
            line = MoveLine(account=self.point.rounding_account,
                debit=max(-self.rounding_amount, 0),
                credit=max(self.rounding_amount, 0))
            move.lines = list(move.lines) + [line]
        return move

