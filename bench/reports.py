"""Every workbench tile and analysis opened as its role opens it, at a
million members.

    .venv/bin/python bench/reports.py [--members 1000000] [--lines 5000000]
        [--runs 7] [--sample 5000] [--keep]

PostgreSQL only. The shop of bench/checkout.py (a company with its chart,
two tills and their cashiers' open shifts, products, the cash and
member-card methods), a manager, five salespeople, three levels and two
provinces; then, set-based: the members (each owned by a salesperson, in a
province, with an active card of a level), four months of spend in twelve
for each, the tills' done sales of the last 365 days (three lines each,
three in four by a member, paid in cash), each card's top-up and a payment
from it, and points; the tills' takings and the members' years counted
from them, each member's month set against the month before. The nightly jobs the analyses read are run and timed.

Each tile and each analysis is opened `--runs` times as the web client
opens it, as its role with its access rules: its first view's records
searched (the first of the action's limit, or the client's 1,000, in its
order, for a graph as for a list) and read with that view's fields, the
filters at their defaults. Prints p50 and p95
of each.

The baseline is the plain ORM loop, in the same process: the records the
figure is made of (member months, sales and their payments, sale lines,
parties, ledger lines…) searched, browsed and added up in Python, over a
sample of `--sample` records, its time extrapolated to all of them.
"""
import argparse
import statistics
import time
from decimal import Decimal

import checkout
import common

SALESPEOPLE = 5
# (label, model the figure is made of, its domain as a function of the
# date of today, the fields a loop reads) for the baselines
BASELINES = {
    'crm_analysis.act_tile_sales_comparison': (
        'sale.point.sale',
        lambda today: [('date', '>=', today.replace(day=1)),
            ('state', 'in', ['done', 'posted'])],
        ['date', 'payments']),
    'crm_analysis.act_tile_value_flow': (
        'crm.membership.value.line',
        lambda today: [('date', '>=', today.replace(day=1))],
        ['kind', 'principal', 'bonus']),
    'crm_analysis.act_rfm_segment': (
        'crm.membership.member.month', lambda today: [],
        ['party', 'amount', 'visits', 'last_visit']),
    'crm_analysis.act_loyalty': (
        'crm.membership.member.month', lambda today: [],
        ['party', 'period', 'amount', 'visits']),
    'crm_analysis.act_customer_distribution': (
        'party.party', lambda today: [],
        ['province', 'city', 'source', 'customer_type', 'industry',
            'owner']),
    'crm_analysis.act_habit': (
        'sale.point.sale.line',
        lambda today: [('sale.date', '>=', today.replace(month=1, day=1)),
            ('sale.member', '!=', None)],
        ['sale', 'product', 'quantity', 'unit_gross_price']),
    'crm_analysis.act_liability_month': (
        'crm.membership.value.line', lambda today: [],
        ['date', 'principal', 'bonus']),
    'crm_analysis.act_spend_alert': (
        'crm.membership.member.month', lambda today: [],
        ['party', 'period', 'amount']),
    }
# (role, the act_window of the tile or analysis)
OPENED = [
    ('cashier', 'crm_analysis.act_tile_shift'),
    ('cashier', 'crm_analysis.act_tile_members_today'),
    ('cashier', 'crm_analysis.act_tile_birthdays'),
    ('cashier', 'crm_analysis.act_tile_pin_locked'),
    ('sales', 'crm_analysis.act_tile_contacts_due'),
    ('sales', 'crm_analysis.act_tile_tasks_due'),
    ('sales', 'crm_analysis.act_tile_plan_tasks_due'),
    ('sales', 'crm_analysis.act_tile_deals_month'),
    ('sales', 'crm_analysis.act_tile_target_mine'),
    ('manager', 'crm_analysis.act_tile_sales_comparison'),
    ('manager', 'crm_analysis.act_tile_new_members'),
    ('manager', 'crm_analysis.act_tile_value_flow'),
    ('manager', 'crm_analysis.act_tile_approvals'),
    ('manager', 'crm_analysis.act_tile_churn_candidates'),
    ('manager', 'crm_analysis.act_tile_team_ranking'),
    ('manager', 'crm_membership.act_report_spend_change'),
    ('manager', 'crm_membership.act_report_spend_change_summary'),
    ('manager', 'crm_membership.act_report_spend_ranking'),
    ('manager', 'crm_analysis.act_rfm_segment'),
    ('manager', 'crm_analysis.act_rfm'),
    ('manager', 'crm_analysis.act_rfm_movement'),
    ('manager', 'crm_analysis.act_loyalty'),
    ('manager', 'crm_analysis.act_customer_distribution'),
    ('manager', 'crm_analysis.act_salesperson'),
    ('manager', 'crm_analysis.act_habit'),
    ('manager', 'crm_analysis.act_spend_alert'),
    ('manager', 'crm_analysis.act_liability_month'),
    ('manager', 'crm_service.act_churn_analysis_month'),
    ('manager', 'crm_service.act_churn_analysis_region'),
    ('manager', 'crm_cashier.act_reporting_payment'),
    ]


def prepare(db, members, lines):
    "The shop, its staff, then the members and the sales, set-based"
    ids = checkout.setup(db, 2)

    def staff(pool):
        from trytond.modules.crm_customer.tests.tools import create_staff
        Company = pool.get('company.company')
        Level = pool.get('crm.membership.level')
        Region = pool.get('crm.region')
        company = Company(ids['company'])
        from trytond.modules.company.tests import set_company
        with set_company(company):
            ids['manager'] = create_staff(
                company, 'manager', 'group_sales_manager').id
            ids['salespeople'] = [create_staff(
                    company, 'sales%d' % i, 'group_salesperson').employee.id
                for i in range(1, SALESPEOPLE + 1)]
        ids['levels'] = [level.id for level in Level.create([
                    {'name': name, 'upgrade_amount': amount}
                    for name, amount in [
                        ("普通会员", 0), ("银卡会员", 2000),
                        ("金卡会员", 5000)]])]
        ids['regions'] = [r.id for r in Region.create([
                    {'name': "浙江省", 'code': '330000',
                        'level': 'province'},
                    {'name': "江苏省", 'code': '320000',
                        'level': 'province'}])]
        return ids
    ids = common.run_in_transaction(db, staff)
    started = time.perf_counter()
    with common.transaction(db) as (pool, transaction):
        Date = pool.get('ir.date')
        Card = pool.get('crm.membership.card')
        cursor = transaction.connection.cursor()
        today = Date.today()
        card_type = Card(ids['cards'][0]).type.id
        sql = common_sql(ids, today, card_type, members, lines)
        for statement, params in sql:
            cursor.execute(statement, params)
        # The sales and months were written around the tills: counted as
        # in a database activated on a shop that already sold
        pool.get('sale.point.takings').rebuild()
        pool.get('crm.membership.member.year').refresh()
        pool.get('crm.membership.member.month').refresh_previous()
        pool.get('crm.membership.member.month').refresh_levels()
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    import psycopg
    with psycopg.connect(db.uri.rsplit('/', 1)[0] + '/' + db.name,
            autocommit=True) as conn:
        conn.execute('VACUUM ANALYZE')
    return ids


def common_sql(ids, today, card_type, members, lines):
    "The statements that make the members and the sales"
    owners = 'ARRAY[%s]' % ','.join(map(str, ids['salespeople']))
    regions = 'ARRAY[%s]' % ','.join(map(str, ids['regions']))
    levels = 'ARRAY[%s]' % ','.join(map(str, ids['levels']))
    products = 'ARRAY[%s]' % ','.join(str(p) for p, _ in ids['products'])
    prices = 'ARRAY[%s]' % ','.join(str(p) for _, p in ids['products'])
    sales = lines // 3
    yield ('INSERT INTO party_party (name, code, active, birthday_calendar, '
        'birthday, province, owner, create_uid, create_date) '
        "SELECT '会员' || g, 'R' || g, TRUE, 'solar', "
        "DATE '1970-01-01' + (g %% 15000), "
        f"({regions})[1 + g %% 2], ({owners})[1 + g %% {SALESPEOPLE}], "
        '0, NOW() FROM generate_series(1, %s) g', (members,))
    yield ('INSERT INTO crm_membership_card (number, type, party, state, '
        'active, level, issue_date, create_uid, create_date) '
        "SELECT 'R' || p.id, %s, p.id, 'active', TRUE, "
        f"({levels})[1 + p.id %% 3], %s::date - (p.id %% 700), 0, NOW() "
        "FROM party_party p WHERE p.code LIKE 'R%%'", (card_type, today))
    # Four months of twelve for each member, a member's spend and visits
    for back in range(12):
        yield ('INSERT INTO crm_membership_member_month (party, month, '
            'period, amount, visits, first_visit, last_visit, previous, '
            'change, create_uid, create_date) '
            "SELECT p.id, date_trunc('month', %s::date - %s * INTERVAL "
            "'1 month')::date, "
            "EXTRACT(YEAR FROM %s::date - %s * INTERVAL '1 month') * 12 "
            "+ EXTRACT(MONTH FROM %s::date - %s * INTERVAL '1 month') - 1, "
            '20 + (p.id * 37 + %s * 101) %% 800, 1 + (p.id + %s) %% 4, '
            "date_trunc('month', %s::date - %s * INTERVAL '1 month')::date, "
            "date_trunc('month', %s::date - %s * INTERVAL '1 month')::date "
            "+ (p.id %% 20), 0, 0, 0, NOW() FROM party_party p "
            "WHERE p.code LIKE 'R%%' AND (p.id + %s) %% 3 = 0",
            (today, back, today, back, today, back, back, back, today, back,
                today, back, back))
    yield ('INSERT INTO sale_point_sale (company, point, employee, number, '
        'date, state, member, shift, create_uid, create_date) '
        "SELECT %s, %s, NULL, 'B' || g, %s::date - (g %% 365), 'done', "
        "CASE WHEN g %% 4 <> 0 THEN (SELECT MIN(id) FROM party_party "
        "WHERE code LIKE 'R%%') + (g::bigint * 7919) %% %s END, NULL, 0, "
        "(%s::date - (g %% 365)) + (g %% 600) * INTERVAL '1 minute' "
        "+ INTERVAL '1 hour' FROM generate_series(1, %s) g",
        (ids['company'], ids['points'][0], today, members, today, sales))
    yield ('INSERT INTO sale_point_sale_line (sale, product, quantity, '
        'unit_list_price, unit_gross_price, create_uid, create_date) '
        f"SELECT s.id, ({products})[k], 1, ({prices})[k], ({prices})[k], "
        "0, NOW() FROM sale_point_sale s CROSS JOIN generate_series(1, 3) k "
        "WHERE s.number LIKE 'B%%'", ())
    yield ('INSERT INTO sale_point_payment (sale, method, amount, '
        'create_uid, create_date) '
        "SELECT s.id, %s, %s, 0, NOW() "
        "FROM sale_point_sale s WHERE s.number LIKE 'B%%'",
        (ids['cash'], sum(p for _, p in ids['products'])))
    yield ('INSERT INTO crm_membership_value_line (card, kind, principal, '
        'bonus, date, create_uid, create_date) '
        "SELECT c.id, 'top_up', 500, 50, c.issue_date, 0, NOW() "
        "FROM crm_membership_card c WHERE c.number LIKE 'R%%' "
        "UNION ALL SELECT c.id, 'payment', -100, -10, "
        "%s::date - (c.id %% 60), 0, NOW() "
        "FROM crm_membership_card c WHERE c.number LIKE 'R%%' "
        "AND c.id %% 2 = 0", (today,))
    yield ('INSERT INTO crm_membership_point_line (card, kind, points, date, '
        'create_uid, create_date) '
        "SELECT c.id, 'earn', 100 + c.id %% 400, %s::date - (c.id %% 300), "
        "0, NOW() FROM crm_membership_card c WHERE c.number LIKE 'R%%'",
        (today,))


def open_action(pool, fs_id):
    """Open the act_window fs_id as the client does: its first view's
    records searched with the action's domain and limit, and read; return
    rows"""
    from trytond.pyson import PYSONDecoder, PYSONEncoder
    from trytond.transaction import Transaction
    ActWindow = pool.get('ir.action.act_window')
    ModelData = pool.get('ir.model.data')
    module, name = fs_id.split('.')
    action = ActWindow(ModelData.get_id(module, name))
    Model = pool.get(action.res_model)
    context = dict(Transaction().context)
    if action.context_model:
        Context = pool.get(action.context_model)
        context.update(Context.default_get(list(Context._fields)))
    context['context'] = dict(context)
    decoder = PYSONDecoder(context)
    domain = decoder.decode(action.pyson_domain or PYSONEncoder().encode([]))
    order = decoder.decode(action.pyson_order or PYSONEncoder().encode(None))
    if action.act_window_views:
        view = action.act_window_views[0].view
        view_id, view_type = view.id, view.real_type
    else:
        view_id, view_type = None, 'tree'
    with Transaction().set_context(context):
        fields = list(Model.fields_view_get(view_id, view_type)['fields'])
        # The client reads the first rows of the action's limit (its own
        # 1,000 when none), for a graph as for a list
        records = Model.search(domain, limit=action.limit or 1000,
            order=order)
        Model.read([r.id for r in records], fields)
    return len(records)


def as_role(pool, user_id):
    from trytond.transaction import Transaction, check_access
    User = pool.get('res.user')

    class _Role:
        def __enter__(self):
            self.stack = [Transaction().set_user(user_id)]
            self.stack[0].__enter__()
            self.stack.append(Transaction().set_context(
                    User.get_preferences(context_only=True)))
            self.stack[1].__enter__()
            self.stack.append(check_access())
            self.stack[2].__enter__()

        def __exit__(self, *args):
            for manager in reversed(self.stack):
                manager.__exit__(*args)
    return _Role()


def nightly(db):
    """The nightly jobs the reports read, each timed: {model: (seconds,
    rows)}"""
    result = {}
    for name in ['crm.analysis.rfm.snapshot',
            'crm.analysis.spend_alert.snapshot',
            'crm.analysis.ledger.month']:
        with common.transaction(db) as (pool, transaction):
            Model = pool.get(name)
            started = time.perf_counter()
            Model.refresh()
            elapsed = time.perf_counter() - started
            result[name] = elapsed, Model.search_count([])
    # By morning autovacuum has analysed the night's rows: the planner
    # counts them
    import psycopg
    with psycopg.connect(db.uri.rsplit('/', 1)[0] + '/' + db.name,
            autocommit=True) as conn:
        conn.execute('ANALYZE')
    return result


def measure(db, ids, runs, only=()):
    "{fs_id: (role, rows, [seconds])} of each opening (of only's)"
    result = {}
    with common.transaction(db) as (pool, transaction):
        User = pool.get('res.user')
        users = {
            'cashier': User.search([('login', '=', 'cashier01')])[0].id,
            'sales': User.search([('login', '=', 'sales1')])[0].id,
            # The CRM administrator has the manager's board and sees every
            # member: the most a board reads
            'manager': User.search([('login', '=', 'admin')])[0].id,
            }
        for role, fs_id in OPENED:
            if only and fs_id not in only:
                continue
            times = []
            with as_role(pool, users[role]):
                for _ in range(runs):
                    started = time.perf_counter()
                    rows = open_action(pool, fs_id)
                    times.append(time.perf_counter() - started)
            result[fs_id] = (role, rows, times)
            p50, p95 = percentiles(times)
            print(f"{role:8} {fs_id:45} {rows:6} rows  p50 {p50:6.2f} s  "
                f"p95 {p95:6.2f} s", flush=True)
        transaction.rollback()
    return result


def percentiles(times):
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1,
            int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def baseline(db, sample):
    "{fs_id: extrapolated seconds} of the ORM loops"
    result = {}
    with common.transaction(db) as (pool, transaction):
        Date = pool.get('ir.date')
        today = Date.today()
        for fs_id, (model, domain, names) in BASELINES.items():
            Model = pool.get(model)
            total = Model.search_count(domain(today))
            started = time.perf_counter()
            sums = {}
            for record in Model.browse(Model.search(
                        domain(today), limit=sample)):
                key = tuple(str(getattr(record, n)) for n in names[:2])
                for name in names[2:]:
                    value = getattr(record, name)
                    if isinstance(value, tuple):
                        # The payments of a sale
                        value = sum(p.amount or 0 for p in value)
                    if isinstance(value, (int, float, Decimal)):
                        sums[key] = sums.get(key, 0) + Decimal(value)
            elapsed = time.perf_counter() - started
            result[fs_id] = elapsed * total / max(1, min(sample, total))
            print(f"baseline {fs_id:45} {min(sample, total)} of {total} "
                f"records in {elapsed:.2f} s: {result[fs_id]:.1f} s "
                "extrapolated", flush=True)
        transaction.rollback()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--members', type=int, default=1000000)
    parser.add_argument('--lines', type=int, default=5000000,
        help="till sale lines, three a sale")
    parser.add_argument('--runs', type=int, default=7)
    parser.add_argument('--sample', type=int, default=5000,
        help="records each baseline loops over")
    parser.add_argument('--keep', action='store_true',
        help="keep the database, and use a kept one")
    parser.add_argument('--only', action='append', default=[],
        help="the act_window to open (module.fs_id), again for more; "
        "no snapshot nor baseline then")
    args = parser.parse_args()
    name = 'bench_reports'
    db = common.crm_admin.Database(f'{common.POSTGRESQL}/{name}',
        listen=f'127.0.0.1:{common.free_port()}')
    try:
        if args.keep and db.exists():
            ids = None
        else:
            db = common.database('postgresql', name)
            ids = prepare(db, args.members, args.lines)
        if ids is None:
            with common.transaction(db) as (pool, transaction):
                User = pool.get('res.user')
                ids = {'manager': User.search(
                        [('login', '=', 'manager')])[0].id}
        if not args.only:
            for name, (elapsed, rows) in nightly(db).items():
                print(f"nightly {name}: {rows} rows in {elapsed:.1f} s",
                    flush=True)
        opened = measure(db, ids, args.runs, args.only)
        base = baseline(db, args.sample) if not args.only else {}
        print()
        print(f"{'role':8} {'tile or analysis':45} {'p50':>7} {'p95':>7} "
            f"{'ORM loop':>9} {'ratio':>7}")
        for fs_id, (role, rows, times) in opened.items():
            p50, p95 = percentiles(times)
            loop = base.get(fs_id)
            print(f"{role:8} {fs_id:45} {p50:7.2f} {p95:7.2f} "
                + (f"{loop:9.1f} {loop / p95:6.0f}×" if loop else ''))
    finally:
        if not args.keep:
            db.drop()


if __name__ == '__main__':
    main()
