#!/usr/bin/env python3
"""Run the suite's tests: every module's unit tests and scenarios, then the
suite-level tests of tests/ (browser, end to end).

    run_tests.py                 on SQLite (in memory; DB_CACHE: see
                                 tools/test_cache.py)
    run_tests.py --postgresql    the module tests (not the scenarios nor
                                 SQLITE_ONLY) on PostgreSQL, in a database
                                 of their own that is dropped afterwards;
                                 then the suite tests marked postgresql
    run_tests.py [--postgresql] crm_sfa crm_cashier/test_till
                                 these module tests only

Prints 'N passed, N failed' last and exits non-zero on any failure; each
test class's time goes to var/test_times_<backend>.txt, slowest first.
"""
import argparse
import os
import pathlib
import sys
import time
import unittest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tools'))
# The module tests run with the suite's settings, as the server does
os.environ.setdefault('TRYTOND_CONFIG', str(ROOT / 'trytond.conf'))

import test_cache  # noqa: E402
from crm_admin import suite_modules  # noqa: E402

POSTGRESQL = os.environ.get(
    'TEST_POSTGRESQL_URI', 'postgresql://root@127.0.0.1:5432')


def prepare_sqlite():
    os.environ.setdefault('DB_NAME', ':memory:')
    if 'DB_CACHE' not in os.environ:
        cache, _ = test_cache.folder('sqlite', test_cache.digest())
        os.environ['DB_CACHE'] = str(cache)


def _pg_execute(*statements):
    import psycopg
    with psycopg.connect(POSTGRESQL + '/postgres', autocommit=True) as conn:
        for statement in statements:
            cursor = conn.execute(statement)
            if cursor.description:
                yield from cursor.fetchall()


def prepare_postgresql():
    # The cached databases are the test-* templates on the server
    _, emptied = test_cache.folder('postgresql',
        test_cache.digest(POSTGRESQL))
    if emptied:
        templates = [name for name, in _pg_execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'test-%'")]
        for name in templates:
            list(_pg_execute(f'DROP DATABASE IF EXISTS "{name}"'))
    name = 'test_crm_%s' % int(time.time())
    os.environ['TRYTOND_DATABASE__URI'] = POSTGRESQL + '/'
    os.environ['DB_NAME'] = name
    os.environ['DB_CACHE'] = POSTGRESQL
    return name


# Test files run on SQLite only: plain Python that opens no Tryton
# database, or the ORM's workflows whose raw SQL, locks and concurrent
# transactions other files of their module run on PostgreSQL (named after
# each). CI time is counted.
SQLITE_ONLY = {
    # the till's ORM workflows, no SQL of their own; paying from one card
    # at several tills (the locks) runs on PostgreSQL in
    # test_till_transactions, the reports' SQL in test_reporting
    'crm_cashier/test_module',
    'crm_cashier/test_refund',
    'crm_cashier/test_server_checks',
    'crm_cashier/test_till',
    'crm_customer/test_chinese',            # plain Python
    'crm_sms/test_provider',                # plain Python
    'crm_k3_bridge/test_cloud',             # plain Python and HTTP
    'crm_k3_bridge/test_wise',              # ODBC to MariaDB, no Tryton
    # the export's SQL: test_export_wise, test_batch_transactions
    'crm_k3_bridge/test_export',
    'crm_k3_bridge/test_module',            # views and translations
    'crm_security/test_module',
    'crm_service/test_module',
    'crm_sms/test_module',
    # complaints, requests, suggestions: ORM workflows; the service's SQL
    # (churn, knowledge, survey analysis) stays on PostgreSQL
    'crm_service/test_complaint',
    'crm_service/test_request',
    'crm_service/test_suggestion',
    # the sales force's workflows: ORM only; the funnel's SQL (test_deal)
    # stays on PostgreSQL
    'crm_sfa/test_module',
    'crm_sfa/test_approval',
    'crm_sfa/test_calendar',
    'crm_sfa/test_contact',
    'crm_sfa/test_handover',
    'crm_sfa/test_task',
    # campaigns, leads, territories: ORM workflows; the plans' set-based
    # run (test_plan), the targets' and receivables' SQL (test_target,
    # test_contract) and the reminders' (test_remind) stay on PostgreSQL
    'crm_sfa/test_campaign',
    }


def module_suite(postgresql=False, only=()):
    """Every module's tests; on PostgreSQL neither scenarios nor SQLITE_ONLY;
    only: restricted to these 'module' or 'module/test_file' names"""
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for module in suite_modules():
        package = f'trytond.modules.{module}.tests'
        for path in sorted((ROOT / 'addons' / module / 'tests').glob(
                'test_*.py')):
            name = f'{module}/{path.stem}'
            if postgresql and (path.stem == 'test_scenario'
                    or name in SQLITE_ONLY):
                continue
            if only and module not in only and name not in only:
                continue
            suite.addTests(loader.loadTestsFromName(f'{package}.{path.stem}'))
    return suite


class TimedResult(unittest.TextTestResult):
    "Times each test class, from its first test to the next class's"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.times = {}
        self._current = None

    def startTest(self, test):
        name = f'{type(test).__module__}.{type(test).__name__}'
        now = time.monotonic()
        if name != self._current:
            self._close(now)
            self._current, self._started = name, now
        super().startTest(test)

    def _close(self, now):
        if self._current:
            self.times[self._current] = (
                self.times.get(self._current, 0) + now - self._started)

    def stopTestRun(self):
        self._close(time.monotonic())
        super().stopTestRun()


def write_times(result, backend):
    "The slowest test classes first, for whoever has to cut CI time"
    path = ROOT / 'var' / f'test_times_{backend}.txt'
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f'{seconds:8.1f}  {name}' for name, seconds in sorted(
            result.times.items(), key=lambda i: -i[1])]
    path.write_text('\n'.join(lines) + '\n')


def run_pytest(*options):
    "Run tests/ with pytest; return (passed, failed)"
    import pytest

    class Counter:
        passed = failed = 0

        def pytest_runtest_logreport(self, report):
            if report.when == 'call' and report.passed:
                self.passed += 1
            elif report.failed:
                self.failed += 1

    counter = Counter()
    code = pytest.main(['-q', *options, str(ROOT / 'tests')],
        plugins=[counter])
    if code not in (0, 5) and not counter.failed:
        counter.failed += 1
    return counter.passed, counter.failed


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--postgresql', action='store_true')
    parser.add_argument('--modules-only', action='store_true')
    parser.add_argument('only', nargs='*', metavar='module[/test_file]',
        help="run these module tests only (and no suite tests)")
    args = parser.parse_args()

    database = None
    if args.postgresql:
        database = prepare_postgresql()
    else:
        prepare_sqlite()
    try:
        # The scenarios walk the same flows through proteus on either
        # backend; PostgreSQL runs the module tests whose locks, concurrent
        # tills and SQL differ there (CI time is counted)
        result = unittest.TextTestRunner(
            verbosity=1, resultclass=TimedResult).run(
            module_suite(postgresql=args.postgresql, only=args.only))
    finally:
        if database:
            list(_pg_execute(
                f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    write_times(result, 'postgresql' if args.postgresql else 'sqlite')
    passed = result.testsRun - len(result.failures) - len(result.errors) \
        - len(result.skipped)
    failed = len(result.failures) + len(result.errors)
    if not args.modules_only and not args.only:
        # The suite tests marked postgresql (the restore drill there) run
        # with the module tests on PostgreSQL, the others on SQLite
        pytest_passed, pytest_failed = run_pytest(
            '-m', 'postgresql' if args.postgresql else 'not postgresql')
        passed += pytest_passed
        failed += pytest_failed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == '__main__':
    sys.exit(main())
