# This file is part of the CRM suite.
"The refund (退货) of a till sale, whole or line by line"
from decimal import ROUND_DOWN, Decimal

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.crm_membership.ledger import line_key
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.wizard import Button, StateAction, StateView, Wizard

from .exceptions import CashierError


class RefundStart(ModelView):
    __name__ = 'sale.point.sale.refund.start'

    sale = fields.Many2One('sale.point.sale', "Sale", readonly=True)
    lines = fields.One2Many(
        'sale.point.sale.refund.start.line', None, "Lines",
        help="The quantity to refund of each line; 0 keeps it sold.")


class RefundStartLine(ModelView):
    __name__ = 'sale.point.sale.refund.start.line'

    line = fields.Many2One('sale.point.sale.line', "Line", readonly=True)
    product = fields.Many2One('product.product', "Product", readonly=True)
    sold = fields.Float("Sold", readonly=True)
    left = fields.Float("Refundable", readonly=True)
    quantity = fields.Float("Refund", required=True,
        domain=[
            ('quantity', '>=', 0),
            ('quantity', '<=', Eval('left', 0)),
            ])


class Refund(Wizard):
    "Refund lines of a till sale"
    __name__ = 'sale.point.sale.refund'
    start = StateView('sale.point.sale.refund.start',
        'crm_cashier.refund_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Refund", 'refund', 'tryton-ok', default=True),
            ])
    refund = StateAction('sale_point.act_sale_form')

    def default_start(self, fields):
        lines = []
        for line, left in self.record.refundable_quantities().items():
            if left > 0:
                lines.append({
                        'line': line.id,
                        'product': line.product.id,
                        'sold': line.quantity,
                        'left': left,
                        'quantity': left,
                        })
        return {
            'sale': self.record.id,
            'lines': lines,
            }

    def do_refund(self, action):
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        refund = Sale.refund_lines(self.record, {
                line.line: line.quantity for line in self.start.lines})
        action['res_id'] = [refund.id]
        action['views'].reverse()
        return action, {}


class POSSale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

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

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update(
            refund={
                'invisible': (~Eval('state').in_(['done', 'posted'])
                    | Bool(Eval('refund_of'))),
                'depends': ['state', 'refund_of'],
                },
            )
    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('refund_of')
        default.setdefault('refunds')
        return super().copy(sales, default=default)

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
            if payment.card_line and payment.own_line(payment.card_line):
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


class POSSaleLine(metaclass=PoolMeta):
    __name__ = 'sale.point.sale.line'

    refund_of = fields.Many2One(
        'sale.point.sale.line', "Refund of", readonly=True,
        ondelete='RESTRICT',
        states={
            'invisible': ~Eval('refund_of'),
            })


    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('refund_of')
        return super().copy(lines, default=default)

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        if field_names is None or field_names & {'quantity', 'refund_of'}:
            for line in lines:
                if line.refund_of:
                    line.check_refund()

    def check_refund(self):
        "Refuse to refund more than was sold"
        sold = self.refund_of
        left = sold.sale.refundable_quantities()[sold]
        if self.quantity >= 0 or left < 0:
            raise CashierError(gettext(
                    'crm_cashier.msg_refund_too_much',
                    line=sold.rec_name, quantity=-self.quantity,
                    left=left - self.quantity))

