# This file is part of the CRM suite.
"Customer suggestions: numbering, workflow, query, import, export, print"
import datetime as dt
import io

import openpyxl

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_staff, xlsx)
from trytond.modules.crm_service.exceptions import ServiceError
from trytond.modules.crm_service.suggestion import (
    SuggestionImporter, suggestion_headers)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction


# A button refused by its groups, or an access error of the record
REFUSED = (AccessButtonError, AccessError)


def kind(name):
    Kind = Pool().get('crm.service.suggestion.kind')
    found, = Kind.search([('name', '=', name)])
    return found


class SuggestionTestCase(ModuleDatabaseTestCase):
    "Test the customer suggestions"
    module = 'crm_service'

    @with_transaction()
    def test_kinds_numbering_and_workflow(self):
        """The default kinds exist; the server numbers each suggestion
        whatever the client sends; handled, fed back (only with a
        feedback) and closed, each step with who and when"""
        pool = Pool()
        Suggestion = pool.get('crm.service.suggestion')
        Kind = pool.get('crm.service.suggestion.kind')
        self.assertEqual([k.name for k in Kind.search([])],
            ["企业形象及文化", "价格标准", "其他"])
        company = create_company()
        with set_company(company):
            service = create_staff(company, 'kefu', 'group_service')
            with as_user(service):
                first, second = Suggestion.create([{
                            'kind': kind("价格标准").id,
                            'content': "会员价应该再低一点",
                            'suggester_name': "王女士",
                            'number': 'FAKE-1',
                            }, {
                            'kind': kind("其他").id,
                            'content': "门口加个雨伞架",
                            }])
                self.assertTrue(first.number.startswith('JY'))
                self.assertNotEqual(first.number, 'FAKE-1')
                self.assertGreater(second.number, first.number)
                self.assertEqual(first.state, 'new')
                self.assertEqual(first.date, pool.get('ir.date').today())

                with self.assertRaises(AccessError):
                    Suggestion.create([{
                                'kind': kind("其他").id,
                                'content': "x", 'state': 'closed'}])
                with self.assertRaises(AccessError):
                    Suggestion.write([first], {'number': 'X1'})
                with self.assertRaises(AccessError):
                    Suggestion.write([first], {'state': 'closed'})

                Suggestion.process([first])
                self.assertEqual(first.state, 'processing')
                self.assertEqual(first.processed_by.id, service.id)
                self.assertIsNotNone(first.processed_at)
                with self.assertRaises(ServiceError):
                    Suggestion.reply([first])
                Suggestion.write([first], {
                        'handling': "下月会员日调价",
                        'feedback': "已电话告知王女士",
                        })
                Suggestion.reply([first])
                Suggestion.close([first])
                self.assertEqual(first.state, 'closed')
                self.assertEqual(first.replied_by.id, service.id)
                self.assertEqual(first.closed_by.id, service.id)

            salesperson = create_staff(company, 'sales', 'group_salesperson')
            with as_user(salesperson):
                # Suggestions are customer service's and the managers'
                with self.assertRaises(AccessError):
                    Suggestion.search([])
                with self.assertRaises(REFUSED):
                    Suggestion.process([second])
            cashier = create_staff(company, 'cashier', 'group_cashier')
            with as_user(cashier):
                with self.assertRaises(AccessError):
                    Suggestion.create([{
                                'kind': kind("其他").id, 'content': "x"}])

    @with_transaction()
    def test_query_export_print(self):
        """Suggestions are found by kind and date; the Excel export has
        their rows and the printed form their text"""
        pool = Pool()
        Suggestion = pool.get('crm.service.suggestion')
        Excel = pool.get('crm.membership.report.excel', type='report')
        Report = pool.get('crm.service.suggestion.report', type='report')
        today = pool.get('ir.date').today()
        old = today - dt.timedelta(days=40)
        price, image = kind("价格标准"), kind("企业形象及文化")
        a, b, c = Suggestion.create([
                {'kind': price.id, 'date': old, 'content': "旧的价格建议"},
                {'kind': price.id, 'content': "=HYPERLINK(\"x\")",
                    'suggester_name': "李先生",
                    'suggester_phone': '13800138000'},
                {'kind': image.id, 'content': "店员制服更统一"},
                ])
        self.assertEqual(Suggestion.search([
                    ('kind', '=', price.id),
                    ('date', '>=', today - dt.timedelta(days=7)),
                    ]), [b])
        self.assertEqual(set(Suggestion.search([('kind', '=', price.id)])),
            {a, b})

        kind_, content, _, _ = Excel.execute([b.id, c.id],
            {'model': Suggestion.__name__})
        self.assertEqual(kind_, 'xlsx')
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(len(rows), 3)
        header = rows[0]
        row = dict(zip(header, rows[1]))
        self.assertEqual(row["Number"], b.number)
        self.assertEqual(row["Kind"], "价格标准")
        self.assertEqual(row["Phone"], '13800138000')
        # Text, not a formula the spreadsheet would run
        self.assertEqual(row["Content"], '=HYPERLINK("x")')
        self.assertEqual(sheet.cell(2, header.index("Content") + 1)
            .data_type, 's')

        kind_, pdf, _, _ = Report.execute([c.id], {})
        self.assertEqual(kind_, 'pdf')
        self.assertTrue(pdf.startswith(b'%PDF'))
        ActionReport = pool.get('ir.action.report')
        action, = ActionReport.search([
                ('report_name', '=', Report.__name__)])
        html = Report.render(action, Report.get_context([c], {}, {}))
        for text in [c.number, "店员制服更统一", "企业形象及文化"]:
            self.assertIn(text, html)

    @with_transaction()
    def test_import(self):
        """A workbook is imported all or nothing: a row with an unknown
        kind or a bad date is reported with its row and nothing saved"""
        pool = Pool()
        Suggestion = pool.get('crm.service.suggestion')
        with self.assertRaises(ServiceError):
            # Without the Chinese headers the columns are not found
            SuggestionImporter(xlsx([["Kind2", "X"], ["a", "b"]]))
        header = list(suggestion_headers().values())[:5]
        bad = SuggestionImporter(xlsx([header,
                    ["价格标准", "停车位太少", '2026-05-01', "赵", None],
                    ["没有的类别", "x", None, None, None],
                    ["其他", "y", '2026-13-45', None, None],
                    ]))
        self.assertEqual([e[0] for e in bad.errors], [3, 4])
        with self.assertRaises(ServiceError):
            bad.save()
        self.assertEqual(Suggestion.search([]), [])

        good = SuggestionImporter(xlsx([header,
                    ["价格标准", "停车位太少", '2026-05-01', "赵", None],
                    ["其他", "营业时间延长", None, None, '13900139000'],
                    ]))
        created = good.save()
        self.assertEqual(len(created), 2)
        parking, = Suggestion.search([('content', '=', "停车位太少")])
        self.assertEqual(parking.date, dt.date(2026, 5, 1))
        self.assertEqual(parking.kind.name, "价格标准")
        self.assertTrue(parking.number)

    @with_transaction()
    def test_erase_and_merge(self):
        """Erasing a customer blanks the name and phone copied on their
        suggestions; merging customers carries suggestions and churn
        records over"""
        pool = Pool()
        Party = pool.get('party.party')
        Suggestion = pool.get('crm.service.suggestion')
        Erase = pool.get('party.erase', type='wizard')
        Replace = pool.get('party.replace', type='wizard')
        company = create_company()
        with set_company(company):
            party = Party(name="王芳", mobile='13800138000')
            party.save()
            suggestion = Suggestion(kind=kind("其他"), content="加长营业时间",
                suggester=party)
            suggestion.on_change_suggester()
            suggestion.save()
            self.assertEqual(
                (suggestion.suggester_name, suggestion.suggester_phone),
                ("王芳", '138 0013 8000'))
            Party.write([party], {'active': False})
            session_id, _, _ = Erase.create()
            erase = Erase(session_id)
            erase.ask.party = party
            erase.transition_erase()
        suggestion = Suggestion(suggestion.id)
        self.assertIsNone(suggestion.suggester_name)
        self.assertIsNone(suggestion.suggester_phone)
        self.assertEqual(suggestion.content, "加长营业时间")
        replaced = set(Replace.fields_to_replace())
        self.assertLessEqual({('crm.service.churn', 'customer'),
                ('crm.service.suggestion', 'suggester')}, replaced)


del ModuleDatabaseTestCase
