# This file is part of the CRM suite.
"A shop's days sent to the fake K3 Cloud: mapping, documents, refusals"
import datetime as dt
from decimal import Decimal

from trytond.modules.crm_cashier.tests.tools import new_sale, pay
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_staff)
from trytond.modules.crm_k3_bridge.exceptions import K3BridgeError
from trytond.modules.crm_k3_bridge.tests.tools import cash_sale, k3_shop
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

D = Decimal


def sale_on(date, point, card, *products):
    "An open sale dated date"
    Sale = Pool().get('sale.point.sale')
    sale = new_sale(point, card, *products)
    Sale.write([sale], {'date': date})
    return Sale(sale.id)


class ExportTestCase(ModuleDatabaseTestCase):
    "Test the export of a shop's days to K3 Cloud"
    module = 'crm_k3_bridge'

    @with_transaction()
    def test_day_exported_once(self):
        """A day's sales, refund, card payment and top-up become a 销售出库单
        and the 收款单 of its money and of the top-up, sent once however
        often the day is exported"""
        pool = Pool()
        Batch = pool.get('crm.k3.batch')
        Deposit = pool.get('sale.point.card.deposit')
        Sale = pool.get('sale.point.sale')
        Session = pool.get('sale.point.cash.session')
        Date = pool.get('ir.date')
        with k3_shop() as (k3cloud, company, shop):
            point, cash, card_method, card, shampoo, cigarettes = shop
            today = Date.today()
            walk_in = cash_sale(point, cash, shampoo, shampoo, cigarettes)
            member = pay(new_sale(point, card, shampoo), card_method, 88,
                '123456')
            self.assertEqual(member.state, 'done')
            Sale.refund_lines(walk_in, {walk_in.lines[0]: 1})
            shift, = Session.search([('point', '=', point.id)])
            Deposit.take(shift, card, 'top_up', cash, D(300))

            batch, = Batch.build(today)
            Batch.send([batch])

            batch = Batch(batch.id)
            self.assertEqual(batch.state, 'done', batch.message)
            self.assertEqual(
                (batch.sales_amount, batch.received_amount,
                    batch.advance_amount),
                (D(250) - D(100) + D(88), D(238), D(300)))
            outstock, = k3cloud.by_form('SAL_OUTSTOCK')
            entries = outstock['Model']['FEntity']
            # A day's material at one list price is one entry, the
            # member's discount and the refund included
            self.assertEqual(sorted(
                    (e['FMaterialID']['FNumber'], e['FRealQty'],
                        e['FTaxPrice'], e['FDiscount'], e['FAllAmount'])
                    for e in entries), [
                    ('WL0001', 2, 100, 12, 188), ('WL0002', 1, 50, 0, 50)])
            self.assertEqual(outstock['Model']['FCustomerID']['FNumber'],
                'CUST0001')
            receipts = k3cloud.by_form('AR_RECEIVEBILL')
            self.assertEqual(sorted(
                    (e['FSETTLETYPEID']['FNumber'], e['FPURPOSEID']['FNumber'],
                        e['FRECTOTALAMOUNTFOR'])
                    for r in receipts
                    for e in r['Model']['FRECEIVEBILLENTRY']), sorted([
                        ('JSFS01_SYS', 'SFKYT01_SYS', 150.0),
                        ('JSFS32_SYS', 'SFKYT01_SYS', 88.0),
                        ('JSFS01_SYS', 'SFKYT02_SYS', 300.0)]))
            self.assertTrue(all(d['FDocumentStatus'] == 'C'
                    for d in k3cloud.documents))
            self.assertEqual(sorted(d.number for d in batch.documents),
                sorted(d['Number'] for d in k3cloud.documents))
            self.assertTrue(all(d.state == 'done' and d.sent and d.answer
                    for d in batch.documents))

            # Again: nothing more is sent, nor built
            saves = k3cloud.calls['Save']
            self.assertEqual(Batch.build(today), [batch])
            Batch.send([batch])
            Batch.write([batch], {'state': 'draft'})
            Batch.send([batch])
            self.assertEqual(k3cloud.calls['Save'], saves)
            self.assertEqual(len(k3cloud.documents), 3)
            self.assertEqual(len(Batch(batch.id).lines), 3 + 1 + 4 + 1)

    @with_transaction()
    def test_unmapped_day_waits(self):
        """A product without a material keeps the whole day back, named in
        Chinese; once mapped, 重新导出 sends it"""
        pool = Pool()
        Batch = pool.get('crm.k3.batch')
        Mapping = pool.get('crm.k3.mapping')
        Date = pool.get('ir.date')
        with k3_shop() as (k3cloud, company, shop):
            point, cash, _, _, shampoo, cigarettes = shop
            mapping, = Mapping.search([('product', '=', cigarettes.id)])
            Mapping.delete([mapping])
            cash_sale(point, cash, shampoo, cigarettes)

            batch, = Batch.build(Date.today())
            self.assertEqual(batch.state, 'unmapped')
            self.assertIn("香烟", batch.message)
            self.assertEqual(batch.lines, ())
            Batch.send([batch])
            self.assertEqual(k3cloud.documents, [])

            Mapping.create([{'kind': 'product', 'product': cigarettes.id,
                        'number': 'WL0002', 'unit': 'Pcs'}])
            Batch.reexport([batch])
            batch = Batch(batch.id)
            self.assertEqual(batch.state, 'done', batch.message)
            self.assertEqual(len(k3cloud.by_form('SAL_OUTSTOCK')), 1)

    @with_transaction()
    def test_unmapped_day_holds_only_itself(self):
        """The days after one waiting for a mapping go with their own
        sales; the waiting day goes once mapped"""
        pool = Pool()
        Batch = pool.get('crm.k3.batch')
        Mapping = pool.get('crm.k3.mapping')
        Date = pool.get('ir.date')
        with k3_shop() as (k3cloud, company, shop):
            point, cash, _, _, shampoo, cigarettes = shop
            mapping, = Mapping.search([('product', '=', cigarettes.id)])
            Mapping.delete([mapping])
            today = Date.today()
            yesterday = today - dt.timedelta(days=1)
            for day, product in [(yesterday, cigarettes), (today, shampoo)]:
                sale = sale_on(day, point, None, product)
                pay(sale, cash, sale.total)

            batch, = Batch.build(today)
            Batch.send([batch])
            waiting, = Batch.search([('date', '=', yesterday)])
            self.assertEqual(
                (waiting.state, Batch(batch.id).state), ('unmapped', 'done'))
            self.assertEqual(Batch(batch.id).sales_amount, D(100))

            Mapping.create([{'kind': 'product', 'product': cigarettes.id,
                        'number': 'WL0002', 'unit': 'Pcs'}])
            Batch.reexport([waiting])
            waiting = Batch(waiting.id)
            self.assertEqual(
                (waiting.state, waiting.sales_amount), ('done', D(50)))

    @with_transaction()
    def test_refusal_is_failed_and_retriable(self):
        """K3 refusing the day (closed period, unknown material) fails the
        batch with K3's words and tells finance; once fixed, 重新导出"""
        pool = Pool()
        Batch = pool.get('crm.k3.batch')
        Notification = pool.get('res.notification')
        Date = pool.get('ir.date')
        with k3_shop() as (k3cloud, company, shop):
            point, cash, _, _, shampoo, _ = shop
            cash_sale(point, cash, shampoo)
            today = Date.today()
            k3cloud.closed_before = today + dt.timedelta(days=1)

            batch, = Batch.build(today)
            Batch.send([batch])
            batch = Batch(batch.id)
            self.assertEqual(batch.state, 'failed')
            self.assertIn("K3拒绝", batch.message)
            self.assertIn("已结账", batch.message)
            self.assertTrue(Notification.search([
                        ('user', '=', 1),
                        ('label', 'like', '%' + batch.rec_name + '%'),
                        ]))
            self.assertEqual(k3cloud.documents, [])

            k3cloud.closed_before = None
            k3cloud.materials.discard('WL0001')
            Batch.reexport([batch])
            batch = Batch(batch.id)
            self.assertEqual(batch.state, 'failed')
            self.assertIn('WL0001', batch.message)

            k3cloud.materials.add('WL0001')
            # Without K3's password nothing goes, and says what is missing
            config = Pool().get('crm.k3.configuration')(1)
            password, config.cloud_password = config.cloud_password, None
            config.save()
            with self.assertRaises(K3BridgeError) as error:
                Batch.reexport([batch])
            self.assertIn(config.fields_get(['cloud_password'])[
                    'cloud_password']['string'], str(error.exception))
            config.cloud_password = password
            config.save()
            Batch.reexport([batch])
            self.assertEqual(Batch(batch.id).state, 'done')
            self.assertEqual(len(k3cloud.by_form('SAL_OUTSTOCK')), 1)

    @with_transaction()
    def test_unreachable_retries_with_back_off(self):
        """A time-out or a server error puts the batch to retry later, each
        wait twice the one before; the last attempt fails it"""
        pool = Pool()
        Batch = pool.get('crm.k3.batch')
        Date = pool.get('ir.date')
        with k3_shop(max_attempts=3, retry_minutes=10) \
                as (k3cloud, company, shop):
            point, cash, _, _, shampoo, _ = shop
            cash_sale(point, cash, shampoo)

            batch, = Batch.build(Date.today())
            k3cloud.fail_next('error500')
            Batch.send([batch])
            batch = Batch(batch.id)
            self.assertEqual((batch.state, batch.attempts), ('retry', 1))
            first = batch.next_try - dt.datetime.now()
            self.assertTrue(dt.timedelta(minutes=9) < first
                <= dt.timedelta(minutes=10), first)
            k3cloud.fail_next('timeout')
            Batch.send([batch])
            batch = Batch(batch.id)
            self.assertEqual((batch.state, batch.attempts), ('retry', 2))
            self.assertGreater(batch.next_try - dt.datetime.now(),
                dt.timedelta(minutes=19))
            k3cloud.fail_next('error500')
            Batch.send([batch])
            self.assertEqual(Batch(batch.id).state, 'failed')
            self.assertEqual(k3cloud.documents, [])

    @with_transaction()
    def test_saved_without_answer_is_not_sent_twice(self):
        """K3 saves the bill but the answer never comes: the next attempt
        finds it by its external number and only audits it"""
        pool = Pool()
        Batch = pool.get('crm.k3.batch')
        Date = pool.get('ir.date')
        with k3_shop() as (k3cloud, company, shop):
            point, cash, _, _, shampoo, _ = shop
            cash_sale(point, cash, shampoo)
            batch, = Batch.build(Date.today())
            k3cloud.fail_next('die_after_save')
            Batch.send([batch])
            self.assertEqual(Batch(batch.id).state, 'retry')
            saved, = k3cloud.documents
            self.assertEqual(saved['FDocumentStatus'], 'A')

            Batch.send([batch])
            batch = Batch(batch.id)
            self.assertEqual(batch.state, 'done')
            self.assertEqual(len(k3cloud.documents), 2)
            self.assertEqual(saved['FDocumentStatus'], 'C')
            self.assertEqual(sorted(d['Number'] for d in k3cloud.documents),
                sorted(d.number for d in batch.documents))

    @with_transaction()
    def test_late_refund_goes_to_next_day(self):
        """A refund of an exported day goes into the day it is made; the
        exported batch is never rewritten"""
        pool = Pool()
        Batch = pool.get('crm.k3.batch')
        Sale = pool.get('sale.point.sale')
        Date = pool.get('ir.date')
        with k3_shop() as (k3cloud, company, shop):
            point, cash, _, _, shampoo, _ = shop
            today = Date.today()
            yesterday = today - dt.timedelta(days=1)
            sale = sale_on(yesterday, point, None, shampoo, shampoo)
            sale = pay(sale, cash, sale.total)
            first, = Batch.build(yesterday)
            Batch.send([first])
            lines = [l.id for l in Batch(first.id).lines]

            Sale.refund_lines(sale, {sale.lines[0]: 1})
            second, = Batch.build(today)
            Batch.send([second])

            self.assertEqual([l.id for l in Batch(first.id).lines], lines)
            second = Batch(second.id)
            self.assertEqual(second.state, 'done')
            self.assertEqual(second.sales_amount, D(-100))
            self.assertEqual(second.received_amount, D(-100))
            outstocks = k3cloud.by_form('SAL_OUTSTOCK')
            self.assertEqual(
                [e['FRealQty'] for d in outstocks
                    for e in d['Model']['FEntity']], [2.0, -1.0])

    @with_transaction()
    def test_days_missed_are_made_each(self):
        """The cron down for days: the next export makes a batch for each
        day since the last one, each with its own sales"""
        pool = Pool()
        Batch = pool.get('crm.k3.batch')
        Date = pool.get('ir.date')
        with k3_shop() as (k3cloud, company, shop):
            point, cash, _, _, shampoo, cigarettes = shop
            today = Date.today()
            days = [today - dt.timedelta(days=n) for n in [3, 2, 1]]
            for day, product in zip(days, [shampoo, cigarettes, shampoo]):
                sale = sale_on(day, point, None, product)
                pay(sale, cash, sale.total)

            Batch.build(days[0])
            yesterday, = Batch.build(days[2])
            batches = Batch.search([], order=[('date', 'ASC')])
            self.assertEqual([(b.date, b.sales_amount) for b in batches], [
                    (days[0], D(100)), (days[1], D(50)), (days[2], D(100))])
            Batch.send(batches)
            self.assertEqual(sorted(d['Model']['FDate'][:10]
                    for d in k3cloud.by_form('SAL_OUTSTOCK')),
                [d.isoformat() for d in days])

    @with_transaction()
    def test_one_document_per_sale(self):
        "Per sale: each sale its own 销售出库单 and 收款单, with its salesman"
        pool = Pool()
        Batch = pool.get('crm.k3.batch')
        Mapping = pool.get('crm.k3.mapping')
        Date = pool.get('ir.date')
        with k3_shop(grouping='sale') as (k3cloud, company, shop):
            point, cash, _, _, shampoo, cigarettes = shop
            seller = create_staff(company, 'seller', 'group_cashier')
            Mapping.create([{'kind': 'employee',
                        'employee': seller.employee.id,
                        'number': 'EMP001'}])
            sale = new_sale(point, None, shampoo, employee=seller.employee)
            pay(sale, cash, sale.total)
            cash_sale(point, cash, cigarettes)

            batch, = Batch.build(Date.today())
            Batch.send([batch])
            self.assertEqual(Batch(batch.id).state, 'done')
            outstocks = k3cloud.by_form('SAL_OUTSTOCK')
            self.assertEqual(len(outstocks), 2)
            self.assertEqual(len(k3cloud.by_form('AR_RECEIVEBILL')), 2)
            self.assertEqual(sorted(
                    (d['Model'].get('FSalesManID') or {}).get('FNumber', '')
                    for d in outstocks), ['', 'EMP001'])

    @with_transaction()
    def test_reconciliation_finds_difference(self):
        """The suite's day beside K3's: nothing differs after the export;
        a quantity changed in K3 is listed, and goes to Excel"""
        pool = Pool()
        Batch = pool.get('crm.k3.batch')
        Reconciliation = pool.get('crm.k3.reconciliation')
        Excel = pool.get('crm.k3.reconciliation.excel', type='report')
        Date = pool.get('ir.date')
        with k3_shop() as (k3cloud, company, shop):
            point, cash, card_method, card, shampoo, cigarettes = shop
            today = Date.today()
            cash_sale(point, cash, shampoo, cigarettes)
            pay(new_sale(point, card, shampoo), card_method, 88, '123456')
            batch, = Batch.build(today)
            Batch.send([batch])

            clean, = Reconciliation.create([{'point': point.id,
                        'from_date': today, 'to_date': today}])
            Reconciliation.reconcile([clean])
            clean = Reconciliation(clean.id)
            self.assertEqual(clean.state, 'done')
            self.assertEqual(clean.differences, 0)
            self.assertEqual(sorted((l.kind, l.number, l.suite_amount)
                    for l in clean.lines), [
                    ('material', 'WL0001', D(188)),
                    ('material', 'WL0002', D(50)),
                    ('settle', 'JSFS01_SYS', D(150)),
                    ('settle', 'JSFS32_SYS', D(88)),
                    ])

            # Someone changes the bill in K3
            outstock, = k3cloud.by_form('SAL_OUTSTOCK')
            entry = next(e for e in outstock['Model']['FEntity']
                if e['FMaterialID']['FNumber'] == 'WL0002')
            entry['FRealQty'] = 2
            entry['FAllAmount'] = 100
            planted, = Reconciliation.create([{'point': point.id,
                        'from_date': today, 'to_date': today}])
            Reconciliation.reconcile([planted])
            planted = Reconciliation(planted.id)
            self.assertEqual(planted.differences, 1)
            line, = [l for l in planted.lines if l.different]
            self.assertEqual(
                (line.number, line.quantity_difference,
                    line.amount_difference),
                ('WL0002', D(-1), D(-50)))

            extension, content, _, name = Excel.execute([planted.id], {})
            self.assertEqual(extension, 'xlsx')
            self.assertIn('WL0002', str(_rows(content)))

    @with_transaction()
    def test_cashier_cannot_export(self):
        "A cashier reads no batch, maps nothing and exports nothing"
        pool = Pool()
        Batch = pool.get('crm.k3.batch')
        Mapping = pool.get('crm.k3.mapping')
        Date = pool.get('ir.date')
        with k3_shop() as (k3cloud, company, shop):
            point, cash, _, _, shampoo, _ = shop
            cash_sale(point, cash, shampoo)
            batch, = Batch.build(Date.today())
            cashier = create_staff(company, 'cashier', 'group_cashier')
            from trytond.model.exceptions import AccessError
            with as_user(cashier):
                for call in [
                        lambda: Batch.read([batch.id], ['state']),
                        lambda: Batch.search([]),
                        lambda: Batch.reexport([batch]),
                        lambda: Mapping.create([{'kind': 'product',
                                    'product': shampoo.id,
                                    'number': 'X', 'unit': 'Pcs'}]),
                        ]:
                    with self.assertRaises(AccessError):
                        call()
            self.assertEqual(Batch(batch.id).state, 'draft')
            self.assertEqual(k3cloud.documents, [])


def _rows(content):
    import io

    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [[c.value for c in row] for row in book.active.iter_rows()]
