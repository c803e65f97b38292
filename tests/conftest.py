"""Suite-level fixtures: a fresh database with the demo shop and a real
trytond serving it (and the web client) on a free loopback port."""
import datetime as dt
import hashlib
import pathlib
import shutil
import socket
import sqlite3
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
VAR = ROOT / 'var'
sys.path.insert(0, str(ROOT / 'tools'))

import crm_admin  # noqa: E402
import test_cache  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line('markers', "postgresql: needs the PostgreSQL "
        "server; run by make test-postgresql, not by make test")


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def demo_digest():
    """What the demo shop is made of: the modules, the regions, the tools
    that load it, and the day (its sales and follow-ups are dated from
    today, in UTC and in the shop's time zone)"""
    tools = hashlib.sha256()
    for path in sorted((ROOT / 'tools').glob('*.py')):
        tools.update(path.name.encode() + path.read_bytes())
    return test_cache.digest(crm_admin.regions_digest(), tools.hexdigest(),
        dt.date.today().isoformat(),
        dt.datetime.now(ZoneInfo('Asia/Shanghai')).date().isoformat())


def copy_sqlite(source, target):
    "Copy a SQLite database whole, as a backup does"
    with sqlite3.connect(source) as input_, sqlite3.connect(target) as output:
        input_.backup(output)
    input_.close()
    output.close()


@pytest.fixture(scope='session')
def demo_database(tmp_path_factory):
    """A new SQLite database with the suite and the demo data: a copy of
    the one built first today for this code (tools/test_cache.py)"""
    directory = tmp_path_factory.mktemp('database')
    database = crm_admin.Database(
        f'sqlite:///{directory}/crm_test.sqlite',
        listen=f'127.0.0.1:{free_port()}')
    cache, _ = test_cache.folder('demo', demo_digest())
    cached = cache / database.file.name
    cached_state = cache / database.state_file.name
    if cached.exists():
        copy_sqlite(cached, database.file)
        shutil.copyfile(cached_state, database.state_file)
    else:
        crm_admin.setup(database)
        copy_sqlite(database.file, cache / 'building.sqlite')
        shutil.copyfile(database.state_file, cached_state)
        (cache / 'building.sqlite').rename(cached)
    yield database
    database.drop()


@pytest.fixture(scope='session')
def server(demo_database):
    "The base URL of trytond serving the demo database and the web client"
    host, port = crm_admin.listen_address(demo_database)
    log = open(VAR / 'test-server.log', 'w')
    process = subprocess.Popen(
        [str(crm_admin.BIN / 'trytond'), '-c', *demo_database.config_files,
            '-d', demo_database.name],
        env=demo_database.environ, cwd=ROOT, stdout=log,
        stderr=subprocess.STDOUT)
    try:
        if not crm_admin.wait_for_port(host, port, process):
            pytest.fail("trytond did not start, see var/test-server.log")
        yield f'http://{host}:{port}/'
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope='session')
def chromium_path():
    path = shutil.which('chromium') or '/usr/bin/chromium'
    if not pathlib.Path(path).exists():
        pytest.fail("Debian's chromium is missing: run make test as root "
            "or apt-get install chromium")
    return path


@pytest.fixture(scope='session')
def rpc(server, demo_database):
    "rpc(login): a JSON-RPC client logged in as login, as the web client"
    import demo
    from rpc import Client

    def login(name):
        password = (crm_admin.ADMIN_PASSWORD if name == 'admin'
            else demo.PASSWORD)
        return Client(f'{server}{demo_database.name}/rpc/', name, password)
    return login
