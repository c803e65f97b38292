# This file is part of the CRM suite.
"""Cards used from several transactions: tills at once, wrong PINs that
must count although their transaction is undone"""
import datetime as dt
from decimal import Decimal

from trytond.modules.crm_customer.tests.tools import ModuleDatabaseTestCase
from trytond.modules.crm_membership.exceptions import CardError, PinError
from trytond.modules.crm_membership.tests.tools import (
    at_once, create_card_type, create_service, issue_card, request)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

D = Decimal


class CardTransactionsTestCase(ModuleDatabaseTestCase):
    """Test cards used by concurrent and failing transactions.

    The cards are committed for the other transactions to see them: this
    class has a database of its own."""
    module = 'crm_membership'

    @with_transaction()
    def test_tills_debit_one_card_at_once(self):
        "20 tills debit ¥30 from a ¥100 card: 3 succeed, 17 are overdrawn"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        ValueLine = pool.get('crm.membership.value.line')
        Party = pool.get('party.party')
        card = issue_card(create_card_type("并发卡"), amount=D(100))
        Transaction().commit()

        def debit():
            return Card.debit(Card(card.id), D(30)).id
        results = at_once(lambda _: debit(), range(20))

        paid = [r for r in results if isinstance(r, int)]
        refused = [r for r in results if isinstance(r, CardError)]
        self.assertEqual(len(paid), 3, msg=results)
        self.assertEqual(len(refused), 17, msg=results)
        self.assertTrue(all('not enough' in str(r) for r in refused))
        lines = ValueLine.search([('card', '=', card.id)])
        self.assertEqual(sum(x.amount for x in lines), D(10))
        self.assertEqual(Card(card.id).balance, D(10))
        self.assertEqual(sorted(x.id for x in lines if x.kind == 'payment'),
            sorted(paid))
        # Only the payments made count as spend
        party = Party(card.party.id)
        self.assertEqual(
            (party.member_total_spent, party.member_visits), (D(90), 3))

    @with_transaction()
    def test_tills_use_last_count_at_once(self):
        "Two tills use the last count of a package: one succeeds"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Package = pool.get('crm.membership.package')
        card = issue_card(create_card_type("次卡", kind='count',
                service=create_service("头疗"), service_quantity=1))
        package, = card.packages
        Transaction().commit()

        def use():
            return Card.use_package(Package(package.id)).id
        results = at_once(lambda _: use(), range(2))

        self.assertEqual(len([r for r in results if isinstance(r, int)]), 1,
            msg=results)
        self.assertEqual(
            len([r for r in results if isinstance(r, CardError)]), 1)
        self.assertEqual(Package(package.id).remaining, 0)

    @with_transaction()
    def test_wrong_pins_lock_the_card(self):
        "3 wrong PINs lock the card, though each refusal undoes its request"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        card = issue_card(create_card_type("密码卡", pin_required=True),
            amount=D(100), pin='8642')
        Transaction().commit()

        def debit(pin):
            return Card.debit(Card(card.id), D(10), pin=pin).id
        results = [request(debit, pin) for pin in ['1111', '2222', '3333']]
        after = request(debit, '8642')

        self.assertIn('attempts left: 2', str(results[0]))
        self.assertIn('attempts left: 1', str(results[1]))
        self.assertIn('locked', str(results[2]))
        self.assertIsInstance(after, PinError)
        self.assertIn('locked', str(after))
        card = Card(card.id)
        self.assertTrue(card.pin_locked)
        self.assertEqual(card.balance, D(100))
        locked_until, _ = card._pin_lock()
        self.assertIsNone(card._pin_lock(
                now=locked_until + dt.timedelta(seconds=1))[0])

        with Transaction().set_user(0):
            Card.unlock_pin([card])
        Transaction().commit()
        self.assertIsInstance(request(debit, '8642'), int)
        self.assertEqual(Card(card.id).balance, D(90))
