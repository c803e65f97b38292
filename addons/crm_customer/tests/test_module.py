# This file is part of the CRM suite.
from unittest.mock import patch

from trytond.exceptions import UserWarning
from trytond.i18n import gettext
from trytond.model.exceptions import ValidationError
from trytond.modules.company.tests import (
    CompanyTestMixin, PartyCompanyCheckEraseMixin, create_company,
    create_employee, set_company)
from trytond.modules.crm_customer.tests.tools import untranslated
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction, check_access


class CrmCustomerTestCase(
        PartyCompanyCheckEraseMixin, CompanyTestMixin, ModuleTestCase):
    "Test CRM Customer module"
    module = 'crm_customer'

    @with_transaction()
    def test_customer_number_from_sequence(self):
        "New customers are numbered from the configured sequence"
        pool = Pool()
        Party = pool.get('party.party')
        Configuration = pool.get('crm.configuration')

        sequence = Configuration(1).customer_sequence
        first = sequence.get()
        customer = Party(name="张三")
        customer.save()

        self.assertTrue(customer.code.startswith('KH'))
        self.assertEqual(int(customer.code[2:]), int(first[2:]) + 1)

    @with_transaction()
    def test_department_tree_and_rule_context(self):
        "The rule context lists the departments of the user's employees"
        pool = Pool()
        Department = pool.get('company.department')
        User = pool.get('res.user')
        Rule = pool.get('ir.rule')

        company = create_company()
        with set_company(company):
            sales = Department(name="销售部", code='XS')
            sales.save()
            north = Department(name="北区", code='XS-N', parent=sales)
            north.save()
            employee = create_employee(company, "李娜")
            employee.department = north
            employee.save()
            user = User(login='lina', employees=[employee], employee=employee,
                company=company, companies=[company])
            user.save()

        self.assertEqual(north.rec_name, "销售部 / 北区")
        with Transaction().set_user(user.id), \
                Transaction().set_context(User.get_preferences(
                        context_only=True)):
            context = Rule._get_context('party.party')
            self.assertEqual(context['user_id'], user.id)
            self.assertEqual(context['employees'], [employee.id])
            self.assertEqual(context['departments'], [north.id])

    @with_transaction()
    def test_own_import_tasks(self):
        "A salesperson sees the import tasks they started, not others'"
        pool = Pool()
        User = pool.get('res.user')
        Task = pool.get('party.party.import.task')
        ModelData = pool.get('ir.model.data')
        group = ModelData.get_id('crm_customer', 'group_salesperson')
        users = User.create([
                {'login': login, 'groups': [('add', [group])]}
                for login in ['zhangwei', 'lina']])
        tasks = []
        for user in users:
            with Transaction().set_user(user.id):
                tasks.append(Task.create([{'file': b'-', 'rows': 0}])[0])
        for user, task in zip(users, tasks):
            with Transaction().set_user(user.id), check_access():
                self.assertEqual(Task.search([]), [task])

    @with_transaction()
    def test_new_user_language(self):
        "New users get Chinese once it is loaded"
        pool = Pool()
        Lang = pool.get('ir.lang')
        User = pool.get('res.user')

        self.assertIsNone(User.default_language())
        zh_cn, = Lang.search([('code', '=', 'zh_CN')])
        zh_cn.translatable = True
        zh_cn.save()
        user = User(login='xiaowang')
        user.save()
        self.assertEqual(user.language, zh_cn)

    @with_transaction()
    def test_screens_in_chinese(self):
        "Menus and the labels of the main forms are in Chinese"
        self.assertEqual(untranslated(['party.party', 'party.address',
                    'party.contact_mechanism', 'product.template',
                    'product.product', 'sale.sale', 'sale.line',
                    'company.company', 'company.employee',
                    'company.department', 'crm.configuration']), {})

    @with_transaction()
    def test_core_chinese_completed(self):
        "The core's Chinese of a refused button has its closing quotes"
        Lang = Pool().get('ir.lang')
        zh_cn, = Lang.search([('code', '=', 'zh_CN')])
        Lang.load_translations([zh_cn])
        with Transaction().set_context(language='zh_CN'):
            self.assertEqual(gettext('ir.msg_access_button_error',
                    button="冻结", model="会员卡"),
                "不允许在“会员卡”上点击按钮“冻结”。")

    @with_transaction()
    def test_model_names_cached_across_wizard_contexts(self):
        "The names of the models are read once per language, not per record"
        pool = Pool()
        Model = pool.get('ir.model')
        Lang = pool.get('ir.lang')

        zh_cn, = Lang.search([('code', '=', 'zh_CN')])
        Lang.load_translations([zh_cn])
        with Transaction().set_context(language='zh_CN'):
            names = Model.get_names()
        for active_id in range(1, 4):
            with Transaction().set_context(
                    language='zh_CN', active_model='party.party',
                    active_id=active_id, active_ids=[active_id]):
                misses = Model._get_names_cache.miss
                self.assertEqual(Model.get_names(), names)
                self.assertEqual(
                    dict(Model.get_name_items()), names)
                self.assertEqual(Model._get_names_cache.miss, misses)
        self.assertEqual(names["party.party"], "往来单位")
        with Transaction().set_context(language='en'):
            self.assertEqual(Model.get_names()['party.party'], "Party")

    @with_transaction()
    def test_search_customer_by_pinyin_and_mobile(self):
        "The search box finds a customer by pinyin, initials or mobile tail"
        pool = Pool()
        Party = pool.get('party.party')

        zhang, shan, li = Party.create([
                {'name': "张三", 'contact_mechanisms': [('create', [{
                                'type': 'mobile',
                                'value': '+8613800138000'}])]},
                {'name': "单田芳"},
                {'name': "李四"},
                ])

        def find(text):
            return Party.search([('rec_name', 'ilike', '%%%s%%' % text)])

        self.assertEqual(find('zs'), [zhang])
        self.assertEqual(find('ZhangSan'), [zhang])
        self.assertEqual(find('zhang san'), [zhang])
        self.assertEqual(find('shantianfang'), [shan])
        self.assertEqual(find('dtf'), [shan])
        self.assertEqual(find('8000'), [zhang])
        self.assertEqual(find('张'), [zhang])

        zhang.name = "王五"
        zhang.save()
        self.assertEqual(find('zs'), [])
        self.assertEqual(find('ww'), [zhang])

    @with_transaction()
    def test_search_common_spelling_from_first_in_name_order(self):
        """A spelling many customers share finds the same customers, walked
        in name order from the first, as one few share"""
        pool = Pool()
        Party = pool.get('party.party')
        Reading = pool.get('party.party.name_reading')

        parties = Party.create([{'name': n} for n in [
                    "张三", "赵四", "周山", "单田芳", "王张森", "李四",
                    "曾志华", "Zhou Li"]])
        by_name = {p.name: p for p in parties}

        def find(text):
            return Party.search(
                [('rec_name', 'ilike', '%%%s%%' % text)], order=[])

        expected = {
            'zs': {"张三", "赵四", "周山"},
            # 单 is also read dan, 曾 ceng
            'd': {"单田芳"},
            'czh': {"曾志华"},
            'z': {"张三", "赵四", "周山", "曾志华", "Zhou Li"},
            'zh': {"张三", "赵四", "周山", "Zhou Li"},
            'zhou': {"周山", "Zhou Li"},
            }
        few = {t: set(p.name for p in find(t)) for t in expected}
        self.assertEqual(few, expected)
        with patch('trytond.modules.crm_customer.party.SPELLING_FEW', 0):
            domain = Party.search_rec_name('rec_name', ('rec_name', 'ilike',
                    '%zs%'))
            self.assertEqual(domain[0], ('name', '>=', "周山"))
            for text, names in expected.items():
                self.assertEqual(
                    set(p.name for p in find(text)), names, msg=text)
            for text, first in [
                    ('z', "Zhou Li"), ('zhang', "张三"), ('ceng', "曾志华")]:
                domain = Party.search_rec_name(
                    'rec_name', ('rec_name', 'ilike', text))
                self.assertEqual(domain[0], ('name', '>=', first), msg=text)

        # The readings follow the name
        Party.write([by_name["张三"]], {'name': "王五"})
        self.assertEqual(Reading.parties('zs', 10), sorted(
                [by_name["赵四"].id, by_name["周山"].id]))
        self.assertEqual(Reading.parties('ww', 10), [by_name["张三"].id])
        self.assertIsNone(Reading.parties('z', 2))

    @with_transaction()
    def test_mobile_belongs_to_one_customer(self):
        "A mobile of another customer is refused, naming that customer"
        pool = Pool()
        Party = pool.get('party.party')
        ContactMechanism = pool.get('party.contact_mechanism')

        first, second = Party.create([{'name': "张三"}, {'name': "李四"}])
        mobile = ContactMechanism(
            party=first, type='mobile', value='+8613800138000')
        mobile.save()
        mobile.save()

        for value in ['+8613800138000', '138 0013 8000', '13800138000']:
            with self.assertRaises(ValidationError) as raised:
                ContactMechanism.create([{
                            'party': second.id, 'type': 'mobile',
                            'value': value}])
            self.assertIn(first.code, raised.exception.message)
        # The same number as a landline of another customer is no mobile
        ContactMechanism.create([{
                    'party': second.id, 'type': 'phone',
                    'value': '+8613800138000'}])

    @with_transaction()
    def test_same_name_asks_the_user(self):
        "Saving a customer named like another asks the user once"
        pool = Pool()
        Party = pool.get('party.party')
        Warning = pool.get('res.user.warning')

        existing, = Party.create([{'name': "王芳"}])
        with Transaction().set_user(1), check_access():
            with self.assertRaises(UserWarning) as raised:
                Party.create([{'name': "王芳"}])
            self.assertIn(existing.code, raised.exception.message)

            # The user accepted the warning: the second save goes through
            Warning.create([{
                        'user': 1,
                        'name': raised.exception.name,
                        }])
            Party.create([{'name': "王芳"}])

    @with_transaction()
    def test_mobile_without_country_code(self):
        "A mobile typed without +86 is a Chinese one, shown grouped"
        pool = Pool()
        Party = pool.get('party.party')
        ContactMechanism = pool.get('party.contact_mechanism')

        party, = Party.create([{'name': "张三"}])
        mobile, = ContactMechanism.create([{
                    'party': party.id, 'type': 'mobile',
                    'value': '13800138000'}])
        self.assertEqual(mobile.value_compact, '+8613800138000')
        self.assertEqual(mobile.value, '138 0013 8000')
        with self.assertRaises(ValidationError):
            ContactMechanism.create([{
                        'party': party.id, 'type': 'mobile',
                        'value': '1380013'}])


del ModuleTestCase
