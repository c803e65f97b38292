"""A shop's day of till lines exported to K3 Cloud and to K3 WISE by the
export batches, beside the same day exported by a hand-written loop over
the ORM.

    .venv/bin/python bench/k3_export.py [--sales 2500] [--lines 4]
        [--products 200] [--day YYYY-MM-DD]

PostgreSQL only. Creates a database with crm_k3_bridge, one till and its
products, all mapped, and generates with set-based inserts the day's done
sales (every fifth one 10 % off by the cashier), --lines lines each over
the products, paid in cash. K3 Cloud is the tests' fake WebAPI server, on
a free loopback port of this process; K3 WISE the tests' MariaDB stand-in,
in an account set database of its own (the tests' schema, the products'
materials, the day's month as 库存管理's current period). For each K3, in
one process: the baseline, the day's sale lines and payments read through
the ORM and summed into the same bills by hand, sent by the same target;
then the batches, `Batch.build(day)` and `Batch.send(batches)`, each in a
transaction of its own as the export commits the built day before it
sends it; both as user 0, for which Tryton checks no access. The batches
are deleted between the two K3s. Prints seconds and lines per second.
Goal: a day of 10,000 lines in less than 60 s to each.
"""
import argparse
import datetime as dt
import time
from collections import defaultdict
from decimal import Decimal

import common

WISE_DATABASE = 'k3wise_bench'
# One mapping for both K3s: the numbers of the WISE stand-in's base data,
# which the fake K3 Cloud is told to know too
SHOP, WAREHOUSE, CUSTOMER, UNIT = '01', 'CK01', '01.001', 'PCS'
SETTLE_CASH = 'JSFS01_SYS'


def material(index):
    return '1.90.%03d' % index


def setup(db, products):
    """A company, its till with its open shift and cash method, and the
    products, all mapped; return (point, shift, products' (id, price))"""

    def create(pool):
        # Imported once trytond is configured for db: importing it sets
        # its backend
        from trytond.modules.company.tests import create_company, set_company
        from trytond.modules.crm_cashier.tests.tools import (
            create_product, create_till)
        from trytond.pool import Pool
        # Importing Tryton's test tools sets the pool in test mode, which
        # also validates the Function fields of every record written: the
        # server does not
        Pool.test = False
        Mapping = pool.get('crm.k3.mapping')
        Session = pool.get('sale.point.cash.session')
        company = create_company()
        with set_company(company):
            point, cash, _ = create_till(company)
            shift, = Session.search([('point', '=', point.id)])
            prices = [Decimal(5 + (i * 37) % 96) for i in range(products)]
            made = [create_product("商品%03d" % i, price)
                for i, price in enumerate(prices)]
            Mapping.create([
                    {'kind': 'point', 'point': point.id, 'number': SHOP,
                        'warehouse': WAREHOUSE},
                    {'kind': 'method', 'method': cash.id,
                        'number': SETTLE_CASH},
                    ] + [{'kind': 'product', 'product': p.id,
                        'number': material(i), 'unit': UNIT,
                        'tax_rate': Decimal(13)}
                    for i, p in enumerate(made)])
            return point.id, shift.id, [
                (p.id, price) for p, price in zip(made, prices)]
    return common.run_in_transaction(db, create)


def generate(db, point, shift, products, day, sales, lines):
    """Insert the day's done sales with their lines and cash payments;
    return the number of sale lines"""
    started = time.perf_counter()
    with common.transaction(db) as (pool, transaction):
        cursor = transaction.connection.cursor()
        cursor.execute(
            "INSERT INTO sale_point_sale (company, point, shift, number, "
            "date, state, create_uid, create_date) "
            "SELECT p.company, p.id, %s, 'B' || lpad(g::text, 6, '0'), %s, "
            "'done', 0, now() FROM sale_point p, generate_series(1, %s) g "
            "WHERE p.id = %s", (shift, day, sales, point))
        # Sale r's line k sells product (r * lines + k) of the list, 1 to
        # 3 of it; every fifth sale with the cashier's 10 % off
        cursor.execute(
            "INSERT INTO sale_point_sale_line (sale, product, quantity, "
            "base_list_price, base_gross_price, unit_list_price, "
            "unit_gross_price, manual_discount, create_uid, create_date) "
            "SELECT s.id, pr.product, 1 + (s.r + k) %% 3, pr.price, "
            "pr.price, pr.price * s.rate, pr.price * s.rate, "
            "NULLIF(1 - s.rate, 0), 0, now() "
            "FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS r, "
            "CASE WHEN id %% 5 = 0 THEN 0.9 ELSE 1 END AS rate "
            "FROM sale_point_sale WHERE point = %s AND date = %s) s "
            "CROSS JOIN generate_series(0, %s - 1) k "
            "JOIN unnest(%s::int[], %s::numeric[]) WITH ORDINALITY "
            "AS pr(product, price, n) "
            "ON pr.n - 1 = (s.r * %s + k) %% %s",
            (point, day, lines, [p for p, _ in products],
                [price for _, price in products], lines, len(products)))
        count = cursor.rowcount
        cursor.execute(
            "INSERT INTO sale_point_payment (sale, method, session, amount, "
            "create_uid, create_date) "
            "SELECT s.id, m.id, %s, SUM(ROUND(CAST(l.quantity AS NUMERIC) "
            "* l.unit_gross_price, 2)), 0, now() "
            "FROM sale_point_sale s "
            "JOIN sale_point_sale_line l ON l.sale = s.id "
            "JOIN sale_point_payment_method m ON m.cash "
            "WHERE s.point = %s AND s.date = %s GROUP BY s.id, m.id",
            (shift, point, day))
    import psycopg
    with psycopg.connect(db.uri.rsplit('/', 1)[0] + '/' + db.name,
            autocommit=True) as conn:
        # As autovacuum does after a bulk load
        conn.execute('VACUUM ANALYZE')
    return count, time.perf_counter() - started


def wise_account_set(day, products):
    """The WISE stand-in's account set with the products' materials, the
    day's month current in 库存管理; return its ODBC connection string"""
    import pyodbc

    from trytond.modules.crm_k3_bridge.tests.test_wise import (
        SCHEMA, SERVER, statements)
    server = pyodbc.connect(SERVER % 3306, autocommit=True, timeout=10)
    server.execute('DROP DATABASE IF EXISTS %s' % WISE_DATABASE)
    server.execute(
        'CREATE DATABASE %s CHARACTER SET utf8mb4' % WISE_DATABASE)
    server.close()
    connection = SERVER % 3306 + 'DATABASE=%s;' % WISE_DATABASE
    with pyodbc.connect(connection, autocommit=True, timeout=10) as wise:
        for statement in statements(SCHEMA):
            wise.execute(statement)
        cursor = wise.cursor()
        cursor.executemany("INSERT INTO t_ICItem (FItemID, FNumber, FName, "
            "FUnitGroupID, FUnitID, FDeleted) VALUES (?, ?, ?, 100, 101, 0)",
            [(10001 + i, material(i), "商品%03d" % i)
                for i in range(products)])
        start = day.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1)
        cursor.execute("DELETE FROM t_PeriodDate")
        cursor.execute("INSERT INTO t_PeriodDate (FYear, FPeriod, "
            "FStartDate, FEndDate) VALUES (?, ?, ?, ?)", day.year, day.month,
            start, end - dt.timedelta(days=1))
        cursor.execute("UPDATE t_SystemProfile SET FValue = ? "
            "WHERE FCategory = 'IC' AND FKey = 'CurrentYear'", str(day.year))
        cursor.execute("UPDATE t_SystemProfile SET FValue = ? "
            "WHERE FCategory = 'IC' AND FKey = 'CurrentPeriod'",
            str(day.month))
    return connection


def drop_wise():
    import pyodbc

    from trytond.modules.crm_k3_bridge.tests.test_wise import SERVER
    with pyodbc.connect(SERVER % 3306, autocommit=True, timeout=10) as server:
        server.execute('DROP DATABASE IF EXISTS %s' % WISE_DATABASE)


def configure(db, k3cloud=None, wise=None):
    "Send to the fake K3 Cloud, or to the WISE account set"
    from trytond.modules.crm_k3_bridge.tests.tools import configure

    def set_target(pool):
        if k3cloud:
            configure(k3cloud, timeout=60, walk_in_customer=CUSTOMER)
        else:
            config = pool.get('crm.k3.configuration')(1)
            config.target = 'wise'
            config.wise_connection = wise
            config.save()
    common.run_in_transaction(db, set_target)


def by_hand(db, point, day):
    """The baseline: the day's sale lines and payments read through the
    ORM, summed into the bills as a hand-written export would, sent by the
    target; return (sale lines, seconds to read and build, to send,
    amount of the lines)"""
    from trytond.modules.crm_k3_bridge import k3
    times = {}

    def export(pool):
        Configuration = pool.get('crm.k3.configuration')
        Mapping = pool.get('crm.k3.mapping')
        Payment = pool.get('sale.point.payment')
        SaleLine = pool.get('sale.point.sale.line')
        started = time.perf_counter()
        config = Configuration(1)
        shop, = Mapping.search([('kind', '=', 'point')])
        materials = {m.product.id: m
            for m in Mapping.search([('kind', '=', 'product')])}
        methods = {m.method.id: m.number
            for m in Mapping.search([('kind', '=', 'method')])}
        day_domain = [
            ('sale.point', '=', point),
            ('sale.date', '=', day),
            ('sale.state', 'in', ['done', 'posted']),
            ]
        lines = SaleLine.search(day_domain)
        entries = defaultdict(lambda: [Decimal(0)] * 3)
        for line in lines:
            mapping = materials[line.product.id]
            entry = entries[(mapping.number, mapping.unit, mapping.tax_rate,
                    line.base_gross_price)]
            entry[0] += Decimal(str(line.quantity))
            entry[1] += line.discount_amount or 0
            entry[2] += line.amount
        external = 'HAND%s-%s' % (point, day.strftime('%Y%m%d'))
        header = dict(date=day, organisation=shop.number,
            customer=config.walk_in_customer, warehouse=shop.warehouse)
        bills = [k3.Bill(external=external + '-X', kind=k3.OUTSTOCK,
                lines=[k3.Line(material=number, quantity=quantity,
                        unit=unit, price=price, discount=discount,
                        amount=amount, tax_rate=tax_rate,
                        warehouse=shop.warehouse)
                    for (number, unit, tax_rate, price), (
                        quantity, discount, amount) in sorted(
                        entries.items())],
                **header)]
        # K3 WISE takes the outbound bills only
        if config.target == 'cloud':
            settlements = defaultdict(Decimal)
            for payment in Payment.search(day_domain):
                settlements[methods[payment.method.id]] += payment.amount
            bills.append(k3.Bill(external=external + '-S', kind=k3.RECEIPT,
                    settlements=[k3.Settlement(settle_type=t, amount=a)
                        for t, a in sorted(settlements.items())],
                    **header))
        built = time.perf_counter()
        target = config.get_target()
        for bill in bills:
            target.send(bill)
        times.update(lines=len(lines), build=built - started,
            send=time.perf_counter() - built, amount=bills[0].total)
    common.run_in_transaction(db, export)
    return times['lines'], times['build'], times['send'], times['amount']


def batches(db, day):
    """Batch.build(day) then Batch.send(batches), each in its own
    transaction; return (sale lines, seconds to build, to send, amount of
    the lines, states)"""
    from trytond.transaction import Transaction
    times = {}

    def build(pool):
        Batch = pool.get('crm.k3.batch')
        started = time.perf_counter()
        built = Batch.build(day)
        times['build'] = time.perf_counter() - started
        return [b.id for b in built]

    def send(pool):
        Batch = pool.get('crm.k3.batch')
        started = time.perf_counter()
        Batch.send(Batch.browse(ids))
        times['send'] = time.perf_counter() - started

    def result(pool):
        Batch = pool.get('crm.k3.batch')
        cursor = Transaction().connection.cursor()
        # Summed here: the batch's own sums read every line of it
        cursor.execute("SELECT COUNT(*), SUM(amount) FROM crm_k3_batch_line "
            "WHERE kind = 'sale' AND batch = ANY(%s)", (ids,))
        lines, amount = cursor.fetchone()
        return lines, amount, [
            (b.state, b.message) for b in Batch.browse(ids)]

    ids = common.run_in_transaction(db, build)
    common.run_in_transaction(db, send)
    lines, amount, states = common.run_in_transaction(db, result)
    return lines, times['build'], times['send'], amount, states


def forget_batches(db):
    "Delete the batches, which the model keeps once sent, to export again"
    with common.transaction(db) as (pool, transaction):
        transaction.connection.cursor().execute('DELETE FROM crm_k3_batch')


def compare(hand, batch):
    "Print both runs' figures and their ratio"
    for name, (lines, build, send, amount) in [
            ("baseline, by hand through the ORM: read", hand),
            ("batches: build", batch)]:
        print(f"  {name} {build:.1f} s + send {send:.1f} s "
            f"= {build + send:.1f} s, {lines / (build + send):,.0f} "
            f"lines/s, {lines} lines of ¥{amount:,}")
    print(f"  batches / baseline: "
        f"{sum(batch[1:3]) / sum(hand[1:3]):.1f}×", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sales', type=int, default=2500)
    parser.add_argument('--lines', type=int, default=4,
        help="lines per sale")
    parser.add_argument('--products', type=int, default=200)
    parser.add_argument('--day', type=dt.date.fromisoformat,
        default=dt.date.today() - dt.timedelta(days=1),
        help="the day exported (default yesterday, as the cron does)")
    args = parser.parse_args()
    db = common.database('postgresql', 'bench_k3', modules=['crm_k3_bridge'])
    try:
        point, shift, products = setup(db, args.products)
        count, seconds = generate(db, point, shift, products, args.day,
            args.sales, args.lines)
        print(f"\n{count} sale lines of {args.sales} sales on {args.day} "
            f"over {args.products} products generated in {seconds:.1f} s",
            flush=True)

        from trytond.modules.crm_k3_bridge.tests.fakes import FakeK3Cloud
        with FakeK3Cloud() as k3cloud:
            k3cloud.materials |= {material(i) for i in range(args.products)}
            k3cloud.organisations.add(SHOP)
            k3cloud.warehouses.add(WAREHOUSE)
            k3cloud.customers.add(CUSTOMER)
            k3cloud.units.add(UNIT)
            configure(db, k3cloud=k3cloud)
            print("K3 Cloud (the fake WebAPI server):", flush=True)
            hand = by_hand(db, point, args.day)
            *batch, states = batches(db, args.day)
            compare(hand, batch)
            print(f"  batches {states}, {len(k3cloud.documents)} documents "
                "in K3 of both")
        forget_batches(db)

        try:
            configure(db, wise=wise_account_set(args.day, args.products))
            print("K3 WISE (the MariaDB stand-in over ODBC):", flush=True)
            hand = by_hand(db, point, args.day)
            *batch, states = batches(db, args.day)
            compare(hand, batch)
            print(f"  batches {states}")
        finally:
            drop_wise()
    finally:
        db.drop()


if __name__ == '__main__':
    main()
