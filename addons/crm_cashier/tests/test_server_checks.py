# This file is part of the CRM suite.
"""What the server alone sets at the till: a client that writes the money
fields of a payment, a sale or a line, sends another sale's card key or
sells a negative line is refused and nothing changes"""
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.crm_cashier.exceptions import CashierError
from trytond.modules.crm_cashier.receipt import Receipt
from trytond.modules.crm_cashier.tests.tools import (
    at_till, cashier_user, new_sale, pay, pay_form, setup_shop)
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_staff)
from trytond.modules.crm_membership.exceptions import PinError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

D = Decimal
REFUSED = (CashierError, AccessError)


class ServerChecksTestCase(ModuleDatabaseTestCase):
    "Test the till's money fields are the server's"
    module = 'crm_cashier'

    @with_transaction()
    def test_payment_fields_from_client(self):
        """A client cannot create a payment from the card, nor one that
        names a card, a ledger line, points or a key, nor write them"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Payment = pool.get('sale.point.payment')
        company = create_company()
        with set_company(company):
            point, cash, card_method, card, shampoo, _ = setup_shop(company)
            user = cashier_user(company)
            paid = pay(new_sale(point, card, shampoo), card_method, 88,
                '123456')
            earlier, = paid.payments
            sale = new_sale(point, card, shampoo, employee=user.employee)

            for values in [
                    {'method': card_method.id, 'amount': D(88),
                        'card': card.id},
                    {'method': cash.id, 'amount': D(88), 'card': card.id,
                        'card_line': earlier.card_line.id},
                    {'method': cash.id, 'amount': D(88),
                        'card_key': earlier.card_key},
                    {'method': cash.id, 'amount': D(88), 'change': D(-500)},
                    ]:
                with self.subTest(values=values):
                    with as_user(user), self.assertRaises(REFUSED):
                        Payment.create([dict(values, sale=sale.id)])
            # Refused before any debit; over RPC the request is undone
            self.assertEqual(Card(card.id).balance, D(112))

            with as_user(user):
                payment, = Payment.create([{'sale': sale.id,
                            'method': cash.id, 'amount': D(10)}])
                with self.assertRaises(REFUSED):
                    Payment.write([payment], {'points': 500})
                with self.assertRaises(REFUSED):
                    Payment.write([payment], {'card_line':
                            earlier.card_line.id, 'card': card.id})
            self.assertEqual(Payment(payment.id).points, None)
            self.assertEqual(Payment(payment.id).card_line, None)

    @with_transaction()
    def test_sale_and_line_fields_from_client(self):
        """A client cannot mark a sale as a refund or counted, nor a line
        as refunding another or paid by a package; the member is the
        card's"""
        pool = Pool()
        Party = pool.get('party.party')
        Sale = pool.get('sale.point.sale')
        Line = pool.get('sale.point.sale.line')
        company = create_company()
        with set_company(company):
            point, cash, card_method, card, shampoo, _ = setup_shop(company)
            user = cashier_user(company)
            done = pay(new_sale(point, None, shampoo), cash, 100)
            sale = new_sale(point, card, shampoo)
            other = Party(name="李四")
            other.save()
            with as_user(user):
                for values in [{'refund_of': done.id},
                        {'member_counted': True},
                        {'rounding_amount': D(-50)}]:
                    with self.subTest(values=values):
                        with self.assertRaises(REFUSED):
                            Sale.write([Sale(sale.id)], values)
                with self.assertRaises(REFUSED):
                    Line.write(list(Sale(sale.id).lines),
                        {'refund_of': done.lines[0].id})
                Sale.write([Sale(sale.id)], {'member': other.id})
            sale = Sale(sale.id)
            self.assertEqual(sale.member, card.party)
            self.assertEqual(
                (sale.refund_of, sale.member_counted, sale.rounding_amount),
                (None, False, D(0)))
            self.assertEqual(sale.lines[0].refund_of, None)

    @with_transaction()
    def test_negative_line(self):
        "A negative line of an ordinary sale is refused: returns are refunds"
        company = create_company()
        with set_company(company):
            point, cash, _, _, shampoo, _ = setup_shop(company)
            sale = new_sale(point, None, shampoo)
            line, = sale.lines
            line.quantity = -1
            line.unit_price = line.unit_list_price = D(1000)
            line.unit_gross_price = D(1000)
            with self.assertRaises(CashierError) as raised:
                line.save()
            self.assertIn('negative', raised.exception.message)

    @with_transaction()
    def test_discount_limit(self):
        """An employee without a discount limit may give none; the limit
        is the user's at the till, whatever employee the sale names"""
        pool = Pool()
        Employee = pool.get('company.employee')
        company = create_company()
        with set_company(company):
            point, cash, _, _, shampoo, _ = setup_shop(company)
            user = cashier_user(company)
            boss = create_employee(company, "老板")
            Employee.write([boss], {'till_discount_limit': D('0.5')})
            with at_till(user):
                sale = new_sale(point, None, shampoo, employee=boss)
                line, = sale.lines
                line.manual_discount = D('0.3')
                line.on_change_manual_discount()
                with self.assertRaises(CashierError):
                    line.save()
                Employee.write([user.employee],
                    {'till_discount_limit': D('0.3')})
                line.save()
                self.assertEqual(line.unit_price, D(70))
                # Once paid, the line is checked for who pays it
                Employee.write([user.employee],
                    {'till_discount_limit': D('0.1')})
                with self.assertRaises(CashierError):
                    pay(sale, cash, 70)
            self.assertEqual(sale.__class__(sale.id).state, 'open')

    @with_transaction()
    def test_card_key_of_another_sale(self):
        """The card key of another sale's payment debits this sale's card
        anew, with its PIN; the key of a payment since removed is refused"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Payment = pool.get('sale.point.payment')
        Sale = pool.get('sale.point.sale')
        company = create_company()
        with set_company(company):
            point, cash, card_method, card, shampoo, _ = setup_shop(company)
            first = new_sale(point, card, shampoo)
            form, _ = pay_form(first, {'method': cash.id, 'amount': D(0),
                    'card_amount': D(88), 'pin': '123456'})
            key = form['card_key']
            self.assertEqual(Sale(first.id).state, 'done')
            self.assertEqual(Card(card.id).balance, D(112))
            stored, = [p.card_key for p in Sale(first.id).payments]

            second = new_sale(point, card, shampoo)
            for sent in [key, stored]:
                with self.subTest(key=sent):
                    with self.assertRaises((PinError, CashierError)):
                        pay_form(second, {'method': cash.id,
                                'amount': D(0), 'card_amount': D(88),
                                'pin': '000000', 'card_key': sent})
                    self.assertEqual(Card(card.id).balance, D(112))
                    self.assertEqual(Sale(second.id).payments, ())

            # The right PIN with the first sale's key: a debit of its own
            pay_form(second, {'method': cash.id, 'amount': D(0),
                    'card_amount': D(88), 'pin': '123456', 'card_key': key})
            self.assertEqual(Card(card.id).balance, D(24))
            self.assertEqual(Sale(second.id).state, 'done')

            third = new_sale(point, card, shampoo)
            form, _ = pay_form(third, {'method': cash.id, 'amount': D(0),
                    'card_amount': D(10), 'pin': '123456'})
            Payment.delete(list(Sale(third.id).payments))
            self.assertEqual(Card(card.id).balance, D(24))
            with self.assertRaises(CashierError):
                pay_form(third, {'method': cash.id, 'amount': D(0),
                        'card_amount': D(10), 'pin': '123456',
                        'card_key': form['card_key']})
            self.assertEqual(Card(card.id).balance, D(24))

    @with_transaction()
    def test_points_at_level_of_sale(self):
        """The points are earned at the level the sale was priced at, even
        when its spend moves the card to another level"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Level = pool.get('crm.membership.level')
        company = create_company()
        with set_company(company):
            point, cash, _, card, shampoo, cigarettes = setup_shop(company)
            gold, = Level.search([])
            # The member's spend does not reach gold: the sale moves the
            # card down to the first level
            Level.write([gold], {'sequence': 20, 'upgrade_amount': D(10000)})
            Level.create([{'name': "普通会员", 'sequence': 10,
                        'points_per_yuan': D(1)}])
            points = Card(card.id).points
            sale = pay(new_sale(point, card, shampoo, cigarettes), cash, 138)
            self.assertEqual(Card(card.id).level.name, "普通会员")
            self.assertEqual(sale.sale_level, gold)
            self.assertEqual(Card(card.id).points, points + 276)

    @with_transaction()
    def test_receipt_negative_amount(self):
        "A negative amount on a receipt in Chinese has its minus first"
        pool = Pool()
        Lang = pool.get('ir.lang')
        company = create_company()
        lang = Lang.get('zh_CN')
        currency = company.currency
        # Tryton's zh_CN puts it elsewhere
        self.assertFalse(lang.currency(D('-0.08'), currency).startswith('-'))
        text = Receipt.format_currency(D('-0.08'), lang, currency)
        self.assertTrue(text.startswith('-'))
        self.assertIn('0.08', text)
        self.assertEqual(Receipt.format_currency(D('0.08'), lang, currency),
            lang.currency(D('0.08'), currency))

    @with_transaction()
    def test_pay_for_managers(self):
        """Only managers read the base pay and set the till limits of the
        staff"""
        pool = Pool()
        Employee = pool.get('company.employee')
        company = create_company()
        with set_company(company):
            user = cashier_user(company)
            manager = create_staff(company, 'manager', 'group_sales_manager')
            Employee.write([user.employee], {'base_pay': D(3800)})
            with as_user(user):
                with self.assertRaises(AccessError):
                    Employee.read([user.employee.id], ['base_pay'])
                with self.assertRaises(AccessError):
                    Employee.search([('base_pay', '>', 3000)])
                with self.assertRaises(AccessError):
                    Employee.write([Employee(user.employee.id)],
                        {'till_discount_limit': D(1)})
            with as_user(manager):
                employee, = Employee.read([user.employee.id], ['base_pay'])
                self.assertEqual(employee['base_pay'], D(3800))
            self.assertEqual(Employee(user.employee.id).till_discount_limit,
                None)

    @with_transaction()
    def test_pay_form_server_fields(self):
        """What a client sends in the Pay dialog for the server's fields of
        a payment is not kept: a refund then credits no card"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Sale = pool.get('sale.point.sale')
        company = create_company()
        with set_company(company):
            point, cash, card_method, card, shampoo, _ = setup_shop(company)
            paid = pay(new_sale(point, card, shampoo), card_method, 88,
                '123456')
            earlier, = paid.payments
            sale = new_sale(point, None, shampoo)
            pay_form(sale, {'method': cash.id, 'amount': D(100),
                    'card': card.id, 'card_line': earlier.card_line.id,
                    'points': 500, 'refund_of': earlier.id})
            payment, = Sale(sale.id).payments
            self.assertEqual(
                (payment.card, payment.card_line, payment.points,
                    payment.refund_of), (None, None, None, None))
            Sale.refund_lines(Sale(sale.id), {sale.lines[0]: 1})
            self.assertEqual(Card(card.id).balance, D(112))

    @with_transaction()
    def test_negative_payment_and_card_swap(self):
        """A client's negative payment is refused and change given does not
        let the card pay more than the total; another card on the sale
        prices its lines again; a sale is dated today"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Payment = pool.get('sale.point.payment')
        Sale = pool.get('sale.point.sale')
        Session = pool.get('sale.point.cash.session')
        company = create_company()
        with set_company(company):
            point, cash, card_method, card, shampoo, _ = setup_shop(company)
            user = cashier_user(company)
            sale = new_sale(point, card, shampoo)
            with as_user(user), self.assertRaises(REFUSED):
                Payment.create([{'sale': sale.id, 'method': cash.id,
                            'amount': D(-50),
                            'session': Session.get_current(point).id}])
            Payment.create([{'sale': sale.id, 'method': cash.id,
                        'amount': D(-50),
                        'session': Session.get_current(point).id}])
            with self.assertRaises(CashierError):
                pay(sale, card_method, 138, '123456')
            self.assertEqual(Card(card.id).balance, D(200))

            # The gold price of the lines without the gold card
            other = new_sale(point, card, shampoo)
            with as_user(user):
                with self.assertRaises(CashierError):
                    Sale.write([Sale(other.id)], {'card': None})
                with self.assertRaises(REFUSED):
                    Sale.write([Sale(other.id)],
                        {'date': other.date.replace(year=2099)})

    @with_transaction()
    def test_shift_of_cashier(self):
        """A cashier opens a shift in their own name and counts it while it
        is open; the over/short is the close's and only a manager reopens
        a closed shift"""
        pool = Pool()
        Session = pool.get('sale.point.cash.session')
        company = create_company()
        with set_company(company):
            point, cash, _, _, _, _ = setup_shop(company)
            user = cashier_user(company)
            other = create_employee(company, "王收银")
            shift = Session.get_current(point)
            shift.end_amount = D(0)
            Session.close([shift])
            new = {'point': point.id, 'previous_session': shift.id}
            with as_user(user), self.assertRaises(REFUSED):
                Session.create([dict(new, employee=other.id)])
            # Over RPC the refused request is undone
            Session.delete(Session.search([('employee', '=', other.id)]))
            with as_user(user):
                mine, = Session.create([dict(new, employee=user.employee.id)])
                for values in [{'employee': other.id},
                        {'over_short': D(500)}]:
                    with self.subTest(values=values), \
                            self.assertRaises(REFUSED):
                        Session.write([Session(mine.id)], values)
                Session.write([Session(mine.id)], {'end_amount': D(0)})
                Session.close([Session(mine.id)])
                mine = Session(mine.id)
                with self.assertRaises(REFUSED):
                    Session.write([mine], {'end_amount': D(500)})
                with self.assertRaises(AccessButtonError):
                    Session.open([mine])
            mine = Session(mine.id)
            self.assertEqual(
                (mine.state, mine.end_amount, mine.over_short,
                    mine.employee),
                ('closed', D(0), D(0), user.employee))
            # The manager reopens it
            Session.open([mine])
            self.assertEqual(Session(mine.id).state, 'open')

    @with_transaction()
    def test_member_panel_of_visible_card(self):
        """The till's member panel computed for a card the user may not
        read is refused, as its read would be"""
        pool = Pool()
        Party = pool.get('party.party')
        Sale = pool.get('sale.point.sale')
        company = create_company()
        with set_company(company):
            _, _, _, card, _, _ = setup_shop(company)
            sales = create_staff(company, 'sales', 'group_salesperson')
            colleague = create_staff(company, 'colleague',
                'group_salesperson')
            Party.write([card.party], {'owner': colleague.employee.id})

            def panel(user):
                with as_user(user):
                    sale = Sale(card=card.id)
                    sale.on_change_with(['member_balance'])
                    return sale._changed_values()['member_balance']
            with self.assertRaises(AccessError):
                panel(sales)
            self.assertEqual(panel(colleague), D(200))
