"""What the benchmarks share: a database with the suite, a trytond serving
it on a free loopback port, a JSON-RPC client and percentiles."""
import contextlib
import os
import pathlib
import socket
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tools'))
import crm_admin  # noqa: E402
from rpc import Client  # noqa: E402,F401

POSTGRESQL = 'postgresql://postgres@127.0.0.1:5432'


def each_backend(backends):
    """Yield the backend to run in this process; with several, run the
    script again for each (trytond's configuration is set once per
    process)"""
    backends = backends or ['sqlite', 'postgresql']
    if len(backends) == 1:
        yield backends[0]
        return
    argv = [a for i, a in enumerate(sys.argv[1:])
        if a != '--backend' and sys.argv[i] != '--backend']
    for backend in backends:
        subprocess.run([sys.executable, sys.argv[0], *argv,
                '--backend', backend], check=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def database(backend, name, modules=None):
    """A new database of the suite without demo data, or of Tryton's
    modules alone"""
    if backend == 'sqlite':
        url = f'sqlite:///{crm_admin.VAR}/bench/{name}.sqlite'
    else:
        url = f'{POSTGRESQL}/{name}'
    db = crm_admin.Database(url, listen=f'127.0.0.1:{free_port()}')
    db.drop()
    if db.file:
        db.directory.mkdir(parents=True, exist_ok=True)
    if modules:
        crm_admin.create(db, modules)
    else:
        crm_admin.setup(db, demo=False)
    return db


@contextlib.contextmanager
def transaction(db):
    "A Tryton transaction on db, in this process, committed at the end"
    from proteus import config as pconfig
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pconfig.set_trytond(db.name, config_file=db.config_files)
    with Transaction().start(db.name, 0) as trans:
        yield Pool(db.name), trans
        trans.commit()


def run_in_transaction(db, function):
    """function(pool) in a committed transaction on db, started again with
    the locks it asks for, as the server does for a request"""
    from proteus import config as pconfig
    from trytond.pool import Pool
    from trytond.transaction import Transaction, TransactionError
    pconfig.set_trytond(db.name, config_file=db.config_files)
    extras = {}
    while True:
        try:
            with Transaction().start(db.name, 0, **extras) as trans:
                result = function(Pool(db.name))
                trans.commit()
                return result
        except TransactionError as error:
            error.fix(extras)


@contextlib.contextmanager
def server(db, workers=1):
    """Serve db with trytond, in workers processes on their own ports as
    behind a load balancer; yield a logged-in JSON-RPC client of the first,
    whose urls are those of all and pids the processes'"""
    host, port = crm_admin.listen_address(db)
    ports = [port] + [free_port() for _ in range(workers - 1)]
    processes, logs, extras = [], [], []
    try:
        for index, port_ in enumerate(ports):
            config = list(db.config_files)
            if index:
                extra = crm_admin.VAR / f'trytond-{db.name}-{port_}.conf'
                extra.write_text(f'[web]\nlisten = {host}:{port_}\n')
                extras.append(extra)
                config.append(str(extra))
            suffix = f'-{index}' if index else ''
            log = open(crm_admin.VAR / f'bench-server{suffix}.log', 'w')
            logs.append(log)
            process = subprocess.Popen(
                [str(crm_admin.BIN / 'trytond'), '-c', *config,
                    '-d', db.name],
                env=db.environ, cwd=ROOT, stdout=log,
                stderr=subprocess.STDOUT)
            processes.append(process)
            if not crm_admin.wait_for_port(host, port_, process):
                raise SystemExit(
                    "trytond did not start, see var/bench-server*.log")
        urls = [f'http://{host}:{p}/{db.name}/rpc/' for p in ports]
        client = Client(urls[0], 'admin', crm_admin.ADMIN_PASSWORD)
        client.urls = urls
        client.pids = [p.pid for p in processes]
        yield client
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()
        for extra in extras:
            extra.unlink()


def cpu_times(pids=None):
    """{pid: CPU seconds used} of the processes pids, or of PostgreSQL's
    server processes (Linux)"""
    if pids is None:
        pids = [p.name for p in pathlib.Path('/proc').iterdir()
            if p.name.isdigit() and _command(p).startswith('postgres')]
    times = {}
    for pid in pids:
        try:
            stat = pathlib.Path(f'/proc/{pid}/stat').read_text()
        except OSError:
            # Gone since
            continue
        utime, stime = stat.rsplit(')', 1)[1].split()[11:13]
        times[str(pid)] = (int(utime) + int(stime)) / os.sysconf(
            'SC_CLK_TCK')
    return times


def cpu_used(before, after):
    "CPU seconds used between two cpu_times, by the processes still there"
    return sum(t - before.get(pid, 0) for pid, t in after.items())


def _command(path):
    try:
        return (path / 'comm').read_text()
    except OSError:
        return ''


def percentiles(durations):
    "p50 and p95 in milliseconds"
    durations = sorted(durations)
    p95 = durations[min(len(durations) - 1, int(len(durations) * 0.95))]
    return statistics.median(durations) * 1000, p95 * 1000
