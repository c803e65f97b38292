"""The boards and the analyses attacked over JSON-RPC: a salesperson
neither reads nor arranges another's board, nor changes the roles' tiles;
a cashier opens no shop figure nor member analysis and sees only their own
shift; nobody sets a board from outside, nor writes or recomputes the
summaries the analyses read (the tills' takings, the members' years and
months, the night's sums), nor moves a finished sale off its day and till. Each
refusal is read back as the administrator."""
import sqlite3
from urllib.error import HTTPError

import pytest

from rpc import RPCError

ANALYSES = ['crm.analysis.sales_comparison', 'crm.analysis.value_flow',
    'crm.analysis.rfm', 'crm.analysis.loyalty',
    'crm.analysis.customer_distribution', 'crm.analysis.salesperson',
    'crm.analysis.habit', 'crm.analysis.spend_alert',
    'crm.analysis.liability_month', 'crm.membership.report.spend_change',
    'crm.membership.report.spend_change.summary']


def refused(call):
    with pytest.raises(RPCError) as error:
        call()
    return error.value


def user_id(admin, login):
    user, = admin.model('res.user', 'search', [('login', '=', login)])
    return user


def board(admin, login):
    return admin.model('dashboard.action', 'search_read', [
            ('user', '=', user_id(admin, login))], 0, None,
        [('sequence', 'ASC'), ('id', 'ASC')],
        ['act_window', 'sequence'])


def test_boards_are_their_own(rpc):
    admin, sales1 = rpc('admin'), rpc('sales1')
    cashier = board(admin, 'cashier1')
    mine = board(admin, 'sales1')
    assert cashier and mine
    theirs = cashier[0]

    # Neither found nor read
    assert set(sales1.model('dashboard.action', 'search', [], 0, None,
                None)) == {a['id'] for a in mine}
    assert sales1.model('dashboard.action', 'search', [
            ('user', '=', user_id(admin, 'cashier1'))], 0, None, None) == []
    refused(lambda: sales1.model('dashboard.action', 'read', [theirs['id']],
            ['act_window']))
    # Neither rearranged, dropped nor added to
    refused(lambda: sales1.model('dashboard.action', 'write',
            [theirs['id']], {'sequence': 999}))
    refused(lambda: sales1.model('dashboard.action', 'delete',
            [theirs['id']]))
    refused(lambda: sales1.model('dashboard.action', 'create', [{
                    'user': user_id(admin, 'cashier1'),
                    'act_window': mine[0]['act_window']}]))
    # Nor moved onto another's board
    refused(lambda: sales1.model('dashboard.action', 'write',
            [mine[0]['id']], {'user': user_id(admin, 'cashier1')}))
    assert board(admin, 'cashier1') == cashier
    assert board(admin, 'sales1') == mine

    # The roles' tiles are the administrator's
    tiles = admin.model('crm.analysis.tile', 'search_read', [], 0, None,
        None, ['group', 'action', 'sequence'])
    tile = tiles[0]
    refused(lambda: sales1.model('crm.analysis.tile', 'write', [tile['id']],
            {'sequence': 1}))
    refused(lambda: sales1.model('crm.analysis.tile', 'create', [{
                    'group': tile['group'], 'action': tile['action']}]))
    refused(lambda: sales1.model('crm.analysis.tile', 'delete',
            [tile['id']]))
    assert admin.model('crm.analysis.tile', 'search_read', [], 0, None,
        None, ['group', 'action', 'sequence']) == tiles

    # No board is set from outside: the methods are the server's, the
    # dispatcher forbids them
    for method, args in [
            ('set_role_boards', ([user_id(admin, 'cashier1')], True)),
            ('add_tiles', ([],))]:
        with pytest.raises(HTTPError) as error:
            sales1.model('res.user', method, *args)
        assert error.value.code == 403
    assert board(admin, 'cashier1') == cashier


def test_cashier_sees_their_shift_only(rpc):
    admin = rpc('admin')
    for login in ['cashier1', 'cashier2']:
        client = rpc(login)
        rows = client.model('crm.analysis.shift_payment', 'search_read', [],
            0, None, None, ['shift'])
        employee = admin.model('res.user', 'read',
            [user_id(admin, login)], ['employee'])[0]['employee']
        shifts = {r['shift'] for r in rows}
        if shifts:
            cashiers = {s['employee'] for s in admin.model(
                    'sale.point.cash.session', 'read', list(shifts),
                    ['employee'])}
            assert cashiers == {employee}
        for model in ANALYSES:
            refused(lambda: client.model(model, 'search', [], 0, None, None))
    # A salesperson reads no shop figure either
    sales1 = rpc('sales1')
    for model in ANALYSES + ['crm.analysis.shift_payment']:
        refused(lambda: sales1.model(model, 'search', [], 0, None, None))


def test_summaries_are_the_servers(rpc, demo_database):
    """The tills' takings, the members' years and the night's sums are
    written by the server alone, and a finished sale stays on its day and
    till, which its takings count"""
    admin, cashier, sales1 = rpc('admin'), rpc('cashier1'), rpc('sales1')
    fields = ['date', 'point', 'method', 'number', 'amount']

    def takings():
        return admin.model('sale.point.takings', 'search_read', [], 0, None,
            [('id', 'ASC')], fields)
    kept = takings()
    assert kept
    row = kept[0]
    # The cashier reads them and changes none
    assert row['id'] in cashier.model('sale.point.takings', 'search', [], 0,
        None, None)
    refused(lambda: cashier.model('sale.point.takings', 'write',
            [row['id']], {'amount': '0'}))
    refused(lambda: cashier.model('sale.point.takings', 'create', [{
                    'date': row['date'], 'point': row['point'],
                    'method': row['method'], 'number': 1,
                    'amount': '1000'}]))
    refused(lambda: cashier.model('sale.point.takings', 'delete',
            [row['id']]))
    # Nor moves a finished sale to another till or day
    sale, = admin.model('sale.point.sale', 'search_read', [
            ('state', 'in', ['done', 'posted']),
            ('point', '=', row['point'])], 0, 1, None, ['point', 'date'])
    points = admin.model('sale.point', 'search', [], 0, None, None)
    error = refused(lambda: cashier.model('sale.point.sale', 'write',
            [sale['id']], {'point': max(points, key=lambda p: (
                        p != sale['point'], p))}))
    assert "不能再改日期、收银台或公司" in error.message
    # The members' years and the night's sums are no client's to read or
    # write, nor to compute again: the dispatcher forbids them
    def member_years():
        with sqlite3.connect(demo_database.file) as connection:
            return connection.execute("SELECT party, year, amount, visits "
                "FROM crm_membership_member_year ORDER BY id").fetchall()
    years = member_years()
    assert years
    for client, model, method, args in [
            (sales1, 'crm.membership.member.year', 'search',
                ([], 0, None, None)),
            (sales1, 'crm.membership.member.year', 'write',
                ([1], {'amount': '0'})),
            (admin, 'crm.membership.member.year', 'refresh', ()),
            (admin, 'sale.point.takings', 'rebuild', ()),
            (admin, 'sale.point.takings', 'add', ([], -1)),
            (admin, 'crm.analysis.ledger.month', 'refresh', ()),
            (admin, 'crm.analysis.spend_alert.snapshot', 'refresh', ())]:
        with pytest.raises(HTTPError) as http:
            client.model(model, method, *args)
        assert http.value.code == 403
    assert takings() == kept
    assert member_years() == years

    # Each member's month keeps the month before, the change and the level
    # for the spend change: no client writes them, nor sets them again
    def member_months():
        with sqlite3.connect(demo_database.file) as connection:
            return connection.execute("SELECT party, period, amount, "
                "previous, change, level FROM crm_membership_member_month "
                "ORDER BY id").fetchall()
    months = member_months()
    assert months
    month, = admin.model('crm.membership.member.month', 'search', [], 0, 1,
        None)
    for client in [cashier, admin]:
        refused(lambda: client.model('crm.membership.member.month', 'write',
                [month], {'previous': '0', 'change': '99999', 'level': None}))
    for method, args in [('refresh_previous', ()), ('refresh_levels', ()),
            ('set_level', (1, '2026-01-01')), ('record', (1, '1', None))]:
        with pytest.raises(HTTPError) as http:
            admin.model('crm.membership.member.month', method, *args)
        assert http.value.code == 403
    assert member_months() == months
    assert admin.model('sale.point.sale', 'read', [sale['id']],
        ['point', 'date']) == [sale]


MEMBER_ROWS = ['crm.membership.report.spend_change',
    'crm.membership.report.spend_ranking', 'crm.analysis.rfm',
    'crm.analysis.spend_alert']


def test_member_rows_follow_the_customers(rpc):
    """A sales manager of a department reads in the reports of members (spend
    change, ranking, RFM, spend alerts) the members whose months he may read
    — his departments' customers and the unowned — searched and read alike"""
    import demo
    admin = rpc('admin')
    manager, = admin.model('res.user', 'read', [user_id(admin, 'manager')],
        ['groups', 'company'])
    root, = admin.model('company.department', 'search',
        [('parent', '=', None)], 0, None, None)
    # 二店: a department of its own under the shop, whose manager owns no
    # customer
    party, = admin.model('party.party', 'create', [{'name': "吴二店"}])
    employee, = admin.model('company.employee', 'create', [{
                'party': party, 'company': manager['company']}])
    department, = admin.model('company.department', 'create', [{
                'name': "二店", 'parent': root, 'manager': employee,
                'company': manager['company']}])
    admin.model('company.employee', 'write', [employee],
        {'department': department})
    boss, = admin.model('res.user', 'create', [{
                'login': 'boss2', 'name': "吴二店", 'password': demo.PASSWORD,
                'password_change': False,
                'groups': [('add', manager['groups'])],
                'companies': [('add', [manager['company']])],
                'company': manager['company'],
                'employees': [('add', [employee])], 'employee': employee}])
    try:
        member_rows_of(rpc('boss2'), admin)
    finally:
        # The other tests share the demo's staff
        admin.model('res.user', 'write', [boss], {'active': False})
        admin.model('company.employee', 'write', [employee],
            {'department': None})
        admin.model('company.department', 'delete', [department])


def member_rows_of(boss, admin):
    "What boss finds in the reports of members, against the administrator"
    owner = {p['id']: p['owner'] for p in admin.model('party.party',
            'search_read', [], 0, None, None, ['owner'])}
    visible = {m['party'] for m in boss.model('crm.membership.member.month',
            'search_read', [], 0, None, None, ['party'])}
    assert visible and all(owner[p] is None for p in visible)
    for model in MEMBER_ROWS:
        everyone = {r['party'] for r in admin.model(model, 'search_read',
                [], 0, None, None, ['party'])}
        # The reports list owned customers: the rule has something to hide
        assert any(owner[p] for p in everyone), model
        ids = boss.model(model, 'search', [], 0, None, None)
        rows = boss.model(model, 'read', ids, ['party'])
        assert {r['party'] for r in rows} == everyone & visible, model
        # Nor found by searching for what a read would hide
        assert not boss.model(model, 'search',
            [('party.owner', '!=', None)], 0, None, None), model
        hidden = next(p for p in everyone if owner[p])
        refused(lambda: boss.model(model, 'read',
                admin.model(model, 'search', [('party', '=', hidden)], 0,
                    1, None), ['party']))
