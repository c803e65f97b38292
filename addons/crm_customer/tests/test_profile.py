# This file is part of the CRM suite.
import datetime as dt
import pathlib
import tempfile
from decimal import Decimal

from trytond.model.exceptions import (
    AccessError, DomainValidationError, ValidationError)
from trytond.modules.company.tests import (
    create_company, set_company)
from trytond.modules.crm_customer.exceptions import BirthdayError, GenderError
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_staff,
    party_relations_not_replaced, xlsx)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction, inactive_records

# A valid number of a woman born on 1 March 1990 in Beijing
ID_WOMAN = '11010519900301068X'
ID_MAN = '110105198502150017'

PROVINCES = 'code,name\n11,"北京市"\n44,"广东省"\n'
CITIES = ('code,name,provinceCode\n1101,"市辖区",11\n'
    '4403,"深圳市",44\n')
AREAS = ('code,name,cityCode,provinceCode\n110105,"朝阳区",1101,11\n'
    '440305,"南山区",4403,44\n')


def load_regions(provinces=PROVINCES, cities=CITIES, areas=AREAS):
    Region = Pool().get('crm.region')
    with tempfile.TemporaryDirectory() as directory:
        directory = pathlib.Path(directory)
        for name, text in [('provinces.csv', provinces),
                ('cities.csv', cities), ('areas.csv', areas)]:
            (directory / name).write_text(text, encoding='utf-8')
        Region.load_divisions(str(directory))
    return {r.code: r for r in Region.search([])}


class CustomerProfileTestCase(ModuleDatabaseTestCase):
    "Test the customer profile"

    @with_transaction()
    def test_id_card_fills_birthday_and_gender(self):
        "An ID card number gives the birthday and gender in the form"
        Party = Pool().get('party.party')

        party = Party(name="王芳", id_card_number=ID_WOMAN.lower())
        party.on_change_id_card_number()
        self.assertEqual(party.id_card_number, ID_WOMAN)
        self.assertEqual(party.birthday, dt.date(1990, 3, 1))
        self.assertEqual(party.gender, 'female')

        party = Party(name="李强", id_card_number=ID_MAN,
            birthday=dt.date(1985, 2, 16), gender='female')
        party.on_change_id_card_number()
        self.assertEqual(party.birthday, dt.date(1985, 2, 15))
        self.assertEqual(party.gender, 'male')

    @with_transaction()
    def test_id_card_gives_birthday_and_gender_on_save(self):
        """Saved without the form, an ID card number fills the birthday and
        gender and refuses others"""
        Party = Pool().get('party.party')

        party, = Party.create([{'name': "王芳", 'id_card_number': ID_WOMAN}])
        self.assertEqual(
            (party.birthday, party.gender), (dt.date(1990, 3, 1), 'female'))
        Party.write([party], {'birthday': None, 'gender': None})
        self.assertEqual(
            (party.birthday, party.gender), (dt.date(1990, 3, 1), 'female'))
        with self.assertRaises(GenderError):
            Party.write([party], {'gender': 'male'})

        other, = Party.create([{'name': "李强",
                    'birthday': dt.date(1985, 2, 16), 'gender': 'male'}])
        with self.assertRaisesRegex(BirthdayError, '1985-02-15'):
            Party.write([other], {'id_card_number': ID_MAN})
        with self.assertRaises(BirthdayError):
            Party.create([{'name': "刘芳", 'id_card_number': '11010519491231002X',
                        'birthday': dt.date(1949, 12, 30)}])

    @with_transaction()
    def test_sizes(self):
        "Names and free texts have a length limit"
        Party = Pool().get('party.party')

        for values in [
                {'name': "长" * 101},
                {'name': "王芳", 'occupation': "长" * 51},
                {'name': "王芳", 'remark': "长" * 4001},
                {'name': "王芳", 'contact_persons': [
                        ('create', [{'name': "长" * 101}])]},
                {'name': "王芳", 'contact_mechanisms': [
                        ('create', [{'type': 'email',
                                    'value': "a" * 200 + '@example.com'}])]},
                ]:
            with self.assertRaises(ValidationError, msg=values):
                Party.create([values])
            # PostgreSQL refuses a longer text in a sized column too,
            # which ends the transaction as a request is
            Transaction().rollback()
        Party.create([{'name': "长" * 100, 'remark': "长" * 4000}])

    @with_transaction()
    def test_masked_field_not_searched(self):
        """A salesperson, who reads the ID card numbers masked, may not
        search nor sort by them; a manager may"""
        pool = Pool()
        Party = pool.get('party.party')
        ContactMechanism = pool.get('party.contact_mechanism')

        company = create_company()
        with set_company(company):
            salesperson = create_staff(company, 'sales', 'group_salesperson')
            manager = create_staff(company, 'manager', 'group_sales_manager')
            party, = Party.create([{'name': "王芳", 'id_card_number': ID_WOMAN,
                        'mobile': '13800138000'}])

        with as_user(salesperson):
            for domain in [
                    [('id_card_number', 'like', '110%')],
                    ['OR', ('name', '=', "王芳"),
                        [('id_card_number', '>=', '1101')]],
                    [('replaced_by.id_card_number', 'like', '110%')],
                    ]:
                with self.assertRaisesRegex(
                        AccessError, "ID Card Number", msg=domain):
                    Party.search(domain, count=True)
            with self.assertRaises(AccessError):
                Party.search([], order=[('id_card_number', 'ASC')])
            with self.assertRaises(AccessError):
                ContactMechanism.search(
                    [('party.id_card_number', 'like', '110%')])
            # The search box still finds a whole number
            self.assertEqual(
                Party.search([('rec_name', 'ilike', ID_WOMAN)]), [party])
        with as_user(manager):
            self.assertEqual(
                Party.search([('id_card_number', 'like', '110%')]), [party])

    @with_transaction()
    def test_id_card_checked_and_unique(self):
        "A wrong checksum or a number of another customer is refused"
        Party = Pool().get('party.party')

        with self.assertRaisesRegex(ValidationError, '110105198502150016'):
            Party.create([{'name': "李强", 'id_card_number': '110105198502150016'}])
        with self.assertRaises(ValidationError):
            # 30 February
            Party.create([{'name': "李强", 'id_card_number': '110105198502300012'}])

        first, = Party.create([{'name': "王芳", 'id_card_number': ID_WOMAN.lower()}])
        self.assertEqual(first.id_card_number, ID_WOMAN)
        with self.assertRaisesRegex(ValidationError, first.code):
            Party.create([{'name': "王芳芳", 'id_card_number': ID_WOMAN}])
        with self.assertRaises(ValidationError):
            Party.create([
                    {'name': "甲", 'id_card_number': ID_MAN},
                    {'name': "乙", 'id_card_number': ID_MAN},
                    ])
        self.assertEqual(Party.copy([first])[0].id_card_number, None)

    @with_transaction()
    def test_id_card_masked_outside_managers(self):
        "Salespeople read ID card numbers masked, managers in full"
        pool = Pool()
        Party = pool.get('party.party')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')

        party, = Party.create([{'name': "王芳", 'id_card_number': ID_WOMAN}])
        salesperson, manager = User.create([{
                    'login': 'sales', 'groups': [('add', [ModelData.get_id(
                                    'crm_customer', 'group_salesperson')])],
                    }, {
                    'login': 'manager', 'groups': [('add', [ModelData.get_id(
                                    'crm_customer', 'group_sales_manager')])],
                    }])

        def read_as(user):
            with Transaction().set_user(user.id), \
                    Transaction().set_context(_check_access=True):
                value, = Party.read([party.id], ['id_card_number'])
                return value['id_card_number']
        self.assertEqual(read_as(salesperson), '110***********068X')
        self.assertEqual(read_as(manager), ID_WOMAN)
        # Found by the number even when it is shown masked
        with Transaction().set_user(salesperson.id), \
                Transaction().set_context(_check_access=True):
            self.assertEqual(
                Party.search([('rec_name', 'ilike', '%' + ID_WOMAN + '%')]),
                [party])

    @with_transaction()
    def test_on_change_as_read(self):
        """An on_change of a named customer answers as a read would: the
        ID number masked unless the client sent it, a colleague's
        customer refused"""
        pool = Pool()
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            sales = create_staff(company, 'sales', 'group_salesperson')
            colleague = create_staff(company, 'colleague',
                'group_salesperson')
            mine, theirs = Party.create([{
                        'name': "王芳", 'id_card_number': ID_WOMAN,
                        'owner': sales.employee.id,
                        }, {
                        'name': "李四", 'owner': colleague.employee.id,
                        }])

            def on_change(values, names):
                "As the RPC instantiates the client's values"
                record = Party(**values)
                record.on_change(names)
                return record._changed_values()
            with as_user(sales):
                changed = on_change({'id': mine.id}, ['id_card_number'])
                self.assertNotIn(ID_WOMAN, changed.values())
                changed = on_change(
                    {'id': mine.id, 'id_card_number': ID_WOMAN.lower()},
                    ['id_card_number'])
                self.assertEqual(changed['id_card_number'], ID_WOMAN)
                with self.assertRaises(AccessError):
                    on_change({'id': theirs.id, 'name': "李四"}, ['name'])
            self.assertEqual(
                on_change({'id': mine.id}, ['id_card_number']).get(
                    'id_card_number', ID_WOMAN),
                ID_WOMAN)

    @with_transaction()
    def test_age(self):
        "The age follows the birthday and can be searched"
        pool = Pool()
        Party = pool.get('party.party')
        Date = pool.get('ir.date')
        today = Date.today()

        def born(years, days=0):
            return today.replace(year=today.year - years) - dt.timedelta(
                days=days)
        just_30, almost_31, almost_30 = Party.create([
                {'name': "甲", 'birthday': born(30)},
                {'name': "乙", 'birthday': born(31, -1)},
                {'name': "丙", 'birthday': born(30, -1)},
                ])
        self.assertEqual(
            [p.age for p in [just_30, almost_31, almost_30]], [30, 30, 29])
        self.assertEqual(
            set(Party.search([('age', '=', 30)])), {just_30, almost_31})
        self.assertEqual(Party.search([('age', '<', 30)]), [almost_30])
        self.assertEqual(
            set(Party.search([('age', '>=', 30)])), {just_30, almost_31})
        with self.assertRaises(DomainValidationError):
            Party.create([{'name': "丁", 'birthday': today + dt.timedelta(1)}])

    @with_transaction()
    def test_lunar_birthday(self):
        "A lunar birthday is kept as entered and checked against its year"
        Party = Pool().get('party.party')

        party = Party(name="张三", birthday=dt.date(1990, 5, 1),
            birthday_calendar='lunar')
        party.on_change_birthday()
        self.assertEqual(
            (party.birthday_lunar_month, party.birthday_lunar_day,
                party.birthday_lunar_leap), (4, 7, False))
        party.save()

        # 2023 has a leap second month, 2024 none
        Party.create([{'name': "李四", 'birthday_calendar': 'lunar',
                    'birthday': dt.date(2023, 3, 31),
                    'birthday_lunar_month': 2, 'birthday_lunar_day': 10,
                    'birthday_lunar_leap': True}])
        with self.assertRaises(ValidationError):
            Party.create([{'name': "王五", 'birthday_calendar': 'lunar',
                        'birthday': dt.date(2024, 3, 31),
                        'birthday_lunar_month': 2, 'birthday_lunar_day': 10,
                        'birthday_lunar_leap': True}])
        with self.assertRaises(DomainValidationError):
            Party.create([{'name': "赵六", 'birthday_calendar': 'lunar',
                        'birthday_lunar_month': 13, 'birthday_lunar_day': 1}])

    @with_transaction()
    def test_regions_loaded_and_cascade(self):
        "Regions load from the division files; a city stays in its province"
        pool = Pool()
        Party = pool.get('party.party')
        Region = pool.get('crm.region')

        regions = load_regions()
        self.assertEqual(regions['110100'].name, "北京市")
        self.assertEqual(regions['440305'].parent, regions['440300'])
        self.assertEqual(regions['440300'].parent, regions['440000'])
        self.assertEqual(regions['440305'].level, 'district')

        # Loading again updates names and adds what is new, nothing twice
        regions = load_regions(
            areas=AREAS.replace('南山区', '南山新区')
            + '440306,"宝安区",4403,44\n')
        self.assertEqual(Region.search([('code', '=', '440305')], count=True), 1)
        self.assertEqual(regions['440305'].name, "南山新区")
        self.assertIn('440306', regions)

        party = Party(name="张三", district=regions['440305'])
        party.on_change_district()
        self.assertEqual(party.city, regions['440300'])
        self.assertEqual(party.province, regions['440000'])
        party.save()
        party.province = regions['110000']
        party.on_change_province()
        self.assertIsNone(party.city)
        self.assertIsNone(party.district)

        with self.assertRaises(ValidationError):
            Party.create([{'name': "李四", 'province': regions['110000'].id,
                        'city': regions['440300'].id}])

    @with_transaction()
    def test_industries(self):
        "The GB/T 4754 sections and divisions are loaded as a tree"
        Industry = Pool().get('crm.industry')

        self.assertEqual(
            Industry.search([('parent', '=', None)], count=True), 20)
        self.assertEqual(
            Industry.search([('parent', '!=', None)], count=True), 97)
        retail, = Industry.search([('code', '=', '52')])
        self.assertEqual(retail.name, "零售业")
        self.assertEqual(retail.parent.code, 'F')
        self.assertEqual(
            {i.code for i in Industry.search(
                        [('rec_name', 'ilike', '%零售%')])},
            {'F', '52'})

    @with_transaction()
    def test_postal_code(self):
        "A Chinese postcode has six digits"
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')

        party, = Party.create([{'name': "张三"}])
        Address.create([{'party': party.id, 'postal_code': '518000'}])
        with self.assertRaisesRegex(ValidationError, '5180'):
            Address.create([{'party': party.id, 'postal_code': '5180'}])

    @with_transaction()
    def test_credit_and_consent(self):
        "Credit limits are not negative; consent takes its date"
        pool = Pool()
        Party = pool.get('party.party')
        Date = pool.get('ir.date')

        with self.assertRaises(DomainValidationError):
            Party.create([{'name': "张三", 'credit_limit': Decimal('-1')}])
        party = Party(name="张三", sms_consent=True)
        party.on_change_sms_consent()
        self.assertEqual(party.sms_consent_date, Date.today())
        party.credit_rating = 'A'
        party.credit_limit = Decimal('5000')
        party.save()
        party.sms_consent_date = None
        with self.assertRaises(ValidationError):
            party.save()

    @with_transaction()
    def test_merge_carries_relations_and_profile(self):
        "Merging moves contact persons and fills the kept customer's gaps"
        pool = Pool()
        Party = pool.get('party.party')
        Replace = pool.get('party.replace', type='wizard')

        regions = load_regions()
        kept, merged = Party.create([{
                    'name': "张三",
                    'gender': 'male',
                    'remark': "老客户",
                    }, {
                    'name': "张三",
                    'id_card_number': ID_MAN,
                    'district': regions['440305'].id,
                    'remark': "喜欢绿茶",
                    'contact_persons': [('create', [{'name': "李秘书"}])],
                    }])

        session_id, _, _ = Replace.create()
        replace = Replace(session_id)
        replace.ask.source = merged
        replace.ask.destination = kept
        replace.transition_replace()

        kept = Party(kept.id)
        self.assertEqual(kept.gender, 'male')
        self.assertEqual(kept.id_card_number, ID_MAN)
        self.assertEqual(kept.birthday, dt.date(1985, 2, 15))
        self.assertEqual(kept.district, regions['440305'])
        self.assertEqual(kept.remark, "老客户\n喜欢绿茶")
        self.assertEqual([c.name for c in kept.contact_persons], ["李秘书"])
        merged = Party(merged.id)
        self.assertFalse(merged.active)
        self.assertIsNone(merged.id_card_number)

    @with_transaction()
    def test_merge_covers_every_relation(self):
        "Every reference to a customer the module adds is merged"
        self.assertEqual(party_relations_not_replaced(['crm_customer']), [])

    @with_transaction()
    def test_erase_blanks_profile(self):
        """Erasing a customer blanks the profile, the contact persons and
        every copy of the mobile and ID card number"""
        pool = Pool()
        Party = pool.get('party.party')
        ContactPerson = pool.get('party.contact_person')
        Reading = pool.get('party.party.name_reading')
        ContactMechanism = pool.get('party.contact_mechanism')
        Task = pool.get('party.party.import.task')
        Erase = pool.get('party.erase', type='wizard')

        company = create_company()
        with set_company(company):
            tasks = Task.create([{'file': xlsx(rows)} for rows in [
                        [["客户名称", "手机"], ["王芳", "138 0013 8000"]],
                        [["客户名称", "身份证号码"], ["王芳", ID_WOMAN]],
                        [["客户名称", "手机"], ["李四", "13900139000"]],
                        ]])
            party, = Party.create([{
                        'name': "王芳",
                        'id_card_number': ID_WOMAN,
                        'mobile': '13800138000',
                        'birthday': dt.date(1990, 3, 1),
                        'gender': 'female',
                        'occupation': "教师",
                        'remark': "对花生过敏",
                        'sms_consent': True,
                        'sms_consent_date': dt.date(2026, 1, 1),
                        'contact_persons': [('create', [{
                                        'name': "李秘书",
                                        'phone': '13800138000'}])],
                        }])
            Party.write([party], {'active': False})
            session_id, _, _ = Erase.create()
            erase = Erase(session_id)
            erase.ask.party = party
            erase.transition_erase()

        party = Party(party.id)
        for name in ['id_card_number', 'birthday', 'gender', 'occupation',
                'remark', 'sms_consent_date', 'name_pinyin']:
            self.assertFalse(getattr(party, name), name)
        self.assertFalse(party.sms_consent)
        person, = ContactPerson.search([('party', '=', party.id)])
        self.assertEqual(person.name, '****')
        # Nor is the name left in the readings the search box uses
        readings = Reading.search([('party', '=', party.id)])
        self.assertTrue(readings)
        self.assertEqual(
            {(r.party_name, r.reading) for r in readings}, {(None, '')})
        self.assertIsNone(person.phone)
        # Nor the copies of the mobile the search box finds it by
        with inactive_records():
            mechanism, = ContactMechanism.search([('party', '=', party.id)])
        self.assertEqual(
            (mechanism.value, mechanism.value_compact, mechanism.value_tail),
            ('****', None, None))
        # Nor the workbooks that brought the customer in
        self.assertEqual([bool(t.file) for t in Task.browse(tasks)],
            [False, False, True])

    @with_transaction()
    def test_search_by_mobile_and_id_card(self):
        "The search box finds a full mobile, its last digits or an ID card"
        Party = Pool().get('party.party')

        zhang, li = Party.create([{
                    'name': "张三",
                    'id_card_number': ID_MAN,
                    'contact_mechanisms': [('create', [{
                                    'type': 'mobile',
                                    'value': '13800138000'}])],
                    }, {
                    'name': "李四",
                    'contact_mechanisms': [('create', [{
                                    'type': 'mobile',
                                    'value': '13912348000'}])],
                    }])

        def find(text):
            return set(Party.search([('rec_name', 'ilike', '%%%s%%' % text)]))
        self.assertEqual(find('8000'), {zhang, li})
        self.assertEqual(find('13800138000'), {zhang})
        self.assertEqual(find('138 0013 8000'), {zhang})
        self.assertEqual(find('1391234'), {li})
        self.assertEqual(find(ID_MAN), {zhang})
        self.assertEqual(find(zhang.code), {zhang})
        self.assertIn(zhang, find(str(int(zhang.code[2:]))))

    @with_transaction()
    def test_search_by_short_and_long_names(self):
        """One or two characters find the names starting with them, or those
        holding them when none starts so; longer texts any name holding
        them"""
        Party = Pool().get('party.party')
        wang, wang_hua, li_wang, company = Party.create([
                {'name': "王伟"}, {'name': "王伟华"}, {'name': "李王伟"},
                {'name': "深圳市腾讯计算机系统有限公司"}])

        def find(text):
            return set(Party.search([('rec_name', 'ilike', '%%%s%%' % text)]))
        self.assertEqual(find("王伟"), {wang, wang_hua})
        self.assertEqual(find("王"), {wang, wang_hua})
        self.assertEqual(find("腾讯"), {company})
        self.assertEqual(find("王伟华"), {wang_hua})
        self.assertEqual(find("计算机"), {company})
        self.assertEqual(find("李王伟"), {li_wang})
        self.assertEqual(
            set(Party.search([('rec_name', '=', "王伟")])), {wang})


del ModuleDatabaseTestCase
