# This file is part of the CRM suite.
from decimal import Decimal

from trytond.modules.crm_customer.tests.test_excel import xlsx
from trytond.modules.crm_customer.tests.tools import ModuleDatabaseTestCase
from trytond.modules.crm_membership.exceptions import CardError
from trytond.modules.crm_membership.migration import CardMigrator, template
from trytond.modules.crm_membership.tests.tools import (
    create_card_type, create_service)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

D = Decimal
HEADER = ["Card Number", "Card Type", "Member Mobile", "Level", "Principal",
    "Bonus", "Points", "Counts Left", "Expiry"]


class CardMigrationTestCase(ModuleDatabaseTestCase):
    "Test the migration of legacy cards from a workbook"
    module = 'crm_membership'

    def setup_shop(self):
        pool = Pool()
        Party = pool.get('party.party')
        Level = pool.get('crm.membership.level')
        create_card_type("储值卡")
        create_card_type("十次卡", kind='count',
            service=create_service("洗发"), service_quantity=10)
        Level.create([{'name': "普通会员"}, {'name': "金卡会员"}])
        party = Party(name="王芳", contact_mechanisms=[
                {'type': 'mobile', 'value': '13800138000'}])
        party.save()
        return party

    @with_transaction()
    def test_bad_rows_are_listed_and_nothing_is_created(self):
        "Each bad row is named with its column and reason; none is created"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        self.setup_shop()
        data = xlsx([HEADER,
                ['880000000001', "储值卡", '13800138000', "金卡会员", 500, 50,
                    100, None, '2027-12-31'],
                ['880000000001', "储值卡", '13800138000', None, 1, 0, 0, None,
                    None],
                ['880000000003', "白金卡", '13800138000', None, 1, 0, 0, None,
                    None],
                ['880000000004', "储值卡", '1380013', None, 1, 0, 0, None,
                    None],
                ['880000000005', "储值卡", '13900139000', None, 1, 0, 0,
                    None, None],
                ['880000000006', "储值卡", '13800138000', None, '1.005', 0,
                    0, None, None],
                ['880000000007', "储值卡", '13800138000', None, 1, 0, 0, 3,
                    None],
                ['880000000008', "储值卡", '13800138000', None, 1, 0, 0,
                    None, '明年'],
                ['880000000009', "储值卡", '13800138000', None, 6000, 0, 0,
                    None, None],
                ['880000000010', "储值卡", None, None, 1, 0, 0, None, None],
                ['880000000011', "储值卡", '13800138000', None, 'NaN', 0, 0,
                    None, None],
                ['880000000012', "储值卡", '13800138000', None, 1,
                    'Infinity', 0, None, None],
                ['880000000013', "储值卡", '13800138000', None, '1e30', 0, 0,
                    None, None],
                ])

        migrator = CardMigrator(data)

        self.assertEqual(
            sorted((row, column) for row, column, _ in migrator.errors),
            sorted([(3, "Card Number"), (4, "Card Type"),
                    (5, "Member Mobile"), (6, "Member Mobile"),
                    (7, "Principal"), (8, "Counts Left"), (9, "Expiry"),
                    (10, "Principal"), (11, "Member Mobile"),
                    (12, "Principal"), (13, "Bonus"), (14, "Principal")]))
        self.assertIn('Row 6, column "Member Mobile": No customer',
            '\n'.join(migrator.messages))
        with self.assertRaises(CardError):
            migrator.save()
        self.assertEqual(Card.search([]), [])
        for bad in [b'', b'not a workbook', xlsx([["卡号"], ['1234']])]:
            with self.assertRaises(Exception):
                CardMigrator(bad)

    @with_transaction()
    def test_cards_migrate_with_opening_lines(self):
        "Good rows become active cards whose ledgers hold their balances"
        pool = Pool()
        Card = pool.get('crm.membership.card')
        party = self.setup_shop()
        data = xlsx([HEADER,
                ['880000000001', "储值卡", '138 0013 8000', "金卡会员", 500,
                    50.5, 1200, None, '2027-12-31'],
                ['880000000002', "十次卡", '13800138000', None, 0, 0, 0, 7,
                    None],
                ])

        cards = CardMigrator(data).save()

        stored, count = cards
        self.assertEqual((stored.state, stored.party, stored.level.name),
            ('active', party, "金卡会员"))
        self.assertEqual((stored.principal, stored.bonus, stored.points),
            (D(500), D('50.50'), 1200))
        self.assertEqual(str(stored.expiry), '2027-12-31')
        self.assertEqual(count.level.name, "普通会员")
        self.assertEqual([p.remaining for p in count.packages], [7])
        self.assertEqual([x.kind for x in stored.value_lines], ['migration'])
        self.assertEqual(stored.logs[0].action, 'migrated')
        Card.debit(stored, D('550.50'))

        again = CardMigrator(data)
        self.assertEqual({e[0] for e in again.errors}, {2, 3})
        self.assertEqual(len(Card.search([])), 2)

    @with_transaction()
    def test_template_reads_back(self):
        "The template's example row is checked like any other"
        self.setup_shop()
        migrator = CardMigrator(template())
        self.assertEqual(migrator.errors, [])
        self.assertEqual(len(migrator.save()), 1)
