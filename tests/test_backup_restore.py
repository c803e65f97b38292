"""The restore drill: a day of the demo shop (sales, a top-up, a refund, an
attachment), backed up by `make backup` while the server runs, restored by
`make restore` into another database, and every table, balance, ledger line
and customer the same in both. On SQLite with the suite tests' database; on
PostgreSQL (marker postgresql, run by make test-postgresql) with one of its
own."""
import base64
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from decimal import Decimal

import pytest

import crm_admin
import demo
import test_cache
from conftest import demo_digest, free_port
from rpc import Client
from test_attacks import methods, open_sale, run_pay

POSTGRESQL = os.environ.get(
    'TEST_POSTGRESQL_URI', 'postgresql://root@127.0.0.1:5432')
# Everything money, points and counts are, and who they belong to
MODELS = ['party.party', 'party.contact_mechanism', 'crm.membership.card',
    'crm.membership.value.line', 'crm.membership.point.line',
    'crm.membership.package', 'crm.membership.package.line',
    'sale.point.sale', 'sale.point.sale.line', 'sale.point.payment',
    'sale.point.cash.session']
# Read by no one over RPC (compared with the tables)
UNREADABLE = {('crm.membership.card', 'pin_hash')}


@contextmanager
def serving(database, log_name):
    "The base URL of trytond serving database, its log in var/"
    host, port = crm_admin.listen_address(database)
    log_path = crm_admin.VAR / log_name
    with open(log_path, 'w') as log:
        process = subprocess.Popen(
            [str(crm_admin.BIN / 'trytond'), '-c', *database.config_files,
                '-d', database.name],
            env=database.environ, cwd=crm_admin.ROOT, stdout=log,
            stderr=subprocess.STDOUT)
        try:
            if not crm_admin.wait_for_port(host, port, process):
                pytest.fail(f"trytond did not start, see {log_path}")
            yield f'http://{host}:{port}/'
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def drop(database):
    "Drop database with its attachments and its configuration file"
    database.drop()
    shutil.rmtree(database.directory / database.name, ignore_errors=True)
    (crm_admin.VAR / f'trytond-{database.name}.conf').unlink(missing_ok=True)


def url_of(database):
    if database.file:
        return f'sqlite:///{database.file}'
    return f'{database.uri.rstrip("/")}/{database.name}'


def admin_command(database, *args):
    "tools/crm_admin.py args on database, as make runs it"
    return subprocess.run(
        [sys.executable, str(crm_admin.ROOT / 'tools' / 'crm_admin.py'),
            *args],
        env={**database.environ, 'DATABASE': url_of(database)},
        cwd=crm_admin.ROOT, capture_output=True, text=True)


def demo_template():
    """The PostgreSQL database of the demo shop built first today for this
    code (tools/test_cache.py), to copy"""
    template = crm_admin.Database(f'{POSTGRESQL}/crm_test_demo')
    _, emptied = test_cache.folder('demo-postgresql',
        demo_digest() + POSTGRESQL)
    if emptied or not template.exists():
        drop(template)
        building = crm_admin.Database(f'{POSTGRESQL}/crm_test_demo_building')
        drop(building)
        # In a process of its own, as make setup: trytond's backend is
        # chosen once per process
        subprocess.run([sys.executable, '-c',
                'import sys; sys.path.insert(0, "tools"); import crm_admin; '
                'crm_admin.setup(crm_admin.Database(sys.argv[1]))',
                url_of(building)],
            env=building.environ, cwd=crm_admin.ROOT, check=True)
        # Renamed once whole: a build cut short is never copied
        building._maintenance(f'ALTER DATABASE "{building.name}" '
            f'RENAME TO "{template.name}"')
        building.state_file.unlink(missing_ok=True)
    return template


@pytest.fixture(scope='module')
def postgresql_shop():
    "A PostgreSQL database with the demo shop, served"
    database = crm_admin.Database(
        f'{POSTGRESQL}/crm_drill_{os.getpid()}',
        listen=f'127.0.0.1:{free_port()}')
    drop(database)
    template = demo_template()
    database._maintenance(f'CREATE DATABASE "{database.name}" '
        f'TEMPLATE "{template.name}"')
    try:
        with serving(database, 'test-server-drill.log') as url:
            yield database, url
    finally:
        drop(database)


@pytest.fixture(scope='module', params=[
        'sqlite', pytest.param('postgresql', marks=pytest.mark.postgresql)])
def shop(request):
    "(database, server URL) of a demo shop on each kind of database"
    if request.param == 'sqlite':
        return (request.getfixturevalue('demo_database'),
            request.getfixturevalue('server'))
    return request.getfixturevalue('postgresql_shop')


def rpc(url, database, login='admin'):
    password = (crm_admin.ADMIN_PASSWORD if login == 'admin'
        else demo.PASSWORD)
    return Client(f'{url}{database.name}/rpc/', login, password)


def run_wizard(client, name, record, start, data):
    """Run wizard name on record: its start state's form with data typed
    over it, then the button of state start + 1; return the form sent"""
    model, id_ = record
    context = {**client.context, 'active_model': model, 'active_id': id_,
        'active_ids': [id_]}
    session, state, _ = client.call(f'wizard.{name}.create', context)
    try:
        form = client.call(f'wizard.{name}.execute', session, {}, state,
            context)['view']['defaults']
        form = {k: v for k, v in form.items() if not k.endswith('.')}
        form.update(data(form) if callable(data) else data)
        client.call(f'wizard.{name}.execute', session, {state: form},
            start, context)
    finally:
        client.call(f'wizard.{name}.delete', session, context)
    return form


def a_day_at_the_shop(url, database):
    """A cashier tops up a card, sells on it and in cash, and refunds part
    of the card sale, as the web client does (without printing); the
    administrator attaches a file to the member. Return (card id, the card
    sale's id, the refund's id)."""
    admin, cashier = rpc(url, database), rpc(url, database, 'cashier1')
    # Not the cards the other suite tests use
    card = next(c for c in admin.model('crm.membership.card', 'search_read',
            [('type.name', '=', "储值卡"), ('state', '=', 'active'),
                ('number', 'not in', ['880000000001', '880000000002'])],
            0, None, [('number', 'DESC')], ['party', 'balance'])
        if Decimal(c['balance']['decimal']) >= 100)
    admin.model('ir.attachment', 'create', [{
                'resource': f"party.party,{card['party']}",
                'name': "会员登记表.txt",
                'data': {'__class__': 'bytes', 'base64': base64.b64encode(
                        "会员登记表：已签字".encode()).decode()},
                }])

    cash = methods(cashier)["现金"]
    run_wizard(cashier, 'crm.membership.card.top_up',
        ('crm.membership.card', card['id']), 'top_up',
        {'amount': '500', 'method': cash})
    sale = open_sale(cashier, card['id'], "洗发水", quantity=2)
    run_pay(cashier, sale, {'method': cash, 'amount': '200',
            'card_amount': '50.00', 'pin': demo.DEMO_PIN})
    run_pay(cashier, open_sale(cashier, None, "矿泉水", quantity=3),
        {'method': cash, 'amount': '20'})

    def one_back(form):
        line, = form['lines']
        line = {k: v for k, v in line.items() if not k.endswith('.')}
        return {'lines': [{**line, 'quantity': 1}]}
    run_wizard(cashier, 'sale.point.sale.refund', ('sale.point.sale', sale),
        'refund', one_back)
    refund, = admin.model('sale.point.sale', 'search',
        [('refund_of', '=', sale)], 0, None, None)
    return card['id'], sale, refund


def tables(database):
    "{table: sorted rows} of every table of database, read in SQL"
    if database.file:
        connection = sqlite3.connect(database.file)
        try:
            names = [n for n, in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'")]
            return {n: sorted(map(repr, connection.execute(
                            f'SELECT * FROM "{n}"'))) for n in names}
        finally:
            connection.close()
    import psycopg
    with psycopg.connect(database._maintenance_dsn(database.name)) as conn:
        names = [n for n, in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")]
        return {n: sorted(map(repr, conn.execute(f'SELECT * FROM "{n}"')))
            for n in names}


def snapshot(client):
    """Every record of MODELS with all its fields (balances included) and
    every attachment with its data, as the application reads them"""
    records = {}
    for model in MODELS + ['ir.attachment']:
        fields = [name for name, field in client.model(
                model, 'fields_get', None).items()
            if (field['type'] != 'binary' or model == 'ir.attachment')
            and (model, name) not in UNREADABLE]
        records[model] = client.model(model, 'search_read', [], 0, None,
            [('id', 'ASC')], fields, context={'active_test': False})
    return records


def test_restore_drill(shop, tmp_path):
    database, url = shop
    card_id, sale_id, refund_id = a_day_at_the_shop(url, database)
    admin = rpc(url, database)
    admin.model('crm.configuration', 'write', [1],
        {'backup_folder': str(tmp_path / 'backups')})
    # The database as it is when backed up (its record is written after)
    backed_up = tables(database)

    done = admin_command(database, 'backup')
    assert done.returncode == 0, done.stderr
    path = done.stdout.strip().rsplit(': ', 1)[-1]
    assert path.startswith(str(tmp_path / 'backups'))
    backup, = admin.model('crm.security.backup', 'search_read',
        [('file', '=', path)], 0, None, None, ['kind', 'state', 'size'])
    assert (backup['kind'], backup['state']) == ('manual', 'done')
    assert backup['size'] == os.path.getsize(path)

    name = f'{database.name}_restored'
    if database.file:
        restored_url = f'sqlite:///{database.directory / name}.sqlite'
    else:
        restored_url = f'{database.uri.rstrip("/")}/{name}'
    restored = crm_admin.Database(restored_url,
        listen=f'127.0.0.1:{free_port()}')
    drop(restored)
    try:
        done = admin_command(database, 'restore', path, '--into', name)
        assert done.returncode == 0, done.stderr
        # Not again over the restored data, nor over the served database
        again = admin_command(database, 'restore', path, '--into', name)
        assert again.returncode != 0 and '不是空的' in again.stderr
        if not database.file:
            served = admin_command(database, 'restore', path, '--force')
            assert served.returncode != 0 and '正在使用中' in served.stderr

        assert tables(restored) == backed_up
        before = snapshot(admin)
        with serving(restored, 'test-server-drill-restored.log') as \
                served_url:
            after = snapshot(rpc(served_url, restored))
    finally:
        drop(restored)
    assert after == before
    # The day is in it: the top-up, the card sale and its refund, the file
    lines = [line['kind'] for line in before['crm.membership.value.line']
        if line['card'] == card_id]
    assert lines[-3:] == ['top_up', 'payment', 'refund']
    sales = {s['id']: s for s in before['sale.point.sale']}
    assert sales[refund_id]['refund_of'] == sale_id
    attachment, = [a for a in after['ir.attachment']
        if a['name'] == "会员登记表.txt"]
    assert base64.b64decode(attachment['data']['base64']).decode() == (
        "会员登记表：已签字")
