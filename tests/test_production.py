"""The production path as the README's production section gives it: make
setup creates a PostgreSQL database for a real shop, without the demo, with
the administrator's password from CRM_ADMIN_PASSWORD; make serve runs it
under gunicorn with trytond-cron and trytond-worker. The administrator logs
in through it, and a customer import goes through the queue."""
import ast
import base64
import io
import os
import signal
import socket
import subprocess
import sys
import time

import openpyxl
import pytest

import crm_admin
from rpc import Client

pytestmark = pytest.mark.postgresql

POSTGRESQL = os.environ.get(
    'TEST_POSTGRESQL_URI', 'postgresql://root@127.0.0.1:5432')
PASSWORD = 'Shop-2026-prod'
COMPANY = "测试门店"


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def environ(name, **values):
    "The environment of the README's commands, on database name"
    env = dict(os.environ, DATABASE=f'{POSTGRESQL}/{name}', **values)
    env.pop('TRYTOND_CONFIG', None)
    return env


def make(target, env):
    return subprocess.run(['make', target], cwd=crm_admin.ROOT, env=env,
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=900)


def workbook(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    output = io.BytesIO()
    book.save(output)
    return {'__class__': 'bytes',
        'base64': base64.b64encode(output.getvalue()).decode()}


def test_refusals():
    "What make refuses, before any database is created"
    name = f'crm_production_refused_{os.getpid()}'
    database = crm_admin.Database(f'{POSTGRESQL}/{name}')
    short = make('setup', environ(name, CRM_ADMIN_PASSWORD='abc12',
            CRM_COMPANY=COMPANY))
    assert short.returncode != 0
    assert "密码至少要" in short.stderr, short.stderr
    # The demo is for the default database only
    missing = make('run', environ(name, LISTEN=f'127.0.0.1:{free_port()}'))
    assert missing.returncode != 0
    assert "请先运行 make setup" in missing.stderr, missing.stderr
    assert not database.exists()
    forget(name)


def test_production():
    name = f'crm_production_{os.getpid()}'
    port = free_port()
    env = environ(name, CRM_ADMIN_PASSWORD=PASSWORD, CRM_COMPANY=COMPANY,
        LISTEN=f'127.0.0.1:{port}', WORKERS='2')
    database = crm_admin.Database(env['DATABASE'])
    log_path = crm_admin.VAR / 'test-production.log'
    server = None
    try:
        setup = make('setup', env)
        assert setup.returncode == 0, setup.stdout + setup.stderr
        # trytond-admin set the password when only the base was active:
        # setup checks it again with the rules of every module
        checks = subprocess.run([sys.executable, '-c',
                'import sys, crm_admin; '
                'database = crm_admin.Database(sys.argv[1]); '
                'print([crm_admin.password_refused(database, p) '
                'for p in sys.argv[2:]])', env['DATABASE'], '12345678',
                PASSWORD], cwd=crm_admin.ROOT / 'tools', env=env,
            capture_output=True, text=True)
        assert checks.returncode == 0, checks.stderr
        common, chosen = ast.literal_eval(checks.stdout.splitlines()[-1])
        assert "太常见" in common and chosen is None
        # Once created, setup only upgrades: it asks nothing
        env.pop('CRM_ADMIN_PASSWORD')
        again = make('setup', env)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "创建数据库" not in again.stdout

        with open(log_path, 'w') as log:
            # A process group of its own, as a terminal's: Ctrl-C stops it
            server = subprocess.Popen(['make', 'serve'], cwd=crm_admin.ROOT,
                env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        assert crm_admin.wait_for_port('127.0.0.1', port, server,
            timeout=120), log_path.read_text()
        admin = Client(f'http://127.0.0.1:{port}/{name}/rpc/', 'admin',
            PASSWORD)

        # No demo: the administrator alone, the shop as the only party
        users = admin.model('res.user', 'search_read', [], 0, None, None,
            ['login', 'language.code'])
        assert [u['login'] for u in users] == ['admin']
        assert users[0]['language.']['code'] == 'zh_CN'
        parties = admin.model('party.party', 'search_read', [], 0, None,
            None, ['name'])
        assert [p['name'] for p in parties] == [COMPANY]
        company, = admin.model('company.company', 'search_read', [], 0,
            None, None, ['party.name', 'currency.code', 'timezone'])
        assert (company['party.']['name'], company['currency.']['code'],
            company['timezone']) == (COMPANY, 'CNY', 'Asia/Shanghai')
        assert admin.context['company'] == company['id']

        # A workbook over the threshold is checked in the background, in
        # 5 s: still unchecked when the request has answered (without
        # trytond-worker the request itself would have run it), then
        # checked by trytond-worker
        admin.model('crm.configuration', 'write', [1],
            {'import_background_rows': 1})
        action_id, = admin.model('ir.action.wizard', 'search',
            [('wiz_name', '=', 'party.party.import')], 0, 1, None)
        admin.wizard('party.party.import', action_id,
            ('party.party', parties[0]['id']), [('check', {'start': {
                            'file': workbook([["客户名称", "手机"],
                                    ["张三", "13800138000"],
                                    ["李四", "13900139000"]]),
                            'filename': 'customers.xlsx'}})],
            context={'queue_scheduled_at': {
                    '__class__': 'timedelta', 'seconds': 5}})
        deadline = time.monotonic() + 120
        states = []
        while True:
            task, = admin.model('party.party.import.task', 'search_read',
                [], 0, None, None, ['state', 'to_create', 'errors'])
            states.append(task['state'])
            if task['state'] != 'checking' or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert states[0] == 'checking'
        assert (task['state'], task['to_create']) == ('checked', 2), task

        # Ctrl-C stops gunicorn, trytond-cron and trytond-worker
        interrupt(server)
        log = log_path.read_text()
        assert "trytond-worker" in log and "演示账号" not in log, log
        with socket.socket() as sock:
            assert sock.connect_ex(('127.0.0.1', port)) != 0
        assert not connections(database), log
    finally:
        if server and server.poll() is None:
            interrupt(server)
        database.drop()
        forget(name)


def forget(name):
    "Remove the settings crm_admin wrote for database name"
    for suffix in ['', '-serve']:
        (crm_admin.VAR / f'trytond-{name}{suffix}.conf').unlink(
            missing_ok=True)


def interrupt(server):
    "Ctrl-C, as in the terminal of make serve"
    os.killpg(server.pid, signal.SIGINT)
    server.wait(timeout=60)


def connections(database, timeout=10):
    "The connections left to database, once those closing have gone"
    deadline = time.monotonic() + timeout
    while True:
        found = database._maintenance(
            'SELECT pid FROM pg_stat_activity WHERE datname = %s',
            (database.name,))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)
