"""The till attacked over JSON-RPC as a cashier would: each call the web
client could send with other values is refused by the server, and the
data read back as administrator is unchanged."""
import uuid
from decimal import Decimal

import pytest

from rpc import RPCError

GOLD_CARD = '880000000002'
PIN = '123456'


def find(client, model, domain, fields):
    return client.model(model, 'search_read', domain, 0, None, None, fields)


@pytest.fixture(scope='module')
def admin(rpc):
    return rpc('admin')


@pytest.fixture(scope='module')
def cashier(rpc):
    return rpc('cashier1')


@pytest.fixture
def card(admin):
    "The gold member's card as the administrator reads it"
    def read():
        card, = find(admin, 'crm.membership.card',
            [('number', '=', GOLD_CARD)],
            ['balance', 'points', 'level', 'state', 'party', 'value_lines',
                'point_lines'])
        return card
    return read


def open_sale(client, card_id=None, product="洗发水", quantity=1):
    "A new open sale of the till, priced by the server as the client has it"
    point, = find(client, 'sale.point', [], ['id'])
    product, = find(client, 'product.product', [('name', '=', product)],
        ['id'])
    sale_id, = client.model('sale.point.sale', 'create', [{
                'point': point['id'], 'card': card_id}])
    changes = client.model('sale.point.sale.line', 'on_change', {
            'sale': sale_id, 'product': product['id'],
            'quantity': quantity}, ['product'])
    values = {'product': product['id'], 'quantity': quantity}
    values.update({k: v for k, v in changes.items() if k in {
                'unit_list_price', 'unit_gross_price',
                'base_list_price', 'base_gross_price', 'member_discount'}})
    client.model('sale.point.sale', 'write', [sale_id], {
            'lines': [['create', [values]]]})
    return sale_id


def methods(client):
    return {m['name']: m['id'] for m in find(client,
            'sale.point.payment.method', [], ['name'])}


def card_payment(admin):
    "A payment of the demo's first sales that took value from a card"
    payment, = find(admin, 'sale.point.payment',
        [('card_line', '!=', None)], ['card', 'card_line', 'card_key'])[:1]
    return payment


def test_card_payment_created_directly(admin, cashier, card):
    "1. A payment by the member-card method without the Pay dialog"
    before = card()
    sale_id = open_sale(cashier, before['id'])
    with pytest.raises(RPCError) as refused:
        cashier.model('sale.point.payment', 'create', [{
                    'sale': sale_id, 'method': methods(cashier)["会员卡"],
                    'amount': '60.00', 'card': before['id']}])
    assert '收款' in refused.value.message
    assert card() == before
    sale, = admin.model('sale.point.sale', 'read', [sale_id],
        ['state', 'payments'])
    assert (sale['state'], sale['payments']) == ('open', [])


def test_card_line_of_another_payment(admin, cashier, card):
    "2. A cash payment that names an earlier payment's card line or key"
    earlier = card_payment(admin)
    before = card()
    sale_id = open_sale(cashier, before['id'])
    cash = methods(cashier)["现金"]
    for values in [
            {'card': earlier['card'], 'card_line': earlier['card_line']},
            {'card': earlier['card'], 'points': 500,
                'card_key': earlier['card_key']},
            ]:
        with pytest.raises(RPCError) as refused:
            cashier.model('sale.point.payment', 'create', [dict(values,
                        sale=sale_id, method=cash, amount='1.00')])
        assert '客户端' in refused.value.message
    assert card() == before
    assert find(admin, 'sale.point.payment', [('sale', '=', sale_id)],
        ['id']) == []


def run_pay(client, sale_id, values):
    "The Pay dialog of the sale with values typed over its form"
    context = {**client.context, 'active_model': 'sale.point.sale',
        'active_id': sale_id, 'active_ids': [sale_id]}
    name = 'wizard.sale.point.sale.pay'
    session, _, _ = client.call(f'{name}.create', context)
    try:
        form = client.call(f'{name}.execute', session, {}, 'payment',
            context)['view']['defaults']
        data = {k: v for k, v in form.items() if not k.endswith('.')}
        data.update(values)
        return client.call(f'{name}.execute', session, {'payment': data},
            'pay', context)
    finally:
        client.call(f'{name}.delete', session, context)


def test_card_key_of_another_sale(admin, cashier, card):
    "3. Another sale's card key sent to the Pay dialog, with a wrong PIN"
    earlier = card_payment(admin)
    before = card()
    sale_id = open_sale(cashier, before['id'])
    cash = methods(cashier)["现金"]
    for key in [earlier['card_key'], earlier['card_key'].rsplit(',', 1)[-1]]:
        with pytest.raises(RPCError):
            run_pay(cashier, sale_id, {'method': cash, 'amount': '0',
                    'card_amount': '10.00', 'pin': '000000',
                    'card_key': key})
    assert card()['balance'] == before['balance']
    assert card()['value_lines'] == before['value_lines']
    sale, = admin.model('sale.point.sale', 'read', [sale_id],
        ['state', 'payments'])
    assert (sale['state'], sale['payments']) == ('open', [])
    # With its PIN the sale is paid from the card, by a debit of its own
    run_pay(cashier, sale_id, {'method': cash, 'amount': '0',
            'card_amount': '10.00', 'pin': PIN,
            'card_key': str(uuid.uuid4())})
    assert Decimal(card()['balance']['decimal']) == (
        Decimal(before['balance']['decimal']) - 10)


def test_negative_line_cash_out(admin, cashier):
    "8. A line of −1 at any price, or a line that says it refunds another"
    sale_id = open_sale(cashier)
    line, = find(cashier, 'sale.point.sale.line', [('sale', '=', sale_id)],
        ['product'])
    with pytest.raises(RPCError) as refused:
        cashier.model('sale.point.sale', 'write', [sale_id], {
                'lines': [['create', [{'product': line['product'],
                                'quantity': -1,
                                'unit_list_price': '1000',
                                'unit_gross_price': '1000'}]]]})
    assert '退货' in refused.value.message
    done, = find(admin, 'sale.point.sale.line',
        [('sale.state', '=', 'done')], ['id'])[:1]
    with pytest.raises(RPCError):
        cashier.model('sale.point.sale.line', 'write', [line['id']],
            {'refund_of': done['id']})
    lines = find(admin, 'sale.point.sale.line', [('sale', '=', sale_id)],
        ['quantity', 'refund_of'])
    assert [(x['quantity'], x['refund_of']) for x in lines] == [(1, None)]


def test_base_pay_for_managers(rpc):
    "9. The staff's base pay is read by managers only"
    sales = rpc('sales1')
    with pytest.raises(RPCError):
        find(sales, 'company.employee', [], ['base_pay'])
    with pytest.raises(RPCError):
        sales.model('company.employee', 'search_count',
            [('base_pay', '>', 4000)])
    paid = find(rpc('manager'), 'company.employee',
        [('base_pay', '!=', None)], ['base_pay'])
    assert paid


def test_server_fields_sent_to_pay_dialog(admin, cashier, card):
    "1–2. The card line of an earlier payment sent in the Pay dialog"
    earlier = card_payment(admin)
    before = card()
    sale_id = open_sale(cashier)
    run_pay(cashier, sale_id, {'method': methods(cashier)["现金"],
            'amount': '100', 'card': earlier['card'],
            'card_line': earlier['card_line'], 'points': 500})
    payment, = find(admin, 'sale.point.payment', [('sale', '=', sale_id)],
        ['card', 'card_line', 'points'])
    assert (payment['card'], payment['card_line'], payment['points']) == (
        None, None, None)
    assert card() == before


def test_negative_payment(admin, cashier, card):
    "7. A negative cash payment so that the card pays out cash"
    before = card()
    sale_id = open_sale(cashier, before['id'])
    with pytest.raises(RPCError) as refused:
        cashier.model('sale.point.payment', 'create', [{
                    'sale': sale_id, 'method': methods(cashier)["现金"],
                    'amount': '-500'}])
    assert '负数' in refused.value.message
    assert find(admin, 'sale.point.payment', [('sale', '=', sale_id)],
        ['id']) == []
    assert card() == before


def test_top_up_without_shift(rpc, card):
    "A top-up by a cashier without an open shift: no money counted"
    cashier = rpc('cashier2')
    before = card()
    methods_ = methods(cashier)
    context = {**cashier.context, 'active_model': 'crm.membership.card',
        'active_id': before['id'], 'active_ids': [before['id']]}
    name = 'wizard.crm.membership.card.top_up'
    session, _, _ = cashier.call(f'{name}.create', context)
    try:
        with pytest.raises(RPCError) as refused:
            cashier.call(f'{name}.execute', session, {'start': {
                        'amount': '1000', 'method': methods_["现金"]}},
                'top_up', context)
    finally:
        cashier.call(f'{name}.delete', session, context)
    assert '开班' in refused.value.message
    assert card() == before


def test_shift_fields_and_reopen(rpc, admin, cashier):
    """A cashier gives their shift to another cashier, sets its over/short
    or reopens a shift: refused, the shift unchanged"""
    fields = ['employee', 'over_short', 'end_amount', 'state']
    shift, = find(admin, 'sale.point.cash.session', [('state', '=', 'open')],
        ['id'] + fields)
    other, = [u['employee'] for u in find(admin, 'res.user',
            [('login', '=', 'cashier2')], ['employee'])]
    for values in [{'employee': other}, {'over_short': '500'}]:
        with pytest.raises(RPCError) as refused:
            cashier.model('sale.point.cash.session', 'write', [shift['id']],
                values)
        assert '班次' in refused.value.message or '字段' in refused.value.message
    with pytest.raises(RPCError) as refused:
        cashier.model('sale.point.cash.session', 'open', [shift['id']])
    assert '按钮' in refused.value.message
    assert find(admin, 'sale.point.cash.session',
        [('id', '=', shift['id'])], ['id'] + fields) == [shift]
