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
from proteus import Model, Wizard
from proteus import config as pconfig

import crm_admin
import demo
from conftest import free_port
from rpc import Client

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


@pytest.fixture(scope='module')
def postgresql_shop():
    "A PostgreSQL database with the demo shop, served"
    database = crm_admin.Database(
        f'{POSTGRESQL}/crm_drill_{os.getpid()}',
        listen=f'127.0.0.1:{free_port()}')
    drop(database)
    # In a process of its own, as make setup: trytond's backend is chosen
    # once per process
    subprocess.run([sys.executable, '-c',
            'import sys; sys.path.insert(0, "tools"); import crm_admin; '
            'crm_admin.setup(crm_admin.Database(sys.argv[1]))',
            url_of(database)],
        env=database.environ, cwd=crm_admin.ROOT, check=True)
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


def proteus_config(url, database, login):
    password = (crm_admin.ADMIN_PASSWORD if login == 'admin'
        else demo.PASSWORD)
    host = url.split('//', 1)[1]
    return pconfig.set_xmlrpc(
        f'http://{login}:{password}@{host}{database.name}/rpc/')


def rpc(url, database):
    return Client(f'{url}{database.name}/rpc/', 'admin',
        crm_admin.ADMIN_PASSWORD)


def a_day_at_the_shop(url, database):
    """A cashier tops up a card, sells on it and in cash, and refunds part
    of the card sale; the administrator attaches a file to its member.
    Return (card id, the card sale's id, the refund's id)."""
    config = proteus_config(url, database, 'admin')
    Card = Model.get('crm.membership.card', config=config)
    # Not the cards the other suite tests use
    card = next(c for c in Card.find([
                ('type.name', '=', "储值卡"), ('state', '=', 'active'),
                ('number', 'not in', ['880000000001', '880000000002']),
                ], order=[('number', 'DESC')]) if c.balance >= 100)
    Attachment = Model.get('ir.attachment', config=config)
    Attachment(resource=card.party, name="会员登记表.txt",
        data="会员登记表：已签字".encode()).save()

    config = proteus_config(url, database, 'cashier1')
    Card = Model.get('crm.membership.card', config=config)
    Method = Model.get('sale.point.payment.method', config=config)
    Product = Model.get('product.product', config=config)
    POS = Model.get('sale.point', config=config)
    Sale = Model.get('sale.point.sale', config=config)
    cash, = Method.find([('name', '=', "现金")])
    card = Card(card.id)
    top_up = Wizard('crm.membership.card.top_up', [card], config=config)
    top_up.form.amount = Decimal(500)
    top_up.form.method = cash
    top_up.execute('top_up')

    sales = []
    for member, products in [(card, ["洗剪吹", "洗发水"]),
            (None, ["矿泉水", "纸巾"])]:
        sale = Sale(point=POS.find([])[0], card=member)
        for name in products:
            line = sale.lines.new()
            line.product, = Product.find([('name', '=', name)])
            line.quantity = 1
        sale.save()
        pay = sale.click('pay')
        pay.form.method = cash
        if member:
            pay.form.card_amount = Decimal('50.00')
            pay.form.pin = demo.DEMO_PIN
        pay.form.amount = Decimal('200.00')
        pay.execute('pay')
        sale.reload()
        assert sale.state == 'done'
        sales.append(sale)

    refund = sales[0].click('refund')
    refund.form.lines[1].quantity = 0
    refund.execute('refund')
    refund_sale, = refund.actions[0]
    return card.id, sales[0].id, refund_sale.id


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
