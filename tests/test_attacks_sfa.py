"""The sales force attacked over JSON-RPC by a salesperson: another's
deals, contacts and approvals are neither read nor found, the server's
fields (stage history, 已跟进, an approval's state and approver, the
quoting limits) are not written, a deal on another's customer (防撞单) and
a quote over the limit are refused, urging and hand-over are the
managers'. Each refusal is read back as the administrator."""
import datetime as dt

import pytest

from rpc import RPCError


def date(day):
    return {'__class__': 'date', 'year': day.year, 'month': day.month,
        'day': day.day}


def refused(call):
    with pytest.raises(RPCError) as error:
        call()
    return error.value


@pytest.fixture(scope='module')
def admin(rpc):
    return rpc('admin')


@pytest.fixture(scope='module')
def sales1_world(admin, rpc):
    """A demo customer of 张伟 (sales1) with a deal and a due contact made by
    the administrator, and his work request waiting for 王丽; all taken
    away afterwards, for the demo and browser tests that follow"""
    employees = {e['rec_name']: e['id'] for e in admin.model(
            'company.employee', 'search_read', [], 0, None, None,
            ['rec_name'])}
    zhang = employees["张伟"]
    party, = admin.model('party.party', 'search_read', [
            ('owner', '=', zhang),
            ('contact_mechanisms.type', '=', 'mobile'),
            ], 0, 1, [('id', 'ASC')], ['name', 'contact_mechanisms'])
    mobile, = admin.model('party.contact_mechanism', 'search_read', [
            ('id', 'in', party['contact_mechanisms']),
            ('type', '=', 'mobile'),
            ], 0, 1, None, ['value'])
    deal, = admin.model('sale.opportunity', 'create', [{
                'party': party['id'], 'employee': zhang,
                'description': "攻防", 'amount': '5000'}])
    contact, = admin.model('crm.sfa.contact', 'create', [{
                'party': party['id'], 'employee': zhang, 'kind': 'visit',
                'content': "机密拜访记录",
                'date': {'__class__': 'datetime', 'year': 2026, 'month': 1,
                    'day': 5, 'hour': 10, 'minute': 0, 'second': 0,
                    'microsecond': 0},
                'next_date': date(dt.date(2099, 1, 10))}])
    sales1 = rpc('sales1')
    request, = sales1.model('crm.sfa.approval', 'create', [{
                'subject': "攻防请示"}])
    sales1.model('crm.sfa.approval', 'request_approval', [request])
    yield {'party': party['id'], 'name': party['name'],
        'mobile': mobile['value'], 'deal': deal, 'contact': contact,
        'request': request, 'zhang': zhang, 'li': employees["李娜"]}
    sales1.model('crm.sfa.approval', 'withdraw', [request])
    admin.model('crm.sfa.contact', 'delete', [contact])
    admin.model('sale.opportunity', 'cancel', [deal])
    admin.model('sale.opportunity', 'delete', [deal])


def test_salesperson_sees_nothing_of_another(server, demo_database, rpc,
        admin, sales1_world):
    "李娜 reads, finds and changes nothing of 张伟's"
    li = rpc('sales2')
    w = sales1_world
    for model, record in [('sale.opportunity', w['deal']),
            ('crm.sfa.contact', w['contact']),
            ('crm.sfa.approval', w['request'])]:
        refused(lambda: li.model(model, 'read', [record], ['id']))
        assert li.model(model, 'search', [('id', '=', record)],
            0, None, None) == []
        refused(lambda: li.model(model, 'write', [record], {}))
    # A search on the hidden text reveals nothing either
    assert li.model('crm.sfa.contact', 'search_count',
        [('content', 'ilike', '%机密%')]) == 0
    # 防撞单: no deal on his customer, the refusal names him
    deals = admin.model('sale.opportunity', 'search_count',
        [('party', '=', w['party'])])
    error = refused(lambda: li.model('sale.opportunity', 'create', [{
                    'party': w['party'], 'description': "抢单"}]))
    assert "张伟" in error.message
    assert admin.model('sale.opportunity', 'search_count',
        [('party', '=', w['party'])]) == deals
    # 防撞单: nor the same customer again by name or mobile
    refused(lambda: li.model('party.party', 'create', [{
                    'name': w['name']}]))
    refused(lambda: li.model('party.party', 'create', [{
                    'name': "另一个名字", 'contact_mechanisms': [('create', [{
                                    'type': 'mobile',
                                    'value': w['mobile']}])]}]))
    assert admin.model('party.party', 'search_count',
        [('name', '=', w['name'])]) == 1
    assert admin.model('party.party', 'search_count',
        [('name', '=', "另一个名字")]) == 0
    # Not his to approve
    refused(lambda: li.model('crm.sfa.approval', 'approve', [w['request']]))
    state, = admin.model('crm.sfa.approval', 'read', [w['request']],
        ['state'])
    assert state['state'] == 'submitted'


def test_servers_fields(server, demo_database, rpc, admin, sales1_world):
    """张伟 writes none of the fields the server keeps on his own records,
    nor his quoting limit"""
    zhang = rpc('sales1')
    w = sales1_world
    refused(lambda: zhang.model('crm.sfa.contact', 'write',
            [w['contact']], {'next_done': True}))
    history = zhang.model('crm.sfa.stage.history', 'search',
        [('opportunity', '=', w['deal'])], 0, None, None)
    assert history
    refused(lambda: zhang.model('crm.sfa.stage.history', 'write', history,
            {'probability': 1}))
    refused(lambda: zhang.model('crm.sfa.stage.history', 'delete', history))
    won, = admin.model('crm.sfa.stage', 'search', [('kind', '=', 'won')],
        0, 1, None)
    refused(lambda: zhang.model('sale.opportunity', 'write', [w['deal']],
            {'stage': won}))
    refused(lambda: zhang.model('crm.sfa.approval', 'write',
            [w['request']], {'state': 'approved'}))
    refused(lambda: zhang.model('crm.sfa.approval', 'approve',
            [w['request']]))
    refused(lambda: zhang.model('crm.sfa.approval', 'create', [{
                    'subject': "自批", 'state': 'approved'}]))
    refused(lambda: zhang.model('crm.sfa.approval', 'create', [{
                    'subject': "自选审批人", 'approver': w['zhang']}]))
    refused(lambda: zhang.model('company.employee', 'write',
            [w['zhang']], {'sfa_discount_limit': '0.9'}))
    contact, = admin.model('crm.sfa.contact', 'read', [w['contact']],
        ['next_done'])
    assert not contact['next_done']
    stage, = admin.model('sale.opportunity', 'read', [w['deal']],
        ['stage.kind'])
    assert stage['stage.']['kind'] != 'won'
    request, = admin.model('crm.sfa.approval', 'read', [w['request']],
        ['state'])
    assert request['state'] == 'submitted'
    assert admin.model('crm.sfa.approval', 'search_count',
        [('subject', 'in', ["自批", "自选审批人"])]) == 0


def test_urging_and_hand_over_are_managers(server, demo_database, rpc,
        admin, sales1_world):
    "A salesperson cannot urge, nor move customers by the wizard"
    li = rpc('sales2')
    w = sales1_world
    urge, = admin.model('ir.action.wizard', 'search',
        [('wiz_name', '=', 'crm.sfa.urge')], 0, 1, None)
    refused(lambda: li.wizard('crm.sfa.urge', urge,
            ('crm.sfa.contact', w['contact']),
            [('urge', {'start': {'note': "快点"}})]))
    refused(lambda: li.model('crm.sfa.urge', 'create', [{
                    'document': 'crm.sfa.contact,%s' % w['contact'],
                    'note': "伪造催办"}]))
    assert admin.model('crm.sfa.urge', 'search_count', []) == 0
    leave, = admin.model('ir.action.wizard', 'search',
        [('wiz_name', '=', 'crm.sfa.leave')], 0, 1, None)
    refused(lambda: li.wizard('crm.sfa.leave', leave,
            ('company.employee', w['zhang']),
            [('handover', {'start': {'employee': w['zhang'],
                                'to_employee': w['li'],
                                'reason': "离职"}})]))
    party, = admin.model('party.party', 'read', [w['party']], ['owner'])
    assert party['owner'] == w['zhang']
