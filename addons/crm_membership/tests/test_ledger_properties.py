# This file is part of the CRM suite.
"Random sequences of operations on a card keep its ledgers consistent"
import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trytond.modules.crm_customer.tests.tools import ModuleDatabaseTestCase
from trytond.modules.crm_membership.exceptions import CardError
from trytond.modules.crm_membership.tests.tools import (
    create_card_type, issue_card)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

amounts = st.decimals(min_value=Decimal('0.01'), max_value=Decimal(2000),
    places=2)
operations = st.lists(st.one_of(
        st.tuples(st.just('top_up'), amounts),
        st.tuples(st.just('debit'), amounts),
        st.tuples(st.just('refund'), st.integers(0, 20),
            st.integers(0, 100)),
        st.tuples(st.just('earn'), st.integers(1, 500),
            st.integers(-500, 0)),
        st.tuples(st.just('spend'), st.integers(1, 600)),
        st.tuples(st.just('expire'), st.integers(0, 500)),
        ), max_size=20)


class LedgerPropertiesTestCase(ModuleDatabaseTestCase):
    "Test the invariants of the card ledgers"
    module = 'crm_membership'

    @with_transaction()
    def test_balances_follow_the_ledgers(self):
        "Balance = ledger sum ≥ 0 and points ≥ 0 after any operations"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        ValueLine = pool.get('crm.membership.value.line')
        PointLine = pool.get('crm.membership.point.line')
        Date = pool.get('ir.date')
        card_type = create_card_type(bonuses=[(500, 50), (1000, 150)])
        today = Date.today()

        @settings(max_examples=40, deadline=None,
            suppress_health_check=[HealthCheck.too_slow])
        @given(operations)
        def check(operations):
            card = issue_card(card_type, amount=Decimal(100))
            payments = []
            for operation, *args in operations:
                before = (len(ValueLine.search([('card', '=', card.id)]))
                    + len(PointLine.search([('card', '=', card.id)])))
                try:
                    if operation == 'top_up':
                        Card.top_up(card, args[0])
                    elif operation == 'debit':
                        payments.append(Card.debit(card, args[0]))
                    elif operation == 'refund' and payments:
                        payment = payments[args[0] % len(payments)]
                        amount = (-payment.amount * args[1] / 100)
                        amount = amount.quantize(Decimal('0.01'))
                        Card.credit(card, amount, payment=payment)
                    elif operation == 'earn':
                        Card.earn_points(card, args[0],
                            date=today + dt.timedelta(days=args[1]))
                    elif operation == 'spend':
                        Card.spend_points(card, args[0])
                    elif operation == 'expire':
                        Card.expire_points(
                            today + dt.timedelta(days=args[0]))
                except CardError:
                    after = (len(ValueLine.search([('card', '=', card.id)]))
                        + len(PointLine.search([('card', '=', card.id)])))
                    self.assertEqual(after, before,
                        msg="a refusal wrote lines")
                card = Card(card.id)
                lines = ValueLine.search([('card', '=', card.id)])
                self.assertEqual(card.principal,
                    sum(x.principal for x in lines))
                self.assertEqual(card.bonus, sum(x.bonus for x in lines))
                self.assertGreaterEqual(card.principal, 0)
                self.assertGreaterEqual(card.bonus, 0)
                self.assertEqual(card.balance, card.principal + card.bonus)
                point_lines = PointLine.search([('card', '=', card.id)])
                self.assertEqual(card.points,
                    sum(x.points for x in point_lines))
                self.assertGreaterEqual(card.points, 0)
                for earning, left in PointLine.open_earnings(card.id):
                    self.assertLessEqual(left, earning.points)
                for payment in payments:
                    refunded = sum(x.amount for x in ValueLine.search([
                                ('reversal_of', '=', payment.id)]))
                    self.assertLessEqual(refunded, -payment.amount)
        check()
