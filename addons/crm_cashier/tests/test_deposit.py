# This file is part of the CRM suite.
"Money taken for member cards: in the cashier's shift, by a payment method"
from decimal import Decimal

from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_cashier.exceptions import CashierError
from trytond.modules.crm_cashier.tests.tools import (
    at_till, cashier_user, create_method, setup_shop)
from trytond.modules.crm_customer.tests.tools import ModuleDatabaseTestCase
from trytond.modules.crm_membership.tests.tools import create_card_type
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

D = Decimal


def run_wizard(name, card, state, **values):
    """Run the card wizard name on card up to the transition state with
    values typed in its start form; return the wizard"""
    pool = Pool()
    Wizard = pool.get(name, type='wizard')
    session_id, _, _ = Wizard.create()
    wizard = Wizard(session_id)
    with Transaction().set_context(active_model=card.__name__,
            active_id=card.id, active_ids=[card.id]):
        for field, value in values.items():
            setattr(wizard.start, field, value)
        getattr(wizard, 'transition_' + state)()
    return wizard


class DepositTestCase(ModuleDatabaseTestCase):
    "Test the money taken for member cards"
    module = 'crm_cashier'

    @with_transaction()
    def test_top_up_in_shift(self):
        """A top-up is paid by a method into the cashier's open shift: its
        cash is in the drawer and the handover counts it; a cashier without
        a shift, or paying from a card, is refused and nothing is loaded"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Deposit = pool.get('sale.point.card.deposit')
        Session = pool.get('sale.point.cash.session')
        company = create_company()
        with set_company(company):
            point, cash, card_method, card, _, _ = setup_shop(company)
            wechat = create_method("微信", reference_required=True)
            user = cashier_user(company)
            shift, = Session.search([('point', '=', point.id)])
            before = shift.balance

            with at_till(user):
                with self.assertRaises(CashierError):
                    run_wizard('crm.membership.card.top_up', card, 'top_up',
                        amount=D(100), method=cash)
            self.assertEqual(Card(card.id).balance, D(200))

            Session.write([shift], {'employee': user.employee.id})
            with at_till(user):
                for method, reference in [(card_method, None),
                        (wechat, None)]:
                    with self.assertRaises(CashierError):
                        run_wizard('crm.membership.card.top_up', card,
                            'top_up', amount=D(100), method=method,
                            reference=reference)
                self.assertEqual(Card(card.id).balance, D(200))
                wizard = run_wizard('crm.membership.card.top_up', card,
                    'top_up', amount=D(100), method=cash)
                # The same request again loads and counts nothing more
                wizard.transition_top_up()
                run_wizard('crm.membership.card.top_up', card, 'top_up',
                    amount=D(50), method=wechat, reference='4200000001')

            self.assertEqual(Card(card.id).balance, D(350))
            self.assertEqual(sorted(
                    (d.kind, d.method.name, d.amount, d.shift.id)
                    for d in Deposit.search([])), [
                    ('top_up', "微信", D(50), shift.id),
                    ('top_up', "现金", D(100), shift.id)])
            shift = Session(shift.id)
            self.assertEqual(shift.balance, before + D(100))
            self.assertEqual(
                [(m.name, a) for m, a in shift.handover_deposits()],
                [("微信", D(50)), ("现金", D(100))])

    @with_transaction()
    def test_card_sold_in_shift(self):
        "A card sold for money is paid into the shift; one given away is not"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Deposit = pool.get('sale.point.card.deposit')
        Party = pool.get('party.party')
        Session = pool.get('sale.point.cash.session')
        company = create_company()
        with set_company(company):
            point, cash, _, _, _, _ = setup_shop(company)
            user = cashier_user(company)
            shift, = Session.search([('point', '=', point.id)])
            Session.write([shift], {'employee': user.employee.id})
            card_type = create_card_type("五百元卡", price=500)
            party = Party(name="王五")
            party.save()
            sold, free = Card.create([
                    {'type': card_type.id, 'party': party.id},
                    {'type': card_type.id, 'party': party.id}])
            with at_till(user):
                with self.assertRaises(CashierError):
                    run_wizard('crm.membership.card.issue', sold, 'issue',
                        amount=D(500))
                self.assertEqual(Card(sold.id).state, 'draft')
                run_wizard('crm.membership.card.issue', sold, 'issue',
                    amount=D(500), method=cash)
                run_wizard('crm.membership.card.issue', free, 'issue',
                    amount=D(0))
            deposit, = Deposit.search([])
            self.assertEqual(
                (deposit.card, deposit.kind, deposit.amount, deposit.shift),
                (sold, 'issue', D(500), shift))
            self.assertEqual(Card(sold.id).balance, D(500))
            self.assertEqual(Card(free.id).state, 'active')


del ModuleDatabaseTestCase
