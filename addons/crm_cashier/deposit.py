# This file is part of the CRM suite.
"""Money taken for a member card, its sale (发卡) or a top-up (充值): paid by
a payment method of the till into the open shift of the cashier, counted at
its handover"""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import CashierError

# What pays for a card: money, not the card's own value
METHOD_DOMAIN = [
    ('member_card', '=', False),
    ('member_points', '=', False),
    ('member_package', '=', False),
    ]


class CardDeposit(ModelSQL, ModelView):
    "Money taken for a member card in a cashier's shift"
    __name__ = 'sale.point.card.deposit'
    __string__ = "Card Money"

    shift = fields.Many2One('sale.point.cash.session', "Shift",
        required=True, readonly=True, ondelete='RESTRICT')
    card = fields.Many2One('crm.membership.card', "Card", required=True,
        readonly=True, ondelete='RESTRICT')
    kind = fields.Selection([
            ('issue', "Card Sold"),
            ('top_up', "Top-Up"),
            ], "Kind", required=True, readonly=True)
    method = fields.Many2One('sale.point.payment.method', "Payment Method",
        required=True, readonly=True, ondelete='RESTRICT')
    amount = Monetary("Amount", currency='currency', digits='currency',
        required=True, readonly=True)
    currency = fields.Function(fields.Many2One(
            'currency.currency', "Currency"), 'get_currency')
    reference = fields.Char("Reference", readonly=True)
    value_line = fields.Many2One('crm.membership.value.line',
        "Stored Value Line", readonly=True, ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('create_date', 'DESC'))

    def get_currency(self, name):
        return self.shift.point.company.currency.id

    @classmethod
    def shift_of_user(cls, method, reference=None):
        """The open shift of the user at the till, which takes the money
        paid by method; refused when there is none or the method does not
        take money there"""
        pool = Pool()
        Session = pool.get('sale.point.cash.session')
        User = pool.get('res.user')
        employee = User(Transaction().user).employee
        shifts = Session.search([
                ('state', '=', 'open'),
                ('employee', '=', employee.id if employee else None),
                ], limit=1) if employee else []
        if not shifts:
            raise CashierError(gettext('crm_cashier.msg_deposit_no_shift'))
        shift, = shifts
        if (not method or method.from_card
                or method.company != shift.point.company):
            raise CashierError(gettext(
                    'crm_cashier.msg_deposit_method',
                    method=method.rec_name if method else ''))
        if method.reference_required and not reference:
            raise CashierError(gettext(
                    'crm_cashier.msg_payment_reference_required',
                    method=method.rec_name))
        return shift

    @classmethod
    def take(cls, shift, card, kind, method, amount, reference=None,
            line=None):
        "Record amount paid for card, once per stored value line"
        if line and cls.search([('value_line', '=', line.id)], limit=1):
            return
        cls.save([cls(shift=shift, card=card, kind=kind, method=method,
                    amount=amount, reference=reference, value_line=line)])


class CardMoneyStart:
    "How the money for a card is paid"
    __slots__ = ()
    method = fields.Many2One('sale.point.payment.method', "Paid by",
        domain=METHOD_DOMAIN,
        help="Paid at the till in the cashier's open shift.")
    reference = fields.Char("Reference",
        help="The reference of a bank card, WeChat Pay or Alipay payment.")


class CardIssueStart(CardMoneyStart, metaclass=PoolMeta):
    __name__ = 'crm.membership.card.issue.start'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.states = {'required': Eval('amount', 0) > 0}


class CardTopUpStart(CardMoneyStart, metaclass=PoolMeta):
    __name__ = 'crm.membership.card.top_up.start'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.required = True


class CardIssue(metaclass=PoolMeta):
    __name__ = 'crm.membership.card.issue'

    def transition_issue(self):
        pool = Pool()
        Deposit = pool.get('sale.point.card.deposit')
        ValueLine = pool.get('crm.membership.value.line')
        if self.record.type.kind != 'stored_value':
            # Counts and discounts are sold at the type's price
            self.start.amount = self.record.type.price
        paid = self.start.amount or 0
        if paid:
            shift = Deposit.shift_of_user(
                self.start.method, self.start.reference)
        state = super().transition_issue()
        if paid:
            lines = ValueLine.search([
                    ('card', '=', self.record.id),
                    ('kind', '=', 'issue'),
                    ], limit=1)
            Deposit.take(shift, self.record, 'issue', self.start.method,
                paid, self.start.reference, lines[0] if lines else None)
        return state


class CardTopUp(metaclass=PoolMeta):
    __name__ = 'crm.membership.card.top_up'

    def transition_top_up(self):
        pool = Pool()
        Deposit = pool.get('sale.point.card.deposit')
        ValueLine = pool.get('crm.membership.value.line')
        shift = Deposit.shift_of_user(self.start.method, self.start.reference)
        state = super().transition_top_up()
        line, = ValueLine.by_key('top_up-%s' % self._session_id)
        Deposit.take(shift, self.record, 'top_up', self.start.method,
            self.start.amount, self.start.reference, line)
        return state
