# This file is part of the CRM suite.
"Refunds (退货) of till sales"
from decimal import Decimal

from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_cashier.exceptions import CashierError
from trytond.modules.crm_cashier.tests.tools import (
    create_method, create_product, new_sale, pay, setup_shop)
from trytond.modules.crm_customer.tests.tools import ModuleDatabaseTestCase
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

D = Decimal


class RefundTestCase(ModuleDatabaseTestCase):
    "Test the refunds of the till"
    module = 'crm_cashier'

    @with_transaction()
    def test_partial_then_whole_refund(self):
        """A refund line by line gives the money back to the card and the
        cash in proportion, takes back the points earned and the spend,
        brings the level down; the last refund gives back exactly the rest;
        never more than was sold, and never a refund of a refund"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Level = pool.get('crm.membership.level')
        Sale = pool.get('sale.point.sale')
        Line = pool.get('sale.point.sale.line')
        Payment = pool.get('sale.point.payment')
        company = create_company()
        with set_company(company):
            point, cash, card_method, card, shampoo, cigarettes = (
                setup_shop(company))
            gold = card.level
            diamond, = Level.create([{
                        'name': "钻石会员", 'upgrade_amount': D(200),
                        'discount_rate': D('0.12'),
                        'points_per_yuan': D(2),
                        }])
            sale = new_sale(point, card, shampoo, shampoo, cigarettes)
            self.assertEqual(sale.total, D(226))
            sale = pay(sale, card_method, 100, '123456')
            sale = pay(sale, cash, 126)
            self.assertEqual(sale.state, 'done')
            card = Card(card.id)
            self.assertEqual((card.balance, card.points), (D(100), 452))
            self.assertEqual(card.level, diamond)
            party = card.party

            first, second, third = sale.lines
            # More than was sold, nothing written
            with self.assertRaises(CashierError):
                Sale.refund_lines(sale, {first: 2})
            self.assertEqual(Sale.search([('refund_of', '=', sale.id)]), [])

            refund = Sale.refund_lines(sale, {first: 1})
            self.assertEqual(refund.state, 'done')
            self.assertEqual(refund.total, D(-88))
            self.assertEqual(refund.shift, sale.shift)
            line, = refund.lines
            self.assertEqual((line.refund_of, line.quantity), (first, -1))
            self.assertEqual(
                sorted((p.method.name, p.amount) for p in refund.payments),
                [("会员卡", D('-38.94')), ("现金", D('-49.06'))])
            card = Card(card.id)
            self.assertEqual(card.balance, D('138.94'))
            # 452 points for ¥226, 176 of them for ¥88
            self.assertEqual(card.points, 452 - 176)
            party = party.__class__(party.id)
            self.assertEqual(party.member_total_spent, D(138))
            self.assertEqual(party.member_visits, 1)
            self.assertEqual(card.level, gold)

            # The same line again: one left, not two
            with self.assertRaises(CashierError):
                Sale.refund_lines(sale, {first: 1, second: 2})
            # Nor by writing a line
            with self.assertRaises(CashierError):
                Line.write([line], {'quantity': -3})

            with self.assertRaises(CashierError):
                Sale.refund_lines(refund, {line: 1})

            last = Sale.refund_lines(Sale(sale.id), {second: 1, third: 1})
            self.assertEqual(last.total, D(-138))
            self.assertEqual(
                sorted((p.method.name, p.amount) for p in last.payments),
                [("会员卡", D('-61.06')), ("现金", D('-76.94'))])
            card = Card(card.id)
            self.assertEqual((card.balance, card.points), (D(200), 0))
            party = party.__class__(party.id)
            self.assertEqual(party.member_total_spent, D(0))
            self.assertEqual(sum(p.amount for p in Payment.search([
                            ('method', '=', cash.id)])), D(0))

            # All sold is refunded
            with self.assertRaises(CashierError):
                Sale.refund_lines(Sale(sale.id), {third: 1})
            self.assertEqual(
                [r.refund_of for r in Sale(sale.id).refunds], [sale, sale])

    @with_transaction()
    def test_refund_packages_points_and_rounding(self):
        """Counts go back to their package, points to the card, the
        rounding is given back with the rest"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Package = pool.get('crm.membership.package')
        Sale = pool.get('sale.point.sale')
        company = create_company()
        with set_company(company):
            point, cash, _, card, shampoo, _ = setup_shop(company)
            point.rounding = 'drop_jiao'
            point.rounding_account = cash.account
            point.save()
            haircut = create_product("洗剪吹", 60, type='service')
            bread = create_product("面包", '13.07')
            counts = create_method("次卡", member_package=True)
            points = create_method("积分", member_points=True)
            package = Card.add_package(card, haircut, 3)
            Card.earn_points(card, 1000)
            sale = new_sale(point, card, shampoo, haircut, bread)
            # 88 + 52.80 + 11.50 less 0.30 dropped
            self.assertEqual(sale.expected_rounding(), D('-0.30'))
            sale = pay(sale, counts, 1, '123456')
            # The package pays its line, the rest is rounded: 88 + 11.50
            self.assertEqual(sale.expected_rounding(), D('-0.50'))
            sale = pay(sale, points, 10, '123456')
            sale = pay(sale, cash, 100)
            self.assertEqual(sale.state, 'done')
            self.assertEqual(sale.total, D('151.80'))
            self.assertEqual(sale.change_amount, D(11))
            self.assertEqual(Package(package.id).remaining, 2)
            # 1000 less 1000 for ¥10, plus 2 a yuan on the ¥89 in cash
            self.assertEqual(Card(card.id).points, 178)

            refund = Sale.refund_lines(sale, {
                    line: line.quantity for line in sale.lines})
            self.assertEqual(refund.total, D('-151.80'))
            self.assertEqual(refund.rounding_amount, D('0.50'))
            self.assertEqual(
                sorted((p.method.name, p.amount) for p in refund.payments),
                [("次卡", D('-52.80')), ("现金", D(-89)),
                    ("积分", D(-10))])
            self.assertEqual(Package(package.id).remaining, 3)
            self.assertEqual(Card(card.id).points, 1000)
            self.assertEqual(Card(card.id).balance, D(200))

            # A package line is refunded whole
            sale = new_sale(point, card, haircut)
            haircut_line, = sale.lines
            Sale.write([sale], {'lines': [('write', [haircut_line.id], {
                                'quantity': 2})]})
            sale = pay(Sale(sale.id), counts, 1, '123456')
            self.assertEqual(sale.state, 'done')
            with self.assertRaises(CashierError):
                Sale.refund_lines(sale, {sale.lines[0]: 1})

    @with_transaction()
    def test_refund_wizard(self):
        "The wizard proposes what is left of each line and refunds it"
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        StartLine = pool.get('sale.point.sale.refund.start.line')
        Refund = pool.get('sale.point.sale.refund', type='wizard')
        company = create_company()
        with set_company(company):
            point, cash, _, card, shampoo, cigarettes = setup_shop(company)
            sale = pay(new_sale(point, card, shampoo, cigarettes), cash, 138)

            session_id, _, _ = Refund.create()
            wizard = Refund(session_id)
            with Transaction().set_context(active_model=Sale.__name__,
                    active_id=sale.id, active_ids=[sale.id]):
                start = wizard.default_start(None)
                self.assertEqual(
                    [(x['sold'], x['left']) for x in start['lines']],
                    [(1, 1), (1, 1)])
                wizard.start.lines = [StartLine(line=x['line'], quantity=q)
                    for x, q in zip(start['lines'], [0, 1])]
                action, _ = wizard.do_refund(
                    {'res_id': None, 'views': [(1, 'tree'), (2, 'form')]})
            refund, = Sale.browse(action['res_id'])
            self.assertEqual(refund.refund_of, sale)
            self.assertEqual(refund.total, D(-50))
            self.assertEqual(
                list(Sale(sale.id).refundable_quantities().values()), [1, 0])
