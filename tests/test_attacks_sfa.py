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


def test_plans_targets_contracts(server, demo_database, rpc, admin):
    """Over JSON-RPC a salesperson neither records a payment (not even on
    his own contract), nor changes a running contract's amount, nor reads
    another's contract, target or receivable; he enables no plan for
    another's customer and writes no enrolment or execution; each read
    back as the administrator"""
    sales1, sales2 = rpc('sales1'), rpc('sales2')
    contract, = admin.model('crm.sfa.contract', 'search_read',
        [('state', '=', 'running')], 0, 1, None,
        ['amount', 'instalments', 'party', 'employee'])
    instalment = contract['instalments'][0]
    paid = admin.model('crm.sfa.contract.payment', 'search',
        [('instalment', '=', instalment)], 0, None, None)
    action, = admin.model('ir.action.wizard', 'search',
        [('wiz_name', '=', 'crm.sfa.contract.collect')], 0, 1, None)
    error = refused(lambda: sales1.wizard('crm.sfa.contract.collect', action,
            ('crm.sfa.contract.instalment', instalment), [('collect', {
                        'start': {'instalment': instalment,
                            'date': date(dt.date.today()), 'amount': '1.00',
                            'method': 'cash', 'write_off': True}})]))
    # The wizard is the managers' (its action's groups); collect checks
    # the role again for a wizard started otherwise
    assert "回款" in error.message or "向导" in error.message, error.message
    refused(lambda: sales1.model('crm.sfa.contract.payment', 'create', [{
                    'instalment': instalment, 'amount': '1.00'}]))
    refused(lambda: sales1.model('crm.sfa.contract', 'write',
            [contract['id']], {'amount': '1.00'}))
    assert admin.model('crm.sfa.contract.payment', 'search',
        [('instalment', '=', instalment)], 0, None, None) == paid
    assert admin.model('crm.sfa.contract', 'read', [contract['id']],
        ['amount'])[0]['amount'] == contract['amount']

    # 李娜 sees nothing of 张伟's contract, receivable and target
    refused(lambda: sales2.model('crm.sfa.contract', 'read',
            [contract['id']], ['amount']))
    assert sales2.model('crm.sfa.contract', 'search',
        [('amount', '=', contract['amount'])], 0, None, None) == []
    assert sales2.model('crm.sfa.receivable', 'search',
        [('id', '=', contract['party'])], 0, None, None) == []
    target, = admin.model('crm.sfa.target', 'search_read',
        [('employee', '=', contract['employee'])], 0, 1, None, ['amount'])
    refused(lambda: sales2.model('crm.sfa.target', 'read', [target['id']],
            ['amount_achieved']))
    own, = sales2.model('crm.sfa.target', 'search',
        [('kind', '=', 'employee')], 0, None, None)
    refused(lambda: sales2.model('crm.sfa.target', 'write', [own],
            {'amount': '1.00'}))
    assert admin.model('crm.sfa.target', 'read', [own], ['amount'])[0][
        'amount'] != '1.00'

    # No plan for 李娜's customer by 张伟, no enrolment nor execution by hand
    plan, = admin.model('crm.sfa.plan', 'search',
        [('name', '=', '沉睡会员唤醒')], 0, None, None)
    theirs, = sales2.model('party.party', 'search',
        [('owner.party.name', '=', "李娜")], 0, 1, [('id', 'ASC')])
    mine, = sales1.model('party.party', 'search',
        [('owner.party.name', '=', "张伟")], 0, 1, [('id', 'ASC')])
    action, = admin.model('ir.action.wizard', 'search',
        [('wiz_name', '=', 'crm.sfa.plan.enable')], 0, 1, None)
    refused(lambda: sales1.wizard('crm.sfa.plan.enable', action,
            ('party.party', theirs), [('enable', {'start': {
                            'plan': plan, 'start': 'today',
                            'selected': 1}})]))
    refused(lambda: sales1.model('crm.sfa.plan.enrolment', 'create', [{
                    'plan': plan, 'party': mine,
                    'start_date': date(dt.date.today()),
                    'enabled_date': date(dt.date.today()),
                    'send_from': date(dt.date.today())}]))
    refused(lambda: sales1.model('crm.sfa.plan', 'write', [plan],
            {'name': "改名"}))
    assert admin.model('crm.sfa.plan.enrolment', 'search',
        [('plan', '=', plan)], 0, None, None) == []
    assert admin.model('crm.sfa.plan', 'read', [plan], ['name'])[0][
        'name'] == '沉睡会员唤醒'


def test_leads_and_territories(server, demo_database, rpc, admin):
    """Over JSON-RPC a salesperson neither reads nor converts another's
    lead, writes no lead's state, customer or deal, gives no lead to
    another nor creates one for another, and changes no territory nor its
    round robin; each read back as the administrator"""
    sales1 = rpc('sales1')
    employees = {e['rec_name']: e['id'] for e in admin.model(
            'company.employee', 'search_read', [], 0, None, None,
            ['rec_name'])}
    fields = ['salesperson', 'state', 'party', 'opportunity', 'name']
    leads = admin.model('crm.sfa.lead', 'search_read',
        [('state', '=', 'assigned')], 0, None, [('id', 'ASC')], fields)
    theirs = next(l for l in leads if l['salesperson'] == employees["李娜"])
    mine = next(l for l in leads if l['salesperson'] == employees["张伟"])

    refused(lambda: sales1.model('crm.sfa.lead', 'read', [theirs['id']],
            ['name']))
    assert sales1.model('crm.sfa.lead', 'search',
        [('name', '=', theirs['name'])], 0, None, None) == []
    refused(lambda: sales1.model('crm.sfa.lead', 'convert',
            [theirs['id']]))
    customer, = sales1.model('party.party', 'search',
        [('owner.party.name', '=', "张伟")], 0, 1, [('id', 'ASC')])
    for values in [{'state': 'converted'}, {'party': customer},
            {'salesperson': employees["李娜"]}]:
        refused(lambda: sales1.model('crm.sfa.lead', 'write', [mine['id']],
                values))
    count = admin.model('crm.sfa.lead', 'search_count', [])
    refused(lambda: sales1.model('crm.sfa.lead', 'create', [{
                    'name': "塞给别人", 'salesperson': employees["李娜"]}]))
    refused(lambda: sales1.model('crm.sfa.lead', 'create', [{
                    'name': "自己转化", 'state': 'converted'}]))
    assert admin.model('crm.sfa.lead', 'search_count', []) == count
    assert sorted(admin.model('crm.sfa.lead', 'read',
            [theirs['id'], mine['id']], fields), key=lambda l: l['id']) \
        == sorted([theirs, mine], key=lambda l: l['id'])

    territory, = admin.model('crm.sfa.territory', 'search_read',
        [('name', '=', "本市")], 0, None, None,
        ['regions', 'salespeople', 'assignments'])
    members = admin.model('crm.sfa.territory.salesperson', 'read',
        territory['salespeople'], ['employee', 'last_assignment'])
    refused(lambda: sales1.model('crm.sfa.territory', 'write',
            [territory['id']], {'regions': [('remove', territory['regions'])],
                'assignments': 0}))
    refused(lambda: sales1.model('crm.sfa.territory.salesperson', 'write',
            territory['salespeople'], {'last_assignment': -1}))
    refused(lambda: sales1.model('crm.sfa.territory.salesperson', 'create',
            [{'territory': territory['id'],
                    'employee': employees["张伟"]}]))
    assert admin.model('crm.sfa.territory', 'read', [territory['id']],
        ['regions', 'salespeople', 'assignments']) == [territory]
    assert admin.model('crm.sfa.territory.salesperson', 'read',
        territory['salespeople'], ['employee', 'last_assignment']) == members
