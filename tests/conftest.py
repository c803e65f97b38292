"""Suite-level fixtures: a fresh database with the demo shop and a real
trytond serving it (and the web client) on a free loopback port."""
import pathlib
import shutil
import socket
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
VAR = ROOT / 'var'
sys.path.insert(0, str(ROOT / 'tools'))

import crm_admin  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line('markers', "postgresql: needs the PostgreSQL "
        "server; run by make test-postgresql, not by make test")


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='session')
def demo_database(tmp_path_factory):
    "A new SQLite database with the suite and the demo data"
    directory = tmp_path_factory.mktemp('database')
    database = crm_admin.Database(
        f'sqlite:///{directory}/crm_test.sqlite',
        listen=f'127.0.0.1:{free_port()}')
    crm_admin.setup(database)
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
