# This file is part of the CRM suite.
"""The member at the till: the POS sale knows the member's card, prices its
lines at the level's discount, is paid from the card's stored value and,
once done, counts the member's spend and earns the points"""
import datetime as dt
import uuid
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from weakref import WeakKeyDictionary

from lunardate import LunarDate

from trytond import backend
from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.crm_customer.party import lunar_birthday_date
from trytond.modules.crm_membership.ledger import line_key, lock_together
from trytond.modules.currency.fields import Monetary
from trytond.modules.product import price_digits, round_price
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.wizard import StateReport

from .exceptions import CashierError

RATE = (16, 4)
# {transaction: (its write counter, {sale id: amounts})}
_stored_amounts = WeakKeyDictionary()
ROUNDINGS = {
    'drop_fen': (Decimal('0.1'), ROUND_DOWN),
    'drop_jiao': (Decimal(1), ROUND_DOWN),
    'half_jiao': (Decimal('0.1'), ROUND_HALF_UP),
    'half_yuan': (Decimal(1), ROUND_HALF_UP),
    }


def rounded(amount, mode):
    "amount rounded as the rounding mode of a till says"
    if not mode or mode == 'none' or amount is None:
        return amount
    unit, rounding = ROUNDINGS[mode]
    # Away from zero as for a sale, so a refund mirrors it
    sign = -1 if amount < 0 else 1
    return sign * abs(amount).quantize(unit, rounding=rounding)


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
        years = set()
        for day in days:
            try:
                years.add(LunarDate.from_solar_date(
                        day.year, day.month, day.day).year)
            except ValueError:
                continue
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
    refund_of = fields.Many2One(
        'sale.point.sale', "Refund of", readonly=True, ondelete='RESTRICT',
        states={
            'invisible': ~Eval('refund_of'),
            })
    refunds = fields.One2Many('sale.point.sale', 'refund_of', "Refunds",
        readonly=True,
        states={
            'invisible': ~Eval('refunds'),
            })
    shift = fields.Many2One(
        'sale.point.cash.session', "Shift", readonly=True,
        ondelete='RESTRICT',
        help="The cashier's shift the sale was paid in.")
    member_balance_after = Monetary(
        "Card Balance after the Sale", currency='currency',
        digits='currency', readonly=True)
    member_points_after = fields.Integer(
        "Card Points after the Sale", readonly=True)
    rounding_amount = Monetary(
        "Rounding", currency='currency', digits='currency', readonly=True,
        help="What the rounding of the till (抹零) adds to the total.")
    change_amount = fields.Function(Monetary(
            "Change", currency='currency', digits='currency'),
        'on_change_with_change_amount')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons['open']['invisible'] |= Bool(Eval('member_counted'))
        cls._buttons['open']['depends'] = (
            list(cls._buttons['open'].get('depends', []))
            + ['member_counted'])
        cls._buttons.update(
            refund={
                'invisible': (~Eval('state').in_(['done', 'posted'])
                    | Bool(Eval('refund_of'))),
                'depends': ['state', 'refund_of'],
                },
            )
        # The till reads them a dozen times per sale on stored sales; the
        # on_change_with methods stay for the form's unsaved values
        for name in ['total', 'amount_paid', 'amount_to_pay']:
            getattr(cls, name).getter = 'get_amounts'

    @classmethod
    def default_member_counted(cls):
        return False

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
        counter, memo = _stored_amounts.get(transaction, (None, {}))
        if counter != transaction.counter:
            memo = {}
            _stored_amounts[transaction] = (transaction.counter, memo)
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
        limit = self.employee.till_rounding_limit if self.employee else None
        if limit is not None and abs(rounding) > limit:
            raise CashierError(gettext(
                    'crm_cashier.msg_rounding_limit',
                    sale=self.rec_name, rounding=abs(rounding),
                    employee=self.employee.rec_name, limit=limit))
        if rounding != self.rounding_amount:
            self.rounding_amount = rounding
            self.save()

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
                ('state', 'in', ['draft', 'waiting', 'approved']),
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
        default.setdefault('rounding_amount', Decimal(0))
        default.setdefault('shift')
        default.setdefault('refund_of')
        default.setdefault('refunds')
        default.setdefault('member_balance_after')
        default.setdefault('member_points_after')
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
            if (sale.refund_of
                    or any(r.state != 'cancelled' for r in sale.refunds)
                    or any(line.commissions for line in sale.lines)):
                raise CashierError(gettext(
                        'crm_cashier.msg_sale_refunded_reopen',
                        sale=sale.rec_name))
        super().open(sales)

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
    @ModelView.button_action('crm_cashier.wizard_sale_refund')
    def refund(cls, sales):
        pass

    def refundable_quantities(self):
        "{line: quantity sold and not yet refunded}"
        left = {line: line.quantity for line in self.lines}
        for refund in self.refunds:
            if refund.state == 'cancelled':
                continue
            for line in refund.lines:
                if line.refund_of in left:
                    left[line.refund_of] += line.quantity
        return left

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
    def refund_lines(cls, sale, quantities, employee=None):
        """Refund {line: quantity} of the done sale with a new sale, done
        at once, that gives each amount back to what paid for it: the
        counts to their package, stored value and points to the card, the
        rest to its payment method; return the refund"""
        pool = Pool()
        Line = pool.get('sale.point.sale.line')
        Payment = pool.get('sale.point.payment')
        # Two refunds of one sale at once would both see it unrefunded
        cls.lock([sale])
        sale = cls(sale.id)
        quantities = {Line(x.id): q for x, q in quantities.items()}
        if sale.refund_of:
            raise CashierError(gettext(
                    'crm_cashier.msg_refund_of_refund', sale=sale.rec_name))
        if sale.state not in {'done', 'posted'}:
            raise CashierError(gettext(
                    'crm_cashier.msg_refund_not_done', sale=sale.rec_name))
        quantities = {x: q for x, q in quantities.items() if q}
        if not quantities:
            raise CashierError(gettext(
                    'crm_cashier.msg_refund_nothing', sale=sale.rec_name))
        left = sale.refundable_quantities()
        for line, quantity in quantities.items():
            if line not in left or quantity < 0 or quantity > left[line]:
                raise CashierError(gettext(
                        'crm_cashier.msg_refund_too_much',
                        line=line.rec_name, quantity=quantity,
                        left=left.get(line, 0)))
            if line.package_use and quantity != line.quantity:
                raise CashierError(gettext(
                        'crm_cashier.msg_refund_package_whole',
                        line=line.rec_name))
        refund = cls(point=sale.point, company=sale.company,
            employee=employee or cls.default_employee() or sale.employee,
            card=sale.card, member=sale.member, refund_of=sale)
        refund.shift = refund.current_shift()
        refund.lines = [Line(refund_of=line, package_use=None,
                product=line.product,
                quantity=-quantity, unit_list_price=line.unit_list_price,
                unit_gross_price=line.unit_gross_price,
                base_list_price=line.base_list_price,
                base_gross_price=line.base_gross_price,
                member_discount=line.member_discount,
                manual_discount=line.manual_discount)
            for line, quantity in quantities.items()]
        final = all(left[x] == quantities.get(x, 0) for x in left)
        if final:
            # Exactly what is left of the sale, whatever the lines' cents
            refund.rounding_amount = -(sale.total + sum(
                    r.total for r in sale.refunds
                    if r.state != 'cancelled')) - refund._lines_total()
        elif not sale._rounded_lines_total():
            refund.rounding_amount = Decimal(0)
        else:
            refund.rounding_amount = sale.currency.round(
                sale.rounding_amount * refund._rounded_lines_total()
                / sale._rounded_lines_total())
        refund.save()
        payments = refund._refund_packages()
        money = -(refund.total - sum(p.amount for p in payments))
        payments.extend(refund._refund_money(money, final))
        Payment.save(payments)
        cls.do([refund])
        return refund

    def _refund_packages(self):
        "The payment giving back the counts of the refunded package lines"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Payment = pool.get('sale.point.payment')
        lines = [x for x in self.lines if x.refund_of.package_use]
        if not lines:
            return []
        paid = [p for p in self.refund_of.payments
            if p.method.member_package]
        key = '%s,%s,packages' % (self.__name__, self.id)
        for index, line in enumerate(lines):
            Card.refund_package(line.refund_of.package_use, origin=self,
                key=line_key(key, index))
        return [Payment(sale=self, method=paid[0].method, refund_of=paid[0],
                card=self.card, card_key=key,
                amount=sum(x.gross_amount for x in lines))]

    def _refund_money(self, money, final):
        """The payments giving money back to the payments of the sale in
        proportion to what is left of them, all of it on the last refund"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Configuration = pool.get('crm.configuration')
        Payment = pool.get('sale.point.payment')
        paid = [p for p in self.refund_of.payments
            if not p.method.member_package]
        open_ = {p: p.amount for p in paid}
        for refunded in Payment.search([('refund_of', 'in', paid)]):
            open_[refunded.refund_of] += refunded.amount
        total = sum(open_.values())
        if money > total:
            raise CashierError(gettext(
                    'crm_cashier.msg_refund_over_paid',
                    sale=self.refund_of.rec_name, amount=money, left=total))
        value = Configuration(1).point_value
        shares, rest = {}, money
        # Points last so that they take whole points and the others the cents
        ordered = sorted(paid, key=lambda p: bool(p.points))
        for payment in ordered:
            if final:
                share = open_[payment]
            elif payment == ordered[-1] or not total:
                share = rest
            else:
                share = self.currency.round(money * open_[payment] / total)
            share = min(share, open_[payment], rest)
            if payment.points:
                share = (share / value).to_integral_value(ROUND_DOWN) * value
            shares[payment] = share
            rest -= share
        if rest:
            for payment in paid:
                if not payment.points:
                    extra = min(rest, open_[payment] - shares[payment])
                    shares[payment] += extra
                    rest -= extra
        payments = []
        for index, payment in enumerate(paid):
            share = shares[payment]
            if not share:
                continue
            refund = Payment(sale=self, method=payment.method,
                amount=-share, refund_of=payment, card=payment.card,
                reference=payment.reference)
            key = '%s,%s,%s' % (self.__name__, self.id, index)
            if payment.card_line:
                refund.card_key = key
                refund.card_line = Card.credit(payment.card, share,
                    origin=self, payment=payment.card_line, key=key,
                    spend=False)
            elif payment.points:
                points = int(share / value)
                refund.card_key = key
                refund.points = -points
                Card.refund_points(payment.card, payment.point_lines(),
                    origin=self, key=key, points=points)
            payments.append(refund)
        return payments

    @classmethod
    def do(cls, sales):
        for sale in sales:
            sale.apply_rounding()
        # Counted before the transition, which saves the member's figures
        # with the number, so that the sale is written once less
        cls.count_for_members(
            [s for s in sales if s.card and s.state == 'open'])
        super().do(sales)
        cls.create_commissions([s for s in sales if s.state == 'done'])

    @classmethod
    def create_commissions(cls, sales):
        """Give the staff of each line the commission of their plan, or
        take back that of a refunded line"""
        pool = Pool()
        Commission = pool.get('commission')
        commissions, totals = [], {}
        for sale in sales:
            for line in sale.lines:
                if line.commissions:
                    continue
                if line.refund_of:
                    commissions.extend(line.reversed_commissions())
                else:
                    commissions.extend(line.get_commissions(totals))
        Commission.save(commissions)

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
        if not card.level:
            return
        earning = spent
        if not Configuration(1).points_on_bonus:
            earning -= sum(
                -p.card_line.bonus for p in self.payments if p.card_line)
        points = int((earning * card.level.points_per_yuan).quantize(
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
    staff = fields.Many2One(
        'company.employee', "Staff",
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'readonly': Eval('sale_state') != 'open',
            },
        help="The salesperson or technician whose commission the line "
        "earns.")
    commissions = fields.One2Many('commission', 'origin', "Commissions",
        readonly=True,
        states={
            'invisible': ~Eval('commissions'),
            })
    refund_of = fields.Many2One(
        'sale.point.sale.line', "Refund of", readonly=True,
        ondelete='RESTRICT',
        states={
            'invisible': ~Eval('refund_of'),
            })

    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('package_use')
        default.setdefault('refund_of')
        default.setdefault('commissions')
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
    def on_change_manual_discount(self):
        level = self.sale.card.level if self.sale and self.sale.card else None
        self.apply_member_discount(level)

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        # Only what a write changes: the price check recomputes the line
        prices = field_names is None or field_names & {
            'product', 'quantity', 'unit_list_price', 'unit_gross_price',
            'manual_discount', 'sale'}
        refunds = field_names is None or field_names & {
            'quantity', 'refund_of'}
        for line in lines:
            if prices and line.sale.state == 'open':
                line.check_prices()
            if refunds and line.refund_of:
                line.check_refund()

    @property
    def staff_agent(self):
        "The commission agent of the line's staff"
        pool = Pool()
        Agent = pool.get('commission.agent')
        if not self.staff:
            return
        agents = Agent.search([
                ('party', '=', self.staff.party.id),
                ('company', '=', self.sale.company.id),
                ('type_', '=', 'agent'),
                ('plan', '!=', None),
                ], limit=1)
        return agents[0] if agents else None

    def get_commissions(self, totals):
        """The commission the staff earns on the line by their plan, with
        the month's total so far in totals"""
        pool = Pool()
        Commission = pool.get('commission')
        agent = self.staff_agent
        if not agent or not self.amount:
            return []
        if agent not in totals:
            totals[agent] = agent.month_total(self.sale.date)
        with Transaction().set_context(commission_names={
                    'quantity': Decimal(str(self.quantity)),
                    'month_total': totals[agent],
                    }):
            amount = agent.plan.compute(self.amount, self.product)
        totals[agent] += self.amount
        if not amount:
            return []
        return [Commission(origin=self, agent=agent, date=self.sale.date,
                product=agent.plan.commission_product,
                base_amount=self.amount, amount=round_price(amount))]

    def reversed_commissions(self):
        """The commissions that take back those of the refunded line, in
        proportion, all that is left of them on its last refund"""
        pool = Pool()
        Commission = pool.get('commission')
        sold = self.refund_of
        last = not sold.sale.refundable_quantities()[sold]
        share = Decimal(str(-self.quantity)) / Decimal(str(sold.quantity))
        reversed_ = Commission.search([
                ('origin.refund_of', '=', sold.id, 'sale.point.sale.line'),
                ])
        commissions = []
        for commission in sold.commissions:
            left = commission.amount + sum(
                c.amount for c in reversed_ if c.agent == commission.agent)
            amount = left if last else min(
                round_price(commission.amount * share), left)
            if amount:
                commissions.append(Commission(origin=self,
                        agent=commission.agent, date=self.sale.date,
                        product=commission.product,
                        base_amount=-round_price(
                            commission.base_amount * share),
                        amount=-amount))
        return commissions

    def check_refund(self):
        "Refuse to refund more than was sold"
        sold = self.refund_of
        left = sold.sale.refundable_quantities()[sold]
        if self.quantity >= 0 or left < 0:
            raise CashierError(gettext(
                    'crm_cashier.msg_refund_too_much',
                    line=sold.rec_name, quantity=-self.quantity,
                    left=left - self.quantity))

    def check_prices(self):
        """Refuse a discount beyond the cashier's limit and prices other
        than the product's at the member's and the line's discounts"""
        if self.refund_of or (self.quantity or 0) < 0:
            # Refunded at the prices and discounts of the sale
            return
        employee = self.sale.employee
        limit = employee.till_discount_limit if employee else None
        if (self.manual_discount and limit is not None
                and self.manual_discount > limit):
            raise CashierError(gettext(
                    'crm_cashier.msg_line_discount_limit',
                    line=self.rec_name,
                    discount=self.manual_discount * 100,
                    employee=employee.rec_name, limit=limit * 100))
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
        if paid + self.amount > total:
            raise CashierError(gettext(
                    'crm_cashier.msg_card_payment_over',
                    amount=self.amount, to_pay=total - paid))
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

    @classmethod
    def default_employee(cls):
        pool = Pool()
        User = pool.get('res.user')
        user = User(Transaction().user)
        return user.employee.id if user.employee else None

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

    @classmethod
    def copy(cls, sessions, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('over_short')
        default.setdefault('sales')
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
        key, self.payment.card_key = self.payment.card_key, None
        if key and Payment.search([
                    ('sale', '=', sale.id),
                    ('card_key', '=', key),
                    ], limit=1):
            if self.model(sale.id).amount_to_pay:
                return 'payment'
            return 'receipt' if sale.state == 'done' else 'end'
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
