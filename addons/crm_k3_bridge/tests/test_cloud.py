# This file is part of the CRM suite.
"The K3 Cloud WebAPI target against the fake K3 Cloud"
import datetime as dt
import unittest
from decimal import Decimal

from trytond.modules.crm_k3_bridge import k3
from trytond.modules.crm_k3_bridge.cloud import CloudTarget
from trytond.modules.crm_k3_bridge.tests.fakes import FakeK3Cloud

DAY = dt.date(2024, 5, 1)


def outstock(external='CRM1-20240501-O001', **values):
    bill = k3.Bill(external=external, kind=k3.OUTSTOCK, date=DAY,
        organisation='101', customer='RETAIL', salesman='EMP001',
        warehouse='CK001', note='门店一 2024-05-01', lines=[
            k3.Line(material='WL0001', quantity=Decimal(3), unit='Pcs',
                price=Decimal('11.30'), discount=Decimal('1.90'),
                amount=Decimal('32.00'), tax_rate=Decimal(13),
                warehouse='CK001'),
            k3.Line(material='WL0002', quantity=Decimal(-1), unit='Pcs',
                price=Decimal('5.00'), discount=Decimal(0),
                amount=Decimal('-5.00'), tax_rate=Decimal(13),
                warehouse=None),
            ])
    for name, value in values.items():
        setattr(bill, name, value)
    return bill


def receipt(external='CRM1-20240501-R001', kind=k3.RECEIPT, **values):
    bill = k3.Bill(external=external, kind=kind, date=DAY,
        organisation='101', customer='RETAIL', note='门店一 2024-05-01',
        settlements=[
            k3.Settlement(settle_type='JSFS01_SYS', amount=Decimal('20.00')),
            k3.Settlement(settle_type='JSFS32_SYS', amount=Decimal('7.00')),
            ])
    for name, value in values.items():
        setattr(bill, name, value)
    return bill


class CloudTestCase(unittest.TestCase):
    "K3 Cloud target"

    def setUp(self):
        self.fake = FakeK3Cloud()
        self.fake.__enter__()
        self.addCleanup(self.fake.__exit__, None, None, None)
        self.fake.slow_seconds = 1.5

    def target(self, **values):
        fake = self.fake
        arguments = dict(password=fake.password, timeout=1)
        arguments.update(values)
        return CloudTarget(fake.url, fake.acct_id, fake.username,
            **arguments)

    def test_login_password(self):
        "Log in with the password, once, when first needed"
        target = self.target()
        self.assertEqual(self.fake.calls['ValidateUser'], 0)

        target.send(outstock())
        target.send(receipt())

        self.assertEqual(self.fake.calls['ValidateUser'], 1)
        self.assertIn('kdservice-sessionid', target.cookies)
        self.assertIn('ASP.NET_SessionId', target.cookies)

    def test_login_app_secret(self):
        "Log in with the app's id and secret"
        target = self.target(password=None, app_id=self.fake.app_id,
            app_secret=self.fake.app_secret)

        acknowledged = target.send(outstock())

        self.assertEqual(self.fake.calls['LoginByAppSecret'], 1)
        self.assertEqual(self.fake.calls['ValidateUser'], 0)
        self.assertEqual(
            self.fake.document(acknowledged.number)['FDocumentStatus'], 'C')

    def test_login_refused(self):
        "A wrong password or secret is refused with K3's message"
        for target in [
                self.target(password='wrong'),
                self.target(password=None, app_id=self.fake.app_id,
                    app_secret='wrong'),
                ]:
            with self.assertRaises(k3.Refused) as context:
                target.send(outstock())
            self.assertTrue(str(context.exception).startswith('K3登录失败：'))
        self.assertEqual(self.fake.documents, [])

    def test_relogin(self):
        "A session K3 lost is opened again once and the call replayed"
        target = self.target()
        target.send(outstock())
        self.fake.drop_sessions()

        acknowledged = target.send(receipt())

        self.assertEqual(self.fake.calls['ValidateUser'], 2)
        # The Save refused for the lost session, then replayed
        self.assertEqual(self.fake.calls['Save'], 3)
        self.assertEqual(len(self.fake.documents), 2)
        self.assertEqual(
            self.fake.document(acknowledged.number)['FDocumentStatus'], 'C')

    def test_send_outstock(self):
        "A 销售出库单 is saved as sent, submitted and audited"
        bill = outstock()

        acknowledged = self.target().send(bill)

        self.assertRegex(acknowledged.number, r'^XSCKD\d{6}$')
        self.assertIn('"IsSuccess": true', acknowledged.answer)
        document = self.fake.document(acknowledged.number)
        self.assertEqual(document['FormId'], 'SAL_OUTSTOCK')
        self.assertEqual(document['FDocumentStatus'], 'C')
        model = document['Model']
        self.assertEqual(model['FBillTypeID'], {'FNUMBER': 'XSCKD01_SYS'})
        self.assertEqual(model['FDate'], '2024-05-01')
        self.assertEqual(model['FSaleOrgId'], {'FNumber': '101'})
        self.assertEqual(model['FStockOrgId'], {'FNumber': '101'})
        self.assertEqual(model['FCustomerID'], {'FNumber': 'RETAIL'})
        self.assertEqual(model['FSalesManID'], {'FNumber': 'EMP001'})
        self.assertEqual(model['FNote'],
            'CRM:CRM1-20240501-O001 门店一 2024-05-01')
        self.assertEqual(model['SubHeadEntity']['FSettleCurrID'],
            {'FNumber': 'PRE001'})
        first, second = model['FEntity']
        self.assertEqual(first['FMaterialID'], {'FNumber': 'WL0001'})
        self.assertEqual(first['FUnitID'], {'FNumber': 'Pcs'})
        self.assertEqual(first['FRealQty'], Decimal(3))
        self.assertEqual(first['FTaxPrice'], Decimal('11.3'))
        self.assertEqual(first['FEntryTaxRate'], Decimal(13))
        self.assertEqual(first['FDiscount'], Decimal('1.9'))
        self.assertEqual(first['FAllAmount'], Decimal(32))
        self.assertEqual(first['FStockID'], {'FNumber': 'CK001'})
        # A line without its warehouse takes the shop's
        self.assertEqual(second['FStockID'], {'FNumber': 'CK001'})
        self.assertEqual(second['FRealQty'], Decimal(-1))
        self.assertEqual(self.fake.calls['Submit'], 1)
        self.assertEqual(self.fake.calls['Audit'], 1)

    def test_send_receipt(self):
        "A 收款单 of sales and one of top-ups, with their purposes"
        target = self.target()

        sales = target.send(receipt())
        advance = target.send(receipt(external='CRM1-20240501-A001',
                kind=k3.ADVANCE, note=''))

        self.assertRegex(sales.number, r'^SKD\d{6}$')
        document = self.fake.document(sales.number)
        self.assertEqual(document['FormId'], 'AR_RECEIVEBILL')
        self.assertEqual(document['FDocumentStatus'], 'C')
        model = document['Model']
        self.assertEqual(model['FBillTypeID'], {'FNumber': 'SKDLX01_SYS'})
        self.assertEqual(model['FDATE'], '2024-05-01')
        self.assertEqual(model['FCONTACTUNITTYPE'], 'BD_Customer')
        self.assertEqual(model['FCONTACTUNIT'], {'FNumber': 'RETAIL'})
        self.assertEqual(model['FPAYUNIT'], {'FNumber': 'RETAIL'})
        self.assertEqual(model['FPAYORGID'], {'FNumber': '101'})
        self.assertEqual(model['FSETTLEORGID'], {'FNumber': '101'})
        self.assertEqual(model['FCURRENCYID'], {'FNumber': 'PRE001'})
        self.assertEqual(model['FREMARK'],
            'CRM:CRM1-20240501-R001 门店一 2024-05-01')
        self.assertEqual([(
                    e['FSETTLETYPEID']['FNumber'], e['FPURPOSEID']['FNumber'],
                    e['FRECTOTALAMOUNTFOR'])
                for e in model['FRECEIVEBILLENTRY']], [
                ('JSFS01_SYS', 'SFKYT01_SYS', Decimal(20)),
                ('JSFS32_SYS', 'SFKYT01_SYS', Decimal(7)),
                ])
        model = self.fake.document(advance.number)['Model']
        self.assertEqual(model['FREMARK'], 'CRM:CRM1-20240501-A001')
        self.assertEqual({e['FPURPOSEID']['FNumber']
                for e in model['FRECEIVEBILLENTRY']}, {'SFKYT02_SYS'})

    def test_find(self):
        "find() gives the document of the external number only"
        target = self.target()
        self.assertIsNone(target.find(outstock()))
        sent = target.send(outstock())
        # A longer number starting alike is another bill
        target.send(outstock(external='CRM1-20240501-O0010'))

        found = target.find(outstock())

        self.assertEqual(found.number, sent.number)
        self.assertIsNone(target.find(receipt()))
        self.assertIsNone(target.find(outstock(external='CRM1-20240501-O00')))
        self.assertIsNone(target.find(outstock(external='CRM1-20240501-O0_1')))
        self.assertEqual(len(self.fake.by_form('SAL_OUTSTOCK')), 2)

    def test_find_cancelled(self):
        "A document cancelled in K3 is not the bill's"
        target = self.target()
        sent = target.send(outstock())
        self.fake.document(sent.number)['FCancelStatus'] = 'B'

        self.assertIsNone(target.find(outstock()))

    def test_die_after_save(self):
        "Saved then no answer: find() finishes it, nothing is saved twice"
        target = self.target()
        bill = outstock()
        self.fake.fail_next('die_after_save')

        with self.assertRaises(k3.Unreachable):
            target.send(bill)
        document, = self.fake.by_form('SAL_OUTSTOCK')
        self.assertEqual(document['FDocumentStatus'], 'A')

        acknowledged = target.find(bill) or target.send(bill)

        self.assertEqual(acknowledged.number, document['Number'])
        self.assertEqual(document['FDocumentStatus'], 'C')
        self.assertEqual(self.fake.calls['Save'], 1)
        self.assertEqual(len(self.fake.by_form('SAL_OUTSTOCK')), 1)

    def test_submitted_not_audited(self):
        "A submitted document is only audited"
        target = self.target()
        bill = receipt()
        self.fake.fail_next('error500', 'Audit')
        with self.assertRaises(k3.Unreachable):
            target.send(bill)
        document, = self.fake.by_form('AR_RECEIVEBILL')
        self.assertEqual(document['FDocumentStatus'], 'B')

        acknowledged = target.find(bill)

        self.assertEqual(acknowledged.number, document['Number'])
        self.assertEqual(document['FDocumentStatus'], 'C')
        self.assertEqual(self.fake.calls['Submit'], 1)
        self.assertEqual(self.fake.calls['Audit'], 2)

    def test_refused_unknown_material(self):
        "An unknown material is refused with K3's message"
        self.fake.materials.discard('WL0002')

        with self.assertRaises(k3.Refused) as context:
            self.target().send(outstock())

        message = str(context.exception)
        self.assertTrue(message.startswith('K3拒绝：'))
        self.assertIn('WL0002', message)
        self.assertIn('FMaterialID', message)
        self.assertIn('"IsSuccess": false', context.exception.answer)
        self.assertEqual(self.fake.documents, [])

    def test_refused_settle_type(self):
        "An unknown settlement type is refused"
        self.fake.settle_types.discard('JSFS32_SYS')

        with self.assertRaises(k3.Refused) as context:
            self.target().send(receipt())

        self.assertIn('结算方式', str(context.exception))
        self.assertIn('JSFS32_SYS', str(context.exception))

    def test_refused_closed_period(self):
        "A day of a closed period is refused"
        self.fake.closed_before = DAY + dt.timedelta(days=1)
        target = self.target()

        for bill in [outstock(), receipt()]:
            with self.assertRaises(k3.Refused) as context:
                target.send(bill)
            self.assertTrue(str(context.exception).startswith('K3拒绝：'))
            self.assertIn('结账' if bill.kind == k3.RECEIPT else '关账',
                str(context.exception))
        self.assertEqual(self.fake.documents, [])

    def test_unreachable(self):
        "No answer, a late one or not one of K3's is Unreachable"
        target = self.target()
        target.login()
        for failure in ['timeout', 'error500', 'not_json']:
            self.fake.fail_next(failure)
            with self.assertRaises(k3.Unreachable) as context:
                target.find(outstock())
            self.assertRegex(str(context.exception), '[\u4e00-\u9fff]')

    def test_unreachable_server(self):
        "A K3 that does not listen is Unreachable"
        url = self.fake.url
        self.fake.__exit__(None, None, None)
        target = CloudTarget(url, 'acct', 'crm', password='x', timeout=1)

        with self.assertRaises(k3.Unreachable) as context:
            target.find(outstock())
        self.assertIn('无法连接K3', str(context.exception))

    def test_totals(self):
        "The audited documents of the suite, summed"
        target = self.target()
        target.send(outstock())
        target.send(outstock(external='CRM1-20240501-O002', lines=[
                    k3.Line(material='WL0001', quantity=Decimal(2),
                        unit='Pcs', price=Decimal('11.30'),
                        discount=Decimal(0), amount=Decimal('22.60'),
                        tax_rate=Decimal(13), warehouse='CK001')]))
        target.send(receipt())
        target.send(receipt(external='CRM1-20240501-A001', kind=k3.ADVANCE,
                settlements=[k3.Settlement(settle_type='JSFS32_SYS',
                        amount=Decimal('100.00'))]))
        # Another day, another organisation, only saved: not counted
        target.send(outstock(external='CRM1-20240502-O001',
                date=DAY + dt.timedelta(days=1)))
        target.send(outstock(external='CRM2-20240501-O001',
                organisation='100'))
        self.fake.fail_next('error500', 'Submit')
        with self.assertRaises(k3.Unreachable):
            target.send(outstock(external='CRM1-20240501-O003'))

        totals = target.totals('101', DAY)

        self.assertEqual(totals, {
                ('material', 'WL0001'): (Decimal(5), Decimal('54.6')),
                ('material', 'WL0002'): (Decimal(-1), Decimal(-5)),
                ('settle', 'JSFS01_SYS'): Decimal(20),
                ('settle', 'JSFS32_SYS'): Decimal(7),
                ('advance', 'JSFS32_SYS'): Decimal(100),
                })

    def test_totals_suite_only(self):
        "Documents keyed in K3 without the suite's mark are left out"
        target = self.target()
        target.send(outstock(note=''))
        document, = self.fake.documents
        document['Model']['FNote'] = '手工录入'

        self.assertEqual(target.totals('101', DAY), {})


if __name__ == '__main__':
    unittest.main()
