# This file is part of the CRM suite.
import datetime as dt
import unittest

import trytond.config as config
from trytond.exceptions import LoginException
from trytond.model.exceptions import AccessButtonError, AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_staff)
from trytond.modules.crm_sms.tests.fakes import FakeAliyun
from trytond.modules.crm_security.exceptions import NetworkError
from trytond.pool import Pool
from trytond.res.exceptions import PasswordError
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

PASSWORD = 'Shop-2026-pass'


def request(address='192.168.1.20'):
    "The context of a login request from address, as the server sets it"
    return Transaction().set_context(_request={
            'remote_addr': address, 'user_agent': 'Mozilla/5.0 test'})


class LoginTestCase(ModuleDatabaseTestCase):
    "Logins: lock, SMS code, addresses, idle sessions, passwords, staff"
    module = 'crm_security'

    def setUp(self):
        super().setUp()
        self.company = None
        self.addCleanup(config.set, 'session', 'timeout',
            config.get('session', 'timeout'))

    def staff(self, login, group='group_salesperson', mobile=None):
        pool = Pool()
        User = pool.get('res.user')
        Company = pool.get('company.company')
        # A test restarted by a TransactionError lost the company
        if not (self.company and Company.search(
                    [('id', '=', self.company.id)])):
            self.company = create_company()
        with set_company(self.company):
            user = create_staff(self.company, login, group)
        User.write([user], {
                'password': PASSWORD, 'password_change': False,
                'mobile': mobile})
        return User(user.id)

    def settings(self, **values):
        Configuration = Pool().get('crm.configuration')
        Configuration.write([Configuration(1)], values)

    def login(self, login, password=PASSWORD, **parameters):
        "get_login as the server calls it, without Tryton's rate limit"
        pool = Pool()
        User = pool.get('res.user')
        Attempt = pool.get('res.user.login.attempt')
        # Tryton's own limit (5 tries, then "too many requests", with a
        # growing pause) is not what these tests are about
        Attempt.delete(Attempt.search([]))
        if password is not None:
            parameters['password'] = password
        with request(parameters.pop('address', '192.168.1.20')):
            return User.get_login(login, parameters)

    def results(self, login):
        Log = Pool().get('crm.security.login')
        return [l.result for l in Log.search(
                [('login', '=', login)], order=[('id', 'ASC')])]

    @with_transaction()
    def test_lock_after_failures_and_unlock(self):
        "10 failed logins lock the account until an administrator unlocks it"
        pool = Pool()
        User = pool.get('res.user')
        self.settings(login_lock_failures=10, login_sms_failures=0)
        user = self.staff('clerk')
        colleague = self.staff('colleague')

        for _ in range(9):
            self.assertIsNone(self.login('clerk', 'wrong'))
        self.assertIsNone(User(user.id).login_locked)
        self.assertEqual(self.login('clerk'), user.id)
        self.assertIsNone(self.login('clerk', 'wrong'))
        self.assertIsNotNone(User(user.id).login_locked)

        # Even the right password is refused, with whom to ask
        with self.assertRaises(LoginException) as cm:
            self.login('clerk')
        self.assertEqual(cm.exception.name, 'password')
        self.assertIn('locked', cm.exception.message)
        self.assertIn('Administrator', cm.exception.message)
        self.assertEqual(self.results('clerk')[-3:],
            ['success', 'failed', 'locked'])

        # A salesperson may not unlock, nor read the login log
        with as_user(colleague):
            with self.assertRaises(AccessButtonError):
                User.unlock_login([User(user.id)])
            with self.assertRaises(AccessError):
                pool.get('crm.security.login').search([])
        self.assertIsNotNone(User(user.id).login_locked)

        User.unlock_login([User(user.id)])
        self.assertEqual(self.login('clerk'), user.id)
        # The failures before the unlock no longer count
        self.assertIsNone(self.login('clerk', 'wrong'))
        self.assertIsNone(User(user.id).login_locked)

    def aliyun(self, fake):
        "An Aliyun gateway on the fake, with a login code template"
        pool = Pool()
        Gateway = pool.get('sms.gateway')
        Template = pool.get('sms.template')
        gateway = Gateway(name="阿里云", kind='aliyun', endpoint=fake.url,
            key_id=fake.key_id, key_secret=fake.key_secret,
            signature="示例门店")
        gateway.save()
        template = Template(name="登录验证码", kind='service',
            code='SMS_100001', content="您的登录验证码为${code}",
            gateway=gateway)
        template.save()
        return template

    @with_transaction()
    def test_sms_code_after_failures(self):
        "After 3 failures the login asks for a code sent by SMS"
        user = self.staff('cashier', mobile='+8613800138000')
        # The log gateway of a new database reaches no phone: no code
        for _ in range(3):
            self.assertIsNone(self.login('cashier', 'wrong'))
        self.assertEqual(self.login('cashier'), user.id)
        with FakeAliyun() as fake:
            self.settings(login_sms_failures=3, login_lock_failures=10,
                login_sms_template=self.aliyun(fake).id)
            with self.assertRaises(LoginException) as cm:
                self.login('cashier')
            self.assertEqual(cm.exception.name, 'sms_code')
            sent, = fake.sent
            self.assertEqual(sent['phone'], '13800138000')
            code = sent['params']['code']
            self.assertEqual(len(code), 6)

            with self.assertRaises(LoginException):
                self.login('cashier', sms_code='000000' if code != '000000'
                    else '111111')
            self.assertEqual(self.login('cashier', sms_code=code), user.id)
            # Asked once, with one code
            self.assertEqual(len(fake.sent), 1)
        self.assertEqual(self.results('cashier')[-3:],
            ['sms_sent', 'sms_wrong', 'success'])

    @with_transaction()
    def test_sms_code_for_managers(self):
        "Managers may have to give an SMS code at every login"
        manager = self.staff('manager', group='group_sales_manager',
            mobile='+8613900139000')
        clerk = self.staff('clerk2')
        self.settings(login_sms_managers=True)
        self.assertEqual(self.login('clerk2'), clerk.id)
        # No provider to send the code: refused, and told why
        with self.assertRaises(LoginException) as cm:
            self.login('manager')
        self.assertEqual(cm.exception.name, 'password')
        self.assertIn('mobile', cm.exception.message)
        with FakeAliyun() as fake:
            self.settings(login_sms_template=self.aliyun(fake).id)
            with self.assertRaises(LoginException) as cm:
                self.login('manager')
            self.assertEqual(cm.exception.name, 'sms_code')
            self.assertEqual(len(fake.sent), 1)

    @with_transaction()
    def test_login_addresses(self):
        "Logins are refused from addresses outside the user's and groups'"
        pool = Pool()
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        user = self.staff('remote')
        self.assertEqual(self.login('remote', address='203.0.113.9'),
            user.id)

        user.login_networks = '10.0.0.0/8\n192.168.1.20'
        user.save()
        self.assertEqual(self.login('remote', address='10.2.3.4'), user.id)
        self.assertEqual(self.login('remote', address='192.168.1.20'),
            user.id)
        with self.assertRaises(LoginException) as cm:
            self.login('remote', address='203.0.113.9')
        self.assertIn('203.0.113.9', cm.exception.message)
        self.assertEqual(self.results('remote')[-1], 'address')

        # A group's ranges add to the user's
        group = Group(ModelData.get_id('crm_customer', 'group_salesperson'))
        group.login_networks = '203.0.113.0/24'
        group.save()
        self.assertEqual(self.login('remote', address='203.0.113.9'),
            user.id)

        with self.assertRaises(NetworkError):
            user.login_networks = '10.0.0.0/33'
            user.save()

    @with_transaction()
    def test_idle_session_ends(self):
        "A session without a request for the idle timeout ends"
        pool = Pool()
        Session = pool.get('ir.session')
        user = self.staff('idle')
        with Transaction().set_user(user.id):
            key = Session.new()
        config.set('session', 'timeout', '60')
        self.assertTrue(Session.check(user.id, key))

        session, = Session.search([('key', '=', key)])
        table = Session.__table__()
        cursor = Transaction().connection.cursor()
        past = dt.datetime.now() - dt.timedelta(seconds=61)
        cursor.execute(*table.update([table.create_date, table.write_date],
                [past, past], where=table.id == session.id))
        self.assertFalse(Session.check(user.id, key))
        self.assertEqual(Session.search([('key', '=', key)]), [])

    @with_transaction()
    def test_password_rules(self):
        "8 characters at least, not a common one"
        pool = Pool()
        User = pool.get('res.user')
        user = self.staff('newbie')
        # As the web client's preferences call it
        with Transaction().set_user(user.id):
            for password in ['short1', '12345678', 'Password1']:
                with self.assertRaises(PasswordError):
                    User.set_preferences({'password': password})
            User.set_preferences({'password': 'Garden-Path-9'})
        self.assertEqual(self.login('newbie', 'Garden-Path-9'), user.id)

    @with_transaction()
    def test_first_login_changes_default_password(self):
        "A password given by an administrator is changed at the first login"
        pool = Pool()
        User = pool.get('res.user')
        user = self.staff('fresh')
        with Transaction().set_user(1):
            User.write([user], {'password': 'Given-by-admin-1'})
        self.assertTrue(User(user.id).password_change)

        with self.assertRaises(LoginException) as cm:
            self.login('fresh', 'Given-by-admin-1')
        self.assertEqual(cm.exception.name, 'new_password')
        for refused in ['Given-by-admin-1', 'abc', 'qwertyui']:
            with self.assertRaises(LoginException) as cm:
                self.login('fresh', 'Given-by-admin-1', new_password=refused)
            self.assertEqual(cm.exception.name, 'new_password')
        self.assertEqual(self.login('fresh', 'Given-by-admin-1',
                new_password='Own-choice-77'), user.id)
        self.assertFalse(User(user.id).password_change)
        self.assertEqual(self.login('fresh', 'Own-choice-77'), user.id)
        self.assertIsNone(self.login('fresh', 'Given-by-admin-1'))

    @with_transaction()
    def test_staff_leaving(self):
        "Who leaves is deactivated at once, sessions ended, manager told"
        pool = Pool()
        User = pool.get('res.user')
        Employee = pool.get('company.employee')
        Party = pool.get('party.party')
        Session = pool.get('ir.session')
        Notification = pool.get('res.notification')
        leaver = self.staff('leaver')
        manager = self.staff('boss', group='group_sales_manager')
        employee = leaver.employee
        with set_company(self.company):
            Party.create([{'name': "客户%s" % i, 'owner': employee.id}
                    for i in range(3)])
        with Transaction().set_user(leaver.id):
            key = Session.new()

        Employee.write([employee], {
                'end_date': dt.date.today() + dt.timedelta(days=3)})
        self.assertTrue(User(leaver.id).active)

        Employee.write([employee], {'end_date': dt.date.today()})
        self.assertFalse(User(leaver.id).active)
        self.assertEqual(Session.search([('key', '=', key)]), [])
        self.assertIsNone(self.login('leaver'))
        notification, = Notification.search([('user', '=', manager.id)])
        self.assertIn('3', notification.description)

        # The nightly job catches end dates reached since they were set
        other = self.staff('other')
        table = Employee.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update([table.end_date],
                [dt.date.today() - dt.timedelta(days=1)],
                where=table.id == other.employee.id))
        self.assertTrue(User(other.id).active)
        Employee.deactivate_left_users()
        self.assertFalse(User(other.id).active)

    @with_transaction()
    def test_log_purge(self):
        "The login log keeps the configured days"
        pool = Pool()
        Log = pool.get('crm.security.login')
        self.settings(login_log_days=30)
        Log.record('old', 'failed')
        Log.record('new', 'success')
        old, = Log.search([('login', '=', 'old')])
        Log.write([old], {'date': dt.datetime.now() - dt.timedelta(days=31)})
        Log.purge()
        self.assertEqual([l.login for l in Log.search([])], ['new'])


del ModuleDatabaseTestCase

if __name__ == '__main__':
    unittest.main()
