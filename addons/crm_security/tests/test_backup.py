# This file is part of the CRM suite.
import datetime as dt
import json
import pathlib
import shutil
import tarfile
import tempfile

from trytond import backend
from trytond.model.exceptions import AccessButtonError, AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_staff)
from trytond.modules.crm_security.exceptions import BackupAccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction


class BackupTestCase(ModuleDatabaseTestCase):
    "Backups: the cron's hour, pruning, administrators only, failures"
    module = 'crm_security'

    def setUp(self):
        super().setUp()
        self.folder = pathlib.Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.folder)

    def settings(self, **values):
        Configuration = Pool().get('crm.configuration')
        values.setdefault('backup_folder', str(self.folder))
        Configuration.write([Configuration(1)], values)

    def at(self, day, hour, minute=0):
        "A moment of the shop's day (6 December 2026 + day)"
        Backup = Pool().get('crm.security.backup')
        return dt.datetime(2026, 12, 6 + day, hour, minute,
            tzinfo=Backup.timezone())

    @with_transaction()
    def test_cron_hour(self):
        "The cron backs up once a day, from the configured hour on"
        Backup = Pool().get('crm.security.backup')
        self.settings(backup_hour=3, backup_keep=10)

        self.assertIsNone(Backup.run(now=self.at(0, 2, 59)))
        first = Backup.run(now=self.at(0, 3))
        self.assertEqual((first.kind, first.state), ('automatic', 'done'))
        path = pathlib.Path(first.file)
        self.assertEqual(path.parent, self.folder)
        self.assertIn('-20261206-030000', path.name)
        self.assertEqual(first.size, path.stat().st_size)
        with tarfile.open(path) as archive:
            names = archive.getnames()
            manifest = json.load(archive.extractfile('manifest.json'))
        self.assertEqual(manifest['kind'], backend.name)
        self.assertEqual(manifest['database'], Transaction().database.name)
        self.assertEqual(manifest['modules']['crm_security'], '8.0.0')
        self.assertIn(
            {'sqlite': 'database.sqlite', 'postgresql': 'database.dump'}[
                backend.name], names)

        # Done for today; tomorrow not before the hour
        self.assertIsNone(Backup.run(now=self.at(0, 4)))
        self.assertIsNone(Backup.run(now=self.at(1, 2)))
        # The server was down at 3: the next run of the day makes it
        second = Backup.run(now=self.at(1, 9))
        self.assertEqual(second.state, 'done')
        # A manual backup is not the day's automatic one
        Backup.make('manual', now=self.at(2, 1))
        third = Backup.run(now=self.at(2, 3))
        self.assertEqual((third.kind, third.state), ('automatic', 'done'))
        self.assertEqual(len(Backup.search([])), 4)
        self.assertEqual(len(list(self.folder.iterdir())), 4)

    @with_transaction()
    def test_prune(self):
        "Each backup deletes the oldest beyond the number kept, with files"
        Backup = Pool().get('crm.security.backup')
        self.settings(backup_keep=2)

        backups = [Backup.make('manual', now=self.at(0, 10, minute))
            for minute in range(4)]
        self.assertEqual(Backup.search([]), [backups[3], backups[2]])
        self.assertEqual(sorted(self.folder.iterdir()),
            sorted(pathlib.Path(b.file) for b in backups[2:]))

    @with_transaction()
    def test_failure_recorded(self):
        """A backup that fails is recorded with its message, prunes nothing
        and is tried again at the cron's next run"""
        Backup = Pool().get('crm.security.backup')
        self.settings(backup_hour=3, backup_keep=1)
        kept = Backup.make('manual', now=self.at(0, 1))
        kept_file = pathlib.Path(kept.file)

        blocker = self.folder / 'a-file'
        blocker.write_text("not a folder")
        self.settings(backup_folder=str(blocker / 'backups'))
        failed = Backup.run(now=self.at(0, 3))
        self.assertEqual((failed.kind, failed.state), ('automatic', 'failed'))
        self.assertIn("无法创建备份文件夹", failed.message)
        self.assertIn(str(blocker), failed.message)
        self.assertIsNone(failed.file)
        self.assertTrue(kept_file.exists())
        self.assertEqual(Backup.search([]), [failed, kept])

        self.settings()
        again = Backup.run(now=self.at(0, 4))
        self.assertEqual(again.state, 'done')
        # One kept: the failure is not counted, the older backup is gone
        self.assertEqual(Backup.search([]), [again, failed])
        self.assertFalse(kept_file.exists())

    @with_transaction()
    def test_administrators_only(self):
        """Staff and shop managers may neither back up nor read the
        backups; an administrator backs up by the button and only reads"""
        pool = Pool()
        Backup = pool.get('crm.security.backup')
        Configuration = pool.get('crm.configuration')
        self.settings()
        company = create_company()
        with set_company(company):
            staff = [create_staff(company, login, group)
                for login, group in [('clerk', 'group_salesperson'),
                    ('boss', 'group_sales_manager')]]
            admin = create_staff(company, 'sysadmin', 'group_crm_admin')

        for user in staff:
            with as_user(user):
                with self.assertRaises(AccessButtonError):
                    Configuration.backup_now([Configuration(1)])
                # Past the button, the server checks again
                with self.assertRaises(BackupAccessError):
                    Backup.backup_now()
                with self.assertRaises(BackupAccessError):
                    Backup.run()
                with self.assertRaises(AccessError):
                    Backup.search([])
        self.assertEqual(Backup.search([]), [])
        self.assertEqual(list(self.folder.iterdir()), [])

        with as_user(admin):
            Configuration.backup_now([Configuration(1)])
            backup, = Backup.search([])
            self.assertEqual((backup.kind, backup.state), ('manual', 'done'))
            with self.assertRaises(AccessError):
                Backup.write([backup], {'state': 'failed'})
            with self.assertRaises(AccessError):
                Backup.delete([backup])
        self.assertTrue(pathlib.Path(Backup(backup.id).file).exists())
