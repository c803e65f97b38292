# This file is part of the CRM suite.
import datetime as dt
import io
from decimal import Decimal

import openpyxl

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, create_employee, set_company)
from trytond.modules.crm_customer.tests.test_excel import xlsx
from trytond.modules.crm_customer.tests.tools import (
    party_relations_not_replaced)
from trytond.modules.crm_membership.exceptions import (
    CardAccessError, CardError, PinError)
from trytond.modules.crm_membership.tests.test_migration import HEADER
from trytond.modules.crm_membership.tests.tools import (
    create_card_type, create_service, issue_card)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import (
    Transaction, check_access, without_check_access)

D = Decimal


class CrmMembershipTestCase(CompanyTestMixin, ModuleTestCase):
    "Test CRM Membership module"
    module = 'crm_membership'

    def balance(self, card):
        Card = Pool().get('crm.membership.card')
        card = Card(card.id)
        return card.principal, card.bonus

    def lines(self):
        pool = Pool()
        return sum(len(pool.get(m).search([])) for m in [
                'crm.membership.value.line', 'crm.membership.point.line',
                'crm.membership.package.line'])

    def set_config(self, **values):
        Configuration = Pool().get('crm.configuration')
        Configuration.write([Configuration(1)], values)

    @with_transaction()
    def test_issue_with_tiered_bonus(self):
        "Issuing loads what was paid and the bonus of the tier it reaches"
        pool = Pool()
        Log = pool.get('crm.membership.card.log')
        card_type = create_card_type(
            bonuses=[(1000, 100), (2000, 300)], validity='months',
            validity_months=12)

        card = issue_card(card_type, amount=D(1500))

        self.assertEqual(card.state, 'active')
        self.assertTrue(card.number.startswith('8800'))
        self.assertTrue(card.number.isdigit())
        self.assertEqual(self.balance(card), (D(1500), D(100)))
        self.assertEqual(card.balance, D(1600))
        self.assertEqual(card.expiry - card.issue_date,
            dt.date(card.issue_date.year + 1, card.issue_date.month,
                card.issue_date.day) - card.issue_date)
        self.assertEqual([x.action for x in Log.search(
                        [('card', '=', card.id)])], ['issue'])
        self.assertEqual(card_type.compute_bonus(D(2500)), D(300))
        self.assertEqual(card_type.compute_bonus(D(999)), D(0))

    @with_transaction()
    def test_debit_bucket_order(self):
        "A payment takes principal or bonus first, or both in proportion"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        card_type = create_card_type(bonuses=[(100, 50)])

        for order, expected in [
                ('principal', (D(20), D(50))),
                ('bonus', (D(70), D(0))),
                ('prorata', (D('46.67'), D('23.33'))),
                ]:
            self.set_config(bucket_order=order)
            card = issue_card(card_type, amount=D(100))
            line = Card.debit(card, D(80))
            self.assertEqual(line.principal + line.bonus, D(-80))
            self.assertEqual(self.balance(card), expected, msg=order)

    @with_transaction()
    def test_debit_refusals_write_nothing(self):
        "Overdrawn, wrong amounts and unusable cards are refused"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Date = pool.get('ir.date')
        card = issue_card(create_card_type(), amount=D(100))
        lines = self.lines()

        for amount in [D(101), D(0), D(-5), D('1.005'), None]:
            with self.assertRaises(CardError, msg=amount):
                Card.debit(card, amount)
        Card.report_lost([card])
        with self.assertRaisesRegex(CardError, 'lost'):
            Card.debit(card, D(1))
        Card.recover([card])
        Card.freeze([card])
        with self.assertRaisesRegex(CardError, 'frozen'):
            Card.debit(card, D(1))
        Card.unfreeze([card])
        Card.write([card], {'expiry': Date.today()})
        with self.assertRaisesRegex(CardError, 'expired'):
            Card.debit(card, D(1), date=Date.today() + dt.timedelta(days=1))
        self.assertEqual(self.lines(), lines)
        self.assertEqual(self.balance(card), (D(100), D(0)))

    @with_transaction()
    def test_idempotent_entry_points(self):
        "Replaying an operation with its key returns the first result"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        card = issue_card(create_card_type(), amount=D(100))
        package = Card.add_package(card, create_service(), 5)

        first = Card.debit(card, D(30), key='sale-1')
        again = Card.debit(card, D(30), key='sale-1')
        points = Card.earn_points(card, 10, key='earn-1')
        points_again = Card.earn_points(card, 10, key='earn-1')
        use = Card.use_package(package, key='use-1')
        use_again = Card.use_package(package, key='use-1')
        other = Card.debit(card, D(30), key='sale-10')

        self.assertEqual(first, again)
        self.assertEqual(points, points_again)
        self.assertEqual(use, use_again)
        self.assertNotEqual(other, first)
        self.assertEqual(Card(card.id).balance, D(40))
        self.assertEqual(Card(card.id).points, 10)
        self.assertEqual(package.remaining, 4)

    @with_transaction()
    def test_refund_to_the_buckets_paid_from(self):
        "A refund goes back to the buckets of its payment, never more"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        self.set_config(bucket_order='bonus')
        card = issue_card(create_card_type(bonuses=[(100, 20)]),
            amount=D(100))
        payment = Card.debit(card, D(50))
        self.assertEqual((payment.principal, payment.bonus),
            (D(-30), D(-20)))

        part = Card.credit(card, D(10), payment=payment)
        rest = Card.credit(card, D(40), payment=payment)

        self.assertEqual((part.principal, part.bonus), (D(6), D(4)))
        self.assertEqual((rest.principal, rest.bonus), (D(24), D(16)))
        self.assertEqual(self.balance(card), (D(100), D(20)))
        with self.assertRaises(CardError):
            Card.credit(card, D('0.01'), payment=payment)
        with self.assertRaises(CardError):
            Card.credit(card, D(1), payment=rest)
        with self.assertRaises(CardError):
            Card.credit(card, D(1))

    @with_transaction()
    def test_prepaid_card_limits(self):
        "Balances stay within the legal limits; large sums need a real name"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        registered = issue_card(create_card_type(), amount=D(4000))
        anonymous = issue_card(
            create_card_type("不记名卡", registered=False), amount=D(900))

        with self.assertRaisesRegex(CardError, '5000'):
            Card.top_up(registered, D('1000.01'))
        with self.assertRaisesRegex(CardError, '1000'):
            Card.top_up(anonymous, D(101))
        Card.top_up(registered, D(1000))
        Card.top_up(anonymous, D(100))

        self.set_config(registered_balance_limit=D(50000))
        with self.assertRaisesRegex(CardError, 'ID card'):
            Card.top_up(registered, D(10000))
        registered.party.id_card_number = '11010519491231002X'
        registered.party.save()
        Card.top_up(registered, D(10000))
        self.assertEqual(Card(registered.id).balance, D(15000))

    @with_transaction()
    def test_points_oldest_first_and_expiry(self):
        "The soonest to expire are spent first; the cron expires the rest"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        PointLine = pool.get('crm.membership.point.line')
        Date = pool.get('ir.date')
        today = Date.today()
        card = issue_card(create_card_type(), amount=D(10))
        old, = Card.earn_points(card, 100, date=today - dt.timedelta(400))
        new, = Card.earn_points(card, 80)
        self.assertLess(old.expiry, today)
        self.assertGreater(new.expiry, today)

        # Expired but not yet taken away: not spendable
        with self.assertRaises(CardError):
            Card.spend_points(card, 90)
        Card.expire_points()
        self.assertEqual(Card(card.id).points, 80)
        expired, = PointLine.search([('kind', '=', 'expire')])
        self.assertEqual((expired.points, expired.earning), (-100, old))

        second, = Card.earn_points(card, 50, date=today + dt.timedelta(1))
        spent = Card.spend_points(card, 100)
        self.assertEqual([(x.points, x.earning) for x in spent],
            [(-80, new), (-20, second)])
        self.assertEqual(Card(card.id).points, 30)
        Card.expire_points()
        self.assertEqual(Card(card.id).points, 30)

    @with_transaction()
    def test_points_refund(self):
        "Refunded points go back to their earnings; earned ones come back"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        card = issue_card(create_card_type(), amount=D(10))
        first, = Card.earn_points(card, 30)
        earned, = Card.earn_points(card, 20)
        spent = Card.spend_points(card, 40)

        Card.refund_points(card, spent)
        self.assertEqual(Card(card.id).points, 50)
        with self.assertRaises(CardError):
            Card.refund_points(card, spent)
        Card.refund_points(card, [earned])
        self.assertEqual(Card(card.id).points, 30)

    @with_transaction()
    def test_points_refund_in_parts(self):
        """Points are given back or taken back in parts, never more than
        the lines hold"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        card = issue_card(create_card_type(), amount=D(10))
        Card.earn_points(card, 30)
        earned, = Card.earn_points(card, 20)
        spent = Card.spend_points(card, 40)

        Card.refund_points(card, spent, points=15, key='part 1')
        self.assertEqual(Card(card.id).points, 25)
        Card.refund_points(card, spent, points=15, key='part 1')
        self.assertEqual(Card(card.id).points, 25)
        with self.assertRaises(CardError):
            Card.refund_points(card, spent, points=26)
        with self.assertRaises(CardError):
            Card.refund_points(card, spent)
        Card.refund_points(card, spent, points=25)
        self.assertEqual(Card(card.id).points, 50)

        Card.refund_points(card, [earned], points=5)
        self.assertEqual(Card(card.id).points, 45)
        Card.refund_points(card, [earned], points=15)
        self.assertEqual(Card(card.id).points, 30)
        with self.assertRaises(CardError):
            Card.refund_points(card, [earned], points=1)

    @with_transaction()
    def test_points_refund_spent(self):
        """Points earned and spent are not left to the member by a refund:
        taking them back is refused and changes nothing"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        card = issue_card(create_card_type(), amount=D(10))
        earned, = Card.earn_points(card, 30)
        Card.spend_points(card, 25)
        with self.assertRaises(CardError):
            Card.refund_points(card, [earned], points=6)
        self.assertEqual(Card(card.id).points, 5)
        Card.refund_points(card, [earned], points=5)
        self.assertEqual(Card(card.id).points, 0)

    @with_transaction()
    def test_points_pay_and_redeem_gifts(self):
        "Points pay at their value and buy the gifts that have a price in them"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        card = issue_card(create_card_type(), amount=D(10))
        Card.earn_points(card, 1000)
        gift = create_service("赠品：护手霜")
        gift.template.redeem_points = 300
        gift.template.save()
        plain = create_service("洗发")

        paid = Card.pay_with_points(card, D('2.50'))
        redeemed = Card.redeem(card, gift, 2)

        self.assertEqual(sum(x.points for x in paid), -250)
        self.assertEqual([(x.kind, x.points, x.origin) for x in redeemed],
            [('redeem', -600, gift)])
        self.assertEqual(Card(card.id).points, 150)
        with self.assertRaisesRegex(CardError, '150'):
            Card.redeem(card, gift, 1)
        with self.assertRaises(CardError):
            Card.redeem(card, plain, 1)
        with self.assertRaises(CardError):
            Card.pay_with_points(card, D('0.005'))

    @with_transaction()
    def test_manual_adjustments(self):
        "Managers correct value and points with a reason, never below zero"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        User = pool.get('res.user')
        manager = User(0)
        card = issue_card(create_card_type(bonuses=[(100, 10)]),
            amount=D(100))
        Card.earn_points(card, 50)

        lines = Card.adjust(card, principal=D('-20'), bonus=D(5),
            points=-30, reason="收银多收", approved_by=manager)

        card = Card(card.id)
        self.assertEqual((card.principal, card.bonus, card.points),
            (D(80), D(15), 20))
        self.assertEqual({(x.kind, x.reason) for x in lines},
            {('adjustment', "收银多收")})
        with self.assertRaises(CardError):
            Card.adjust(card, principal=D(-81), reason="错误")
        with self.assertRaises(CardError):
            Card.adjust(card, points=-21, reason="错误")
        with self.assertRaises(CardError):
            Card.adjust(card, points=10)
        self.assertEqual(Card(card.id).points, 20)

    @with_transaction()
    def test_count_package(self):
        "A count card holds its counts; each use is a line with its employee"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Employee = pool.get('company.employee')
        Party = pool.get('party.party')
        service = create_service()
        card_type = create_card_type("十次卡", kind='count', price=300,
            service=service, service_quantity=10)
        company = create_company()
        employee = Employee(party=Party(name="技师"), company=company)
        employee.save()

        card = issue_card(card_type)
        package, = card.packages
        line = Card.use_package(package, 2, employee=employee)

        self.assertEqual((package.quantity, package.remaining), (10, 8))
        self.assertEqual((line.quantity, line.employee), (-2, employee))
        with self.assertRaisesRegex(CardError, '8'):
            Card.use_package(package, 9)
        with self.assertRaises(CardError):
            Card.use_package(package, 0)
        self.assertEqual(Card(card.id).balance, D(0))

        # A refunded use gives its counts back, once
        Card.refund_package(line, key='refund-1')
        Card.refund_package(line, key='refund-1')
        self.assertEqual(package.__class__(package.id).remaining, 10)
        with self.assertRaises(CardError):
            Card.refund_package(line)

    @with_transaction()
    def test_reissue_moves_everything(self):
        "A new card takes over value, points with their expiry, packages"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        card = issue_card(create_card_type(bonuses=[(100, 10)]),
            amount=D(200), pin='123456')
        earning, = Card.earn_points(card, 60)
        Card.spend_points(card, 10, pin='123456')
        package = Card.add_package(card, create_service(), 3)
        Card.use_package(package, pin='123456')
        Card.report_lost([card])

        new = Card.do_reissue(card)

        card = Card(card.id)
        self.assertEqual(card.state, 'replaced')
        self.assertEqual(card.replaced_by, new)
        self.assertNotEqual(new.number, card.number)
        self.assertEqual((new.state, new.party, new.expiry),
            ('active', card.party, card.expiry))
        self.assertEqual(self.balance(new), (D(200), D(10)))
        self.assertEqual(self.balance(card), (D(0), D(0)))
        self.assertEqual((new.points, card.points), (50, 0))
        self.assertEqual([x.expiry for x in new.point_lines],
            [earning.expiry])
        self.assertEqual([(p.product, p.remaining) for p in new.packages],
            [(package.product, 2)])
        self.assertEqual(package.remaining, 0)
        Card.debit(new, D(5), pin='123456')
        with self.assertRaisesRegex(CardError, 'replaced'):
            Card.debit(card, D(5), pin='123456')

    @with_transaction()
    def test_cancel_refunds_principal_only(self):
        "Cancelling pays back the principal and forfeits the rest"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        card = issue_card(create_card_type(bonuses=[(100, 10)]),
            amount=D(100))
        Card.debit(card, D(30))
        Card.earn_points(card, 10)

        refunded = Card.do_cancel(card)

        self.assertEqual(refunded, D(70))
        card = Card(card.id)
        self.assertEqual((card.state, card.balance, card.points),
            ('cancelled', D(0), 0))
        with self.assertRaises(CardError):
            Card.top_up(card, D(10))

    @with_transaction()
    def test_ledgers_are_append_only(self):
        "Ledger lines cannot be edited nor deleted"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        ValueLine = pool.get('crm.membership.value.line')
        Package = pool.get('crm.membership.package')
        card = issue_card(create_card_type(), amount=D(100))
        line, = ValueLine.search([('card', '=', card.id)])

        with self.assertRaises(AccessError):
            ValueLine.write([line], {'principal': D(1000)})
        with self.assertRaises(AccessError):
            ValueLine.delete([line])
        package = Card.add_package(card, create_service(), 2)
        with self.assertRaises(AccessError):
            Package.write([package], {'quantity': 20})
        with self.assertRaises(AccessError):
            Package.delete([package])
        with self.assertRaises(CardError):
            Card.delete([card])
        self.assertEqual(self.balance(card), (D(100), D(0)))

    @with_transaction()
    def test_pin_stored_hashed(self):
        "The PIN is kept as a salted hash and checked on payment"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        card_type = create_card_type(pin_required=True)
        with self.assertRaises(PinError):
            issue_card(card_type, amount=D(10))
        card = issue_card(card_type, amount=D(10), pin='2468')
        other = issue_card(card_type, amount=D(10), pin='2468')

        self.assertIsNone(card.pin_hash)
        self.assertTrue(card.stored_pin_hash().startswith('$argon2'))
        self.assertNotIn('2468', card.stored_pin_hash())
        self.assertNotEqual(card.stored_pin_hash(), other.stored_pin_hash())
        with self.assertRaises(PinError):
            Card.hash_pin('12a4')
        with self.assertRaisesRegex(PinError, 'Wrong PIN'):
            Card.debit(card, D(1), pin='1357')
        with self.assertRaises(PinError):
            Card.debit(card, D(1))
        Card.debit(card, D(1), pin='2468')

    @with_transaction()
    def test_expire_cards(self):
        "Cards past their expiry are expired by the cron, with their counts"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Date = pool.get('ir.date')
        card_type = create_card_type("月卡", kind='count',
            service=create_service(), service_quantity=4,
            validity='months', validity_months=1)
        card = issue_card(card_type)

        Card.expire_cards(Date.today() + dt.timedelta(days=40))

        card = Card(card.id)
        self.assertEqual(card.state, 'expired')
        self.assertEqual(card.packages[0].remaining, 0)
        self.assertEqual(card.logs[0].action, 'expired')

    def create_levels(self):
        pool = Pool()
        Level = pool.get('crm.membership.level')
        levels = Level.create([
                {'name': "普通会员", 'sequence': 1},
                {'name': "银卡会员", 'sequence': 2, 'upgrade_amount': 1000,
                    'discount_rate': D('0.05')},
                {'name': "金卡会员", 'sequence': 3, 'upgrade_amount': 3000,
                    'window_months': 12, 'discount_rate': D('0.12'),
                    'points_per_yuan': 2},
                ])
        return levels

    @with_transaction()
    def test_statistics_and_levels_follow_spend(self):
        "Spend updates the member statistics and moves the level both ways"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Party = pool.get('party.party')
        Change = pool.get('crm.membership.level.change')
        Date = pool.get('ir.date')
        today = Date.today()
        basic, silver, gold = self.create_levels()
        card = issue_card(create_card_type(), amount=D(10))
        party = card.party
        self.assertEqual(card.level, basic)

        Party.record_spend(party, D(600))
        self.assertEqual(Card(card.id).level, basic)
        Party.record_spend(party, D(500))
        self.assertEqual(Card(card.id).level, silver)
        Party.record_spend(party, D(-200), visit=False)
        self.assertEqual(Card(card.id).level, basic)
        last_month = today.replace(day=1) - dt.timedelta(days=1)
        Party.record_spend(party, D(90), date=last_month)

        party = Party(party.id)
        self.assertEqual(party.member_total_spent, D(990))
        self.assertEqual(party.member_visits, 3)
        self.assertEqual(party.member_average_ticket, D(330))
        self.assertEqual(party.member_first_visit, last_month)
        self.assertEqual(party.member_last_visit, today)
        self.assertEqual(party.member_days_since_visit, 0)
        self.assertEqual(party.member_spent_this_month, D(900))
        self.assertEqual(party.member_spent_last_month, D(90))
        self.assertEqual([(c.direction, c.from_level, c.to_level)
                for c in Change.search([('card', '=', card.id)],
                    order=[('id', 'ASC')])],
            [('up', basic, silver), ('down', silver, basic)])

        # Gold counts only the last 12 months
        Party.record_spend(party, D(5000),
            date=today - dt.timedelta(days=400))
        self.assertEqual(Card(card.id).level, silver)
        Party.record_spend(party, D(3000))
        self.assertEqual(Card(card.id).level, gold)

        # A customer without a card spends too (no card level to move)
        walk_in, = Party.create([{'name': "散客"}])
        Party.record_spend(walk_in, D(50))
        self.assertEqual(Party(walk_in.id).member_total_spent, D(50))

    @with_transaction()
    def test_statistics_follow_ledgers(self):
        "Paying from a card, a refund and a package use count as spend"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Party = pool.get('party.party')
        basic, silver, _ = self.create_levels()
        card = issue_card(create_card_type(), amount=D(2000))
        package = Card.add_package(card, create_service(), 3)
        Card.earn_points(card, 100)

        payment = Card.debit(card, D(700), key='sale-1')
        Card.debit(card, D(700), key='sale-1')
        Card.debit(card, D(400))
        self.assertEqual(Card(card.id).level, silver)
        Card.credit(card, D(200), payment=payment)
        self.assertEqual(Card(card.id).level, basic)
        Card.use_package(package)
        Card.pay_with_points(card, D('0.50'), key='sale-2')
        Card.pay_with_points(card, D('0.50'), key='sale-2')
        # The till counts its sales itself
        Card.debit(card, D(1), spend=False)
        Card.use_package(package, spend=False)

        party = Party(card.party.id)
        self.assertEqual(party.member_total_spent, D(900))
        self.assertEqual(party.member_visits, 4)
        self.assertEqual(party.member_average_ticket, D(225))
        self.assertEqual(Card(card.id).points, 50)

    @with_transaction()
    def test_reports(self):
        "Spend change, ranking and the liabilities add up"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Party = pool.get('party.party')
        Change = pool.get('crm.membership.report.spend_change')
        Ranking = pool.get('crm.membership.report.spend_ranking')
        ValueLiability = pool.get('crm.membership.report.value_liability')
        PointLiability = pool.get('crm.membership.report.point_liability')
        Excel = pool.get('crm.membership.report.excel', type='report')
        Date = pool.get('ir.date')
        today = Date.today()
        last_month = today.replace(day=1) - dt.timedelta(days=1)
        stored = create_card_type(bonuses=[(100, 10)])
        other = create_card_type("充值卡B")
        first = issue_card(stored, amount=D(100))
        second = issue_card(stored, amount=D(200))
        third = issue_card(other, amount=D(50))
        Card.debit(first, D(110))
        Card.earn_points(second, 300)
        Card.earn_points(third, 100)
        Party.record_spend(first.party, D(100), date=last_month)
        Party.record_spend(second.party, D(300))
        # Exported as text, not as a formula the spreadsheet would run
        Party.write([second.party], {'name': "=1+1"})

        change, = Change.search([
                ('party', '=', first.party.id),
                ('month', '=', today.replace(day=1)),
                ])
        self.assertEqual((change.previous, change.amount, change.change),
            (D(100), D(110), D(10)))
        self.assertAlmostEqual(change.change_rate, 0.1)
        self.assertEqual(change.level, Card(first.id).level)
        # By month, region and level: the graphs add the rows up by them
        Region = pool.get('crm.region')
        zhejiang, = Region.create([{'name': "浙江省", 'code': '330000',
                    'level': 'province'}])
        Party.write([first.party], {'province': zhejiang.id})
        with Transaction().set_context(month=last_month):
            self.assertEqual([(c.party, c.amount) for c in Change.search([])],
                [(first.party, D(100))])
        with Transaction().set_context(region=zhejiang.id):
            self.assertEqual({c.party for c in Change.search([])},
                {first.party})
            self.assertEqual({c.province for c in Change.search([])},
                {zhejiang})
        with Transaction().set_context(level=-1):
            self.assertEqual(Change.search([]), [])
        with Transaction().set_context(
                from_date=last_month, to_date=today):
            ranking = Ranking.search([])
            self.assertEqual([(r.rank, r.party, r.amount) for r in ranking],
                [(1, second.party, D(300)), (2, first.party, D(210))])
            self.assertEqual(ranking[1].average, D(105))
            _, content, _, _ = Excel.execute([r.id for r in ranking],
                {'model': 'crm.membership.report.spend_ranking'})
            sheet = openpyxl.load_workbook(io.BytesIO(content)).active
            self.assertEqual([list(r) for r in sheet.values], [
                    ["Rank", "Member", "Spent", "Visits", "Average Ticket"],
                    [1, Party(second.party.id).rec_name, 300, 1, 300],
                    [2, first.party.rec_name, 210, 2, 105],
                    ])
            self.assertEqual(sheet['B2'].data_type, 's')
        # This year so far from the members' years, as from their months
        Year = pool.get('crm.membership.member.year')
        this_year = {first.party: D(110), second.party: D(300)}
        if last_month.year == today.year:
            this_year[first.party] += D(100)
        for to_date in [today, today.replace(month=12, day=31)]:
            with Transaction().set_context(
                    from_date=today.replace(month=1, day=1),
                    to_date=to_date):
                self.assertEqual({r.party: r.amount
                        for r in Ranking.search([])}, this_year)
        kept = sorted((y.party, y.year, y.amount, y.visits)
            for y in Year.search([]))
        Year.refresh()
        self.assertEqual(sorted((y.party, y.year, y.amount, y.visits)
                for y in Year.search([])), kept)
        # Equal spend, equal rank; the next comes after both
        Party.record_spend(third.party, D(300))
        with Transaction().set_context(
                from_date=today.replace(month=1, day=1), to_date=today):
            ranks = {r.party: r.rank for r in Ranking.search([])}
        self.assertEqual(ranks, {second.party: 1, third.party: 1,
                first.party: 3})
        with Transaction().set_context(date=today):
            values = {r.card_type: (r.cards, r.principal, r.bonus)
                for r in ValueLiability.search([])}
            self.assertEqual(values, {
                    stored: (1, D(200), D(10)),
                    other: (1, D(50), D(0)),
                    })
            points = {r.card_type: (r.points, r.value)
                for r in PointLiability.search([])}
            self.assertEqual(points, {
                    stored: (300, D(3)), other: (100, D(1))})

    @with_transaction()
    def test_spend_change_kept_on_the_month(self):
        """Each month keeps the month before's amount and the change, also
        when a sale is dated in an earlier month; the level is that of the
        member's active card, searched and filtered"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Change = pool.get('crm.membership.report.spend_change')
        Date = pool.get('ir.date')
        Month = pool.get('crm.membership.member.month')
        Party = pool.get('party.party')
        basic, silver, gold = self.create_levels()
        today = Date.today()
        this = today.replace(day=1)
        last_month = this - dt.timedelta(days=1)
        rich = issue_card(create_card_type(), amount=D(10))
        plain = issue_card(create_card_type("B"), amount=D(10))
        Party.record_spend(rich.party, D(1500), date=last_month)
        Party.record_spend(rich.party, D(200))
        Party.record_spend(plain.party, D(300))
        # Refunded and sold again later in the month before
        Party.record_spend(rich.party, D(-100), date=last_month,
            visit=False)
        Party.record_spend(plain.party, D(50), date=last_month)

        with Transaction().set_context(month=today):
            rows = Change.search([])
            self.assertEqual(
                [(c.party, c.previous, c.amount, c.change, c.level)
                    for c in rows], [
                    (rich.party, D(1400), D(200), D(-1200), silver),
                    (plain.party, D(50), D(300), D(250), basic),
                    ])
            self.assertEqual(Change.search([('level', '=', silver.id)]),
                rows[:1])
            self.assertEqual(
                Change.search([('level.name', '=', basic.name)]), rows[1:])
        with Transaction().set_context(month=today, level=basic.id):
            self.assertEqual([c.party for c in Change.search([])],
                [plain.party])
        # As when the columns are added to a shop that already sold
        month = Month.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*month.update(
                [month.previous, month.change, month.level], [0, 0, None]))
        Month.refresh_previous()
        Month.refresh_levels()
        self.assertEqual({(m.party.id, m.level) for m in Month.search([])},
            {(rich.party.id, silver), (plain.party.id, basic)})
        self.assertEqual(sorted((m.party.id, m.month, m.previous, m.change)
                for m in Month.search([])), sorted([
                    (rich.party.id, last_month.replace(day=1), D(0),
                        D(1400)),
                    (rich.party.id, this, D(1400), D(-1200)),
                    (plain.party.id, last_month.replace(day=1), D(0),
                        D(50)),
                    (plain.party.id, this, D(50), D(250)),
                    ]))
        # The charts add up every member of the month by level and province
        Region = pool.get('crm.region')
        Summary = pool.get('crm.membership.report.spend_change.summary')
        zhejiang, = Region.create([{'name': "浙江省", 'code': '330000',
                    'level': 'province'}])
        Party.write([plain.party], {'province': zhejiang.id})
        third = issue_card(create_card_type("C"), amount=D(10))
        Party.write([third.party], {'province': zhejiang.id})
        Party.record_spend(third.party, D(20))
        with Transaction().set_context(month=today):
            self.assertEqual([(r.level, r.province, r.members, r.previous,
                        r.amount, r.change) for r in Summary.search([])], [
                    (silver, None, 1, D(1400), D(200), D(-1200)),
                    (basic, zhejiang, 2, D(50), D(320), D(270)),
                    ])
        with Transaction().set_context(region=zhejiang.id):
            self.assertEqual([(r.month, r.members, r.amount)
                    for r in Summary.search([])], [
                    (this, 2, D(320)),
                    (last_month.replace(day=1), 1, D(50)),
                    ])

    @with_transaction()
    def test_party_replace_carries_cards(self):
        "Merging customers carries their cards and adds up their spend"
        pool = Pool()
        Date = pool.get('ir.date')
        Party = pool.get('party.party')
        Replace = pool.get('party.replace', type='wizard')
        basic, silver, _ = self.create_levels()
        kept = issue_card(create_card_type(), amount=D(10))
        merged = issue_card(create_card_type("B"), amount=D(10))
        Party.record_spend(kept.party, D(600))
        Party.record_spend(merged.party, D(500))
        last_month = Date.today().replace(day=1) - dt.timedelta(days=1)
        Party.record_spend(merged.party, D(70), date=last_month)

        session_id, _, _ = Replace.create()
        replace = Replace(session_id)
        replace.ask.source = merged.party
        replace.ask.destination = kept.party
        replace.transition_replace()

        party = Party(kept.party.id)
        self.assertEqual(sorted(c.id for c in party.member_cards),
            sorted([kept.id, merged.id]))
        self.assertEqual(len(party.member_months), 2)
        self.assertEqual((party.member_total_spent, party.member_visits),
            (D(1170), 3))
        # The merged month is set against the month carried over
        this_month, _ = party.member_months
        self.assertEqual((this_month.previous, this_month.change),
            (D(70), D(1030)))
        # At the kept customer's level, raised by the merged spend
        self.assertEqual(this_month.level, silver)
        Year = pool.get('crm.membership.member.year')
        self.assertEqual(sum(y.amount for y in Year.search([])), D(1170))
        self.assertEqual({c.level for c in party.member_cards}, {silver})
        self.assertEqual(party_relations_not_replaced(['crm_membership']), [])


    def create_user(self, login, group, company=None, employee=None):
        "A user of the role group, working as employee"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        values = {
            'login': login,
            'groups': [('add', [ModelData.get_id('crm_customer', group)])],
            }
        if company:
            values.update(company=company.id,
                companies=[('add', [company.id])])
        if employee:
            values.update(employee=employee.id,
                employees=[('add', [employee.id])])
        user, = User.create([values])
        return user

    def run_wizard(self, name, record, state, data=None, action=None):
        """Run wizard name on record as a client does over RPC: created with
        the access checks, executed without; the client names the action"""
        pool = Pool()
        Wizard = pool.get(name, type='wizard')
        ModelData = pool.get('ir.model.data')
        context = {'active_model': record.__name__, 'active_id': record.id,
            'active_ids': [record.id]}
        if action:
            context['action_id'] = ModelData.get_id('crm_membership', action)
        with Transaction().set_context(context):
            with check_access():
                session_id, _, _ = Wizard.create()
            with without_check_access():
                return Wizard.execute(session_id, data or {}, state)

    @with_transaction()
    def test_card_server_fields_refused_from_clients(self):
        "A client sets only the member and the type, of a draft card"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Party = pool.get('party.party')
        Date = pool.get('ir.date')
        basic, silver, _ = self.create_levels()
        card_type = create_card_type()
        other_type = create_card_type("储值卡B")
        card = issue_card(card_type, amount=D(100), pin='2468')
        other = issue_card(card_type, amount=D(10))
        party, = Party.create([{'name': "别人"}])
        cashier = self.create_user('cashier', 'group_cashier')
        manager = self.create_user('manager', 'group_sales_manager')
        today = Date.today()
        before = Card.read([card.id], ['party', 'type', 'level', 'state',
                'number', 'issue_date', 'expiry', 'replaced_by',
                'pin_reset'])
        pin_hash = card.stored_pin_hash()

        for user in [cashier, manager]:
            for values in [{'level': silver.id}, {'state': 'cancelled'},
                    {'party': party.id}, {'type': other_type.id},
                    {'expiry': today}, {'pin_reset': dt.datetime.now()},
                    {'number': '880099'}, {'issue_date': today},
                    {'replaced_by': other.id}, {'pin_hash': None}]:
                with self.subTest(user=user.login, values=values), \
                        self.assertRaises(AccessError), \
                        Transaction().set_user(user.id), check_access():
                    Card.write([Card(card.id)], values)
        self.assertEqual(Card.read([card.id], list(before[0])), before)
        self.assertEqual(Card(card.id).stored_pin_hash(), pin_hash)

        for values in [{'state': 'active'}, {'number': '880099'},
                {'level': basic.id}, {'expiry': today}, {'pin_hash': 'x'},
                {'issue_date': today}, {'pin_reset': dt.datetime.now()},
                {'replaced_by': other.id}]:
            with self.subTest(values=values), \
                    self.assertRaises(AccessError), \
                    Transaction().set_user(cashier.id), check_access():
                Card.create([{'type': card_type.id, 'party': party.id,
                            **values}])
        with Transaction().set_user(cashier.id), check_access():
            draft, = Card.create([{'type': card_type.id, 'party': party.id}])
            Card.write([draft], {'party': card.party.id,
                    'type': other_type.id})
        # The server still sets them
        Card.write([card], {'expiry': today})
        self.assertEqual(Card(card.id).expiry, today)

        with self.assertRaisesRegex(CardAccessError, 'draft'), \
                Transaction().set_user(cashier.id), check_access():
            Card.write([Card(card.id)], {'party': party.id})

    @with_transaction()
    def test_pin_hash_not_readable_nor_searchable(self):
        "No one reads or searches the PIN hash over RPC; the server does"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        card = issue_card(create_card_type(), amount=D(10), pin='2468')
        cashier = self.create_user('cashier', 'group_cashier')
        admin = self.create_user('chief', 'group_crm_admin')

        for user in [cashier, admin]:
            with Transaction().set_user(user.id), check_access():
                with self.assertRaises(AccessError):
                    Card.read([card.id], ['pin_hash'])
                with self.assertRaises(AccessError):
                    Card.search([('pin_hash', '>', 'x')])
                with self.assertRaises(AccessError):
                    Card.search([], order=[('pin_hash', 'ASC')])
                value, = Card.read([card.id], ['has_pin', 'number'])
                self.assertTrue(value['has_pin'])
                self.assertTrue(Card(card.id).has_pin)
        self.assertTrue(Card(card.id).stored_pin_hash().startswith('$argon2'))
        Card.debit(card, D(1), pin='2468')

    @with_transaction()
    def test_card_wizards_check_the_role(self):
        "Each wizard checks the role of its button, whatever action is named"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        ValueLine = pool.get('crm.membership.value.line')
        Group = pool.get('res.group')
        Access = pool.get('ir.model.access')
        User = pool.get('res.user')
        card = issue_card(create_card_type(), amount=D(100), pin='2468')
        draft = Card(type=create_card_type("B", registered=False))
        draft.save()
        cashier = self.create_user('cashier', 'group_cashier')
        manager = self.create_user('manager', 'group_sales_manager')
        # A role a shop added, that may edit cards but has no card button
        clerk_group, = Group.create([{'name': "前台"}])
        Access.create([{'model': 'crm.membership.card',
                    'group': clerk_group.id, 'perm_read': True,
                    'perm_write': True}])
        clerk, = User.create([{'login': 'clerk',
                    'groups': [('add', [clerk_group.id])]}])
        lines = self.lines()

        refused = [
            (cashier, 'crm.membership.card.cancel', 'cancel', card, {}),
            (cashier, 'crm.membership.card.adjust', 'adjust', card,
                {'start': {'principal': D(1000), 'reason': "x"}}),
            (clerk, 'crm.membership.card.issue', 'issue', draft,
                {'start': {'amount': D(0)}}),
            (clerk, 'crm.membership.card.top_up', 'top_up', card,
                {'start': {'amount': D(100)}}),
            (clerk, 'crm.membership.card.reissue', 'reissue', card, {}),
            (clerk, 'crm.membership.card.change_pin', 'change', card,
                {'start': {'pin': '1357', 'pin_again': '1357'}}),
            (clerk, 'crm.membership.card.redeem', 'redeem', card,
                {'start': {'quantity': 1}}),
            ]
        for user, name, state, record, data in refused:
            # The action named is one the user may run, not the wizard's
            with self.subTest(user=user.login, wizard=name), \
                    self.assertRaisesRegex(CardAccessError, 'role'), \
                    Transaction().set_user(user.id):
                self.run_wizard(name, record, state, data,
                    action='wizard_card_migrate')
        # Nor with the wizard's own action
        with self.assertRaises(AccessError), \
                Transaction().set_user(cashier.id):
            self.run_wizard('crm.membership.card.cancel', card, 'cancel',
                action='wizard_card_cancel')
        card = Card(card.id)
        self.assertEqual((card.state, card.principal), ('active', D(100)))
        self.assertEqual(Card(draft.id).state, 'draft')
        self.assertEqual(self.lines(), lines)

        with Transaction().set_user(manager.id):
            self.run_wizard('crm.membership.card.cancel', card, 'cancel',
                action='wizard_card_cancel')
        self.assertEqual(Card(card.id).state, 'cancelled')
        self.assertEqual(len(ValueLine.search([('kind', '=', 'cancel')])), 1)

    @with_transaction()
    def test_migration_checks_the_role(self):
        "Only a manager migrates cards, whatever action is named"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Menu = pool.get('ir.ui.menu')
        ModelData = pool.get('ir.model.data')
        create_card_type("不记名卡", registered=False)
        data = {'start': {'file': xlsx([HEADER, ['880012345678', "不记名卡",
                            None, None, 888, 0, 5000, None, None]])}}
        menu = Menu(ModelData.get_id('crm_membership', 'menu_membership'))
        cashier = self.create_user('cashier', 'group_cashier')
        salesperson = self.create_user('sales', 'group_salesperson')
        manager = self.create_user('manager', 'group_sales_manager')

        for user in [cashier, salesperson]:
            for state in ['check', 'import_']:
                with self.subTest(user=user.login, state=state), \
                        self.assertRaisesRegex(CardAccessError, 'role'), \
                        Transaction().set_user(user.id):
                    self.run_wizard('crm.membership.card.migrate', menu,
                        state, data, action='wizard_card_top_up')
        self.assertEqual(Card.search([]), [])
        with Transaction().set_user(manager.id):
            result = self.run_wizard('crm.membership.card.migrate', menu,
                'check', data, action='wizard_card_migrate')
            self.assertEqual(result['view']['defaults']['errors'], None)
            self.run_wizard('crm.membership.card.migrate', menu, 'import_',
                data, action='wizard_card_migrate')
        card, = Card.search([])
        self.assertEqual((card.principal, card.points), (D(888), 5000))

    @with_transaction()
    def test_ledgers_follow_the_customers(self):
        "A salesperson finds nothing of a colleague's customer's cards"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Party = pool.get('party.party')
        Change = pool.get('crm.membership.level.change')
        company = create_company()
        self.create_levels()
        service = create_service()
        cards = []
        with set_company(company):
            zhang = create_employee(company, "张伟")
            li = create_employee(company, "李娜")
            users = [self.create_user(login, 'group_salesperson', company,
                        employee)
                for login, employee in [('zhang', zhang), ('li', li)]]
            cashier = self.create_user('cashier', 'group_cashier', company)
            for name, owner in [("张的客户", zhang), ("李的客户", li)]:
                party, = Party.create([{'name': name, 'owner': owner.id}])
                card = issue_card(create_card_type(name), party=party,
                    amount=D(100))
                Card.earn_points(card, 10)
                Card.use_package(Card.add_package(card, service, 2))
                Party.record_spend(party, D(2000))
                cards.append(Card(card.id))
        self.assertEqual(len(Change.search([])), 2)

        models = [
            ('crm.membership.value.line', 'card'),
            ('crm.membership.point.line', 'card'),
            ('crm.membership.package', 'card'),
            ('crm.membership.package.line', 'package.card'),
            ('crm.membership.card.log', 'card'),
            ('crm.membership.level.change', 'card'),
            ('crm.membership.member.month', 'party'),
            ]
        for name, path in models:
            Model = pool.get(name)
            of = {c: Model.search([(path, '=',
                            c.party.id if path == 'party' else c.id)])
                for c in cards}
            self.assertTrue(all(of.values()), msg=name)
            for user, own, theirs in [
                    (users[0], cards[0], cards[1]),
                    (users[1], cards[1], cards[0])]:
                with self.subTest(model=name, user=user.login), \
                        Transaction().set_user(user.id), check_access():
                    self.assertEqual(Model.search([]), of[own])
                    self.assertEqual(Model.search([
                                ('id', 'in', [r.id for r in of[theirs]]),
                                ]), [])
                    with self.assertRaises(AccessError):
                        Model.read([r.id for r in of[theirs]], ['id'])
            with Transaction().set_user(cashier.id), check_access():
                self.assertEqual(len(Model.search([])),
                    sum(map(len, of.values())), msg=name)


del ModuleTestCase
