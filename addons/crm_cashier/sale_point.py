# This file is part of the CRM suite.
"""The member at the till: the POS sale knows the member's card, prices its
lines at the level's discount, is paid from the card's stored value and,
once done, counts the member's spend and earns the points"""
import datetime as dt
import uuid
from decimal import ROUND_DOWN, Decimal

from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.crm_membership.ledger import line_key
from trytond.modules.currency.fields import Monetary
from trytond.modules.product import price_digits, round_price
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval

from .exceptions import CashierError

RATE = (16, 4)


def line_prices(level, product, list_price, gross_price):
    """The rate of the level's discount on product and the unit list and
    gross prices after it"""
    if (not level or not product or not level.discount_rate
            or list_price is None or gross_price is None):
        return Decimal(0), list_price, gross_price
    excluded = set(level.excluded_categories)
    if excluded & set(product.categories_all):
        return Decimal(0), list_price, gross_price
    rate = level.discount_rate
    factor = 1 - rate
    return (rate, round_price(list_price * factor),
        round_price(gross_price * factor))


class POSSale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    card = fields.Many2One(
        'crm.membership.card', "Member Card",
        domain=[('state', '=', 'active')],
        states={
            'readonly': Eval('state') != 'open',
            },
        help="Swipe the card, or type its number, the member's mobile, "
        "its last four digits or the name in pinyin.")
    member = fields.Many2One(
        'party.party', "Member", readonly=True, ondelete='RESTRICT',
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    member_level = fields.Function(fields.Many2One(
            'crm.membership.level', "Level"), 'on_change_with_member_level')
    member_discount = fields.Function(fields.Numeric(
            "Discount Rate", digits=RATE), 'on_change_with_member_discount')
    member_balance = fields.Function(Monetary(
            "Stored Value", currency='currency', digits='currency'),
        'on_change_with_member_balance')
    member_points = fields.Function(fields.Integer("Points"),
        'on_change_with_member_points')
    member_packages = fields.Function(fields.Char("Count Packages"),
        'on_change_with_member_packages')
    member_birthday_week = fields.Function(fields.Boolean(
            "Birthday this Week"), 'on_change_with_member_birthday_week')
    member_days_since_visit = fields.Function(fields.Integer(
            "Days since Last Visit"),
        'on_change_with_member_days_since_visit')
    member_counted = fields.Boolean("Counted for the Member", readonly=True,
        help="The member's spend and points include this sale.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons['open']['invisible'] |= Bool(Eval('member_counted'))
        cls._buttons['open']['depends'] = (
            list(cls._buttons['open'].get('depends', []))
            + ['member_counted'])

    @classmethod
    def default_member_counted(cls):
        return False

    @fields.depends('card', methods=['_reprice_lines'])
    def on_change_card(self):
        self.member = self.card.party if self.card else None
        self._reprice_lines()

    @fields.depends('card', 'lines', 'point', 'company')
    def _reprice_lines(self):
        level = self.card.level if self.card else None
        for line in self.lines:
            line.apply_member_discount(level)
        self.lines = self.lines

    @fields.depends('card')
    def on_change_with_member_level(self, name=None):
        return self.card.level if self.card else None

    @fields.depends('card')
    def on_change_with_member_discount(self, name=None):
        if self.card and self.card.level:
            return self.card.level.discount_rate

    @fields.depends('card')
    def on_change_with_member_balance(self, name=None):
        if self.card:
            return self.card.balance

    @fields.depends('card')
    def on_change_with_member_points(self, name=None):
        if self.card:
            return self.card.points

    @fields.depends('card')
    def on_change_with_member_packages(self, name=None):
        if self.card:
            return '; '.join(
                '%s × %s' % (p.product.rec_name, p.remaining)
                for p in self.card.packages if p.remaining > 0)

    @fields.depends('card', 'date')
    def on_change_with_member_birthday_week(self, name=None):
        if not self.card or not self.card.party:
            return False
        birthday = self.card.party.birthday
        date = self.date or Pool().get('ir.date').today()
        if not birthday:
            return False
        monday = date - dt.timedelta(days=date.weekday())
        for year in {monday.year, (monday + dt.timedelta(days=6)).year}:
            try:
                day = birthday.replace(year=year)
            except ValueError:
                # Born on 29 February
                day = dt.date(year, 2, 28)
            if monday <= day < monday + dt.timedelta(days=7):
                return True
        return False

    @fields.depends('card')
    def on_change_with_member_days_since_visit(self, name=None):
        if self.card and self.card.party:
            return self.card.party.member_days_since_visit

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('member_counted', False)
        return super().copy(sales, default=default)

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Card = pool.get('crm.membership.card')
        values = super().preprocess_values(mode, values)
        # The member is the card's, whatever the client sends
        if 'card' in values:
            card = Card(values['card']) if values['card'] else None
            values['member'] = card.party.id if card and card.party else None
        return values

    @classmethod
    def check_modification(cls, mode, sales, values=None, external=False):
        super().check_modification(
            mode, sales, values=values, external=external)
        if mode == 'delete' or (mode == 'write' and 'card' in values):
            for sale in sales:
                if any(p.card for p in sale.payments):
                    raise CashierError(gettext(
                            'crm_cashier.msg_sale_card_paid',
                            sale=sale.rec_name))

    @classmethod
    def open(cls, sales):
        for sale in sales:
            if sale.member_counted:
                raise CashierError(gettext(
                        'crm_cashier.msg_sale_member_counted',
                        sale=sale.rec_name))
        super().open(sales)

    @classmethod
    def do(cls, sales):
        super().do(sales)
        cls.count_for_members(
            [s for s in sales if s.state == 'done' and s.card])

    @classmethod
    def count_for_members(cls, sales):
        """Add each sale to its member's spend and give its card the points
        of the level on what was paid, not on the bonus of the card"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Party = pool.get('party.party')
        for sale in sales:
            if sale.member_counted:
                continue
            card = Card(sale.card.id)
            # Points and packages are not money spent
            spent = sale.total - sum(
                p.amount for p in sale.payments
                if p.card and not p.card_line)
            if sale.member:
                Party.record_spend(sale.member, spent, sale.date)
            # Nor does the card's bonus earn points
            earning = spent - sum(
                -p.card_line.bonus for p in sale.payments if p.card_line)
            points = 0
            if card.level:
                points = earning * card.level.points_per_yuan
                points = int(points.quantize(Decimal(1), rounding=ROUND_DOWN))
            usable = card.state == 'active' and not (
                card.expiry and card.expiry < sale.date)
            if points > 0 and usable:
                Card.earn_points(card, points, origin=sale,
                    key='%s,%s' % (cls.__name__, sale.id), date=sale.date)
            sale.member_counted = True
        cls.save(sales)


class POSSaleLine(metaclass=PoolMeta):
    __name__ = 'sale.point.sale.line'

    base_list_price = fields.Numeric(
        "Base List Price", digits=price_digits,
        states={
            'readonly': True,  # Allow client to send value
            })
    base_gross_price = fields.Numeric(
        "Base Gross Price", digits=price_digits,
        states={
            'readonly': True,  # Allow client to send value
            })
    member_discount = fields.Numeric(
        "Member Discount", digits=RATE,
        states={
            'readonly': True,  # Allow client to send value
            })
    discount_amount = fields.Function(Monetary(
            "Discount", currency='currency', digits='currency'),
        'on_change_with_discount_amount')
    package_use = fields.Many2One(
        'crm.membership.package.line', "Package Use", readonly=True,
        ondelete='RESTRICT')

    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('package_use')
        return super().copy(lines, default=default)

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if mode == 'write' and set(values) <= {'package_use'}:
            return
        sales = {line.sale for line in lines}
        for sale in sales:
            if any(p.card for p in sale.payments):
                raise CashierError(gettext(
                        'crm_cashier.msg_sale_card_paid',
                        sale=sale.rec_name))

    @fields.depends('sale', '_parent_sale.card',
        methods=['apply_member_discount'])
    def on_change_product(self):
        super().on_change_product()
        self.base_list_price = self.unit_list_price
        self.base_gross_price = self.unit_gross_price
        level = self.sale.card.level if self.sale and self.sale.card else None
        self.apply_member_discount(level)

    @fields.depends('product', 'base_list_price', 'base_gross_price',
        methods=['on_change_with_unit_price', 'on_change_with_amount',
            'on_change_with_discount_amount'])
    def apply_member_discount(self, level):
        "Price the line at the discount of level"
        self.member_discount, self.unit_list_price, self.unit_gross_price = (
            line_prices(level, self.product, self.base_list_price,
                self.base_gross_price))
        self.unit_price = self.on_change_with_unit_price()
        self.amount = self.on_change_with_amount()
        self.discount_amount = self.on_change_with_discount_amount()

    @fields.depends('currency', 'quantity', 'base_list_price',
        'base_gross_price', 'sale', '_parent_sale.point',
        methods=['on_change_with_unit_price'])
    def on_change_with_discount_amount(self, name=None):
        if not self.sale or not self.sale.point:
            return
        if self.sale.point.tax_included:
            base = self.base_gross_price
        else:
            base = self.base_list_price
        if base is None:
            return
        amount = (Decimal(str(self.quantity or 0))
            * (base - (self.on_change_with_unit_price() or 0)))
        return self.currency.round(amount) if self.currency else amount


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
                'invisible': ~Eval('member_card'),
                }), 'get_pin')
    member_card = fields.Function(fields.Boolean("Member Card"),
        'on_change_with_member_card')

    @fields.depends('method')
    def on_change_with_member_card(self, name=None):
        return bool(self.method and self.method.from_card)

    @fields.depends('method')
    def on_change_with_reference_required(self, name=None):
        return bool(self.method and self.method.reference_required)

    def get_pin(self, name):
        # The PIN is checked, never kept
        return None

    @classmethod
    def copy(cls, payments, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('card')
        default.setdefault('card_line')
        default.setdefault('points')
        default.setdefault('card_key')
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
        paid = sum(p.amount or 0 for p in self.search([
                    ('sale', '=', sale.id),
                    ('id', '!=', self.id or -1),
                    ]))
        if paid + self.amount > sale.total:
            raise CashierError(gettext(
                    'crm_cashier.msg_card_payment_over',
                    amount=self.amount, to_pay=sale.total - paid))
        self.card = sale.card
        self.card_key = key = key or str(uuid.uuid4())
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
                Card.credit(payment.card, payment.amount,
                    origin=payment.sale, payment=payment.card_line,
                    key=key, spend=False)
            elif payment.points:
                Card.refund_points(payment.card, payment.point_lines(),
                    origin=payment.sale, key=key)
            elif payment.card_key:
                uses = [x for x in PackageLine.by_key(payment.card_key)
                    if x.kind == 'use']
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
            if x.kind == 'spend']


class POSPay(metaclass=PoolMeta):
    __name__ = 'sale.point.sale.pay'

    def transition_pay(self):
        method = self.payment.method
        if (method and method.reference_required
                and not self.payment.reference):
            raise CashierError(gettext(
                    'crm_cashier.msg_payment_reference_required',
                    method=method.rec_name))
        if method and method.from_card:
            self.payment.sale = self.record
            self.payment.pay_from_card(self.payment.pin)
        return super().transition_pay()
