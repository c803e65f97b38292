"""SMS attacked over JSON-RPC by a salesperson of the demo shop, who calls
any method with any domain: the messages and replies of a colleague's
customers are neither found, counted nor read, while the administrator,
the sales manager and the service desk see them."""
import json
import urllib.request

import pytest

from rpc import RPCError


def search_read(client, model, domain, fields):
    return client.model(model, 'search_read', domain, 0, None, None, fields)


@pytest.fixture(scope='module')
def admin(rpc):
    return rpc('admin')


def customer_of(admin, login):
    "A customer of login's whom marketing messages may reach"
    user, = search_read(admin, 'res.user', [('login', '=', login)],
        ['employee'])
    ids = admin.model('party.party', 'search', [
            ('owner', '=', user['employee']),
            ('sms_consent', '=', True),
            ('sms_opt_out', '!=', True),
            ('sms_mobile', '!=', None),
            ], 0, 1, None)
    assert ids
    customer, = admin.model('party.party', 'read', ids, ['sms_mobile'])
    return customer


def push_reply(url, phone, text):
    "A customer's reply as Aliyun pushes it (SmsUp)"
    request = urllib.request.Request(url, json.dumps([{
                    'phone_number': phone[3:], 'content': text,
                    'send_time': '2026-11-30 10:00:00',
                    'dest_code': '1234', 'sequence_id': '1',
                    }], ensure_ascii=False).encode(),
        {'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


@pytest.fixture(scope='module')
def outbox(server, admin):
    """{login: (customer, message id, reply id)} for a customer of sales1
    and one of sales2: a bulk sending of the administrator and a reply
    pushed to a gateway's callback"""
    customers = {login: customer_of(admin, login)
        for login in ['sales1', 'sales2']}
    template, = admin.model('sms.template', 'search',
        [('kind', '=', 'marketing')], 0, 1, None)
    search, = admin.model('ir.ui.view_search', 'create', [{
                'name': "短信攻击测试", 'model': 'party.party',
                'domain': json.dumps(
                    [['id', 'in', [c['id'] for c in customers.values()]]]),
                }])
    bulk, = admin.model('sms.bulk', 'create', [{
                'name': "短信攻击测试", 'customer_filter': search,
                'template': template,
                }])
    admin.model('sms.bulk', 'send', [bulk])
    # Set aside at once: only its callback address is used
    gateway, = admin.model('sms.gateway', 'create', [{
                'name': "短信攻击测试", 'kind': 'aliyun', 'key_id': 'id',
                'key_secret': 'secret', 'signature': "示例门店",
                'active': False,
                }])
    gateway, = admin.model('sms.gateway', 'read', [gateway],
        ['callback_reply_path'])
    result = {}
    for login, customer in customers.items():
        push_reply(server + gateway['callback_reply_path'].lstrip('/'),
            customer['sms_mobile'], "好的")
        message, = admin.model('sms.message', 'search', [
                ('origin', '=', 'sms.bulk,%s' % bulk),
                ('party', '=', customer['id']),
                ], 0, None, None)
        reply, = admin.model('sms.reply', 'search',
            [('party', '=', customer['id'])], 0, None, None)
        result[login] = customer, message, reply
    return result


@pytest.mark.parametrize('model, index', [
        ('sms.message', 1),
        ('sms.reply', 2),
        ])
def test_colleague_customers_hidden(rpc, outbox, model, index):
    """A salesperson finds the messages and replies of own customers, not
    those of a colleague's, by no domain, and may not read them"""
    sales1 = rpc('sales1')
    own = outbox['sales1'][index]
    customer, theirs = outbox['sales2'][0], outbox['sales2'][index]
    found = sales1.model(model, 'search', [], 0, None, None)
    assert own in found
    assert theirs not in found
    for domain in [
            [('id', '=', theirs)],
            [('party', '=', customer['id'])],
            [('phone', '=', customer['sms_mobile'])],
            [('phone', 'like', customer['sms_mobile'][:7] + '%')],
            [('party.name', '!=', None)],
            ]:
        assert theirs not in sales1.model(model, 'search', domain, 0,
            None, None), domain
        assert not sales1.model(model, 'search_count',
            [('id', '=', theirs), domain]), domain
    assert search_read(sales1, model, [('id', '=', theirs)], ['phone']) == []
    with pytest.raises(RPCError):
        sales1.model(model, 'read', [theirs], ['phone', 'text'])
    # Nor through the customer
    with pytest.raises(RPCError):
        sales1.model('party.party', 'read', [customer['id']],
            ['sms_messages', 'sms_replies'])


@pytest.mark.parametrize('login', ['admin', 'manager', 'service'])
def test_seen_by_their_roles(rpc, outbox, login):
    "The administrator, the sales manager and the service desk see them all"
    client = rpc(login)
    for model, index in [('sms.message', 1), ('sms.reply', 2)]:
        ids = [outbox[s][index] for s in ['sales1', 'sales2']]
        assert sorted(client.model(model, 'search', [('id', 'in', ids)],
                0, None, None)) == sorted(ids), model
        assert len(client.model(model, 'read', ids, ['phone'])) == 2
