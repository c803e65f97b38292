# This file is part of the CRM suite.
"A shop's day sent to the K3 WISE stand-in through ODBC, and reconciled"
from decimal import Decimal

from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_customer.tests.tools import ModuleDatabaseTestCase
from trytond.modules.crm_k3_bridge.tests import test_wise
from trytond.modules.crm_k3_bridge.tests.tools import cash_sale, mapped_shop
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

D = Decimal


class ExportWiseTestCase(ModuleDatabaseTestCase):
    "Test the export of a shop's day to K3 WISE"
    module = 'crm_k3_bridge'

    def setUp(self):
        super().setUp()
        # The stand-in account set of the target's own tests
        stand_in = test_wise.WiseTestCase('test_send')
        stand_in.setUp()
        self.addCleanup(stand_in.doCleanups)
        self.wise = stand_in

    @with_transaction()
    def test_day_to_wise(self):
        """The day's sales, net of a refund, become a 销售出库单 in
        ICStockBill numbered by WISE; the reconciliation finds no
        difference; exporting again writes nothing more"""
        pool = Pool()
        Batch = pool.get('crm.k3.batch')
        Configuration = pool.get('crm.k3.configuration')
        Mapping = pool.get('crm.k3.mapping')
        Reconciliation = pool.get('crm.k3.reconciliation')
        Sale = pool.get('sale.point.sale')
        Date = pool.get('ir.date')
        today = Date.today()
        self.wise.db.execute("UPDATE t_SystemProfile SET FValue = ? "
            "WHERE FCategory = 'IC' AND FKey = 'CurrentYear'",
            str(today.year))
        self.wise.db.execute("UPDATE t_SystemProfile SET FValue = ? "
            "WHERE FCategory = 'IC' AND FKey = 'CurrentPeriod'",
            str(today.month))
        self.wise.db.execute("DELETE FROM t_PeriodDate "
            "WHERE FYear = ? AND FPeriod = ?", today.year, today.month)
        self.wise.db.execute("INSERT INTO t_PeriodDate (FYear, FPeriod, "
            "FStartDate, FEndDate) VALUES (?, ?, ?, ?)", today.year,
            today.month, today.replace(day=1), today)
        company = create_company()
        with set_company(company):
            config = Configuration(1)
            config.target = 'wise'
            config.wise_connection = test_wise.CONNECTION
            config.walk_in_customer = '01.001'
            config.timeout = 10
            config.save()
            point, cash, _, _, shampoo, cigarettes = mapped_shop(company)
            mappings = Mapping.search([])
            for mapping in mappings:
                mapping.number = {'100': '01', 'WL0001': '1.01.001',
                    'WL0002': '1.01.002'}.get(mapping.number, mapping.number)
                mapping.unit = 'PCS' if mapping.kind == 'product' else None
                mapping.warehouse = 'CK01' if mapping.kind == 'point' \
                    else None
            Mapping.save(mappings)
            sale = cash_sale(point, cash, shampoo, shampoo, cigarettes)
            Sale.refund_lines(sale, {sale.lines[2]: 1})

            batch, = Batch.build(today)
            Batch.send([batch])
            batch = Batch(batch.id)
            self.assertEqual(batch.state, 'done', batch.message)
            self.assertEqual([d.kind for d in batch.documents], ['outstock'])
            self.assertEqual(self.wise.rows(
                    "SELECT FBillNo, FROB, FTranType, FNote FROM ICStockBill "
                    "ORDER BY FInterID"), [
                    ('XOUT000042', 1, 21, batch.documents[0].external),
                    ])
            self.assertEqual(self.wise.rows(
                    "SELECT b.FROB, e.FItemID, e.FAuxQty, e.FConsignAmount "
                    "FROM ICStockBillEntry e JOIN ICStockBill b "
                    "ON b.FInterID = e.FInterID ORDER BY b.FInterID, "
                    "e.FEntryID"), [
                    (1, 1001, D(2), D(200))])

            reconciliation, = Reconciliation.create([{'point': point.id,
                        'from_date': today, 'to_date': today}])
            Reconciliation.reconcile([reconciliation])
            reconciliation = Reconciliation(reconciliation.id)
            self.assertEqual(reconciliation.differences, 0)
            self.assertEqual(sorted((l.number, l.k3_quantity, l.k3_amount)
                    for l in reconciliation.lines), [
                    ('1.01.001', D(2), D(200)), ('1.01.002', D(0), D(0))])

            Batch.write([batch], {'state': 'draft'})
            Batch.send([batch])
            self.assertEqual(
                self.wise.value("SELECT COUNT(*) FROM ICStockBill"), 1)
