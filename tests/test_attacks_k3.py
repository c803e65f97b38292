"""The K3 interface attacked over JSON-RPC by a cashier and a shop manager:
they read no batch, mapping nor setting (K3's password least), search
reveals nothing, they map nothing, export nothing through the wizard and
press no 重新导出; a batch's state and K3 numbers are the server's even
for finance; a reconciliation's results cannot be written."""
import pytest

from rpc import RPCError


@pytest.fixture(scope='module')
def admin(rpc):
    return rpc('admin')


def date(text):
    "A date as JSON-RPC carries it"
    year, month, day = map(int, text.split('-'))
    return {'__class__': 'date', 'year': year, 'month': month, 'day': day}


def refused(call):
    with pytest.raises(RPCError) as error:
        call()
    return error.value


@pytest.mark.parametrize('login', ['cashier1', 'manager'])
def test_staff_cannot_reach_k3(server, demo_database, admin, rpc, login):
    "Nothing of K3 for a cashier or a manager, read, searched or written"
    client = rpc(login)
    product, = admin.model('product.product', 'search', [], 0, 1, None)
    for model in ['crm.k3.batch', 'crm.k3.batch.document',
            'crm.k3.batch.line', 'crm.k3.mapping', 'crm.k3.configuration',
            'crm.k3.reconciliation', 'crm.k3.reconciliation.line']:
        refused(lambda: client.model(model, 'search', [], 0, None, None))
        refused(lambda: client.model(model, 'read', [1], ['id']))
    refused(lambda: client.model('crm.k3.configuration', 'read', [1],
            ['cloud_password']))
    refused(lambda: client.model('crm.k3.mapping', 'create', [{
                    'kind': 'product', 'product': product,
                    'number': 'X1', 'unit': 'Pcs'}]))
    before = admin.model('crm.k3.mapping', 'search_count', [])
    action, = admin.model('ir.action.wizard', 'search',
        [('wiz_name', '=', 'crm.k3.export')], 0, 1, None)
    error = refused(lambda: client.wizard('crm.k3.export', action,
            ('crm.k3.batch', -1), [('export', {'start': {
                            'from_date': date('2026-01-01'),
                            'to_date': date('2026-01-02'), 'points': []}})]))
    assert '财务' in error.message or error.kind == 'UserError'
    batches = admin.model('crm.k3.batch', 'search', [], 0, None, None)
    if batches:
        refused(lambda: client.model('crm.k3.batch', 'reexport',
                batches[:1]))
    assert admin.model('crm.k3.mapping', 'search_count', []) == before


def test_batch_is_the_servers(server, demo_database, admin):
    """Even finance cannot write a batch's state or K3 numbers, nor create
    a batch or a document: only the export does"""
    point, = admin.model('sale.point', 'search', [], 0, 1, None)
    refused(lambda: admin.model('crm.k3.batch', 'create', [{
                    'point': point, 'date': date('2020-01-01'),
                    'state': 'done', 'company': 1}]))
    batches = admin.model('crm.k3.batch', 'search', [], 0, 1, None)
    if batches:
        refused(lambda: admin.model('crm.k3.batch', 'write', batches,
                {'state': 'done'}))
    reconciliation, = admin.model('crm.k3.reconciliation', 'create', [{
                'point': point, 'from_date': date('2020-01-01'),
                'to_date': date('2020-01-01'), 'differences': 0,
                'state': 'done'}])
    state, = admin.model('crm.k3.reconciliation', 'read', [reconciliation],
        ['state', 'differences'])
    assert (state['state'], state['differences']) == ('draft', None)
    error = refused(lambda: admin.model('crm.k3.reconciliation', 'write',
            [reconciliation], {'differences': 0}))
    assert '服务器' in error.message
    admin.model('crm.k3.reconciliation', 'delete', [reconciliation])
