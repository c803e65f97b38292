# This file is part of the CRM suite.
from decimal import Decimal

from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.crm_cashier.exceptions import CashierError
from trytond.modules.crm_cashier.tests.tools import (
    create_product, create_till)
from trytond.modules.crm_membership.exceptions import CardError, PinError
from trytond.modules.crm_membership.tests.tools import (
    create_card_type, issue_card)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

D = Decimal


class CrmCashierTestCase(CompanyTestMixin, ModuleTestCase):
    "Test CRM Cashier module"
    module = 'crm_cashier'

    def setup_shop(self):
        """A till, a gold level (12 % off, 2 points a yuan, none off
        tobacco), a member with a ¥200 card and PIN 123456"""
        pool = Pool()
        Category = pool.get('product.category')
        Level = pool.get('crm.membership.level')
        Party = pool.get('party.party')
        tobacco = Category(name="烟草")
        tobacco.save()
        Level.create([{
                    'name': "金卡会员", 'discount_rate': D('0.12'),
                    'points_per_yuan': D(2),
                    'excluded_categories': [('add', [tobacco.id])],
                    }])
        point, cash, card_method = create_till(self.company)
        party = Party(name="张三")
        party.save()
        card = issue_card(create_card_type(pin_required=True), party=party,
            amount=D(200), pin='123456')
        shampoo = create_product("洗发水", 100)
        cigarettes = create_product("香烟", 50, category=tobacco)
        return point, cash, card_method, card, shampoo, cigarettes

    def new_sale(self, point, card, *products):
        "An open sale at point with one of each product, for card"
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        Line = pool.get('sale.point.sale.line')
        sale = Sale(point=point)
        sale.card = card
        sale.on_change_card()
        lines = []
        for product in products:
            line = Line(sale=sale, product=product, quantity=1)
            line.on_change_product()
            lines.append(line)
        sale.lines = lines
        sale.save()
        return sale

    def pay(self, sale, method, amount, pin=None):
        "Pay amount of sale with method through the pay wizard"
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        Pay = pool.get('sale.point.sale.pay', type='wizard')
        session_id, _, _ = Pay.create()
        pay = Pay(session_id)
        with Transaction().set_context(
                active_model=Sale.__name__, active_id=sale.id,
                active_ids=[sale.id]):
            pay.payment.method = method
            pay.payment.amount = D(amount)
            pay.payment.pin = pin
            pay.transition_pay()
        return Sale(sale.id)

    @with_transaction()
    def test_card_finds_member(self):
        "The card field finds the member by card, mobile, tail or pinyin"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Mechanism = pool.get('party.contact_mechanism')
        company = create_company()
        self.company = company
        with set_company(company):
            *_, card, _, _ = self.setup_shop()
            Mechanism.create([{
                        'party': card.party.id, 'type': 'mobile',
                        'value': '13800138000'}])
            for text in [card.number, '13800138000', '8000', 'zhangsan',
                    'zs']:
                self.assertEqual(
                    Card.search([
                            ('rec_name', 'ilike', '%' + text + '%'),
                            ('state', '=', 'active'),
                            ]), [card], msg=text)

    @with_transaction()
    def test_member_panel_and_discount(self):
        "The sale shows the member and prices each line at the level"
        company = create_company()
        self.company = company
        with set_company(company):
            point, _, _, card, shampoo, cigarettes = self.setup_shop()
            sale = self.new_sale(point, card, shampoo, cigarettes)
            self.assertEqual(sale.member, card.party)
            self.assertEqual(sale.member_level.name, "金卡会员")
            self.assertEqual(sale.member_discount, D('0.12'))
            self.assertEqual(sale.member_balance, D(200))
            self.assertEqual(sale.member_points, 0)
            first, second = sale.lines
            self.assertEqual((first.unit_price, first.member_discount,
                    first.discount_amount), (D(88), D('0.12'), D(12)))
            # Tobacco is excluded from the discount
            self.assertEqual((second.unit_price, second.member_discount,
                    second.discount_amount), (D(50), D(0), D(0)))
            self.assertEqual(sale.total, D(138))

            # Without the card, the lines go back to the list price
            sale.card = None
            sale.on_change_card()
            self.assertEqual([x.unit_price for x in sale.lines],
                [D(100), D(50)])
            self.assertIsNone(sale.member)

    @with_transaction()
    def test_pay_card_and_cash(self):
        """Card and cash pay a sale; a wrong PIN or paying more than is
        due writes nothing; once done the member earns points and spend"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        ValueLine = pool.get('crm.membership.value.line')
        Payment = pool.get('sale.point.payment')
        company = create_company()
        self.company = company
        with set_company(company):
            point, cash, card_method, card, shampoo, cigarettes = (
                self.setup_shop())
            sale = self.new_sale(point, card, shampoo, cigarettes)

            for amount, pin, error in [
                    (100, '000000', PinError),
                    (150, '123456', CashierError),
                    (0, '123456', CashierError),
                    ]:
                with self.assertRaises(error):
                    self.pay(sale, card_method, amount, pin)
                self.assertEqual(Card(card.id).balance, D(200))
                self.assertEqual(ValueLine.search([
                            ('card', '=', card.id),
                            ('kind', '=', 'payment')]), [])
                self.assertEqual(Payment.search([]), [])

            sale = self.pay(sale, card_method, 100, '123456')
            self.assertEqual(sale.amount_to_pay, D(38))
            self.assertEqual(Card(card.id).balance, D(100))
            payment, = sale.payments
            self.assertEqual(payment.card, card)
            self.assertEqual(payment.card_line.amount, D(-100))
            self.assertEqual(payment.card_line.origin, sale)
            self.assertEqual(sale.state, 'open')

            sale = self.pay(sale, cash, 38)
            self.assertEqual(sale.state, 'done')
            self.assertTrue(sale.member_counted)
            party = card.party.__class__(card.party.id)
            self.assertEqual(party.member_total_spent, D(138))
            self.assertEqual(party.member_visits, 1)
            self.assertEqual(Card(card.id).points, 276)

            # Counted once: the sale cannot be reopened and done again
            with self.assertRaises(CashierError):
                sale.__class__.open([sale])

    @with_transaction()
    def test_points_not_on_bonus(self):
        "The bonus part of a card payment earns no points"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Configuration = pool.get('crm.configuration')
        company = create_company()
        self.company = company
        with set_company(company):
            point, _, card_method, card, shampoo, _ = self.setup_shop()
            Configuration.write([Configuration(1)], {'bucket_order': 'bonus'})
            Card.adjust(card, bonus=D(30), reason="活动赠送")
            sale = self.new_sale(point, card, shampoo)
            sale = self.pay(sale, card_method, 88, '123456')
            self.assertEqual(sale.state, 'done')
            # 88 paid, 30 of it from the bonus: 58 × 2 points
            self.assertEqual(Card(card.id).points, 116)

    @with_transaction()
    def test_deleted_card_payment_goes_back(self):
        "Removing a card payment of an open sale gives the money back"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Payment = pool.get('sale.point.payment')
        company = create_company()
        self.company = company
        with set_company(company):
            point, _, card_method, card, shampoo, _ = self.setup_shop()
            sale = self.new_sale(point, card, shampoo)
            sale = self.pay(sale, card_method, 50, '123456')
            self.assertEqual(Card(card.id).balance, D(150))
            Payment.delete(list(sale.payments))
            self.assertEqual(Card(card.id).balance, D(200))
            self.assertEqual(
                sorted(x.kind for x in Card(card.id).value_lines),
                ['issue', 'payment', 'refund'])

    @with_transaction()
    def test_card_must_be_usable(self):
        "A lost card cannot pay"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        company = create_company()
        self.company = company
        with set_company(company):
            point, _, card_method, card, shampoo, _ = self.setup_shop()
            sale = self.new_sale(point, card, shampoo)
            Card.report_lost([card])
            with self.assertRaises(CardError):
                self.pay(sale, card_method, 50, '123456')


del ModuleTestCase
