# This file is part of the CRM suite.
"""K3 WISE over ODBC: the day's 销售出库单 written straight into the account
set's database, as WISE's own procedures write them: ICStockBill and its
ICStockBillEntry rows, the internal id from ICMaxNum, the number from
ICBillNo. Production reaches SQL Server through unixODBC and FreeTDS, the
tests reach MariaDB with the same SQL text: ? parameters, no brackets, no
TOP or LIMIT, nothing but what both understand."""
import datetime as dt
import uuid
from contextlib import contextmanager
from decimal import Decimal

from . import k3

try:
    import pyodbc
except ImportError as error:
    # unixODBC missing: only a shop that sends to WISE needs it
    pyodbc = None
    _missing = str(error)
    DatabaseError = ()
else:
    DatabaseError = pyodbc.Error

# 销售出库 in ICTransactionType; ICBillNo numbers it under the same id
OUTSTOCK = 21
# Red (refund) and blue bills: WISE keeps a red bill's quantities and
# amounts negative
RED, BLUE = -1, 1


def _failure(error):
    """The k3 error of a database error, by its SQLSTATE: a refused login,
    a constraint, a value or a statement WISE does not accept fail again
    when sent again; anything else (connection, time-out, deadlock) leaves
    the outcome unknown"""
    state = str(error.args[0]) if error.args else ''
    message = str(error.args[-1]) if error.args else str(error)
    if state[:2] in {'22', '23', '28', '42'}:
        return k3.Refused("K3 WISE 拒绝了：%s" % message, answer=message)
    return k3.Unreachable("K3 WISE 没有回答：%s" % message)


def _close(db, rollback):
    "Close db, the transaction rolled back; a dead connection closes too"
    try:
        if rollback:
            db.rollback()
        db.close()
    except DatabaseError:
        pass


def _number(prefix, counter, format_, suffix):
    """The bill number as WISE formats it: the counter written over the end
    of the format (000000), between the prefix and the suffix"""
    counter = str(counter)
    format_ = format_ or ''
    return '%s%s%s%s' % (prefix or '',
        format_[:max(len(format_) - len(counter), 0)], counter, suffix or '')


class WiseTarget(k3.Target):
    """A K3 WISE account set, reached by an ODBC connection string; connect
    opens a DB-API connection from it (pyodbc's by default)"""
    # WISE's own 销售出库单 carries 赊销 and 普通销售: the money comes in by
    # the day's 收款单, kept in 应收款管理
    sale_style = 101
    marketing_style = 12530
    # The entries' 计划模式 (MTS) and 检验 (合格), as WISE fills them
    plan_mode = 14036
    pass_item = 1058
    # 制单人: the administrator, FUserID 16394 of every WISE account set
    biller = 16394

    def __init__(self, connection, connect=None, timeout=60):
        self.connection = connection
        self.connect = connect or self._connect
        self.timeout = timeout

    def _connect(self, connection):
        if pyodbc is None:
            raise k3.Refused("K3 WISE 需要 pyodbc 和 unixODBC：%s" % _missing)
        db = pyodbc.connect(connection, autocommit=False,
            timeout=self.timeout)
        db.timeout = self.timeout
        return db

    @contextmanager
    def _database(self):
        """A connection in a transaction, which the caller commits; rolled
        back on any error, a database error raised as Refused or
        Unreachable"""
        try:
            db = self.connect(self.connection)
        except DatabaseError as error:
            raise _failure(error) from error
        try:
            yield db
        except DatabaseError as error:
            _close(db, True)
            raise _failure(error) from error
        except BaseException:
            _close(db, True)
            raise
        _close(db, False)

    def find(self, bill):
        # WISE takes no 收款单 (see send): none was ever sent
        if bill.kind != k3.OUTSTOCK:
            return None
        with self._database() as db:
            cursor = db.cursor()
            cursor.execute("SELECT FInterID, FBillNo, FROB FROM ICStockBill "
                "WHERE FTranType = ? AND FNote = ? ORDER BY FInterID",
                OUTSTOCK, bill.external)
            rows = cursor.fetchall()
            db.rollback()
        if rows:
            return self._acknowledged(rows)

    def send(self, bill):
        if bill.kind != k3.OUTSTOCK:
            # 收款单 live in 应收款管理 (t_RP_NewReceiveBill, its entries,
            # the 往来 of t_RP_Contact and their own numbering), whose rows
            # are not known well enough here to write them safely
            raise k3.Refused("K3 WISE 不接收收款单：请在 K3 的应收款管理中"
                "录入 %s（%s 元）" % (bill.external, bill.total))
        if not bill.lines:
            raise k3.Refused("销售出库单 %s 没有分录" % bill.external)
        with self._database() as db:
            cursor = db.cursor()
            ids = _Ids(cursor)
            head = {
                'FDeptID': ids.department(bill.organisation),
                'FSupplyID': ids.customer(bill.customer),
                'FEmpID': ids.employee(bill.salesman),
                }
            entries = [self._entry(ids, bill, line) for line in bill.lines]
            self._check_period(cursor, bill.date)
            rows = []
            # A bill is red or blue in WISE: a day's refunds go in a red
            # bill of their own, sent with the blue one in one transaction
            for rob in (BLUE, RED):
                lines = [e for e in entries
                    if (e['FAuxQty'] < 0) == (rob == RED)]
                if lines:
                    rows.append(self._insert(cursor, bill, head, rob, lines))
            db.commit()
        return self._acknowledged(rows)

    def totals(self, organisation, date):
        query = ("SELECT i.FNumber, SUM(e.FAuxQty), SUM(e.FConsignAmount) "
            "FROM ICStockBill b "
            "JOIN ICStockBillEntry e ON e.FInterID = b.FInterID "
            "JOIN t_ICItem i ON i.FItemID = e.FItemID "
            "WHERE b.FTranType = ? AND b.FCancellation = 0 "
            "AND b.FNote <> '' AND b.FDate >= ? AND b.FDate < ?")
        start = dt.datetime.combine(date, dt.time())
        params = [OUTSTOCK, start, start + dt.timedelta(days=1)]
        with self._database() as db:
            cursor = db.cursor()
            if organisation:
                query += " AND b.FDeptID = ?"
                params.append(_Ids(cursor).department(organisation))
            cursor.execute(query + " GROUP BY i.FNumber", *params)
            rows = cursor.fetchall()
            db.rollback()
        return {('material', number): (Decimal(quantity), Decimal(amount))
            for number, quantity, amount in rows}

    @staticmethod
    def _acknowledged(rows):
        "Acknowledged of the (FInterID, FBillNo, FROB) of a bill"
        colour = {BLUE: "蓝字", RED: "红字"}
        return k3.Acknowledged(
            number=', '.join(number for _, number, _ in rows),
            answer='; '.join('ICStockBill %s %s（%s）' % (id_, number,
                    colour[rob]) for id_, number, rob in rows))

    def _entry(self, ids, bill, line):
        "The ICStockBillEntry columns of the line, but its ids"
        item, unit_group = ids.material(line.material)
        warehouse = line.warehouse or bill.warehouse
        if not warehouse:
            raise k3.Refused("物料 %s 的分录没有仓库" % line.material)
        unit, coefficient = ids.unit(line.unit, unit_group, line.material)
        gross = line.price * line.quantity
        return {
            'FItemID': item,
            'FUnitID': unit,
            # FQty in the base unit, FAuxQty in the line's
            'FQty': line.quantity * coefficient,
            'FAuxQty': line.quantity,
            # 销售单价 and 销售金额, tax included; FPrice and FAmount are
            # the cost, which WISE's 存货核算 works out
            'FConsignPrice': line.price,
            'FConsignAmount': line.amount,
            'FDiscountRate': (line.discount / gross * 100).quantize(
                Decimal('0.000001')) if gross else Decimal(0),
            'FDiscountAmount': line.discount,
            'FTaxRate': line.tax_rate,
            'FDCStockID': ids.warehouse(warehouse),
            }

    def _check_period(self, cursor, date):
        "Refuse a date before the current period of 库存管理 (IC)"
        cursor.execute("SELECT FKey, FValue FROM t_SystemProfile "
            "WHERE FCategory = 'IC' AND FKey IN ('CurrentYear', "
            "'CurrentPeriod')")
        profile = {key.lower(): value for key, value in cursor.fetchall()}
        try:
            year = int(profile['currentyear'])
            period = int(profile['currentperiod'])
        except (KeyError, ValueError):
            raise k3.Refused("K3中没有库存管理的当前期间")
        cursor.execute("SELECT FStartDate FROM t_PeriodDate "
            "WHERE FYear = ? AND FPeriod = ?", year, period)
        row = cursor.fetchone()
        if row is None:
            raise k3.Refused("K3中没有会计期间 %s年第%s期" % (year, period))
        start = row[0].date()
        if date < start:
            raise k3.Refused("K3的会计期间已结账：%s 在当前期间 %s年第%s期"
                "（%s 起）之前" % (date, year, period, start))

    def _insert(self, cursor, bill, head, rob, entries):
        "Write one bill of the colour; return its (FInterID, FBillNo, FROB)"
        # The counters are updated before they are read: the update locks
        # the row until the commit, so that two writers (WISE's client
        # among them) never get one number
        cursor.execute("UPDATE ICMaxNum SET FMaxNum = FMaxNum + 1 "
            "WHERE FTableName = 'ICStockBill'")
        cursor.execute("SELECT FMaxNum FROM ICMaxNum "
            "WHERE FTableName = 'ICStockBill'")
        row = cursor.fetchone()
        if row is None:
            raise k3.Refused("K3中没有 ICStockBill 的内码（ICMaxNum）")
        id_, = row
        cursor.execute("UPDATE ICBillNo SET FCurNo = FCurNo + 1 "
            "WHERE FBillID = ?", OUTSTOCK)
        cursor.execute("SELECT FPreLetter, FCurNo, FFormat, FSufLetter "
            "FROM ICBillNo WHERE FBillID = ?", OUTSTOCK)
        row = cursor.fetchone()
        if row is None:
            raise k3.Refused("K3中没有销售出库单的编码规则（ICBillNo）")
        number = _number(*row)
        # FNote holds the external number: the 销售出库单's form does not
        # show it, so no one overwrites it when editing the bill in K3;
        # FExplanation (摘要) shows it with the note
        explanation = ' '.join(filter(None, [bill.external, bill.note]))
        cursor.execute("INSERT INTO ICStockBill (FBrNo, FInterID, FTranType, "
            "FDate, FBillNo, FROB, FDeptID, FEmpID, FSupplyID, FFManagerID, "
            "FSManagerID, FBillerID, FStatus, FCancellation, "
            "FUpStockWhenSave, FSaleStyle, FMarketingStyle, FSelTranType, "
            "FExplanation, FNote, FUUID) "
            "VALUES ('0', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?, 0, "
            "?, ?, ?)",
            id_, OUTSTOCK, dt.datetime.combine(bill.date, dt.time()), number,
            rob, head['FDeptID'], head['FEmpID'], head['FSupplyID'],
            # 发货 and 保管: at a shop's counter the salesman hands out
            head['FEmpID'], head['FEmpID'], self.biller,
            self.sale_style, self.marketing_style, explanation[:255],
            bill.external, str(uuid.uuid4()).upper())
        for entry_id, entry in enumerate(entries, 1):
            cursor.execute("INSERT INTO ICStockBillEntry (FBrNo, FInterID, "
                "FEntryID, FItemID, FAuxPropID, FBatchNo, FUnitID, FQty, "
                "FAuxQty, FPrice, FAuxPrice, FAmount, FConsignPrice, "
                "FConsignAmount, FDiscountRate, FDiscountAmount, FTaxRate, "
                "FDCStockID, FDCSPID, FPlanMode, FChkPassItem) "
                "VALUES ('0', ?, ?, ?, 0, '', ?, ?, ?, 0, 0, 0, ?, ?, ?, ?, "
                "?, ?, 0, ?, ?)",
                id_, entry_id, entry['FItemID'], entry['FUnitID'],
                entry['FQty'], entry['FAuxQty'], entry['FConsignPrice'],
                entry['FConsignAmount'], entry['FDiscountRate'],
                entry['FDiscountAmount'], entry['FTaxRate'],
                entry['FDCStockID'], self.plan_mode, self.pass_item)
        return id_, number, rob


class _Ids:
    "The WISE ids of numbers, looked up once per transaction"

    def __init__(self, cursor):
        self.cursor = cursor
        self.cache = {}

    def _get(self, query, params, missing):
        key = (query,) + params
        if key not in self.cache:
            self.cursor.execute(query, *params)
            row = self.cursor.fetchone()
            if row is None:
                raise k3.Refused(missing)
            self.cache[key] = tuple(row)
        return self.cache[key]

    def material(self, number):
        "(FItemID, FUnitGroupID) of the material"
        return self._get("SELECT FItemID, FUnitGroupID FROM t_ICItem "
            "WHERE FNumber = ? AND FDeleted = 0", (number,),
            "K3中没有物料 %s" % number)

    def unit(self, number, unit_group, material):
        "(FMeasureUnitID, coefficient) of the unit in the material's group"
        unit, coefficient = self._get("SELECT FMeasureUnitID, FCoefficient "
            "FROM t_MeasureUnit WHERE FNumber = ? AND FUnitGroupID = ?",
            (number, unit_group),
            "K3中没有计量单位 %s（物料 %s 的单位组）" % (number, material))
        return unit, Decimal(str(coefficient))

    def warehouse(self, number):
        return self._get("SELECT FItemID FROM t_Stock WHERE FNumber = ?",
            (number,), "K3中没有仓库 %s" % number)[0]

    def customer(self, number):
        return self._get("SELECT FItemID FROM t_Organization "
            "WHERE FNumber = ?", (number,), "K3中没有客户 %s" % number)[0]

    def employee(self, number):
        if not number:
            return 0
        return self._get("SELECT FItemID FROM t_Emp WHERE FNumber = ?",
            (number,), "K3中没有职员 %s" % number)[0]

    def department(self, number):
        "WISE has one organisation per account set: a shop is a 部门"
        if not number:
            return 0
        return self._get("SELECT FItemID FROM t_Department "
            "WHERE FNumber = ?", (number,), "K3中没有部门 %s" % number)[0]
