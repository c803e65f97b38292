"""Customer service attacked over JSON-RPC by the low-privilege roles of the
demo shop, who call any method, button and wizard with any value: each
attack is refused with the reason, and the complaint, service request,
churn record, survey response or article read back by the administrator is
as it was."""
import base64
import io
import re
from decimal import Decimal
import urllib.error
import urllib.parse
import urllib.request

import openpyxl
import pytest
from rpc import RPCError

# The reasons the server gives (Chinese of crm_service's messages and of
# Tryton's access errors)
NOT_ALLOWED = ("没有访问", "权限", "不允许")
SERVER_FIELD = ("由系统", "由服务流程自动设置")


def search_read(client, model, domain, fields, **kwargs):
    return client.model(model, 'search_read', domain, 0, None, None, fields,
        **kwargs)


def decimal(value):
    return {'__class__': 'Decimal', 'decimal': value}


def date(year, month, day):
    return {'__class__': 'date', 'year': year, 'month': month, 'day': day}


def now():
    return {'__class__': 'datetime', 'year': 2026, 'month': 12, 'day': 1,
        'hour': 10, 'minute': 0, 'second': 0, 'microsecond': 0}


def refused(call, *args, reasons=NOT_ALLOWED, **kwargs):
    "Assert call(*args) is refused with one of reasons; return the message"
    with pytest.raises(RPCError) as error:
        call(*args, **kwargs)
    assert error.value.kind == 'UserError', error.value.args
    message = error.value.message
    assert any(r in message for r in reasons), message
    return message


def read(admin, model, ids, fields):
    return admin.model(model, 'read', ids, fields,
        context={'active_test': False})


@pytest.fixture(scope='module')
def admin(rpc):
    return rpc('admin')


@pytest.fixture(scope='module')
def employees(admin):
    "{login: employee id} of the demo staff"
    return {u['login']: u['employee'] for u in search_read(admin,
            'res.user', [('login', '!=', 'root')], ['login', 'employee'])}


@pytest.fixture(scope='module')
def customers(admin, employees):
    """{login: id} of a customer of sales1 and one of sales2 whom messages
    reach, for their complaints and survey"""
    result = {}
    for login in ['sales1', 'sales2']:
        ids = admin.model('party.party', 'search', [
                ('owner', '=', employees[login]),
                ('sms_consent', '=', True),
                ('sms_opt_out', '!=', True),
                ('sms_mobile', '!=', None),
                ], 0, 1, None)
        assert ids, login
        result[login] = ids[0]
    return result


def category(admin, name):
    record, = search_read(admin, 'crm.service.complaint.category',
        [('name', '=', name)], ['id'])
    return record['id']


def new_complaint(rpc, admin, customer, resolution="更换同型号吹风机",
        compensation='50'):
    """A quality complaint recorded and routed by 客服, proposed and
    submitted for approval by its responsible technician (tech1)"""
    service, tech1 = rpc('service'), rpc('tech1')
    kind, = search_read(admin, 'sale.complaint.type',
        [('name', '=', "服务投诉")], ['id'])
    complaint, = service.model('sale.complaint', 'create', [{
                'customer': customer, 'type': kind['id'],
                'category': category(admin, "商品质量"),
                'channel': 'phone', 'founded': 'founded',
                'description': "吹风机买回一周就坏了",
                }])
    service.model('sale.complaint', 'route', [complaint])
    tech1.model('sale.complaint', 'write', [complaint], {
            'resolution': resolution,
            'compensation': decimal(compensation),
            })
    tech1.model('sale.complaint', 'wait', [complaint])
    return complaint


COMPLAINT_FIELDS = ['state', 'approved_amount', 'approved_by',
    'approved_at', 'submitted_by', 'submitted_at', 'submitted_user',
    'judged_by', 'routed_by', 'routed_at', 'responsible_employee',
    'responsible_department', 'compensation', 'resolution', 'due_date']


@pytest.fixture(scope='module')
def waiting(rpc, admin, customers):
    "A complaint of a customer of sales1 awaiting approval"
    complaint = new_complaint(rpc, admin, customers['sales1'])
    record, = read(admin, 'sale.complaint', [complaint], COMPLAINT_FIELDS)
    assert record['state'] == 'waiting'
    return complaint


@pytest.fixture(scope='module')
def closed(rpc, admin, customers):
    """A complaint of a customer of sales1 carried through by the roles:
    approved by the shop manager, implemented, summed up and closed by 客服;
    the customer is sent its satisfaction survey"""
    complaint = new_complaint(rpc, admin, customers['sales1'],
        compensation='20')
    manager, service = rpc('manager'), rpc('service')
    manager.model('sale.complaint', 'approve', [complaint])
    service.model('sale.complaint', 'write', [complaint],
        {'implementation': "已上门更换"})
    service.model('sale.complaint', 'implement', [complaint])
    service.model('sale.complaint', 'write', [complaint],
        {'summary': "客户满意"})
    service.model('sale.complaint', 'process', [complaint])
    record, = read(admin, 'sale.complaint', [complaint], ['state'])
    assert record['state'] == 'done'
    return complaint


@pytest.fixture(scope='module')
def response(admin, closed):
    "(id, token of its link) of the survey sent for the closed complaint"
    record, = search_read(admin, 'crm.service.survey.response',
        [('origin', '=', 'sale.complaint,%s' % closed)], ['id', 'sms'])
    assert record['sms'], "the survey link went by SMS"
    message, = read(admin, 'sms.message', [record['sms']], ['text'])
    token = re.search(r'/crm_service/survey/([\w.-]+)', message['text'])
    return record['id'], token.group(1)


@pytest.fixture(scope='module')
def request_(admin, employees):
    "The demo's service request of a customer of sales1, assigned to tech1"
    record, = search_read(admin, 'crm.service.request',
        [('fault', 'like', "吹风机使用时有焦味%")],
        ['id', 'technician', 'state', 'customer.owner'])
    assert record['technician'] == employees['tech1']
    assert record['state'] == 'assigned'
    assert record['customer.']['owner'] == employees['sales1']
    return record['id']


def churn_of(admin, employees, login):
    records = search_read(admin, 'crm.service.churn', [
            ('customer.owner', '=', employees[login]),
            ('state', '=', 'candidate'),
            ], ['id'])
    assert records, login
    return records[0]['id']


# 1. Visibility follows the customer's owner

def test_colleague_records_hidden(rpc, admin, employees, waiting, response,
        request_):
    """sales2 neither finds, counts nor reads the complaints, service
    requests, churn records and survey responses of sales1's customers;
    sales1 finds them"""
    sales1, sales2 = rpc('sales1'), rpc('sales2')
    theirs = {
        'sale.complaint': waiting,
        'crm.service.request': request_,
        'crm.service.churn': churn_of(admin, employees, 'sales1'),
        'crm.service.survey.response': response[0],
        }
    customer_field = {
        'sale.complaint': 'customer',
        'crm.service.request': 'customer',
        'crm.service.churn': 'customer',
        'crm.service.survey.response': 'party',
        }
    for model, record in theirs.items():
        field = customer_field[model]
        customer, = read(admin, model, [record], [field])
        assert record in sales1.model(model, 'search', [], 0, None, None)
        for domain in [
                [('id', '=', record)],
                [(field, '=', customer[field])],
                [(field + '.owner', '=', employees['sales1'])],
                [(field + '.name', '!=', None)],
                ]:
            assert record not in sales2.model(model, 'search', domain, 0,
                None, None), (model, domain)
            assert sales2.model(model, 'search_count',
                [('id', '=', record), domain]) == 0, (model, domain)
        assert search_read(sales2, model, [('id', '=', record)],
            ['id']) == []
        refused(sales2.model, model, 'read', [record], ['id', field])
        # Nor through the rec_name of a relation
        refused(sales2.model, model, 'read', [record], [field + '.rec_name'])
    # Nor the history and parts of the request, which follow it
    admin_history = search_read(admin, 'crm.service.request.history',
        [('request', '=', request_)], ['id'])
    assert admin_history
    assert search_read(sales1, 'crm.service.request.history',
        [('request', '=', request_)], ['id']) == admin_history
    assert search_read(sales2, 'crm.service.request.history',
        [('request', '=', request_)], ['id']) == []
    refused(sales2.model, 'crm.service.request.history', 'read',
        [admin_history[0]['id']], ['note'])


# 2. Approval is the department manager's or the shop manager's

@pytest.mark.parametrize('login', ['sales1', 'cashier1', 'service'])
def test_approve_refused(rpc, admin, waiting, login):
    "A salesperson, a cashier or 客服 calling 批示 is refused"
    client = rpc(login)
    before = read(admin, 'sale.complaint', [waiting], COMPLAINT_FIELDS)
    for button in ['approve', 'reject']:
        refused(client.model, 'sale.complaint', button, [waiting],
            reasons=NOT_ALLOWED + ("只有部门",))
    assert read(admin, 'sale.complaint', [waiting],
        COMPLAINT_FIELDS) == before


@pytest.mark.parametrize('login', ['sales1', 'cashier1', 'service'])
def test_complaint_server_fields(rpc, admin, employees, waiting, login):
    """State, approved amount, the who/when stamps and the responsible
    person are the workflow's"""
    client = rpc(login)
    before = read(admin, 'sale.complaint', [waiting], COMPLAINT_FIELDS)
    attacks = {
        'state': 'approved',
        'approved_amount': decimal('5000'),
        'approved_by': employees[login],
        'approved_at': now(),
        'submitted_by': employees['manager'],
        'submitted_at': now(),
        'judged_by': employees[login],
        'routed_at': now(),
        'due_date': date(2099, 1, 1),
        'responsible_employee': employees[login],
        # The proposal is fixed once submitted
        'compensation': decimal('5000'),
        'resolution': "全额退款",
        }
    for field, value in attacks.items():
        refused(client.model, 'sale.complaint', 'write', [waiting],
            {field: value}, reasons=NOT_ALLOWED + SERVER_FIELD + (
                "不能修改", "改派"))
    assert read(admin, 'sale.complaint', [waiting],
        COMPLAINT_FIELDS) == before


def test_complaint_actions_fixed_once_routed(rpc, admin, customers,
        waiting):
    """The actions run at closing are part of what is approved: once the
    complaint left draft its handlers add none, directly or by moving one
    from a draft complaint"""
    service, tech1 = rpc('service'), rpc('tech1')
    kind, = search_read(admin, 'sale.complaint.type',
        [('name', '=', "服务投诉")], ['id'])
    draft, = service.model('sale.complaint', 'create', [{
                'customer': customers['sales1'], 'type': kind['id'],
                'category': category(admin, "商品质量"),
                'description': "洗发水漏液",
                }])
    model = 'sale.complaint.action'
    # In draft 客服 records the actions
    action, = service.model(model, 'create', [{
                'complaint': draft, 'action': 'credit_note',
                }])
    before = read(admin, 'sale.complaint', [waiting], ['actions', 'state'])
    # 客服 by the step, the technician has no access to the actions at all
    for client, reasons in [(service, ("不能修改",)),
            (tech1, ("不能修改",) + NOT_ALLOWED)]:
        refused(client.model, model, 'create', [{
                    'complaint': waiting, 'action': 'credit_note',
                    }], reasons=reasons)
        refused(client.model, 'sale.complaint', 'write', [waiting], {
                'actions': [('create', [{'action': 'credit_note'}])],
                }, reasons=reasons)
    refused(service.model, model, 'write', [action],
        {'complaint': waiting}, reasons=("不能修改",))
    assert read(admin, 'sale.complaint', [waiting],
        ['actions', 'state']) == before
    assert read(admin, model, [action], ['complaint'])[0]['complaint'] == (
        draft)


def test_service_cannot_reroute(rpc, admin, employees):
    "客服 does not give the demo's routed complaint to someone else"
    complaint, = search_read(admin, 'sale.complaint',
        [('state', '=', 'routed'), ('description', '=', "上次烫发等候一个多小时")],
        ['id'])
    before = read(admin, 'sale.complaint', [complaint['id']],
        COMPLAINT_FIELDS)
    refused(rpc('service').model, 'sale.complaint', 'write',
        [complaint['id']], {'responsible_employee': employees['tech2']},
        reasons=("改派",))
    assert read(admin, 'sale.complaint', [complaint['id']],
        COMPLAINT_FIELDS) == before


@pytest.mark.parametrize('login', ['service', 'manager'])
def test_copy_carries_no_server_fields(rpc, admin, employees, waiting,
        request_, login):
    "A copy does not bring in states, amounts or owners the server sets"
    client = rpc(login)
    churn = churn_of(admin, employees, 'sales1')
    # With a reason: refused for the server fields, not a missing value
    reason, = search_read(admin, 'crm.service.churn.reason', [], ['id'])[:1]
    for model, record, default in [
            ('sale.complaint', waiting, {'state': 'approved',
                    'approved_amount': decimal('5000')}),
            ('crm.service.request', request_, {'state': 'in_progress',
                    'technician': employees['tech2']}),
            ('crm.service.churn', churn, {'state': 'confirmed',
                    'spend': decimal('99999'), 'reason': reason['id']}),
            ]:
        count = admin.model(model, 'search_count', [])
        refused(client.model, model, 'copy', [record], default,
            reasons=NOT_ALLOWED + SERVER_FIELD)
        assert admin.model(model, 'search_count', []) == count, model


# 3. Technicians work on their own requests

REQUEST_FIELDS = ['state', 'technician', 'assigned_date', 'service_fee',
    'charge', 'parts_amount', 'escalation_level', 'escalation_state',
    'history', 'parts', 'customer', 'number']


def test_technician_other_request(rpc, admin, request_):
    "tech2 neither finds, reads nor starts the request of tech1"
    tech2 = rpc('tech2')
    before = read(admin, 'crm.service.request', [request_], REQUEST_FIELDS)
    assert tech2.model('crm.service.request', 'search',
        [('id', '=', request_)], 0, None, None) == []
    assert tech2.model('crm.service.request', 'search_count', []) == 0
    refused(tech2.model, 'crm.service.request', 'read', [request_],
        ['fault'])
    for button in ['start', 'resolve', 'escalate', 'create_repair']:
        refused(tech2.model, 'crm.service.request', button, [request_],
            reasons=NOT_ALLOWED + ("没有分配给您",))
    assert read(admin, 'crm.service.request', [request_],
        REQUEST_FIELDS) == before


def test_technician_server_fields(rpc, admin, employees, request_):
    "The assigned technician does not set the technician, state, charge"
    tech1 = rpc('tech1')
    before = read(admin, 'crm.service.request', [request_], REQUEST_FIELDS)
    for field, value in {
            'technician': employees['tech2'],
            'state': 'closed',
            'assigned_date': now(),
            'escalation_level': 3,
            'escalation_state': 'approved',
            'charge': decimal('0'),
            'parts_amount': decimal('0'),
            'number': 'FW999999',
            }.items():
        refused(tech1.model, 'crm.service.request', 'write', [request_],
            {field: value}, reasons=NOT_ALLOWED + SERVER_FIELD)
    # The customer is fixed once assigned
    other, = search_read(admin, 'party.party',
        [('owner', '=', employees['sales2'])], ['id'])[:1]
    refused(tech1.model, 'crm.service.request', 'write', [request_],
        {'customer': other['id']}, reasons=("不能",))
    assert read(admin, 'crm.service.request', [request_],
        REQUEST_FIELDS) == before


def test_technician_other_roles_buttons(rpc, admin, request_):
    "On their own request a technician neither closes, cancels nor approves"
    tech1 = rpc('tech1')
    before = read(admin, 'crm.service.request', [request_], REQUEST_FIELDS)
    for button in ['assign', 'close', 'cancel', 'approve_escalation']:
        refused(tech1.model, 'crm.service.request', button, [request_],
            reasons=NOT_ALLOWED + ("角色",))
    assert read(admin, 'crm.service.request', [request_],
        REQUEST_FIELDS) == before


def test_fee_fixed_once_resolved(rpc, admin, employees, customers):
    """The technician's fee is entered while working on the request; once
    resolved neither the technician nor 客服 changes it"""
    service, tech1 = rpc('service'), rpc('tech1')
    product, = search_read(admin, 'product.product',
        [('name', '=', "负离子吹风机")], ['id'])
    request, = service.model('crm.service.request', 'create', [{
                'company': 1, 'customer': customers['sales1'],
                'product': product['id'], 'type': 'in_store',
                'fault': "吹风机不出热风",
                }])
    service.model('crm.service.request', 'assign', [request])
    assert read(admin, 'crm.service.request', [request],
        ['technician'])[0]['technician'] == employees['tech1']
    tech1.model('crm.service.request', 'start', [request])
    tech1.model('crm.service.request', 'write', [request],
        {'service_fee': decimal('80')})
    tech1.model('crm.service.request', 'resolve', [request])
    before = read(admin, 'crm.service.request', [request], REQUEST_FIELDS)
    assert before[0]['state'] == 'to_visit'
    assert Decimal(before[0]['charge']['decimal']) == 80
    for client, fee in [(tech1, '0'), (service, '999')]:
        refused(client.model, 'crm.service.request', 'write', [request],
            {'service_fee': decimal(fee)}, reasons=("不能再修改",))
    assert read(admin, 'crm.service.request', [request],
        REQUEST_FIELDS) == before


def test_part_price_is_the_server(rpc, admin, request_):
    "A part's unit price is the product's list price, whatever is sent"
    tech1 = rpc('tech1')
    product, = search_read(admin, 'product.product',
        [('name', '=', "负离子吹风机")], ['id', 'list_price'])
    refused(tech1.model, 'crm.service.part', 'create', [{
                'request': request_, 'product': product['id'],
                'quantity': 1, 'unit_price': decimal('0.01'),
                }], reasons=SERVER_FIELD)
    part, = tech1.model('crm.service.part', 'create', [{
                'request': request_, 'product': product['id'],
                'quantity': 1,
                }])
    before, = read(admin, 'crm.service.part', [part],
        ['unit_price', 'amount'])
    assert before['unit_price'] and before['unit_price'] != decimal('0.01')
    refused(tech1.model, 'crm.service.part', 'write', [part],
        {'unit_price': decimal('0.01')}, reasons=SERVER_FIELD)
    assert read(admin, 'crm.service.part', [part],
        ['unit_price', 'amount']) == [before]


@pytest.mark.parametrize('login', ['tech1', 'service', 'manager', 'admin'])
def test_history_readonly(rpc, admin, request_, login):
    "Nobody, not even the administrator, writes a request's history"
    client = rpc(login)
    history = read(admin, 'crm.service.request', [request_],
        ['history'])[0]['history']
    assert history
    fields = ['action', 'from_state', 'to_state', 'user', 'date', 'note']
    before = read(admin, 'crm.service.request.history', history, fields)
    reasons = NOT_ALLOWED + ("不能修改或删除",)
    refused(client.model, 'crm.service.request.history', 'create', [{
                'request': request_, 'action': 'start',
                'from_state': 'assigned', 'to_state': 'closed',
                }], reasons=reasons)
    refused(client.model, 'crm.service.request.history', 'write',
        history[:1], {'note': "已处理", 'to_state': 'closed'},
        reasons=reasons)
    refused(client.model, 'crm.service.request.history', 'delete',
        history[:1], reasons=reasons)
    refused(client.model, 'crm.service.request.history', 'copy',
        history[:1], {}, reasons=reasons)
    assert read(admin, 'crm.service.request', [request_],
        ['history'])[0]['history'] == history
    assert read(admin, 'crm.service.request.history', history,
        fields) == before


# 4. Survey answers come from the page or the staff's entry only

RESPONSE_FIELDS = ['state', 'answers', 'answered_date', 'channel',
    'answered_by', 'expires', 'party', 'employee']


def survey_page(server, demo_database, token, form=None):
    "(status, body) of the customer's page for token, GET or POST form"
    url = '%s%s/crm_service/survey/%s' % (server, demo_database.name,
        urllib.parse.quote(token, safe=''))
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        with urllib.request.urlopen(url, data, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_survey_records_server_only(rpc, admin, response):
    "No client, not even the administrator, writes responses or answers"
    response_id, _ = response
    before = read(admin, 'crm.service.survey.response', [response_id],
        RESPONSE_FIELDS)
    question, = search_read(admin, 'crm.service.survey.question',
        [('text', '=', "您对投诉处理结果的满意程度")], ['id', 'survey'])
    reasons = NOT_ALLOWED + ("只能通过问卷网页",)
    for login in ['service', 'manager', 'admin']:
        client = admin if login == 'admin' else rpc(login)
        refused(client.model, 'crm.service.survey.answer', 'create', [{
                    'response': response_id, 'question': question['id'],
                    'score': 1,
                    }], reasons=reasons)
        for values in [{'state': 'answered'}, {'state': 'expired'},
                {'channel': 'web'}, {'expires': now()}]:
            refused(client.model, 'crm.service.survey.response', 'write',
                [response_id], values, reasons=reasons)
        refused(client.model, 'crm.service.survey.response', 'create', [{
                    'survey': question['survey'],
                    'party': before[0]['party'], 'company': 1,
                    'sent_date': now(), 'expires': now(),
                    'state': 'answered',
                    }], reasons=reasons)
    assert read(admin, 'crm.service.survey.response', [response_id],
        RESPONSE_FIELDS) == before


@pytest.mark.parametrize('login', ['service', 'manager', 'admin'])
def test_survey_secret_unreadable(rpc, admin, login):
    """The key the links are signed with is read by no role: trytond
    answers 403, the model being no client's (ModelSQL without a view)"""
    client = admin if login == 'admin' else rpc(login)
    for method, params in [
            ('search', [[], 0, None, None]),
            ('read', [[1], ['secret']]),
            ('search_read', [[], 0, None, None, ['secret']]),
            ('search_count', [[('secret', '!=', None)]]),
            ]:
        with pytest.raises(urllib.error.HTTPError) as error:
            client.model('crm.service.survey.secret', method, *params)
        assert error.value.code == 403, method


def test_survey_page_token(server, demo_database, rpc, admin, response):
    """The public page refuses a forged token and a second use; the
    customer's own link is answered once"""
    response_id, token = response
    ident, stamp, signature = token.split('.')
    questions = search_read(admin, 'crm.service.survey.question',
        [('survey.name', '=', "投诉处理满意度")], ['id', 'kind'])
    form = {'q%s' % q['id']: {'score': '5', 'choice': "很快",
            'text': "处理得很好"}[q['kind']] for q in questions}
    before = read(admin, 'crm.service.survey.response', [response_id],
        RESPONSE_FIELDS)
    assert before[0]['state'] == 'sent' and not before[0]['answers']
    forged = [
        '%s.%s.%s' % (ident, stamp, signature[:-2] + (
                'AA' if signature[-2:] != 'AA' else 'BB')),
        '%s.%s.%s' % (int(ident) + 1, stamp, signature),
        '%s.%s.%s' % (ident, int(stamp) + 86400, signature),
        '%s.%s' % (ident, stamp),
        'x',
        ]
    for bad in forged:
        for data in [None, form]:
            status, body = survey_page(server, demo_database, bad, data)
            assert status == 403, (bad, status)
            assert "很快" not in body
    assert read(admin, 'crm.service.survey.response', [response_id],
        RESPONSE_FIELDS) == before

    status, body = survey_page(server, demo_database, token)
    assert status == 200 and "很快" in body
    status, _ = survey_page(server, demo_database, token, form)
    assert status == 200
    answered = read(admin, 'crm.service.survey.response', [response_id],
        RESPONSE_FIELDS)
    assert answered[0]['state'] == 'answered'
    assert answered[0]['channel'] == 'web'
    assert len(answered[0]['answers']) == len(questions)

    # The second use of the link is refused and changes nothing
    for data in [None, {k: '1' if v == '5' else v for k, v in form.items()}]:
        status, body = survey_page(server, demo_database, token, data)
        assert status == 410, status
    assert read(admin, 'crm.service.survey.response', [response_id],
        RESPONSE_FIELDS) == answered
    scores = search_read(admin, 'crm.service.survey.answer',
        [('response', '=', response_id), ('score', '!=', None)], ['score'])
    assert [s['score'] for s in scores] == [5]
    # A colleague's salesperson does not read them
    assert search_read(rpc('sales2'), 'crm.service.survey.answer',
        [('response', '=', response_id)], ['score']) == []
    assert len(search_read(rpc('sales1'), 'crm.service.survey.answer',
        [('response', '=', response_id)], ['score'])) == len(questions)
    # Nor is an answer written over by a client
    refused(admin.model, 'crm.service.survey.answer', 'write',
        answered[0]['answers'], {'score': 1},
        reasons=NOT_ALLOWED + ("只能通过问卷网页",))
    refused(admin.model, 'crm.service.survey.answer', 'delete',
        answered[0]['answers'], reasons=NOT_ALLOWED + ("只能通过问卷网页",))
    assert [s['score'] for s in search_read(admin,
                'crm.service.survey.answer',
                [('response', '=', response_id), ('score', '!=', None)],
                ['score'])] == [5]


# 5. Churn: the manager confirms, the server takes the snapshot

CHURN_FIELDS = ['state', 'last_visit', 'spend', 'level', 'region',
    'salesperson', 'products', 'month', 'confirmed_by', 'confirmed_at',
    'dismissed_by', 'dismissed_at', 'won_back_date', 'reason']


@pytest.mark.parametrize('login', ['sales1', 'service'])
def test_churn_buttons_refused(rpc, admin, employees, login):
    "A salesperson or 客服 neither confirms nor dismisses a candidate"
    client = rpc(login)
    churn = churn_of(admin, employees, 'sales1')
    reason, = search_read(admin, 'crm.service.churn.reason', [], ['id'])[:1]
    admin.model('crm.service.churn', 'write', [churn],
        {'reason': reason['id']})
    before = read(admin, 'crm.service.churn', [churn], CHURN_FIELDS)
    for button in ['confirm', 'dismiss']:
        refused(client.model, 'crm.service.churn', button, [churn])
    assert read(admin, 'crm.service.churn', [churn], CHURN_FIELDS) == before


@pytest.mark.parametrize('login', ['service', 'manager', 'admin'])
def test_churn_snapshot_fields(rpc, admin, employees, login):
    "Nobody writes the snapshot, stamps or state of a churn record"
    client = admin if login == 'admin' else rpc(login)
    churn = churn_of(admin, employees, 'sales1')
    before = read(admin, 'crm.service.churn', [churn], CHURN_FIELDS)
    level, = search_read(admin, 'crm.membership.level', [], ['id'])[:1]
    region, = search_read(admin, 'crm.region', [], ['id'])[:1]
    product, = search_read(admin, 'product.product', [], ['id'])[:1]
    user = client.user_id
    for field, value in {
            'last_visit': date(2026, 11, 30),
            'spend': decimal('99999'),
            'level': level['id'],
            'region': region['id'],
            'salesperson': employees['sales2'],
            'products': [('add', [product['id']])],
            'state': 'confirmed',
            'month': date(2026, 1, 1),
            'confirmed_by': user,
            'confirmed_at': now(),
            'dismissed_by': user,
            'won_back_date': date(2026, 12, 1),
            }.items():
        refused(client.model, 'crm.service.churn', 'write', [churn],
            {field: value}, reasons=NOT_ALLOWED + SERVER_FIELD)
    customer, = read(admin, 'crm.service.churn', [churn], ['customer'])
    refused(client.model, 'crm.service.churn', 'create', [{
                'customer': customer['customer'], 'date': date(2026, 12, 1),
                'spend': decimal('1'), 'last_visit': date(2026, 1, 1),
                }], reasons=NOT_ALLOWED + SERVER_FIELD)
    assert read(admin, 'crm.service.churn', [churn], CHURN_FIELDS) == before


# 6. Knowledge: versions are kept by the server, groups hide articles

@pytest.fixture(scope='module')
def secret_article(admin):
    "An article for the shop managers only, saved twice (one old version)"
    group, = search_read(admin, 'res.group', [('name', '=', "销售经理")],
        ['id'])
    article, = admin.model('crm.service.knowledge.article', 'create', [{
                'kind': 'article', 'title': "店长专用进货底价说明",
                'content': "洗护用品进货底价按供应商合同执行，不得外传。",
                'keywords': "底价 进货 合同",
                'published': True,
                'groups': [('add', [group['id']])],
                }])
    admin.model('crm.service.knowledge.article', 'write', [article],
        {'content': "洗护用品进货底价按供应商合同执行，严禁外传。"})
    return article


def knowledge_search(client, query):
    "The article ids the knowledge search wizard lists for query"
    results = client.model('crm.service.knowledge.search.start',
        'on_change_with', {'query': query}, ['results']).get('results', {})
    return [record['id'] for _, record in results.get('add', [])]


def test_version_readonly(rpc, admin, secret_article):
    "客服 (and any role) cannot change nor make an article's versions"
    fields = ['article', 'number', 'title', 'content', 'editor']
    demo, = search_read(admin, 'crm.service.knowledge.article',
        [('title', '=', "营业时间是几点到几点？")], ['id'])
    service = rpc('service')
    service.model('crm.service.knowledge.article', 'write', [demo['id']],
        {'answer': "每天上午9:30至晚上10:00营业，节假日照常营业。"})
    versions = search_read(admin, 'crm.service.knowledge.version',
        [('article', '=', demo['id'])], ['id'])
    assert versions
    ids = [v['id'] for v in versions]
    before = read(admin, 'crm.service.knowledge.version', ids, fields)
    reasons = NOT_ALLOWED + ("由系统保存",)
    for client in [service, admin]:
        refused(client.model, 'crm.service.knowledge.version', 'write', ids,
            {'content': "篡改", 'number': 99}, reasons=reasons)
        refused(client.model, 'crm.service.knowledge.version', 'create', [{
                    'article': demo['id'], 'number': 99, 'title': "篡改",
                    }], reasons=reasons)
        refused(client.model, 'crm.service.knowledge.version', 'delete',
            ids, reasons=reasons)
    assert read(admin, 'crm.service.knowledge.version', ids,
        fields) == before


@pytest.mark.parametrize('login', ['service', 'sales1', 'tech1'])
def test_article_of_other_group_hidden(rpc, admin, secret_article, login):
    """Outside the article's groups it is neither found, by search or the
    knowledge search, nor read; the shop manager finds it"""
    client = rpc(login)
    assert secret_article in knowledge_search(rpc('manager'), "进货底价")
    model = 'crm.service.knowledge.article'
    for domain in [
            [('id', '=', secret_article)],
            [('title', 'ilike', '%底价%')],
            [('search_text', 'ilike', '%底价%')],
            [('groups', '!=', None)],
            ]:
        assert client.model(model, 'search', domain, 0, None, None) == []
        assert client.model(model, 'search_count', domain) == 0
    refused(client.model, model, 'read', [secret_article],
        ['title', 'content'])
    # The search works for the user: an article for everyone is found
    public, = search_read(admin, model,
        [('title', '=', "负离子吹风机保修政策")], ['id'])
    assert public['id'] in knowledge_search(client, "吹风机 保修")
    assert secret_article not in knowledge_search(client, "进货底价")
    assert secret_article not in knowledge_search(client, "底价 合同 外传")
    # The ranked search is the server's, not a client's method: trytond
    # answers 403
    with pytest.raises(urllib.error.HTTPError) as error:
        client.model(model, 'search_text_ranked', "底价")
    assert error.value.code == 403
    # Nor are its versions read
    versions = search_read(admin, 'crm.service.knowledge.version',
        [('article', '=', secret_article)], ['id'])
    assert versions
    assert search_read(client, 'crm.service.knowledge.version',
        [('article', '=', secret_article)], ['id']) == []
    refused(client.model, 'crm.service.knowledge.version', 'read',
        [versions[0]['id']], ['content'])


def test_article_groups_not_changed_around(rpc, admin, secret_article):
    """客服, who sets the groups of the articles they see, changes none of
    an article hidden from them: no joining its group, no removing it to
    make the article public"""
    service = rpc('service')
    own, = search_read(admin, 'res.group', [('name', '=', "客服")], ['id'])
    model = 'crm.service.knowledge.article'
    before = read(admin, model, [secret_article], ['groups', 'content'])
    for groups in [[('add', [own['id']])], [('remove', before[0]['groups'])],
            [('set', [])]]:
        refused(service.model, model, 'write', [secret_article],
            {'groups': groups})
    refused(service.model, model, 'delete', [secret_article])
    # The table between articles and groups is no client's model: trytond
    # answers 403
    for method, params in [
            ('search', [[('article', '=', secret_article)], 0, None, None]),
            ('create', [[{'article': secret_article, 'group': own['id']}]]),
            ]:
        with pytest.raises(urllib.error.HTTPError) as error:
            service.model('crm.service.knowledge.article-res.group', method,
                *params)
        assert error.value.code == 403, method
    assert read(admin, model, [secret_article],
        ['groups', 'content']) == before


# 7. Wizards check the role in their transitions

def action_id(admin, wizard):
    "The id of the action of wizard"
    action, = search_read(admin, 'ir.action.wizard',
        [('wiz_name', '=', wizard)], ['id'])
    return action['id']


@pytest.mark.parametrize('login', ['service', 'tech1'])
def test_reassign_wizard_refused(rpc, admin, employees, request_, login):
    """改派 is the shop manager's: refused to 客服 and a technician with the
    wizard's action, and in its transition with another action"""
    client = rpc(login)
    before = read(admin, 'crm.service.request', [request_], REQUEST_FIELDS)
    data = {'start': {'technician': employees['tech2'], 'note': "改派"}}
    refused(client.wizard, 'crm.service.request.reassign',
        action_id(admin, 'crm.service.request.reassign'),
        ('crm.service.request', request_), [('reassign', data)])
    # The action of another wizard: Tryton lets it start, the transition
    # checks the role
    refused(client.wizard, 'crm.service.request.reassign',
        action_id(admin, 'crm.service.knowledge.search'),
        ('crm.service.request', request_), [('reassign', data)],
        reasons=("角色",))
    assert read(admin, 'crm.service.request', [request_],
        REQUEST_FIELDS) == before


def test_survey_entry_wizard_refused(rpc, admin, employees, customers):
    "A salesperson does not enter a survey's answers, whatever the action"
    sales1 = rpc('sales1')
    # A survey still open: sent for a complaint closed here
    service = rpc('service')
    complaint = new_complaint(rpc, admin, customers['sales1'],
        compensation='10')
    rpc('manager').model('sale.complaint', 'approve', [complaint])
    service.model('sale.complaint', 'write', [complaint],
        {'implementation': "已退款"})
    service.model('sale.complaint', 'implement', [complaint])
    service.model('sale.complaint', 'write', [complaint], {'summary': "结案"})
    service.model('sale.complaint', 'process', [complaint])
    response, = search_read(admin, 'crm.service.survey.response',
        [('origin', '=', 'sale.complaint,%s' % complaint)], ['id'])
    response = response['id']
    before = read(admin, 'crm.service.survey.response', [response],
        RESPONSE_FIELDS)
    assert before[0]['state'] == 'sent'
    questions = search_read(admin, 'crm.service.survey.question',
        [('survey.name', '=', "投诉处理满意度")], ['id', 'kind'])
    data = {'start': {'response': response, 'lines': [{
                    'question': q['id'], 'kind': q['kind'],
                    'score': 1, 'choice': "太慢", 'text': "差",
                    } for q in questions]}}
    wizard = 'crm.service.survey.response.enter'
    # With the wizard's action
    refused(sales1.wizard, wizard, action_id(admin, wizard),
        ('crm.service.survey.response', response), [('enter', data)])
    # Started on a record the salesperson may write, with an action of no
    # group: the transition checks the role
    own, = search_read(admin, 'party.party',
        [('owner', '=', employees['sales1'])], ['id'])[:1]
    refused(sales1.wizard, wizard,
        action_id(admin, 'crm.service.knowledge.search'),
        ('party.party', own['id']), [('enter', data)],
        reasons=("只有客服和经理",))
    assert read(admin, 'crm.service.survey.response', [response],
        RESPONSE_FIELDS) == before


def run_wizard(client, name, action, states):
    """Run wizard name from its menu (no record) with action as the web
    client does; return the last answer"""
    context = {**client.context, 'action_id': action}
    session, _, _ = client.call('wizard.%s.create' % name, context)
    result = None
    try:
        for state, data in states:
            result = client.call('wizard.%s.execute' % name, session, data,
                state, context)
    finally:
        client.call('wizard.%s.delete' % name, session, context)
    return result


def import_file(admin, wizard, row):
    "The wizard's template workbook with row as its only line"
    session, _, _ = admin.call('wizard.%s.create' % wizard, admin.context)
    try:
        answer = admin.call('wizard.%s.execute' % wizard, session, {},
            'start', admin.context)
    finally:
        admin.call('wizard.%s.delete' % wizard, session, admin.context)
    template = answer['view']['defaults']['template']
    book = openpyxl.load_workbook(io.BytesIO(
            base64.b64decode(template['base64'])))
    sheet = book.active
    sheet.delete_rows(2, sheet.max_row)
    sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return {'file': {'__class__': 'bytes',
            'base64': base64.b64encode(output.getvalue()).decode()},
        'filename': 'import.xlsx'}


@pytest.mark.parametrize('wizard, model', [
        ('crm.service.suggestion.import', 'crm.service.suggestion'),
        ('crm.service.churn.import', 'crm.service.churn'),
        ])
def test_import_wizard_refused(rpc, admin, employees, wizard, model):
    """A salesperson imports neither suggestions nor churn records, even
    a good file of own customers, whatever the action"""
    own, = search_read(admin, 'party.party',
        [('owner', '=', employees['sales1'])], ['id', 'code'])[:1]
    if model == 'crm.service.churn':
        reason, = search_read(admin, 'crm.service.churn.reason', [],
            ['name'])[:1]
        row = [own['code'], None, reason['name'], '2026-11-01', "导入攻击"]
    else:
        kind, = search_read(admin, 'crm.service.suggestion.kind', [],
            ['name'])[:1]
        row = [kind['name'], "导入攻击", '2026-11-01', "张三",
            '13800138000', None, None]
    data = import_file(admin, wizard, row)
    # The file is good: the manager's check finds nothing wrong
    checked = run_wizard(rpc('manager'), wizard, action_id(admin, wizard),
        [('check', {'start': data})])
    assert checked['view']['defaults']['errors'] is None
    count = admin.model(model, 'search_count', [],
        context={'active_test': False})
    sales1 = rpc('sales1')
    for action in [action_id(admin, wizard),
            action_id(admin, 'crm.service.knowledge.search')]:
        refused(run_wizard, sales1, wizard, action,
            [('import_', {'start': data})])
    assert admin.model(model, 'search_count', [],
        context={'active_test': False}) == count
