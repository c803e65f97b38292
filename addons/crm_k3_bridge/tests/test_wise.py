# This file is part of the CRM suite.
"""The K3 WISE target against a stand-in account set: the local MariaDB,
reached by a real ODBC connection (unixODBC and MariaDB's driver) with the
same SQL text that SQL Server gets through FreeTDS in production"""
import datetime as dt
import os
import threading
import time
import unittest
from decimal import Decimal

from trytond.modules.crm_k3_bridge import k3
from trytond.modules.crm_k3_bridge.wise import WiseTarget

try:
    import pyodbc
except ImportError as error:
    pyodbc = None
    MISSING = str(error)

# The name Debian's odbc-mariadb registers in /etc/odbcinst.ini
DRIVER = 'MariaDB Unicode'
SERVER = 'DRIVER={%s};SERVER=127.0.0.1;PORT=%%s;USER=root;PASSWORD=;' % DRIVER
DATABASE = 'k3wise_test'
CONNECTION = SERVER % 3306 + 'DATABASE=%s;' % DATABASE
SCHEMA = os.path.join(os.path.dirname(__file__), 'wise_schema.sql')
DAY = dt.date(2026, 3, 15)


def statements(path):
    "The statements of the SQL file, comments left out"
    with open(path, encoding='utf-8') as file:
        text = ''.join(line for line in file
            if not line.lstrip().startswith('--'))
    return [s.strip() for s in text.split(';\n') if s.strip()]


def line(material='1.01.001', quantity='3', unit='PCS', price='3.50',
        discount='0.50', amount='10.00', warehouse=None):
    return k3.Line(material=material, quantity=Decimal(quantity), unit=unit,
        price=Decimal(price), discount=Decimal(discount),
        amount=Decimal(amount), tax_rate=Decimal(13), warehouse=warehouse)


def bill(external='CRM-OUT-1', lines=None, date=DAY, **values):
    values.setdefault('organisation', '01')
    values.setdefault('customer', '01.001')
    values.setdefault('salesman', '001')
    values.setdefault('warehouse', 'CK01')
    return k3.Bill(external=external, kind=k3.OUTSTOCK, date=date,
        lines=lines if lines is not None else [line()], **values)


class SlowConnection:
    """A pyodbc connection that waits after taking a bill number, with the
    row still locked: a second writer has to wait for the commit"""

    def __init__(self, db, pause):
        self.db = db
        self.pause = pause

    def cursor(self):
        return SlowCursor(self.db.cursor(), self.pause)

    def __getattr__(self, name):
        return getattr(self.db, name)


class SlowCursor:

    def __init__(self, cursor, pause):
        self.cursor = cursor
        self.pause = pause

    def execute(self, query, *params):
        result = self.cursor.execute(query, *params)
        if query.startswith('UPDATE ICBillNo'):
            time.sleep(self.pause)
        return result

    def __getattr__(self, name):
        return getattr(self.cursor, name)


class WiseTestCase(unittest.TestCase):
    "K3 WISE target"

    def setUp(self):
        if pyodbc is None:
            self.fail("pyodbc is not installed (pip install pyodbc; it "
                "needs Debian's unixodbc): %s" % MISSING)
        if DRIVER not in pyodbc.drivers():
            self.fail("The ODBC driver %r is not registered in "
                "/etc/odbcinst.ini: apt-get install unixodbc odbc-mariadb"
                % DRIVER)
        server = pyodbc.connect(SERVER % 3306, autocommit=True, timeout=10)
        server.execute('DROP DATABASE IF EXISTS %s' % DATABASE)
        server.execute('CREATE DATABASE %s CHARACTER SET utf8mb4' % DATABASE)
        server.close()
        self.db = pyodbc.connect(CONNECTION, autocommit=True, timeout=10)
        self.addCleanup(self.db.close)
        for statement in statements(SCHEMA):
            self.db.execute(statement)
        self.target = WiseTarget(CONNECTION, timeout=10)

    def rows(self, query, *params):
        return [tuple(r) for r in self.db.execute(query, *params).fetchall()]

    def value(self, query, *params):
        return self.db.execute(query, *params).fetchone()[0]

    def assertNothingWritten(self):
        self.assertEqual(self.value("SELECT COUNT(*) FROM ICStockBill"), 0)
        self.assertEqual(
            self.value("SELECT COUNT(*) FROM ICStockBillEntry"), 0)
        self.assertEqual(self.value("SELECT FMaxNum FROM ICMaxNum "
                "WHERE FTableName = 'ICStockBill'"), 1000)
        self.assertEqual(self.value(
                "SELECT FCurNo FROM ICBillNo WHERE FBillID = 21"), 41)

    def test_send(self):
        "A 销售出库单 is written as WISE keeps it"
        acknowledged = self.target.send(bill(note='一号店日结', lines=[
                    line(),
                    line('1.01.002', '1', 'XIANG', '48', '0', '48',
                        warehouse='CK02'),
                    ]))

        self.assertEqual(acknowledged.number, 'XOUT000042')
        self.assertIn('1001', acknowledged.answer)
        self.assertEqual(self.rows("SELECT FBrNo, FInterID, FTranType, FDate, "
                "FBillNo, FROB, FDeptID, FEmpID, FSupplyID, FFManagerID, "
                "FSManagerID, FBillerID, FCheckerID, FStatus, FCancellation, "
                "FSaleStyle, FMarketingStyle, FSelTranType, FExplanation, "
                "FNote FROM ICStockBill"), [(
                    '0', 1001, 21, dt.datetime(2026, 3, 15), 'XOUT000042', 1,
                    5001, 4001, 3001, 4001, 4001, 16394, None, 0, False,
                    101, 12530, 0, 'CRM-OUT-1 一号店日结', 'CRM-OUT-1')])
        self.assertEqual(len(self.value("SELECT FUUID FROM ICStockBill")), 36)
        self.assertEqual(self.rows("SELECT FInterID, FEntryID, FItemID, "
                "FUnitID, FQty, FAuxQty, FPrice, FAmount, FConsignPrice, "
                "FConsignAmount, FDiscountRate, FDiscountAmount, FTaxRate, "
                "FDCStockID, FDCSPID, FBatchNo, FPlanMode, FChkPassItem "
                "FROM ICStockBillEntry ORDER BY FEntryID"), [
                (1001, 1, 1001, 101, Decimal(3), Decimal(3), Decimal(0),
                    Decimal(0), Decimal('3.5'), Decimal('10'),
                    Decimal('4.761905'), Decimal('0.5'), Decimal(13),
                    2001, 0, '', 14036, 1058),
                # A box is 24 bottles: FQty is in the base unit
                (1001, 2, 1002, 102, Decimal(24), Decimal(1), Decimal(0),
                    Decimal(0), Decimal(48), Decimal(48), Decimal(0),
                    Decimal(0), Decimal(13), 2002, 0, '', 14036, 1058),
                ])
        self.assertEqual(self.value("SELECT FMaxNum FROM ICMaxNum "
                "WHERE FTableName = 'ICStockBill'"), 1001)
        self.assertEqual(self.value(
                "SELECT FCurNo FROM ICBillNo WHERE FBillID = 21"), 42)

    def test_numbering(self):
        "Numbers follow each other, written over ICBillNo's format"
        numbers = [self.target.send(bill('CRM-OUT-%s' % i)).number
            for i in range(3)]
        self.assertEqual(numbers, ['XOUT000042', 'XOUT000043', 'XOUT000044'])
        self.assertEqual(self.rows("SELECT FInterID, FBillNo "
                "FROM ICStockBill ORDER BY FInterID"), [
                (1001, 'XOUT000042'), (1002, 'XOUT000043'),
                (1003, 'XOUT000044')])

        # Past the format, the counter goes on; the suffix follows it
        self.db.execute("UPDATE ICBillNo SET FCurNo = 999999, "
            "FSufLetter = '-A' WHERE FBillID = 21")
        self.assertEqual(self.target.send(bill('CRM-OUT-9')).number,
            'XOUT1000000-A')

    def test_refund(self):
        "Refunds go in a red bill with negative quantities"
        acknowledged = self.target.send(bill(lines=[
                    line(),
                    line('1.01.002', '-2', 'PCS', '2.50', '0', '-5.00'),
                    ]))

        self.assertEqual(acknowledged.number, 'XOUT000042, XOUT000043')
        self.assertIn('红字', acknowledged.answer)
        self.assertEqual(self.rows("SELECT FInterID, FBillNo, FROB, FNote "
                "FROM ICStockBill ORDER BY FInterID"), [
                (1001, 'XOUT000042', 1, 'CRM-OUT-1'),
                (1002, 'XOUT000043', -1, 'CRM-OUT-1')])
        self.assertEqual(self.rows("SELECT FInterID, FEntryID, FItemID, "
                "FQty, FAuxQty, FConsignPrice, FConsignAmount "
                "FROM ICStockBillEntry ORDER BY FInterID"), [
                (1001, 1, 1001, Decimal(3), Decimal(3), Decimal('3.5'),
                    Decimal(10)),
                (1002, 1, 1002, Decimal(-2), Decimal(-2), Decimal('2.5'),
                    Decimal(-5))])
        self.assertEqual(self.target.find(bill()), acknowledged)

        # A day of refunds only is a red bill only
        self.assertEqual(self.target.send(bill('CRM-OUT-2', lines=[
                        line(quantity='-1', amount='-3.50')])).number,
            'XOUT000044')

    def test_concurrent(self):
        "Two writers at once get distinct numbers, and both bills complete"
        target = WiseTarget(CONNECTION, timeout=30,
            connect=lambda connection: SlowConnection(
                pyodbc.connect(connection, autocommit=False, timeout=30),
                0.5))
        start = threading.Barrier(2)
        results, errors = {}, []

        def send(external):
            start.wait()
            try:
                results[external] = target.send(bill(external, lines=[
                            line(), line('1.02.001', '1', 'PCS', '1', '0',
                                '1')]))
            except Exception as error:
                errors.append(error)

        threads = [threading.Thread(target=send, args=('CRM-OUT-%s' % i,))
            for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

        self.assertEqual(errors, [])
        self.assertEqual(sorted(a.number for a in results.values()),
            ['XOUT000042', 'XOUT000043'])
        self.assertEqual(self.rows("SELECT b.FNote, b.FBillNo, "
                "COUNT(e.FEntryID) FROM ICStockBill b "
                "JOIN ICStockBillEntry e ON e.FInterID = b.FInterID "
                "GROUP BY b.FNote, b.FBillNo ORDER BY b.FNote"), [
                ('CRM-OUT-0', results['CRM-OUT-0'].number, 2),
                ('CRM-OUT-1', results['CRM-OUT-1'].number, 2)])
        self.assertEqual(sorted(self.rows("SELECT FInterID FROM ICStockBill")),
            [(1001,), (1002,)])

    def test_unknown(self):
        "A number K3 does not know is refused, and nothing is written"
        for values, message in [
                ({'lines': [line(), line('9.99.999')]}, "K3中没有物料 9.99.999"),
                ({'lines': [line('1.09.001')]}, "K3中没有物料 1.09.001"),
                ({'lines': [line(unit='XIANG'),
                            line('1.02.001', unit='XIANG')]},
                    "K3中没有计量单位 XIANG（物料 1.02.001 的单位组）"),
                ({'warehouse': 'CK99'}, "K3中没有仓库 CK99"),
                ({'warehouse': None}, "物料 1.01.001 的分录没有仓库"),
                ({'customer': '09.999'}, "K3中没有客户 09.999"),
                ({'salesman': '999'}, "K3中没有职员 999"),
                ({'organisation': '99'}, "K3中没有部门 99"),
                ({'lines': []}, "销售出库单 CRM-OUT-1 没有分录"),
                ]:
            with self.subTest(message=message):
                with self.assertRaises(k3.Refused) as context:
                    self.target.send(bill(**values))
                self.assertEqual(str(context.exception), message)
                self.assertNothingWritten()

    def test_rolled_back(self):
        "A bill K3 refuses half-way leaves nothing behind, numbers included"
        # A row of WISE's own where the next FInterID would go
        self.db.execute("INSERT INTO ICStockBillEntry (FInterID, FEntryID, "
            "FItemID, FUnitID) VALUES (1001, 2, 1001, 101)")

        with self.assertRaises(k3.Refused) as context:
            self.target.send(bill(lines=[line(), line()]))

        self.assertIn('K3 WISE 拒绝了', str(context.exception))
        self.assertEqual(self.value("SELECT COUNT(*) FROM ICStockBill"), 0)
        self.assertEqual(
            self.value("SELECT COUNT(*) FROM ICStockBillEntry"), 1)
        self.assertEqual(self.value("SELECT FMaxNum FROM ICMaxNum "
                "WHERE FTableName = 'ICStockBill'"), 1000)
        self.assertEqual(self.value(
                "SELECT FCurNo FROM ICBillNo WHERE FBillID = 21"), 41)

    def test_closed_period(self):
        "A day before the current period of 库存管理 is refused"
        with self.assertRaises(k3.Refused) as context:
            self.target.send(bill(date=dt.date(2026, 2, 27)))
        self.assertEqual(str(context.exception), "K3的会计期间已结账："
            "2026-02-27 在当前期间 2026年第3期（2026-03-01 起）之前")
        self.assertNothingWritten()

        # The first day of the current period and later ones are open
        self.target.send(bill(date=dt.date(2026, 3, 1)))
        self.target.send(bill('CRM-OUT-2', date=dt.date(2026, 4, 2)))

    def test_find(self):
        "A bill is found by its external number"
        self.assertIsNone(self.target.find(bill()))
        sent = self.target.send(bill())
        self.target.send(bill('CRM-OUT-2'))

        self.assertEqual(self.target.find(bill()), sent)
        self.assertIsNone(self.target.find(bill('CRM-OUT-3')))

    def test_receipt(self):
        "WISE takes no 收款单"
        receipt = k3.Bill(external='CRM-RCV-1', kind=k3.RECEIPT, date=DAY,
            organisation='01', customer='01.001',
            settlements=[k3.Settlement('JSFS01', Decimal('58.00'))])

        with self.assertRaises(k3.Refused) as context:
            self.target.send(receipt)
        self.assertTrue(str(context.exception).startswith(
                "K3 WISE 不接收收款单："))
        self.assertIsNone(self.target.find(receipt))

    def test_totals(self):
        "The sums of a shop's day over the bills the suite sent"
        self.target.send(bill(lines=[
                    line(),
                    line('1.01.002', '1', 'XIANG', '48', '0', '48'),
                    line(quantity='-1', amount='-3.50'),
                    ]))
        self.target.send(bill('CRM-OUT-2', lines=[line('1.01.002')]))
        self.target.send(bill('CRM-OUT-3', organisation='02'))
        self.target.send(bill('CRM-OUT-4', date=dt.date(2026, 3, 16)))
        # WISE's own bills and cancelled ones do not count
        self.db.execute("INSERT INTO ICStockBill (FInterID, FTranType, FDate, "
            "FBillNo, FDeptID, FNote) VALUES "
            "(2001, 21, '2026-03-15', 'XOUT000900', 5001, NULL), "
            "(2002, 21, '2026-03-15', 'XOUT000901', 5001, '')")
        self.db.execute("INSERT INTO ICStockBillEntry (FInterID, FEntryID, "
            "FItemID, FUnitID, FQty, FAuxQty, FConsignAmount) VALUES "
            "(2001, 1, 1001, 101, 5, 5, 17.5), "
            "(2002, 1, 1001, 101, 5, 5, 17.5)")
        self.db.execute("UPDATE ICStockBill SET FCancellation = 1 "
            "WHERE FNote = 'CRM-OUT-2'")

        self.assertEqual(self.target.totals('01', DAY), {
                ('material', '1.01.001'): (Decimal(2), Decimal('6.50')),
                ('material', '1.01.002'): (Decimal(1), Decimal(48)),
                })
        self.assertEqual(self.target.totals(None, DAY), {
                ('material', '1.01.001'): (Decimal(5), Decimal('16.50')),
                ('material', '1.01.002'): (Decimal(1), Decimal(48)),
                })
        self.assertEqual(self.target.totals('01', dt.date(2026, 3, 14)), {})
        with self.assertRaises(k3.Refused):
            self.target.totals('99', DAY)

    def test_unreachable(self):
        "No server at the address: the outcome is unknown"
        target = WiseTarget(SERVER % 1 + 'DATABASE=%s;' % DATABASE,
            timeout=5)
        for call in [
                lambda: target.send(bill()),
                lambda: target.find(bill()),
                lambda: target.totals('01', DAY),
                ]:
            with self.assertRaises(k3.Unreachable):
                call()

    def test_bad_login(self):
        "A login K3 refuses fails again when sent again"
        target = WiseTarget(CONNECTION.replace('USER=root', 'USER=nobody'),
            timeout=5)
        with self.assertRaises(k3.Refused):
            target.send(bill())
