"""Member cards attacked over JSON-RPC by the low-privilege roles of the demo
shop: each attack is refused and the card, its ledgers and its balances read
back by the admin are as they were."""
import base64
import datetime as dt
import io

import openpyxl
import pytest
from rpc import RPCError

GOLD = '880000000002'
CARD_FIELDS = ['number', 'party', 'type', 'level', 'state', 'issue_date',
    'expiry', 'replaced_by', 'pin_reset', 'has_pin', 'pin_locked',
    'principal', 'bonus', 'balance', 'points']
LEDGERS = [('crm.membership.value.line', 'card'),
    ('crm.membership.point.line', 'card'),
    ('crm.membership.package', 'card'),
    ('crm.membership.card.log', 'card')]


def date(value):
    return {'__class__': 'date', 'year': value.year, 'month': value.month,
        'day': value.day}


def search_read(client, model, domain, fields, **kwargs):
    return client.model(model, 'search_read', domain, 0, None, None, fields,
        **kwargs)


def action(admin, wizard):
    "The id of the action of wizard"
    action, = search_read(admin, 'ir.action.wizard',
        [('wiz_name', '=', 'crm.membership.card.' + wizard)], ['id'])
    return action['id']


@pytest.fixture(scope='module')
def admin(rpc):
    return rpc('admin')


@pytest.fixture(scope='module')
def gold(admin):
    card, = search_read(admin, 'crm.membership.card',
        [('number', '=', GOLD)], ['id'])
    return card['id']


def snapshot(admin, card_id):
    "The card and its ledgers as the admin reads them"
    card, = admin.model('crm.membership.card', 'read', [card_id],
        CARD_FIELDS)
    ledgers = {model: search_read(admin, model, [(field, '=', card_id)],
            ['id'])
        for model, field in LEDGERS}
    return card, ledgers


def other(admin, model, card_value):
    "A record of model other than card_value"
    record, = search_read(admin, model, [('id', '!=', card_value)],
        ['id'], context={'active_test': False})[:1]
    return record['id']


def test_cashier_cannot_set_server_fields(rpc, admin, gold):
    "Level, state, member, expiry, PIN, number... are the workflow's"
    cashier = rpc('cashier1')
    before = snapshot(admin, gold)
    card = before[0]
    assert card['state'] == 'active' and card['has_pin']
    today = dt.date.today()
    now = dt.datetime.now()
    attacks = {
        'level': other(admin, 'crm.membership.level', card['level']),
        'state': 'cancelled',
        'party': other(admin, 'party.party', card['party']),
        'type': other(admin, 'crm.membership.card.type', card['type']),
        'expiry': date(today - dt.timedelta(days=1)),
        'pin_hash': None,
        'pin_reset': {'__class__': 'datetime', 'year': now.year,
            'month': now.month, 'day': now.day, 'hour': now.hour,
            'minute': now.minute, 'second': now.second, 'microsecond': 0},
        'number': '880099999999',
        'issue_date': date(today),
        'replaced_by': other(admin, 'crm.membership.card', gold),
        }
    for field, value in attacks.items():
        with pytest.raises(RPCError) as error:
            cashier.model('crm.membership.card', 'write', [gold],
                {field: value})
        assert error.value.kind == 'UserError', field
    assert snapshot(admin, gold) == before


def test_cashier_creates_draft_card_only(rpc, admin, gold):
    "A cashier creates a draft card with its member and type, then issues it"
    cashier = rpc('cashier1')
    card_type, = search_read(admin, 'crm.membership.card.type',
        [('name', '=', "会员折扣卡")], ['id'])
    party = admin.model('crm.membership.card', 'read', [gold],
        ['party'])[0]['party']
    draft = {'party': party, 'type': card_type['id']}
    level = other(admin, 'crm.membership.level', None)
    for values in [{'state': 'active'}, {'number': '880099999998'},
            {'level': level}, {'expiry': date(dt.date(2099, 1, 1))},
            {'issue_date': date(dt.date.today())}, {'pin_hash': 'x'}]:
        with pytest.raises(RPCError):
            cashier.model('crm.membership.card', 'create',
                [{**draft, **values}])
    assert search_read(admin, 'crm.membership.card',
        [('number', '=', '880099999998')], ['id']) == []

    card_id, = cashier.model('crm.membership.card', 'create', [draft])
    cashier.wizard('crm.membership.card.issue',
        action(admin, 'issue'), ('crm.membership.card', card_id),
        [('start', {}), ('issue', {'start': {}})])
    card, = admin.model('crm.membership.card', 'read', [card_id],
        ['state', 'number', 'party', 'level'])
    assert card['state'] == 'active' and card['number']
    assert card['party'] == party and card['level']


def test_pin_hash_unreadable(rpc, admin, gold):
    "No role reads the PIN hash nor searches on it"
    for login in ['cashier1', 'manager', 'admin']:
        client = admin if login == 'admin' else rpc(login)
        with pytest.raises(RPCError):
            client.model('crm.membership.card', 'read', [gold], ['pin_hash'])
        with pytest.raises(RPCError):
            client.model('crm.membership.card', 'search',
                [('pin_hash', '>', 'x')], 0, None, None)


@pytest.mark.parametrize('named', ['cancel', 'top_up'])
def test_cashier_cannot_cancel(rpc, admin, gold, named):
    "退卡 is a manager's, whatever action the cashier names"
    cashier = rpc('cashier1')
    before = snapshot(admin, gold)
    with pytest.raises(RPCError) as error:
        cashier.wizard('crm.membership.card.cancel', action(admin, named),
            ('crm.membership.card', gold),
            [('start', {}), ('cancel', {'start': {}})])
    if named != 'cancel':
        # Tryton let it start, the wizard checked the role
        assert '角色' in error.value.message
    assert snapshot(admin, gold) == before
    assert search_read(admin, 'crm.membership.value.line',
        [('card', '=', gold), ('kind', '=', 'cancel')], ['id']) == []


def decimal(value):
    return {'__class__': 'Decimal', 'decimal': value}


@pytest.mark.parametrize('login,wizard,state,data', [
        ('cashier1', 'crm.membership.card.adjust', 'adjust',
            {'principal': decimal('1000'), 'reason': "x"}),
        ('cashier1', 'crm.membership.card.cancel', 'cancel', {}),
        ('sales1', 'crm.membership.card.top_up', 'top_up',
            {'amount': decimal('100')}),
        ('service', 'crm.membership.card.redeem', 'redeem',
            {'quantity': 1}),
        ])
def test_forged_action_refused(rpc, admin, gold, login, wizard, state, data):
    "A wizard checks the role of its button, not of the action named"
    client = rpc(login)
    before = snapshot(admin, gold)
    with pytest.raises(RPCError) as error:
        client.wizard(wizard, action(admin, 'migrate'),
            ('crm.membership.card', gold), [(state, {'start': data})])
    assert error.value.kind == 'UserError'
    if login == 'cashier1':
        assert '角色' in error.value.message
    assert snapshot(admin, gold) == before


def migration_file(admin, number):
    "A workbook of one legacy card with ¥888 and 5,000 points"
    session, _, _ = admin.call('wizard.crm.membership.card.migrate.create',
        admin.context)
    try:
        answer = admin.call('wizard.crm.membership.card.migrate.execute',
            session, {}, 'start', admin.context)
    finally:
        admin.call('wizard.crm.membership.card.migrate.delete', session,
            admin.context)
    template = answer['view']['defaults']['template']
    book = openpyxl.load_workbook(io.BytesIO(
            base64.b64decode(template['base64'])))
    sheet = book.active
    sheet.delete_rows(2, sheet.max_row)
    sheet.append([number, "不记名储值卡", None, None, 888, 0, 5000, None,
            None])
    output = io.BytesIO()
    book.save(output)
    return {'file': {'__class__': 'bytes',
            'base64': base64.b64encode(output.getvalue()).decode()},
        'filename': 'cards.xlsx'}


@pytest.mark.parametrize('login', ['cashier1', 'sales1'])
def test_migration_forged_action_refused(rpc, admin, gold, login):
    "会员卡迁移 is a manager's, even with the id of an action the user has"
    number = '8877%08d' % (1 + ['cashier1', 'sales1'].index(login))
    data = migration_file(admin, number)
    # The file is good: a manager's check finds nothing wrong in it
    checked = rpc('manager').wizard('crm.membership.card.migrate',
        action(admin, 'migrate'), ('crm.membership.card', gold),
        [('check', {'start': data})])
    assert checked['view']['defaults']['errors'] is None
    assert checked['view']['defaults']['cards'] == 1

    client = rpc(login)
    # Started on a record the user may write, as Tryton asks of a wizard
    # whose action has no groups
    if login == 'sales1':
        own, = search_read(admin, 'party.party',
            [('owner.party.name', '=', "张伟")], ['id'])[:1]
        record = ('party.party', own['id'])
    else:
        record = ('crm.membership.card', gold)
    with pytest.raises(RPCError) as error:
        client.wizard('crm.membership.card.migrate',
            action(admin, 'top_up'), record,
            [('check', {'start': data}), ('import_', {'start': data})])
    assert error.value.kind == 'UserError'
    assert '角色' in error.value.message
    assert search_read(admin, 'crm.membership.card',
        [('number', '=', number)], ['id']) == []


def colleague_card(admin, salesperson):
    "An active card of a customer of salesperson, with its ledgers"
    cards = search_read(admin, 'crm.membership.card', [
            ('party.owner.party.name', '=', salesperson),
            ('state', '=', 'active'),
            ('value_lines', '!=', None),
            ], ['id', 'party'])
    return cards[0]


def test_salesperson_sees_only_own_ledgers(rpc, admin):
    "Ledgers, history and monthly spend follow the customer's owner"
    sales1 = rpc('sales1')
    # 李娜 is sales2, 张伟 is sales1
    theirs = colleague_card(admin, "李娜")
    own = colleague_card(admin, "张伟")
    for model, field in LEDGERS + [
            ('crm.membership.level.change', 'card'),
            ('crm.membership.member.month', 'party')]:
        key = theirs['party'] if field == 'party' else theirs['id']
        hidden = search_read(admin, model, [(field, '=', key)], ['id'])
        # A stored-value card has no package, not every card changed level
        if model not in {'crm.membership.package',
                'crm.membership.level.change'}:
            assert hidden, model
        assert search_read(sales1, model, [(field, '=', key)], ['id']) == []
        for record in hidden:
            with pytest.raises(RPCError):
                sales1.model(model, 'read', [record['id']], ['id'])
        key = own['party'] if field == 'party' else own['id']
        assert (search_read(sales1, model, [(field, '=', key)], ['id'])
            == search_read(admin, model, [(field, '=', key)], ['id']))
    # Nor found through the amounts they hold
    assert sales1.model('crm.membership.value.line', 'search_count', [
            ('card', '=', theirs['id']), ('principal', '!=', 0)]) == 0
