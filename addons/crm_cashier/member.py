# This file is part of the CRM suite.
"""The member at the till: the card on the sale, its level's discount on
the lines, the member panel, and once the sale is done the member's spend
and points"""
import datetime as dt
from decimal import ROUND_DOWN, Decimal

from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.crm_customer.chinese import (
    lunar_birthday_date, lunar_birthday_year)
from trytond.modules.crm_customer.model import OnChangeAccessMixin
from trytond.modules.currency.fields import Monetary
from trytond.modules.product import price_digits, round_price
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval

from .exceptions import CashierError

RATE = (16, 4)


def line_prices(level, product, list_price, gross_price, manual=None):
    """The rate of the level's discount on product and the unit list and
    gross prices after it and the cashier's manual discount rate"""
    if list_price is None or gross_price is None:
        return Decimal(0), list_price, gross_price
    rate = Decimal(0)
    if (level and product and level.discount_rate
            and not (set(level.excluded_categories)
                & set(product.categories_all))):
        rate = level.discount_rate
    factor = (1 - rate) * (1 - (manual or 0))
    if factor == 1:
        return rate, list_price, gross_price
    return (rate, round_price(list_price * factor),
        round_price(gross_price * factor))


def birthdays(party, days):
    """The solar dates of the party's birthday in the years of days, by
    the calendar it celebrates: a lunar birthday without its leap month or
    its 30th that year falls on the month or on the 29th"""
    if party.birthday_calendar == 'lunar' and party.birthday_lunar_month:
        years = {lunar_birthday_year(d) for d in days} - {None}
        for year in sorted(years):
            date = lunar_birthday_date(year, party.birthday_lunar_month,
                party.birthday_lunar_day, party.birthday_lunar_leap)
            if date:
                yield date
    elif party.birthday:
        for year in sorted({d.year for d in days}):
            try:
                yield party.birthday.replace(year=year)
            except ValueError:
                # Born on 29 February
                yield dt.date(year, 2, 28)


class POSSale(OnChangeAccessMixin, metaclass=PoolMeta):
    __name__ = 'sale.point.sale'
    _on_change_readable = ('card',)

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
    member_reminders = fields.Function(fields.Text("Reminders",
            help="The member's notes that say 提醒."),
        'on_change_with_member_reminders')
    member_complaints = fields.Function(fields.Text("Open Complaints",
            help="The member's complaints not yet settled, newest first."),
        'on_change_with_member_complaints')
    member_counted = fields.Boolean("Counted for the Member", readonly=True,
        help="The member's spend and points include this sale.")
    member_balance_after = Monetary(
        "Card Balance after the Sale", currency='currency',
        digits='currency', readonly=True)
    member_points_after = fields.Integer(
        "Card Points after the Sale", readonly=True)
    sale_level = fields.Many2One(
        'crm.membership.level', "Level of the Sale", readonly=True,
        ondelete='RESTRICT',
        help="The member's level the sale was priced and earned points at.")

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

    @fields.depends('card', methods=['_reprice_lines',
            'on_change_with_total', 'on_change_with_total_tax',
            'on_change_with_amount_to_pay'])
    def on_change_card(self):
        self.member = self.card.party if self.card else None
        self._reprice_lines()
        # The client computes again only what depends on the card
        self.total = self.on_change_with_total()
        self.total_tax = self.on_change_with_total_tax()
        self.amount_to_pay = self.on_change_with_amount_to_pay()

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
        date = self.date or Pool().get('ir.date').today()
        monday = date - dt.timedelta(days=date.weekday())
        week = [monday + dt.timedelta(days=i) for i in range(7)]
        return any(monday <= day <= week[-1]
            for day in birthdays(self.card.party, week))

    @fields.depends('card')
    def on_change_with_member_reminders(self, name=None):
        pool = Pool()
        Note = pool.get('ir.note')
        if not self.card or not self.card.party:
            return
        notes = Note.search([
                ('resource', '=', str(self.card.party)),
                ('message', 'ilike', '%提醒%'),
                ], order=[('id', 'DESC')])
        return '\n'.join(n.message for n in notes) or None

    @fields.depends('card')
    def on_change_with_member_complaints(self, name=None):
        pool = Pool()
        Complaint = pool.get('sale.complaint')
        Lang = pool.get('ir.lang')
        if not self.card or not self.card.party:
            return
        lang = Lang.get()
        complaints = Complaint.search([
                ('customer', '=', self.card.party.id),
                # Not settled, whatever steps crm_service adds between
                ('state', 'not in', ['done', 'rejected', 'cancelled']),
                ])
        return '\n'.join(
            ' '.join(filter(None, [
                        c.number, lang.strftime(c.date) if c.date else None,
                        c.type.rec_name,
                        (c.description or '').strip().split('\n')[0]]))
            for c in complaints) or None

    @fields.depends('card')
    def on_change_with_member_days_since_visit(self, name=None):
        if self.card and self.card.party:
            return self.card.party.member_days_since_visit

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('member_counted', False)
        default.setdefault('member_balance_after')
        default.setdefault('member_points_after')
        default.setdefault('sale_level')
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
        else:
            values.pop('member', None)
        return values

    def money_spent(self):
        "The total less what points and count packages paid, as stored"
        pool = Pool()
        Payment = pool.get('sale.point.payment')
        lines_total, _, _ = self.stored_amounts([self])[self.id]
        return (lines_total + (self.rounding_amount or 0)
            - sum(p['amount'] for p in Payment.search_read([
                        ('sale', '=', self.id),
                        ('card', '!=', None),
                        ('card_line', '=', None),
                        ], fields_names=['amount'])))

    @classmethod
    def validate_fields(cls, sales, field_names):
        super().validate_fields(sales, field_names)
        # The lines were priced at the level of the card: another card,
        # or none, prices them again
        if field_names is None or 'card' in field_names:
            for sale in sales:
                if sale.state == 'open':
                    for line in sale.lines:
                        line.check_prices()

    def check_line_discounts(self):
        """Check the manual discounts of the lines again against the limit
        of the cashier who is paid, who may not be who wrote them"""
        for line in self.lines:
            line.check_discount_limit()

    @classmethod
    def count_for_members(cls, sales):
        """Add each sale to its member's spend and give its card the points
        of the level on what was paid, not on the bonus of the card; a
        refund takes them off. The caller saves the sales"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Party = pool.get('party.party')
        for sale in sales:
            if sale.member_counted:
                continue
            card = Card(sale.card.id)
            # The sale's own spend may move the card to another level
            sale.sale_level = card.level
            # Points and packages are not money spent; as stored, with the
            # rounding just applied
            spent = sale.money_spent()
            if sale.member:
                Party.record_spend(sale.member, spent, sale.date,
                    visit=not sale.refund_of)
            if sale.refund_of:
                sale._take_back_points(card, spent)
            else:
                sale._earn_points(card, spent)
            # The sums of the ledgers, without reading the card again
            after = Card.get_balances([card], ['balance', 'points'])
            sale.member_balance_after = after['balance'][card.id]
            sale.member_points_after = after['points'][card.id]
            sale.member_counted = True

    def _earn_points(self, card, spent):
        """Give card the points of the level on spent, less the card's
        bonus unless the configuration says it earns too"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Configuration = pool.get('crm.configuration')
        level = self.sale_level
        if not level:
            return
        earning = spent
        if not Configuration(1).points_on_bonus:
            earning -= sum(
                -p.card_line.bonus for p in self.payments if p.card_line)
        points = int((earning * level.points_per_yuan).quantize(
                Decimal(1), rounding=ROUND_DOWN))
        usable = card.state == 'active' and not (
            card.expiry and card.expiry < self.date)
        if points > 0 and usable:
            Card.earn_points(card, points, origin=self,
                key='%s,%s' % (self.__name__, self.id), date=self.date)

    def _take_back_points(self, card, spent):
        """Take back from card the points the refunded sale earned, in
        proportion to the money refunded, the rest on its last refund"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        PointLine = pool.get('crm.membership.point.line')
        original = self.refund_of
        earned = [x for x in PointLine.by_key(
                '%s,%s' % (original.__name__, original.id))
            if x.kind == 'earn']
        original_spent = original.money_spent()
        if not earned or not original_spent:
            return
        points = sum(x.points for x in earned)
        taken = -sum(x.points for x in PointLine.search([
                    ('reversal_of', 'in', [x.id for x in earned]),
                    ]))
        if not any(original.refundable_quantities().values()):
            count = points - taken
        else:
            count = int((points * -spent / original_spent).quantize(
                    Decimal(1), rounding=ROUND_DOWN))
            count = min(count, points - taken)
        if count > 0:
            Card.refund_points(card, earned, origin=self,
                key='%s,%s' % (self.__name__, self.id), points=count)

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
    manual_discount = fields.Numeric(
        "Line Discount", digits=RATE,
        domain=['OR',
            ('manual_discount', '=', None),
            [('manual_discount', '>=', 0), ('manual_discount', '<', 1)],
            ],
        states={
            'readonly': Eval('sale_state') != 'open',
            },
        help="The cashier's discount on the line, on top of the member's, "
        "within the cashier's limit.")
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

    @fields.depends('sale', '_parent_sale.card',
        methods=['apply_member_discount'])
    def on_change_manual_discount(self):
        level = self.sale.card.level if self.sale and self.sale.card else None
        self.apply_member_discount(level)

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        # Only what a write changes: the price check recomputes the line
        if field_names is None or field_names & {
                'product', 'quantity', 'unit_list_price', 'unit_gross_price',
                'manual_discount', 'sale'}:
            for line in lines:
                if line.sale.state == 'open':
                    line.check_prices()

    def check_prices(self):
        """Refuse a discount beyond the limit of the cashier at the till
        and prices other than the product's at the member's and the line's
        discounts"""
        if self.sale.refund_of and self.refund_of:
            # Refunded at the prices and discounts of the sale
            return
        if (self.quantity or 0) < 0:
            raise CashierError(gettext(
                    'crm_cashier.msg_line_negative', line=self.rec_name))
        self.check_discount_limit()
        if self.package_use:
            return
        expected = self.__class__(sale=self.sale, product=self.product,
            quantity=self.quantity, manual_discount=self.manual_discount)
        expected.on_change_product()
        if (expected.unit_list_price, expected.unit_gross_price) != (
                self.unit_list_price, self.unit_gross_price):
            raise CashierError(gettext(
                    'crm_cashier.msg_line_price',
                    line=self.rec_name, price=self.unit_price,
                    expected=expected.unit_price))

    def check_discount_limit(self):
        "Refuse a manual discount beyond the limit of the user at the till"
        if not self.manual_discount or self.refund_of:
            return
        employee = self.sale.till_employee()
        limit = employee.till_discount_limit if employee else None
        if limit is None:
            raise CashierError(gettext(
                    'crm_cashier.msg_line_discount_none',
                    line=self.rec_name,
                    employee=employee.rec_name if employee else ''))
        if self.manual_discount > limit:
            raise CashierError(gettext(
                    'crm_cashier.msg_line_discount_limit',
                    line=self.rec_name,
                    discount=self.manual_discount * 100,
                    employee=employee.rec_name, limit=limit * 100))

    @fields.depends('sale', '_parent_sale.card',
        methods=['apply_member_discount'])
    def on_change_product(self):
        super().on_change_product()
        self.base_list_price = self.unit_list_price
        self.base_gross_price = self.unit_gross_price
        level = self.sale.card.level if self.sale and self.sale.card else None
        self.apply_member_discount(level)

    @fields.depends('product', 'base_list_price', 'base_gross_price',
        'manual_discount',
        methods=['on_change_with_unit_price', 'on_change_with_amount',
            'on_change_with_discount_amount'])
    def apply_member_discount(self, level):
        "Price the line at the discount of level and its own"
        self.member_discount, self.unit_list_price, self.unit_gross_price = (
            line_prices(level, self.product, self.base_list_price,
                self.base_gross_price, self.manual_discount))
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


