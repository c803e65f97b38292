# This file is part of the CRM suite.
"""Payments at the till: the methods that take stored value, points or
counts from the member's card, the Pay dialog and its card part"""
import uuid
from decimal import Decimal

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.crm_membership.ledger import line_key
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction
from trytond.wizard import StateReport

from .exceptions import CashierError


# Set by the server only: the Pay dialog, pay_from_card and refund_lines
SERVER_PAYMENT_FIELDS = {'card', 'card_line', 'points', 'card_key',
    'refund_of', 'cash_received', 'change'}
SERVER_SALE_FIELDS = {'refund_of', 'refunds', 'member_counted', 'shift',
    'member_balance_after', 'member_points_after', 'rounding_amount',
    'sale_level'}
SERVER_LINE_FIELDS = {'refund_of', 'package_use', 'commissions'}


def check_server_fields(records, values, names):
    "Refuse what a client sent for fields the server alone sets"
    if values is not None:
        sent = set(values) & names
    else:
        sent = {n for n in names for r in records if getattr(r, n, None)}
    if sent:
        Model = records[0].__class__
        strings = Model.fields_get(sorted(sent))
        raise CashierError(gettext('crm_cashier.msg_server_field',
                fields='、'.join(strings.get(n, {}).get('string', n)
                    for n in sorted(sent))))


class POSSale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    def card_payment_key(self, key, kind):
        """The ledger key of a payment of kind (value, points or package)
        from the sale's card, made of the key of the Pay form: scoped to
        this sale and its card, a key sent from another sale matches
        nothing"""
        if key is None:
            key = str(uuid.uuid4())
        else:
            try:
                key = str(uuid.UUID(key))
            except (TypeError, ValueError, AttributeError):
                raise CashierError(gettext(
                        'crm_cashier.msg_card_key_invalid',
                        sale=self.rec_name))
        return '%s,%s,%s,%s,%s' % (
            self.__name__, self.id, self.card.id, kind, key)

    @classmethod
    def check_modification(cls, mode, sales, values=None, external=False):
        super().check_modification(
            mode, sales, values=values, external=external)
        if external and mode in {'create', 'write'}:
            check_server_fields(sales, values, SERVER_SALE_FIELDS)
            # The day of a sale dates its points, spend and commissions
            today = Pool().get('ir.date').today()
            if mode == 'create':
                dates = {s.date for s in sales}
            else:
                dates = {values['date']} if 'date' in values else set()
            for date in dates - {None, today}:
                raise CashierError(gettext(
                        'crm_cashier.msg_sale_date', date=date))
        if mode == 'delete' or (mode == 'write' and 'card' in values):
            for sale in sales:
                sale.check_not_card_paid()
        if mode == 'write' and set(values) & {'date', 'point', 'company'}:
            # The takings of its day and till count a finished sale
            for sale in sales:
                if sale.state != 'open':
                    raise CashierError(gettext(
                            'crm_cashier.msg_sale_finished_moved',
                            sale=sale.rec_name))

    def check_not_card_paid(self):
        "Refuse changing a sale the member card has paid part of"
        if any(p.card for p in self.payments):
            raise CashierError(gettext(
                    'crm_cashier.msg_sale_card_paid', sale=self.rec_name))


class POSSaleLine(metaclass=PoolMeta):
    __name__ = 'sale.point.sale.line'

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if external and mode in {'create', 'write'}:
            check_server_fields(lines, values, SERVER_LINE_FIELDS)
        if mode == 'write' and set(values) <= {'package_use'}:
            return
        for sale in {line.sale for line in lines}:
            sale.check_not_card_paid()


class POSPaymentMethod(metaclass=PoolMeta):
    __name__ = 'sale.point.payment.method'

    member_card = fields.Boolean("Member Card",
        help="Paid from the stored value of the sale's member card.")
    member_package = fields.Boolean("Member Count Package",
        help="Paid with the counts of the card's packages for the lines of "
        "their service.")
    member_points = fields.Boolean("Member Points",
        help="Paid with the points of the sale's member card, at the "
        "configured value of a point.")
    reference_required = fields.Boolean("Reference Required",
        help="The cashier records the reference of the payment, as for a "
        "bank card, WeChat Pay or Alipay.")

    _card_method_cache = Cache(
        'sale.point.payment.method.card_method', context=False)

    @classmethod
    def default_member_card(cls):
        return False

    @classmethod
    def default_member_package(cls):
        return False

    @classmethod
    def default_member_points(cls):
        return False

    @classmethod
    def default_reference_required(cls):
        return False

    @property
    def from_card(self):
        "Whether the method takes value, points or counts from the card"
        return self.member_card or self.member_points or self.member_package

    @classmethod
    def on_modification(cls, mode, methods, field_names=None):
        super().on_modification(mode, methods, field_names=field_names)
        cls._card_method_cache.clear()

    @classmethod
    def card_method(cls, company):
        "The company's stored value method, or None"
        # Looked up by each checkout that takes a part from the card
        method_id = cls._card_method_cache.get(company.id, -1)
        if method_id == -1:
            methods = cls.search([
                    ('company', '=', company.id),
                    ('member_card', '=', True),
                    ], limit=1)
            method_id = methods[0].id if methods else None
            cls._card_method_cache.set(company.id, method_id)
        return cls(method_id) if method_id is not None else None


class POSPayment(metaclass=PoolMeta):
    __name__ = 'sale.point.payment'

    card = fields.Many2One(
        'crm.membership.card', "Member Card", readonly=True,
        ondelete='RESTRICT')
    card_line = fields.Many2One(
        'crm.membership.value.line', "Card Payment", readonly=True,
        ondelete='RESTRICT')
    points = fields.Integer("Points Used", readonly=True)
    card_key = fields.Char("Card Key", readonly=True, strip=False)
    reference = fields.Char("Reference",
        states={
            'required': Bool(Eval('reference_required')),
            'readonly': Eval('sale_state') != 'open',
            })
    reference_required = fields.Function(fields.Boolean(
            "Reference Required"), 'on_change_with_reference_required')
    pin = fields.Function(fields.Char("PIN", strip=False,
            states={
                'invisible': ~Eval('member_card') & ~Eval('card_amount'),
                }), 'get_pin', setter='set_pin')
    member_card = fields.Function(fields.Boolean("Member Card"),
        'on_change_with_member_card')
    card_amount = fields.Function(Monetary(
            "From the Member Card", currency='currency', digits='currency',
            states={
                'invisible': ~Eval('sale_card') | Eval('member_card'),
                },
            help="The part paid from the card's stored value together "
            "with this payment, which pays the rest."),
        'get_card_amount', setter='set_card_amount')
    sale_card = fields.Function(fields.Boolean("Sale with Member Card"),
        'on_change_with_sale_card')
    refund_of = fields.Many2One(
        'sale.point.payment', "Refund of", readonly=True,
        ondelete='RESTRICT',
        states={
            'invisible': ~Eval('refund_of'),
            })
    cash_received = Monetary(
        "Cash Received", currency='currency', digits='currency',
        readonly=True)
    change = Monetary(
        "Change", currency='currency', digits='currency', readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # A refund gives back to any method what it paid
        cls.method.domain = [
            ('company', '=', Eval('company', -1)),
            If((Eval('amount', 0) < 0) & ~Eval('refund_of'),
                ('cash', '=', True),
                ()),
            ]

    @classmethod
    def fields_view_get(cls, view_id=None, view_type='form', level=None):
        # The form of the Pay dialog is the same for every sale but Tryton
        # caches views per whole context, which carries the sale's id there
        with Transaction().set_context(
                active_id=None, active_ids=None, active_model=None):
            return super().fields_view_get(
                view_id=view_id, view_type=view_type, level=level)

    @fields.depends('method')
    def on_change_with_member_card(self, name=None):
        return bool(self.method and self.method.from_card)

    @fields.depends('method')
    def on_change_with_reference_required(self, name=None):
        return bool(self.method and self.method.reference_required)

    @fields.depends('sale', '_parent_sale.card')
    def on_change_with_sale_card(self, name=None):
        return bool(self.sale and self.sale.card)

    @fields.depends('card_amount', 'sale', '_parent_sale.id')
    def on_change_card_amount(self):
        # What is left for this payment, the cashier then types the cash
        # received over it
        if self.sale and self.sale.id >= 0 and self.card_amount:
            self.amount = max(
                self.sale.__class__(self.sale.id).amount_to_pay
                - self.card_amount, 0)

    def get_card_amount(self, name):
        # The card part becomes a payment of its own
        return None

    @classmethod
    def set_card_amount(cls, payments, name, value):
        pass

    def pay_card_part(self, pin=None, key=None):
        """Pay the card part of this payment from the card, with the
        idempotency key, and return it as a payment of its own by the
        company's stored value method, which the caller saves"""
        pool = Pool()
        Method = pool.get('sale.point.payment.method')
        if self.method and self.method.from_card:
            raise CashierError(gettext(
                    'crm_cashier.msg_card_part_from_card',
                    method=self.method.rec_name))
        method = Method.card_method(self.sale.company)
        if not method:
            raise CashierError(gettext(
                    'crm_cashier.msg_card_part_no_method'))
        payment = self.__class__(sale=self.sale, method=method,
            amount=self.card_amount)
        payment.pay_from_card(pin, key=key)
        return payment

    def get_pin(self, name):
        # The PIN is checked, never kept
        return None

    @classmethod
    def set_pin(cls, payments, name, value):
        # The cashier types it; pay_from_card checks it, nothing keeps it
        pass

    @classmethod
    def copy(cls, payments, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('card')
        default.setdefault('card_line')
        default.setdefault('points')
        default.setdefault('card_key')
        default.setdefault('cash_received')
        default.setdefault('change')
        default.setdefault('refund_of')
        return super().copy(payments, default=default)

    def pay_from_card(self, pin=None, key=None):
        """Debit the stored value of the sale's card (or its points, as the
        method says) by the amount of this payment, before the payment is
        saved so that a refusal writes nothing; a key already used returns
        its debit"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Line = pool.get('sale.point.sale.line')
        sale = self.sale
        if not sale.card:
            raise CashierError(gettext(
                    'crm_cashier.msg_card_payment_no_card',
                    sale=sale.rec_name))
        uses = []
        if self.method.member_package:
            uses = self._package_uses()
            if not uses:
                raise CashierError(gettext(
                        'crm_cashier.msg_package_nothing',
                        card=sale.card.rec_name))
            self.amount = sum(amount for _, _, _, amount in uses)
        if not self.amount or self.amount <= 0:
            raise CashierError(gettext(
                    'crm_cashier.msg_card_payment_amount',
                    amount=self.amount or 0))
        # As stored, the sums the sale's total and amount paid are made of
        lines_total, _, paid = sale.stored_amounts([sale])[sale.id]
        total = lines_total + (sale.rounding_amount or 0)
        if self.id is not None and self.id >= 0:
            paid -= self.__class__(self.id).amount
        # Change given back (a negative payment) is not money the card may
        # pay out
        paid -= sum(p['amount'] for p in self.__class__.search_read([
                    ('sale', '=', sale.id),
                    ('amount', '<', 0),
                    ('id', '!=', self.id if self.id is not None else -1),
                    ], fields_names=['amount']))
        if paid + self.amount > total:
            raise CashierError(gettext(
                    'crm_cashier.msg_card_payment_over',
                    amount=self.amount, to_pay=total - paid))
        self.card = sale.card
        self.card_key = key = sale.card_payment_key(key, self.card_kind)
        if self._key_used(key):
            # The key of a payment since deleted: its debit was given back
            raise CashierError(gettext(
                    'crm_cashier.msg_card_key_used', sale=sale.rec_name))
        if self.method.member_points:
            lines = Card.pay_with_points(sale.card, self.amount, origin=sale,
                pin=pin, key=key, spend=False)
            self.points = -sum(x.points for x in lines)
        elif uses:
            for index, (line, package, quantity, _) in enumerate(uses):
                line.package_use = Card.use_package(package, quantity,
                    employee=sale.employee, origin=sale, pin=pin,
                    key=line_key(key, index), spend=False)
            Line.save([line for line, _, _, _ in uses])
        else:
            self.card_line = Card.debit(sale.card, self.amount,
                origin=sale, pin=pin, key=key, spend=False)

    @property
    def card_kind(self):
        "What the payment takes from the card: value, points or package"
        if self.method and self.method.member_points:
            return 'points'
        elif self.method and self.method.member_package:
            return 'package'
        return 'value'

    def _key_used(self, key):
        "Whether a ledger of the card holds a line with key"
        pool = Pool()
        Ledger = pool.get({
                'value': 'crm.membership.value.line',
                'points': 'crm.membership.point.line',
                'package': 'crm.membership.package.line',
                }[self.card_kind])
        return bool(Ledger.by_key(key))

    def _package_uses(self):
        """[(line, package, counts, amount)] for the lines of the sale not
        yet paid that a package of its card covers, in whole counts"""
        pool = Pool()
        Date = pool.get('ir.date')
        sale = self.sale
        date = sale.date or Date.today()
        left = {}
        for package in sale.card.packages:
            if package.remaining > 0 and not (
                    package.expiry and package.expiry < date):
                left.setdefault(package.product, []).append(package)
        uses = []
        for line in sale.lines:
            quantity = line.quantity or 0
            if (line.package_use or quantity <= 0
                    or quantity != int(quantity)):
                continue
            for package in left.get(line.product, []):
                if package.remaining >= quantity:
                    package.remaining -= int(quantity)
                    uses.append(
                        (line, package, int(quantity), line.gross_amount))
                    break
        return uses

    @classmethod
    def delete(cls, payments):
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Line = pool.get('sale.point.sale.line')
        PackageLine = pool.get('crm.membership.package.line')
        for payment in payments:
            key = '%s,%s,refund' % (cls.__name__, payment.id)
            if payment.card_line:
                if not payment.own_line(payment.card_line):
                    raise CashierError(gettext(
                            'crm_cashier.msg_payment_not_own_line',
                            payment=payment.rec_name))
                Card.credit(payment.card, payment.amount,
                    origin=payment.sale, payment=payment.card_line,
                    key=key, spend=False)
            elif payment.points:
                Card.refund_points(payment.card, payment.point_lines(),
                    origin=payment.sale, key=key)
            elif payment.card_key:
                uses = [x for x in PackageLine.by_key(payment.card_key)
                    if x.kind == 'use' and payment.own_line(x)]
                for index, use in enumerate(uses):
                    Card.refund_package(use, origin=payment.sale,
                        key=line_key(key, index))
                lines = Line.search([('package_use', 'in', uses)])
                Line.write(lines, {'package_use': None})
        super().delete(payments)

    @classmethod
    def check_modification(cls, mode, payments, values=None, external=False):
        super().check_modification(
            mode, payments, values=values, external=external)
        if external and mode in {'create', 'write'}:
            check_server_fields(payments, values, SERVER_PAYMENT_FIELDS)
            if mode == 'create':
                for payment in payments:
                    if payment.amount is not None and payment.amount < 0:
                        raise CashierError(gettext(
                                'crm_cashier.msg_payment_negative',
                                payment=payment.rec_name))
                    if payment.method.from_card:
                        raise CashierError(gettext(
                                'crm_cashier.msg_card_payment_wizard',
                                method=payment.method.rec_name))
        if mode == 'write' and values.keys() & {'amount', 'method', 'sale'}:
            for payment in payments:
                if payment.card:
                    raise CashierError(gettext(
                            'crm_cashier.msg_card_payment_edit',
                            payment=payment.rec_name))

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Method = pool.get('sale.point.payment.method')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('method') and not values.get(
                'card'):
            method = Method(values['method'])
            if method.from_card:
                raise CashierError(gettext(
                        'crm_cashier.msg_card_payment_wizard',
                        method=method.rec_name))
        return values

    def point_lines(self):
        "The lines that took the points of this payment"
        pool = Pool()
        PointLine = pool.get('crm.membership.point.line')
        return [x for x in PointLine.by_key(self.card_key)
            if x.kind == 'spend' and self.own_line(x)]

    def own_line(self, line):
        "Whether the ledger line was written for this payment"
        card = line.package.card if hasattr(line, 'package') else line.card
        return (bool(self.card_key) and card == self.card
            and line.origin == self.sale
            and (line.key or '').split('#')[0] == self.card_key)


class POSPay(metaclass=PoolMeta):
    __name__ = 'sale.point.sale.pay'
    receipt = StateReport('sale.point.sale.receipt')

    def default_payment(self, fields):
        if self.record.state == 'open':
            self.record.apply_rounding()
        default = super().default_payment(fields)
        default['amount'] = self.model(self.record.id).amount_to_pay
        default['sale_card'] = bool(self.record.card)
        if self.record.card:
            # The key of what this form takes from the card: the same
            # request sent again finds it paid
            default['card_key'] = str(uuid.uuid4())
        return default

    def transition_pay(self):
        pool = Pool()
        Payment = pool.get('sale.point.payment')
        sale = self.record
        sale.lock_for_payment()
        # A wizard saves what the client sent without access checks: only
        # the form's key is taken, to be scoped, the rest is the server's
        for name in SERVER_PAYMENT_FIELDS - {'card_key'}:
            setattr(self.payment, name, None)
        key, self.payment.card_key = self.payment.card_key, None
        if self.payment.card_amount:
            kind = 'value'
        elif self.payment.method and self.payment.method.from_card:
            kind = self.payment.card_kind
        else:
            kind = None
        if key and kind and sale.card and Payment.search([
                    ('sale', '=', sale.id),
                    ('card_key', '=', sale.card_payment_key(key, kind)),
                    ], limit=1):
            if self.model(sale.id).amount_to_pay:
                return 'payment'
            return 'receipt' if sale.state == 'done' else 'end'
        if sale.state == 'open':
            sale.check_line_discounts()
        shift = sale.current_shift()
        if sale.shift != shift:
            sale.shift = shift
            sale.save()
        method = self.payment.method
        if method and method.member_package:
            # Rounded again on what is left to pay in money
            if sale.rounding_amount:
                sale.rounding_amount = Decimal(0)
                sale.save()
        else:
            sale.apply_rounding()
        to_pay = self.model(self.record.id).amount_to_pay
        if (method and method.reference_required
                and not self.payment.reference):
            raise CashierError(gettext(
                    'crm_cashier.msg_payment_reference_required',
                    method=method.rec_name))
        if self.payment.card_amount:
            self.payment.sale = self.record
            card_payment = self.payment.pay_card_part(
                self.payment.pin, key=key)
            self.payment.card_amount = None
            to_pay -= card_payment.amount
        else:
            card_payment = None
        if (method and method.cash and to_pay > 0
                and (self.payment.amount or 0) > to_pay):
            # The cash drawer keeps what was paid; the rest goes back
            self.payment.cash_received = self.payment.amount
            self.payment.change = self.payment.amount - to_pay
            self.payment.amount = to_pay
        if method and method.from_card:
            self.payment.sale = self.record
            self.payment.pay_from_card(self.payment.pin, key=key)
        if card_payment:
            # As sale_point's transition_pay, the card part and the rest
            # saved in one create; the card part alone when it was all the
            # cashier took this time
            payments = [card_payment]
            if self.payment.amount:
                self.payment.sale = self.record
                payments.append(self.payment)
                to_pay -= self.payment.amount
            Payment.save(payments)
            if to_pay:
                return 'payment'
            self.model.process([self.record])
            return 'receipt' if self.record.state == 'done' else 'end'
        state = super().transition_pay()
        if state == 'end' and self.record.state == 'done':
            return 'receipt'
        return state

    def do_receipt(self, action):
        # The client prints the records the action's data names
        return action, {
            'model': self.record.__name__,
            'id': self.record.id,
            'ids': [self.record.id],
            }
