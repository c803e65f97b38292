"""Logins and the recycle bin attacked over JSON-RPC: a cashier may neither
unlock an account, nor lift their own login rules, nor read the login log;
a locked account is refused with the Chinese message, whatever the
password; a salesperson's delete goes to the bin, which they can neither
read nor restore from; a card with money is never deleted."""
import json
import urllib.error
import urllib.request

import pytest

import demo
from rpc import Client, RPCError


def login_call(server, database, login, parameters):
    "common.db.login as the web client sends it; return the answer"
    request = urllib.request.Request(f'{server}{database.name}/rpc/',
        json.dumps({'id': 1, 'method': 'common.db.login',
                'params': [login, parameters, 'zh_CN']}).encode(),
        {'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def user_of(admin, login, fields):
    user, = admin.model('res.user', 'search_read',
        [('login', '=', login)], 0, None, None, fields)
    return user


@pytest.fixture(scope='module')
def admin(rpc):
    return rpc('admin')


def test_locked_login_refused(server, demo_database, admin):
    "A locked account is refused with whom to ask; unlocked it logs in"
    user = user_of(admin, 'sales2', ['id'])
    admin.model('res.user', 'write', [user['id']],
        {'login_locked': '2026-01-01T08:00:00'})
    try:
        answer = login_call(server, demo_database, 'sales2',
            {'password': demo.PASSWORD})
        kind, (name, message, _) = answer['error']
        assert (kind, name) == ('LoginException', 'password')
        assert '已被锁定' in message and '请联系系统管理员' in message
        log, = admin.model('crm.security.login', 'search_read',
            [('login', '=', 'sales2')], 0, 1, [('id', 'DESC')],
            ['result', 'ip_address', 'client'])
        assert log['result'] == 'locked'
        assert log['ip_address'] == '127.0.0.1'
        assert log['client'].startswith('Python-urllib')
    finally:
        admin.model('res.user', 'unlock_login', [user['id']])
    Client(f'{server}{demo_database.name}/rpc/', 'sales2', demo.PASSWORD)


def test_cashier_cannot_lift_login_rules(server, demo_database, admin, rpc):
    """A cashier cannot unlock a colleague, clear their own rules nor read
    who logged in from where"""
    cashier = rpc('cashier1')
    colleague = user_of(admin, 'cashier2', ['id'])
    own = cashier.user_id
    admin.model('res.user', 'write', [colleague['id']],
        {'login_locked': '2026-01-01T08:00:00'})
    admin.model('res.user', 'write', [own], {
            'login_networks': '127.0.0.1', 'password_change': False})
    try:
        with pytest.raises(RPCError):
            cashier.model('res.user', 'unlock_login', [colleague['id']])
        for values in [{'login_networks': ''}, {'login_locked': None},
                {'password_change': False}, {'login_unlocked': None}]:
            with pytest.raises(RPCError):
                cashier.model('res.user', 'write', [own], values)
        # Preferences take only the preference fields
        cashier.call('model.res.user.set_preferences',
            {'login_networks': '', 'password_change': True},
            cashier.context)
        for method, args in [('search', ([], 0, None, None)),
                ('search_count', ([],)), ('read', ([1], ['login']))]:
            with pytest.raises(RPCError):
                cashier.model('crm.security.login', method, *args)
        with pytest.raises(RPCError):
            cashier.model('crm.security.login', 'create', [{
                        'login': 'admin', 'result': 'success'}])
        # Nor the SMS codes a colleague's login is waiting for (not served
        # over RPC at all, and without access for any group)
        for method, args in [('search_read', ([], 0, None, None, ['code'])),
                ('search_count', ([],)), ('create', ([{'user_id': own}],))]:
            with pytest.raises((RPCError, urllib.error.HTTPError)):
                cashier.model('res.user.login.sms_code', method, *args)

        assert user_of(admin, 'cashier2', ['login_locked'])['login_locked']
        assert user_of(admin, 'cashier1',
            ['login_networks', 'password_change']) == {
            'id': own, 'login_networks': '127.0.0.1',
            'password_change': False}
    finally:
        admin.model('res.user', 'unlock_login', [colleague['id']])
        admin.model('res.user', 'write', [own], {'login_networks': None})


def test_login_address_refused(server, demo_database, admin):
    "A login from outside the user's addresses is refused"
    user = user_of(admin, 'service', ['id'])
    admin.model('res.user', 'write', [user['id']],
        {'login_networks': '10.0.0.0/8'})
    try:
        answer = login_call(server, demo_database, 'service',
            {'password': demo.PASSWORD})
        kind, (name, message, _) = answer['error']
        assert kind == 'LoginException' and '127.0.0.1' in message
    finally:
        admin.model('res.user', 'write', [user['id']],
            {'login_networks': None})


def test_recycle_bin_over_rpc(admin, rpc):
    """A salesperson's deleted customer goes to the bin, which only an
    administrator reads and restores from; a card with money is never
    deleted"""
    sales = rpc('sales1')
    customer, = sales.model('party.party', 'create', [{'name': "回收测试客户"}])
    sales.model('party.party', 'delete', [customer])
    assert sales.model('party.party', 'search',
        [('id', '=', customer)], 0, None, None) == []
    entry, = admin.model('crm.security.recycle', 'search_read',
        [('record', '=', f'party.party,{customer}')], 0, None, None,
        ['deleted_by'])
    assert entry['deleted_by'] == sales.user_id

    for method, args in [('search', ([], 0, None, None)),
            ('read', ([entry['id']], ['name'])), ('restore', ([entry['id']],)),
            ('delete', ([entry['id']],)),
            ('write', ([entry['id']], {'deleted_at': None}))]:
        with pytest.raises(RPCError):
            sales.model('crm.security.recycle', method, *args)
    assert not admin.model('party.party', 'read', [customer],
        ['active'], context={'active_test': False})[0]['active']

    admin.model('crm.security.recycle', 'restore', [entry['id']])
    assert sales.model('party.party', 'search',
        [('id', '=', customer)], 0, None, None) == [customer]

    manager = rpc('manager')
    card, = admin.model('crm.membership.card', 'search_read',
        [('number', '=', '880000000002')], 0, None, None,
        ['balance', 'points'])
    with pytest.raises(RPCError):
        manager.model('crm.membership.card', 'delete', [card['id']])
    assert admin.model('crm.membership.card', 'search_read',
        [('id', '=', card['id'])], 0, None, None,
        ['balance', 'points', 'active']) == [{**card, 'active': True}]
