# This file is part of the CRM suite.
"The recycle bin: deletions through the client, restore, purge, cards"
import datetime as dt
import itertools
from decimal import Decimal

from trytond.model.exceptions import AccessError, ForeignKeyError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_staff)
from trytond.modules.crm_membership.exceptions import CardAccessError
from trytond.modules.crm_membership.tests.tools import (
    create_card_type, create_service, issue_card)
from trytond.modules.crm_security.exceptions import (
    RecycleAccessError, RecycleError)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction, inactive_records


class RecycleTestCase(ModuleDatabaseTestCase):
    "Test the recycle bin"
    # Member cards, an optional dependency, have a bin too
    module = ['crm_security', 'crm_membership']

    def setUp(self):
        super().setUp()
        self.mobiles = ('1380013%04d' % i for i in itertools.count())

    def customer(self, owner):
        Party = Pool().get('party.party')
        party = Party(name="张三", owner=owner, contact_mechanisms=[
                {'type': 'mobile', 'value': next(self.mobiles)}])
        party.save()
        return party

    def entries(self, record):
        Recycle = Pool().get('crm.security.recycle')
        return Recycle.search([('record', '=', str(record))])

    def exists(self, record):
        "Whether record is in the database and found by a search"
        Model = record.__class__
        with inactive_records():
            stored = bool(Model.search([('id', '=', record.id)]))
        return stored, bool(Model.search([('id', '=', record.id)]))

    @with_transaction()
    def test_delete_and_restore(self):
        """A customer deleted through the client is hidden, gets no SMS and
        is in the bin; only an administrator reads the bin and restores"""
        pool = Pool()
        Party = pool.get('party.party')
        Recycle = pool.get('crm.security.recycle')
        company = create_company()
        with set_company(company):
            seller = create_staff(company, 'seller', 'group_salesperson')
            chief = create_staff(company, 'chief', 'group_crm_admin')
            party = self.customer(seller.employee)
            self.assertTrue(Party.sms_recipients([party.id], 'notice'))

            with as_user(seller):
                Party.delete([party])
                self.assertEqual(Party.search([('id', '=', party.id)]), [])

            self.assertEqual(self.exists(party), (True, False))
            self.assertEqual(Party.sms_recipients([party.id], 'notice'), {})
            entry, = self.entries(party)
            self.assertEqual(
                (entry.model, entry.name, entry.deleted_by),
                ('party.party', "张三", seller))

            with as_user(seller):
                with self.assertRaises(AccessError):
                    Recycle.search([])
                with self.assertRaises(AccessError):
                    Recycle.read([entry.id], ['name'])
                with self.assertRaises(AccessError):
                    Recycle.restore([Recycle(entry.id)])
            # Called by server code as the salesperson, without access checks
            with Transaction().set_user(seller.id), \
                    self.assertRaises(RecycleAccessError):
                Recycle.restore([Recycle(entry.id)])
            self.assertEqual(self.exists(party), (True, False))
            self.assertEqual(self.entries(party), [entry])

            with as_user(chief):
                self.assertEqual(Recycle.search([]), [entry])
                Recycle.restore([entry])
            self.assertEqual(self.exists(party), (True, True))
            self.assertEqual(self.entries(party), [])

    @with_transaction()
    def test_entries_read_only(self):
        "No one edits or deletes an entry, not even given the access rights"
        pool = Pool()
        Party = pool.get('party.party')
        Recycle = pool.get('crm.security.recycle')
        Access = pool.get('ir.model.access')
        ModelData = pool.get('ir.model.data')
        company = create_company()
        with set_company(company):
            chief = create_staff(company, 'chief', 'group_crm_admin')
            party = self.customer(None)
            Access.create([{
                        'model': 'crm.security.recycle',
                        'group': ModelData.get_id(
                            'crm_customer', 'group_crm_admin'),
                        'perm_read': True, 'perm_write': True,
                        'perm_create': True, 'perm_delete': True,
                        }])
            with as_user(chief):
                Party.delete([party])
                entry, = Recycle.search([])
                with self.assertRaises(RecycleAccessError):
                    Recycle.write([entry], {'deleted_at': dt.datetime.now()})
                with self.assertRaises(RecycleAccessError):
                    Recycle.delete([entry])
                with self.assertRaises(RecycleAccessError):
                    Recycle.create([{'model': 'party.party',
                                'record': str(company.party),
                                'deleted_at': dt.datetime.now()}])
            self.assertEqual(self.entries(party), [entry])
            self.assertEqual(self.exists(party), (True, False))

    @with_transaction()
    def test_refused_as_before(self):
        "A customer with sales is refused with Tryton's message, not binned"
        pool = Pool()
        Party = pool.get('party.party')
        Sale = pool.get('sale.sale')
        company = create_company()
        with set_company(company):
            seller = create_staff(company, 'seller', 'group_salesperson')
            party = self.customer(seller.employee)
            sale = Sale(party=party)
            sale.on_change_party()
            sale.save()

            with as_user(seller), self.assertRaises(ForeignKeyError):
                Party.delete([party])
            self.assertEqual(self.exists(party), (True, True))
            self.assertEqual(self.entries(party), [])

    @with_transaction()
    def test_purge(self):
        """The purge deletes what is older than the configured days; a record
        referenced since stays inactive and its entry says why"""
        pool = Pool()
        Party = pool.get('party.party')
        Sale = pool.get('sale.sale')
        Recycle = pool.get('crm.security.recycle')
        company = create_company()
        with set_company(company):
            seller = create_staff(company, 'seller', 'group_salesperson')
            old, recent, referenced = parties = [
                self.customer(seller.employee) for _ in range(3)]
            with as_user(seller):
                Party.delete(parties)
            with inactive_records():
                sale = Sale(party=referenced)
                sale.on_change_party()
                sale.save()
            long_ago = dt.datetime.now() - dt.timedelta(days=31)
            Recycle.write(self.entries(old) + self.entries(referenced),
                {'deleted_at': long_ago})
            with self.assertRaises(RecycleError):
                Recycle.restore(self.entries(old))

            Recycle.purge()

            self.assertEqual(self.exists(old), (False, False))
            self.assertEqual(self.entries(old), [])
            self.assertEqual(self.exists(recent), (True, False))
            self.assertEqual(len(self.entries(recent)), 1)
            self.assertEqual(self.exists(referenced), (True, False))
            entry, = self.entries(referenced)
            self.assertTrue(entry.purge_error)

    @with_transaction()
    def test_product_template(self):
        "A deleted template hides its variants until it is restored"
        pool = Pool()
        Template = pool.get('product.template')
        Recycle = pool.get('crm.security.recycle')
        User = pool.get('res.user')
        product = create_service()
        template = product.template

        with as_user(User(1)):
            Template.delete([template])
        self.assertEqual(self.exists(template), (True, False))
        self.assertEqual(self.exists(product), (True, False))

        with as_user(User(1)):
            Recycle.restore(self.entries(template))
        self.assertEqual(self.exists(product), (True, True))

    @with_transaction()
    def test_cards(self):
        """A card with money is never deleted; a draft card without money
        goes to the bin; no client hides a card itself"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        company = create_company()
        with set_company(company):
            manager = create_staff(company, 'manager', 'group_sales_manager')
            card_type = create_card_type()
            card = issue_card(card_type, amount=Decimal(100))
            draft = Card(type=card_type, party=card.party)
            draft.save()

            with as_user(manager), \
                    self.assertRaisesRegex(RecycleError, 'never deleted'):
                Card.delete([card])
            card = Card(card.id)
            self.assertEqual((card.state, card.active, card.balance),
                ('active', True, Decimal(100)))
            self.assertEqual(self.entries(card), [])

            with as_user(manager), self.assertRaises(CardAccessError):
                Card.write([card], {'active': False})

            with as_user(manager):
                Card.delete([draft])
            self.assertEqual(self.exists(draft), (True, False))
            self.assertEqual(len(self.entries(draft)), 1)
