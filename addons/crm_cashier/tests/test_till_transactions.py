# This file is part of the CRM suite.
"Tills paying from one card at once"
from decimal import Decimal

from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_cashier.sale_point import AmountsMemo
from trytond.modules.crm_cashier.tests.tools import (
    create_product, new_sale, pay, setup_shop)
from trytond.modules.crm_customer.tests.tools import ModuleDatabaseTestCase
from trytond.modules.crm_membership.exceptions import CardError
from trytond.modules.crm_membership.tests.tools import at_once
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

D = Decimal


class TillTransactionsTestCase(ModuleDatabaseTestCase):
    """Test tills that use one card from transactions of their own.

    The shop is committed for the other transactions to see it: this class
    has a database of its own."""
    module = 'crm_cashier'

    @with_transaction()
    def test_two_tills_pay_from_one_card(self):
        "Two tills pay ¥88 from a ¥200 card at once: one is refused"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Payment = pool.get('sale.point.payment')
        Sale = pool.get('sale.point.sale')
        Method = pool.get('sale.point.payment.method')
        company = create_company()
        with set_company(company):
            point, _, card_method, card, shampoo, _ = setup_shop(company)
            Card.debit(card, D(100), pin='123456', spend=False)
            sales = [new_sale(point, card, shampoo) for _ in range(2)]
        Transaction().commit()

        # Each till reads the records in its own transaction
        def pay_sale(sale_id):
            with Transaction().set_context(company=company.id):
                return pay(Sale(sale_id), Method(card_method.id), 88,
                    '123456').id
        results = at_once(pay_sale, [s.id for s in sales])

        self.assertEqual(
            len([r for r in results if isinstance(r, int)]), 1,
            msg=results)
        refused, = [r for r in results if isinstance(r, CardError)]
        self.assertIn("not enough", str(refused))
        self.assertEqual(Card(card.id).balance, D(12))
        self.assertEqual(
            len(Payment.search([('sale', 'in', [s.id for s in sales])])), 1)
        self.assertEqual(
            sorted(s.state for s in Sale.browse([s.id for s in sales])),
            ['done', 'open'])

    @with_transaction()
    def test_twenty_tills_pay_from_one_card(self):
        """20 tills pay ¥30 from a ¥100 card at once, each as the server
        serves a request: 3 are paid, the others told the balance is
        short, none fails on the card's lock"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Sale = pool.get('sale.point.sale')
        Method = pool.get('sale.point.payment.method')
        company = create_company()
        with set_company(company):
            point, _, card_method, card, _, _ = setup_shop(company)
            # No discount on the card's level's excluded category: ¥30 a
            # sale
            tobacco = Card(card.id).level.excluded_categories[0]
            lighter = create_product("打火机", 30, category=tobacco)
            Card.debit(card, D(100), pin='123456', spend=False)
            sales = [new_sale(point, card, lighter) for _ in range(20)]
        Transaction().commit()

        def pay_sale(sale_id):
            with Transaction().set_context(company=company.id):
                return pay(Sale(sale_id), Method(card_method.id), 30,
                    '123456').state
        results = at_once(pay_sale, [s.id for s in sales])

        self.assertEqual(results.count('done'), 3, msg=results)
        short = [r for r in results if isinstance(r, CardError)]
        self.assertEqual(len(short), 17, msg=results)
        self.assertTrue(all("not enough" in str(r) for r in short))
        self.assertEqual(Card(card.id).balance, D(10))

    @with_transaction()
    def test_stored_amounts_forgotten_on_rollback(self):
        """The amounts of a sale read before a rollback are read again
        after it, though the transaction has written nothing since"""
        pool = Pool()
        Payment = pool.get('sale.point.payment')
        Sale = pool.get('sale.point.sale')
        Session = pool.get('sale.point.cash.session')
        company = create_company()
        with set_company(company):
            point, cash, _, _, shampoo, _ = setup_shop(company)
            sale = new_sale(point, None, shampoo)
        Transaction().commit()
        with set_company(company):
            Payment.create([{'sale': sale.id, 'method': cash.id,
                        'amount': D(40),
                        'session': Session.get_current(point).id}])
            self.assertEqual(Sale(sale.id).amount_paid, D(40))
            Transaction().rollback()
            self.assertEqual(Transaction().join(AmountsMemo()).amounts, {})
            # As stored after the rollback (SQLite may have kept it)
            stored = sum(p['amount'] for p in Payment.search_read(
                    [('sale', '=', sale.id)], fields_names=['amount']))
            self.assertEqual(Sale(sale.id).amount_paid, stored)


del ModuleDatabaseTestCase
