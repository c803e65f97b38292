# This file is part of the CRM suite.
"Backups of the database and its attachments (备份记录)"
import datetime as dt
import logging
import os
import pathlib
import urllib.parse

import trytond.config as config
from trytond import backend
from trytond.filestore import filestore
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.tools.timezone import SERVER, ZoneInfo
from trytond.transaction import Transaction, without_check_access

from . import dump
from .exceptions import BackupAccessError

logger = logging.getLogger(__name__)


class Backup(ModelSQL, ModelView):
    __name__ = 'crm.security.backup'
    __string__ = "Backup"
    _rec_name = 'file'

    date = fields.DateTime("Date", required=True, readonly=True)
    file = fields.Char("File", readonly=True,
        help="The backup file on the server.")
    size = fields.Integer("Size (Bytes)", readonly=True)
    kind = fields.Selection([
            ('automatic', "Automatic"),
            ('manual', "Manual"),
            ], "Kind", required=True, readonly=True)
    state = fields.Selection([
            ('done', "Done"),
            ('failed', "Failed"),
            ], "State", required=True, readonly=True)
    message = fields.Text("Message", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def check_admin(cls):
        "Refuse unless the user is an administrator or the server itself"
        User = Pool().get('res.user')
        if not User.is_crm_admin():
            raise BackupAccessError(gettext('crm_security.msg_backup_admin'))

    @classmethod
    def timezone(cls):
        "The shop's time zone: its company's, else the server's"
        Company = Pool().get('company.company')
        with without_check_access():
            companies = Company.search(
                [('timezone', '!=', None)], order=[('id', 'ASC')], limit=1)
        return ZoneInfo(companies[0].timezone) if companies else SERVER

    @classmethod
    def run(cls, now=None):
        """Cron: today's automatic backup once the configured hour has come
        (also later in the day, when the server was down at that hour)"""
        Configuration = Pool().get('crm.configuration')
        cls.check_admin()
        now = now or dt.datetime.now(dt.timezone.utc)
        zone = cls.timezone()
        local = now.astimezone(zone)
        if local.hour < Configuration(1).backup_hour:
            return None
        midnight = dt.datetime.combine(local.date(), dt.time(), tzinfo=zone)
        with without_check_access():
            done = cls.search([
                    ('kind', '=', 'automatic'),
                    ('state', '=', 'done'),
                    ('date', '>=', _utc(midnight)),
                    ], limit=1)
        if done:
            return None
        return cls.make('automatic', now=now)

    @classmethod
    def backup_now(cls):
        "立即备份: a manual backup, for administrators"
        cls.check_admin()
        return cls.make('manual')

    @classmethod
    def make(cls, kind, now=None):
        """Back up the database and its attachments into the configured
        folder, record it and delete the oldest backups beyond the number
        kept; return the record. A failure is recorded with its message."""
        Configuration = Pool().get('crm.configuration')
        cls.check_admin()
        configuration = Configuration(1)
        now = now or dt.datetime.now(dt.timezone.utc)
        local = now.astimezone(cls.timezone())
        try:
            path = dump.backup(cls.location(),
                cls.folder(configuration.backup_folder), when=local)
        except dump.BackupError as error:
            logger.error("Backup failed: %s", error)
            # dump's message, in Chinese, with the system's own words
            values = {'state': 'failed', 'message': str(error)}
        else:
            logger.info("Backup written to %s", path)
            values = {'state': 'done', 'file': str(path),
                'size': path.stat().st_size}
        with without_check_access():
            backup, = cls.create([{'date': _utc(now), 'kind': kind,
                        **values}])
            if backup.state == 'done':
                cls.prune(configuration.backup_keep)
        return backup

    @classmethod
    def prune(cls, keep):
        "Delete the backups beyond the keep newest, with their files"
        with without_check_access():
            old = cls.search([('state', '=', 'done')])[keep:]
            files = [b.file for b in old]
            cls.delete(old)
        for file in files:
            pathlib.Path(file).unlink(missing_ok=True)

    @classmethod
    def location(cls):
        "Where this server's database and attachments are"
        database = Transaction().database
        name = database.name
        files = pathlib.Path(filestore.path,
            config.get('attachment', 'store_prefix', default=None) or name)
        if backend.name == 'sqlite':
            if name == ':memory:':
                return dump.Location(name, files,
                    connection=Transaction().connection)
            return dump.Location(name, files, sqlite=os.path.join(
                    config.get('database', 'path'), name + '.sqlite'))
        parts = urllib.parse.urlsplit(config.get('database', 'uri'))
        # psycopg and pg_dump take the URL of the database itself
        dsn = urllib.parse.urlunsplit(
            ('postgresql', parts.netloc, '/' + name, parts.query, ''))
        return dump.Location(name, files, dsn=dsn)

    @classmethod
    def folder(cls, folder):
        """The backup folder: as configured, relative to the databases'
        folder ([database] path, var/ for the suite); backups/ there by
        default"""
        return pathlib.Path(config.get('database', 'path')).joinpath(
            os.path.expanduser(folder or 'backups'))


def _utc(value):
    "An aware datetime as Tryton stores it: UTC without time zone"
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
