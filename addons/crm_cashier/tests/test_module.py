# This file is part of the CRM suite.
import datetime as dt
from decimal import Decimal

from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.crm_cashier.exceptions import CashierError
from trytond.modules.crm_cashier.tests.tools import (
    create_method, create_product, new_sale, pay, setup_shop)
from trytond.modules.crm_customer.tests.tools import (
    create_staff, untranslated)
from trytond.modules.crm_membership.exceptions import CardError, PinError
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

D = Decimal


class CrmCashierTestCase(CompanyTestMixin, ModuleTestCase):
    "Test CRM Cashier module"
    module = 'crm_cashier'

    @with_transaction()
    def test_till_in_chinese(self):
        """The labels of the till are in Chinese and the cashier role of the
        customer file sells at it"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        self.assertEqual(untranslated(['sale.point', 'sale.point.sale',
                    'sale.point.sale.line', 'sale.point.payment',
                    'sale.point.payment.method', 'sale.point.cash.session']),
            {})

        company = create_company()
        with set_company(company):
            cashier = create_staff(company, 'cashier', 'group_cashier')
            with Transaction().set_user(cashier.id):
                self.assertIn(
                    ModelData.get_id('sale_point', 'group_sale_point'),
                    User.get_groups())

    @with_transaction()
    def test_card_finds_member(self):
        "The card field finds the member by card, mobile, tail or pinyin"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Mechanism = pool.get('party.contact_mechanism')
        company = create_company()
        with set_company(company):
            *_, card, _, _ = setup_shop(company)
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
        with set_company(company):
            point, _, _, card, shampoo, cigarettes = setup_shop(company)
            sale = new_sale(point, card, shampoo, cigarettes)
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
            self.assertEqual(sale.total, D(150))

    @with_transaction()
    def test_member_birthday_and_reminders(self):
        """The birthday this week by the member's calendar, lunar too, and
        the notes that say 提醒"""
        pool = Pool()
        Note = pool.get('ir.note')
        Party = pool.get('party.party')
        Sale = pool.get('sale.point.sale')
        company = create_company()
        with set_company(company):
            point, _, _, card, shampoo, _ = setup_shop(company)
            party = card.party
            sale = new_sale(point, card, shampoo)
            # 2026-02-17 is the first day of the first lunar month
            for calendar, values, date, expected in [
                    ('solar', {'birthday': dt.date(1990, 11, 30)},
                        dt.date(2026, 12, 2), True),
                    ('solar', {'birthday': dt.date(1990, 11, 30)},
                        dt.date(2026, 12, 8), False),
                    ('lunar', {'birthday_lunar_month': 1,
                            'birthday_lunar_day': 1},
                        dt.date(2026, 2, 20), True),
                    ('lunar', {'birthday_lunar_month': 1,
                            'birthday_lunar_day': 1},
                        dt.date(2026, 3, 2), False),
                    # No 30th of the 12th month in lunar year 2025: the 29th,
                    # 2026-02-16
                    ('lunar', {'birthday_lunar_month': 12,
                            'birthday_lunar_day': 30},
                        dt.date(2026, 2, 16), True),
                    ]:
                Party.write([party], dict(values, birthday_calendar=calendar,
                        birthday=values.get('birthday')))
                sale = Sale(sale.id)
                sale.date = date
                self.assertEqual(sale.on_change_with_member_birthday_week(),
                    expected, (calendar, values, date))

            Note.create([
                    {'resource': str(party), 'message': "提醒：对花生过敏"},
                    {'resource': str(party), 'message': "喜欢靠窗座位"},
                    ])
            self.assertEqual(Sale(sale.id).member_reminders, "提醒：对花生过敏")

    @with_transaction()
    def test_member_open_complaints(self):
        "The sale shows the member's unsettled complaints, newest first"
        pool = Pool()
        Complaint = pool.get('sale.complaint')
        ComplaintType = pool.get('sale.complaint.type')
        Model = pool.get('ir.model')
        Party = pool.get('party.party')
        Sale = pool.get('sale.point.sale')
        company = create_company()
        with set_company(company):
            point, _, _, card, shampoo, _ = setup_shop(company)
            sale = new_sale(point, card, shampoo)
            self.assertIsNone(Sale(sale.id).member_complaints)

            sale_model, = Model.search([('name', '=', 'sale.sale')])
            type_, = ComplaintType.create([{
                        'name': "服务投诉", 'origin': sale_model.id}])
            other, = Party.create([{'name': "李四"}])
            waiting, draft, done, elsewhere = Complaint.create([{
                        'customer': customer.id, 'type': type_.id,
                        'date': date, 'description': description,
                        } for customer, date, description in [
                        (card.party, dt.date(2026, 11, 2),
                            "烫发等候太久\n等了一个多小时"),
                        (card.party, dt.date(2026, 11, 20), "洗发水过敏"),
                        (card.party, dt.date(2026, 11, 25), "已处理"),
                        (other, dt.date(2026, 11, 26), "别人的投诉"),
                        ]])
            Complaint.wait([waiting, done])
            Complaint.approve([done])
            Complaint.process([done])

            with Transaction().set_context(language='zh_CN'):
                complaints = Sale(sale.id).member_complaints
            self.assertEqual(complaints.split('\n'), [
                    f"{draft.number} 2026-11-20 服务投诉 洗发水过敏",
                    f"{waiting.number} 2026-11-02 服务投诉 烫发等候太久",
                    ])

    @with_transaction()
    def test_card_part_stored_value_method(self):
        """The card part is paid by the company's stored value method: none
        refuses it and writes nothing, one checked since is found"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        company = create_company()
        with set_company(company):
            point, cash, card_method, card, shampoo, cigarettes = (
                setup_shop(company))
            sale = new_sale(point, card, shampoo, cigarettes)
            card_method.member_card = False
            card_method.save()

            with self.assertRaises(CashierError) as refused:
                pay(sale, cash, 38, '123456', card_amount=100)
            self.assertIn("Member Card", str(refused.exception))
            self.assert_nothing_paid(card, D(200))

            card_method.member_card = True
            card_method.save()
            sale = pay(sale, cash, 38, '123456', card_amount=100)
            self.assertEqual(sale.state, 'done')
            from_card, = [p for p in sale.payments if p.card_line]
            self.assertEqual(from_card.method, card_method)
            self.assertEqual(Card(card.id).balance, D(100))

    def assert_nothing_paid(self, card, balance):
        "No payment and no debit of card, which still holds balance"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        ValueLine = pool.get('crm.membership.value.line')
        Payment = pool.get('sale.point.payment')
        self.assertEqual(Card(card.id).balance, balance)
        self.assertEqual(ValueLine.search([
                    ('card', '=', card.id),
                    ('kind', '=', 'payment')]), [])
        self.assertEqual(Payment.search([]), [])

    @with_transaction()
    def test_pay_card_and_cash(self):
        """Card and cash pay a sale; a wrong PIN or paying more than is
        due writes nothing; once done the member earns points and spend"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        company = create_company()
        with set_company(company):
            point, cash, card_method, card, shampoo, cigarettes = (
                setup_shop(company))
            sale = new_sale(point, card, shampoo, cigarettes)

            for amount, pin, error in [
                    (100, '000000', PinError),
                    (150, '123456', CashierError),
                    (0, '123456', CashierError),
                    ]:
                with self.assertRaises(error):
                    pay(sale, card_method, amount, pin)
                self.assert_nothing_paid(card, D(200))

            sale = pay(sale, card_method, 100, '123456')
            self.assertEqual(sale.amount_to_pay, D(38))
            self.assertEqual(Card(card.id).balance, D(100))
            payment, = sale.payments
            self.assertEqual(payment.card, card)
            self.assertEqual(payment.card_line.amount, D(-100))
            self.assertEqual(payment.card_line.origin, sale)
            self.assertEqual(sale.state, 'open')

            sale = pay(sale, cash, 38)
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
    def test_pay_card_part_with_cash(self):
        """The card part of a cash payment is paid from the card as a
        payment of its own, the cash pays the rest with change, in one step;
        a wrong PIN, a card part over the total, one with a card method or
        on a sale without card writes nothing"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Payment = pool.get('sale.point.payment')
        company = create_company()
        with set_company(company):
            point, cash, card_method, card, shampoo, cigarettes = (
                setup_shop(company))
            sale = new_sale(point, card, shampoo, cigarettes)
            anonymous = new_sale(point, None, cigarettes)

            for sale_, method, card_amount, pin, error in [
                    (sale, cash, 100, '000000', PinError),
                    (sale, cash, 150, '123456', CashierError),
                    (sale, card_method, 100, '123456', CashierError),
                    (anonymous, cash, 10, '123456', CashierError),
                    ]:
                with self.assertRaises(error):
                    pay(sale_, method, 100, pin, card_amount=card_amount)
                self.assert_nothing_paid(card, D(200))

            # The form leaves to the cash what the card part does not pay
            payment = Payment(sale=sale, method=cash, amount=D(138),
                card_amount=D(100))
            payment.on_change_card_amount()
            self.assertEqual(payment.amount, D(38))

            sale = pay(sale, cash, 100, '123456', card_amount=100)
            self.assertEqual(sale.state, 'done')
            self.assertEqual(Card(card.id).balance, D(100))
            from_card, in_cash = sorted(
                sale.payments, key=lambda p: bool(p.method.cash))
            self.assertEqual(from_card.method, card_method)
            self.assertEqual(from_card.amount, D(100))
            self.assertEqual(from_card.card_line.amount, D(-100))
            self.assertEqual(in_cash.amount, D(38))
            self.assertEqual(in_cash.cash_received, D(100))
            self.assertEqual(in_cash.change, D(62))
            self.assertEqual(sale.change_amount, D(62))
            self.assertEqual(Card(card.id).points, 276)

            # The card part alone pays all: no empty cash payment
            sale = pay(new_sale(point, card, cigarettes), cash, 0, '123456',
                card_amount=50)
            self.assertEqual(sale.state, 'done')
            payment, = sale.payments
            self.assertEqual(payment.method, card_method)
            self.assertEqual(Card(card.id).balance, D(50))

    @with_transaction()
    def test_pay_request_sent_again(self):
        """The Pay dialog's form carries the key of what it takes from the
        card: the same request sent again pays nothing more, and the next
        form has a key of its own"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Payment = pool.get('sale.point.payment')
        Sale = pool.get('sale.point.sale')
        ValueLine = pool.get('crm.membership.value.line')
        Pay = pool.get('sale.point.sale.pay', type='wizard')
        company = create_company()
        with set_company(company):
            point, cash, card_method, card, shampoo, cigarettes = (
                setup_shop(company))
            sale = new_sale(point, card, shampoo, cigarettes)
            with Transaction().set_context(active_model=Sale.__name__,
                    active_id=sale.id, active_ids=[sale.id]):
                session_id, _, _ = Pay.create()
                form = Pay.execute(session_id, {}, 'payment')['view']
                key = form['defaults']['card_key']
                values = {k: v for k, v in form['defaults'].items()
                    if not k.endswith('.')}
                data = {'payment': dict(values, method=cash.id,
                        amount=D(50), card_amount=D(38), pin='123456')}
                # 138 due: 38 from the card and 50 in cash, twice
                for _ in range(2):
                    form = Pay.execute(session_id, data, 'pay')['view']
                    self.assertEqual(form['state'], 'payment')
                    self.assertNotEqual(form['defaults']['card_key'], key)

            debit, = ValueLine.search([
                    ('card', '=', card.id), ('kind', '=', 'payment')])
            # The form's key, scoped to the sale, its card and the kind
            self.assertTrue(debit.key.endswith(',value,' + key))
            self.assertEqual(Card(card.id).balance, D(162))
            from_card, in_cash = sorted(Payment.search([
                        ('sale', '=', sale.id)]),
                key=lambda p: bool(p.method.cash))
            self.assertEqual((from_card.amount, from_card.card_key),
                (D(38), debit.key))
            self.assertEqual((in_cash.amount, in_cash.card_key), (D(50), None))
            self.assertEqual(Sale(sale.id).amount_to_pay, D(50))

            # Without a card, nothing is taken from one: no key
            anonymous = new_sale(point, None, cigarettes)
            with Transaction().set_context(active_model=Sale.__name__,
                    active_id=anonymous.id, active_ids=[anonymous.id]):
                session_id, _, _ = Pay.create()
                form = Pay.execute(session_id, {}, 'payment')['view']
            self.assertNotIn('card_key', form['defaults'])

    @with_transaction()
    def test_points_not_on_bonus(self):
        "The bonus part of a card payment earns no points unless configured"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Configuration = pool.get('crm.configuration')
        company = create_company()
        with set_company(company):
            point, _, card_method, card, shampoo, _ = setup_shop(company)
            Configuration.write([Configuration(1)], {'bucket_order': 'bonus'})
            Card.adjust(card, bonus=D(30), reason="活动赠送")
            sale = new_sale(point, card, shampoo)
            sale = pay(sale, card_method, 88, '123456')
            self.assertEqual(sale.state, 'done')
            # 88 paid, 30 of it from the bonus: 58 × 2 points
            self.assertEqual(Card(card.id).points, 116)

            # Configured so, the bonus earns too
            Configuration.write([Configuration(1)], {'points_on_bonus': True})
            Card.adjust(card, bonus=D(30), reason="活动赠送")
            sale = pay(new_sale(point, card, shampoo), card_method, 88,
                '123456')
            self.assertEqual(Card(card.id).points, 116 + 176)

    @with_transaction()
    def test_pay_with_points_and_reference(self):
        """Points pay at their value and earn nothing; WeChat Pay needs its
        reference; a removed points payment gives the points back"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Payment = pool.get('sale.point.payment')
        company = create_company()
        with set_company(company):
            point, _, _, card, shampoo, _ = setup_shop(company)
            points = create_method("积分", member_points=True)
            wechat = create_method("微信", reference_required=True)
            Card.earn_points(card, 1000)
            sale = new_sale(point, card, shampoo)

            # 1 point pays 1 fen
            sale = pay(sale, points, 8, '123456')
            self.assertEqual(Card(card.id).points, 200)
            payment, = sale.payments
            self.assertEqual(payment.points, 800)
            Payment.delete([payment])
            self.assertEqual(Card(card.id).points, 1000)

            sale = pay(sale, points, 8, '123456')
            with self.assertRaises(CashierError):
                pay(sale, wechat, 80)
            self.assertEqual(len(Payment.search([])), 1)
            sale = pay(sale, wechat, 80, reference='4200001234')
            self.assertEqual(sale.state, 'done')
            # 80 paid by WeChat earns 160 points, the 8 paid in points none
            self.assertEqual(Card(card.id).points, 200 + 160)
            self.assertEqual(
                card.party.__class__(card.party.id).member_total_spent, D(80))

    @with_transaction()
    def test_pay_with_package(self):
        """A count package pays the lines of its service; removing the
        payment gives the counts back"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Package = pool.get('crm.membership.package')
        Payment = pool.get('sale.point.payment')
        company = create_company()
        with set_company(company):
            point, _, card_method, card, shampoo, _ = setup_shop(company)
            haircut = create_product("洗剪吹", 60, type='service')
            counts = create_method("次卡", member_package=True)
            package = Card.add_package(card, haircut, 3)
            sale = new_sale(point, card, shampoo, haircut)

            sale = pay(sale, counts, 1, '123456')
            payment, = sale.payments
            # The line of the service, at the member's price
            self.assertEqual(payment.amount, D('52.80'))
            self.assertEqual(Package(package.id).remaining, 2)
            line, = [x for x in sale.lines if x.package_use]
            self.assertEqual(line.product, haircut)
            # Nothing left for the package to pay
            with self.assertRaises(CashierError):
                pay(sale, counts, 1, '123456')

            Payment.delete([payment])
            self.assertEqual(Package(package.id).remaining, 3)
            sale = pay(sale, counts, 1, '123456')
            sale = pay(sale, card_method, 88, '123456')
            self.assertEqual(sale.state, 'done')
            # Counts paid before earn no points
            self.assertEqual(Card(card.id).points, 176)

    @with_transaction()
    def test_card_payments_only_through_the_wizard(self):
        """The member is the card's; a card payment is made by the wizard
        and never edited; once the card paid, the lines, the card and the
        sale stay as they are"""
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        Line = pool.get('sale.point.sale.line')
        Payment = pool.get('sale.point.payment')
        company = create_company()
        with set_company(company):
            point, _, card_method, card, shampoo, _ = setup_shop(company)
            sale, = Sale.create([{'point': point.id, 'card': card.id}])
            self.assertEqual(sale.member, card.party)

            with self.assertRaises(CashierError):
                Payment.create([{'sale': sale.id, 'method': card_method.id,
                            'amount': D(10)}])
            sale = new_sale(point, card, shampoo)
            sale = pay(sale, card_method, 50, '123456')
            payment, = sale.payments
            with self.assertRaises(CashierError):
                Payment.write([payment], {'amount': D(10)})
            with self.assertRaises(CashierError):
                Line.create([{'sale': sale.id, 'product': shampoo.id,
                            'quantity': 1, 'unit_list_price': D(1),
                            'unit_gross_price': D(1)}])
            with self.assertRaises(CashierError):
                Line.delete(list(sale.lines))
            with self.assertRaises(CashierError):
                Sale.delete([sale])
            with self.assertRaises(CashierError):
                Sale.write([sale], {'card': None})

    @with_transaction()
    def test_deleted_card_payment_goes_back(self):
        "Removing a card payment of an open sale gives the money back"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Payment = pool.get('sale.point.payment')
        company = create_company()
        with set_company(company):
            point, _, card_method, card, shampoo, _ = setup_shop(company)
            sale = new_sale(point, card, shampoo)
            sale = pay(sale, card_method, 50, '123456')
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
        with set_company(company):
            point, _, card_method, card, shampoo, _ = setup_shop(company)
            sale = new_sale(point, card, shampoo)
            Card.report_lost([card])
            with self.assertRaises(CardError):
                pay(sale, card_method, 50, '123456')


del ModuleTestCase
