# This file is part of the CRM suite.
import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

from trytond.model.exceptions import AccessError, DomainValidationError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_customer.tests.test_excel import xlsx
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_staff)
from trytond.modules.crm_membership.tests.test_migration import HEADER
from trytond.modules.crm_membership.tests.tools import (
    create_card_type, issue_card)
from trytond.modules.crm_security.exceptions import AuditLogError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import (
    Transaction, check_access, without_check_access)

TOP_UP = 'crm.membership.card.top_up'


@contextmanager
def request(user, readonly=False):
    """A request of user's as trytond serves it: a transaction of its own,
    committed at the end (a read-only one too)"""
    with Transaction().new_transaction(readonly=readonly) as transaction, \
            as_user(user):
        yield
        transaction.commit()


def entries(resource):
    "(event, user, target) of the log entries of resource, oldest first"
    Log = Pool().get('ir.model.log')
    return [(e.event, e.user.id, e.target) for e in Log.search(
            [('resource', '=', resource)], order=[('id', 'ASC')])]


def run_wizard(name, context, data, state):
    """Run the state of wizard name as a client does over RPC: created with
    the access checks, executed without"""
    Wizard = Pool().get(name, type='wizard')
    with Transaction().set_context(context):
        with check_access():
            session_id, _, _ = Wizard.create()
        with without_check_access():
            return Wizard.execute(session_id, data, state)


class AuditTestCase(ModuleDatabaseTestCase):
    "Test the operation log"
    # The money wizards are crm_membership's
    module = ['crm_security', 'crm_membership']

    @with_transaction()
    def test_create_write_delete(self):
        "What a client creates, changes and deletes is logged with its user"
        pool = Pool()
        Party = pool.get('party.party')
        Template = pool.get('sms.template')
        company = create_company()
        with set_company(company):
            sales = create_staff(company, 'cwd_sales', 'group_salesperson')
            admin = create_staff(company, 'cwd_admin', 'group_crm_admin')
        with as_user(sales):
            party, = Party.create([{'name': "张三"}])
            Party.write([party], {'name': "张三丰"})
        with as_user(admin):
            template, = Template.create([{'name': "生日", 'content': "生日快乐"}])
            Template.delete([template])
        # Server code is not logged
        Party.write([party], {'name': "张三"})
        Transaction().commit()

        self.assertEqual(entries(str(party)), [
                ('create', sales.id, None),
                ('write', sales.id, 'name'),
                ])
        self.assertEqual(entries(str(template)), [
                ('create', admin.id, None),
                ('delete', admin.id, None),
                ])

    @with_transaction()
    def test_export(self):
        """Exporting records and the customers' workbook log each record
        with the fields or the report, from a read-only request"""
        pool = Pool()
        Party = pool.get('party.party')
        Log = pool.get('ir.model.log')
        Export = pool.get('party.party.export', type='report')
        company = create_company()
        with set_company(company):
            sales = create_staff(company, 'exp_sales', 'group_salesperson')
            admin = create_staff(company, 'exp_admin', 'group_crm_admin')
            party, other = Party.create([
                    {'name': "李四", 'owner': sales.employee.id},
                    {'name': "王五", 'owner': sales.employee.id},
                    ])
        Transaction().commit()

        with request(sales, readonly=True):
            Party.export_data(Party.browse([party.id, other.id]),
                ['name', 'contact_mechanisms/value'])
        with request(admin, readonly=True):
            Export.execute([party.id], {'model': 'party.party'})

        fields = 'name,contact_mechanisms/value'
        self.assertEqual(entries(str(party)), [
                ('export', sales.id, fields),
                ('export', admin.id, 'report:party.party.export'),
                ])
        self.assertEqual(entries(str(other)), [('export', sales.id, fields)])
        data_export, report_export = Log.search(
            [('resource', '=', str(party))], order=[('id', 'ASC')])
        self.assertEqual(report_export.action, "Export Customers")
        self.assertEqual(data_export.action, "Name, Contact Mechanisms/Value")

    @with_transaction()
    def test_money_wizard(self):
        """A top-up is logged on its card, also when the client names the
        card by active_id alone; a migration on the cards it creates"""
        pool = Pool()
        Party = pool.get('party.party')
        Card = pool.get('crm.membership.card')
        company = create_company()
        with set_company(company):
            cashier = create_staff(company, 'mw_cashier', 'group_cashier')
            admin = create_staff(company, 'mw_admin', 'group_crm_admin')
            card = issue_card(create_card_type("储值卡"), amount=Decimal(100))
            Party.create([{'name': "王芳", 'contact_mechanisms': [
                            ('create', [{
                                        'type': 'mobile',
                                        'value': '13800138000'}])]}])
        context = {'active_model': Card.__name__, 'active_id': card.id}
        data = {'start': {'amount': Decimal(50)}}
        with as_user(cashier):
            run_wizard(TOP_UP, {**context, 'active_ids': [card.id]}, data,
                'top_up')
            run_wizard(TOP_UP, {**context, 'active_ids': []}, data, 'top_up')
        with as_user(admin):
            run_wizard('crm.membership.card.migrate',
                {'active_model': 'ir.ui.menu'},
                {'start': {'file': xlsx([HEADER, ['880000000021', "储值卡",
                                    '13800138000', None, 100, 0, 0, None,
                                    None]])}},
                'import_')
        Transaction().commit()

        self.assertEqual(Card(card.id).balance, Decimal(200))
        self.assertEqual(entries(str(card))[-2:],
            [('wizard', cashier.id, TOP_UP + ':top_up')] * 2)
        migrated, = Card.search([('number', '=', '880000000021')])
        self.assertIn(
            ('wizard', admin.id, 'crm.membership.card.migrate:import_'),
            entries(str(migrated)))

    @with_transaction()
    def test_read_only(self):
        """No one creates, changes or deletes log entries through a client,
        administrators included, even with access rights granted"""
        pool = Pool()
        Party = pool.get('party.party')
        Log = pool.get('ir.model.log')
        User = pool.get('res.user')
        ModelAccess = pool.get('ir.model.access')
        ModelData = pool.get('ir.model.data')
        company = create_company()
        with set_company(company):
            sales = create_staff(company, 'ro_sales', 'group_salesperson')
            admin = create_staff(company, 'ro_admin', 'group_crm_admin')
        with as_user(sales):
            party, = Party.create([{'name': "赵六"}])
        Transaction().commit()
        entry, = Log.search([('resource', '=', str(party))])
        names = ['event', 'user', 'target', 'resource', 'create_date']
        before = Log.read([entry.id], names)

        attempts = {
            'write': lambda user: Log.write(
                [Log(entry.id)], {'event': 'delete'}),
            'delete': lambda user: Log.delete([Log(entry.id)]),
            'create': lambda user: Log.create([{'resource': str(party),
                        'event': 'delete', 'user': user.id}]),
            }
        for user in [sales, admin, User(1)]:
            for name, attempt in attempts.items():
                with self.subTest(user=user.login, attempt=name), \
                        self.assertRaises(AccessError), as_user(user):
                    attempt(user)

        ModelAccess.create([{
                    'model': 'ir.model.log',
                    'group': ModelData.get_id(
                        'crm_customer', 'group_crm_admin'),
                    'perm_read': True, 'perm_write': True,
                    'perm_create': True, 'perm_delete': True,
                    }])
        with self.assertRaises(AuditLogError), as_user(admin):
            Log.delete([Log(entry.id)])
        with self.assertRaises(AuditLogError), as_user(admin):
            Log.write([Log(entry.id)], {'event': 'delete'})
        self.assertEqual(Log.read([entry.id], names), before)

    @with_transaction()
    def test_read_as_the_record(self):
        """A salesperson reads the entries of the records they may read
        only, by search or by id; an administrator all, of deleted records
        too"""
        pool = Pool()
        Party = pool.get('party.party')
        Template = pool.get('sms.template')
        Log = pool.get('ir.model.log')
        company = create_company()
        with set_company(company):
            sales1 = create_staff(company, 'rr_sales1', 'group_salesperson')
            sales2 = create_staff(company, 'rr_sales2', 'group_salesperson')
            admin = create_staff(company, 'rr_admin', 'group_crm_admin')
        with as_user(sales2):
            party, = Party.create([{'name': "孙七"}])
            Party.write([party], {'name': "孙七七"})
        with as_user(admin):
            template, = Template.create([{'name': "节日", 'content': "节日快乐"}])
            Template.delete([template])
        Transaction().commit()
        ids = [e.id for e in Log.search([('resource', '=', str(party))])]
        self.assertEqual(len(ids), 2)

        with as_user(sales1):
            self.assertEqual(Log.search([('resource', '=', str(party))]), [])
            self.assertEqual(Log.search([
                        ('resource_model', '=', 'party.party'),
                        ('user', '=', sales2.id),
                        ], count=True), 0)
            with self.assertRaises(AccessError):
                Log.read(ids, ['event'])
        with as_user(sales2):
            self.assertEqual(sorted(map(int, Log.search([
                                ('resource_model', '=', 'party.party'),
                                ('user', '=', sales2.id),
                                ]))), sorted(ids))
        deleted = Log.search([('resource', '=', str(template))],
            order=[('id', 'ASC')])
        self.assertEqual({(e.resource, e.resource_model, e.resource_id)
                for e in deleted}, {(None, 'sms.template', template.id)})
        with as_user(sales1):
            self.assertEqual(
                Log.search([('resource_model', '=', 'sms.template')]), [])
            with self.assertRaises(AuditLogError):
                Log.read(list(map(int, deleted)), ['event'])
        with as_user(admin):
            self.assertEqual(len(Log.search([('user', '=', sales2.id)])), 2)
            self.assertEqual([r['event'] for r in Log.read(
                        list(map(int, deleted)), ['event', 'action'])],
                ['create', 'delete'])

    @with_transaction()
    def test_purge(self):
        "The nightly purge deletes what is older than the days kept"
        pool = Pool()
        Party = pool.get('party.party')
        Log = pool.get('ir.model.log')
        Configuration = pool.get('crm.configuration')
        configuration = Configuration(1)
        configuration.audit_log_days = 30
        with self.assertRaises(DomainValidationError):
            configuration.save()
        configuration.audit_log_days = 200
        configuration.save()
        company = create_company()
        with set_company(company):
            sales = create_staff(company, 'pg_sales', 'group_salesperson')
        with as_user(sales):
            old, new = Party.create([{'name': "旧"}, {'name': "新"}])
        Transaction().commit()
        log = Log.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*log.update([log.create_date],
                [dt.datetime.now() - dt.timedelta(days=201)],
                where=log.resource == str(old)))

        Log.purge()

        self.assertEqual(entries(str(old)), [])
        self.assertEqual(entries(str(new)), [('create', sales.id, None)])
