# This file is part of the CRM suite.
"""The recycle bin (回收站): customers, member cards, products and templates
deleted through the client are deactivated and kept here, an administrator
restores them within the configured days and the nightly purge deletes
them for good."""
import datetime as dt
import uuid
from contextlib import contextmanager

from trytond import backend
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.modules.crm_customer.res import LANGUAGE
from trytond.pool import Pool
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)

from .exceptions import RecycleAccessError, RecycleError



@contextmanager
def savepoint(undo=False):
    """Undo what the block wrote when it raises, and always with undo: the
    database goes back to a savepoint and the records the transaction
    counts as deleted, triggered and logged to what they were"""
    transaction = Transaction()
    connection = transaction.connection
    cursor = connection.cursor()
    if backend.name == 'sqlite' and not connection.in_transaction:
        # Released outside a transaction, a savepoint would commit
        cursor.execute('BEGIN IMMEDIATE')
    name = 'recycle_%s' % uuid.uuid4().hex
    deleted = {k: set(v) for k, v in transaction.delete_records.items()}
    triggered = {k: set(v) for k, v in transaction.trigger_records.items()}
    logged = len(transaction.log_records)
    cursor.execute('SAVEPOINT %s' % name)

    def rollback():
        cursor.execute('ROLLBACK TO SAVEPOINT %s' % name)
        cursor.execute('RELEASE SAVEPOINT %s' % name)
        transaction.delete_records.clear()
        transaction.delete_records.update(deleted)
        transaction.trigger_records.clear()
        transaction.trigger_records.update(triggered)
        del transaction.log_records[logged:]
    try:
        yield
    except BaseException:
        rollback()
        raise
    if undo:
        rollback()
    else:
        cursor.execute('RELEASE SAVEPOINT %s' % name)


class RecycleMixin:
    "Deleted through the client, the records go to the recycle bin"
    __slots__ = ()

    @classmethod
    def delete(cls, records):
        pool = Pool()
        Recycle = pool.get('crm.security.recycle')
        transaction = Transaction()
        if (not records or not transaction.check_access
                or transaction.context.get('_recycle_delete')):
            super().delete(records)
            return
        # The real deletion runs every check of Tryton and the suite (access
        # rights and rules, the models' own refusals, the references that
        # forbid it, through the cascades) with their messages; it is
        # undone once it has passed them
        with savepoint(undo=True), \
                transaction.set_context(_recycle_delete=True):
            super().delete(records)
        cls.log(records, 'delete')
        Recycle.put(records)


class Recycle(ModelSQL, ModelView):
    "A record in the recycle bin"
    __name__ = 'crm.security.recycle'
    __string__ = "Recycle Bin"

    model = fields.Selection('get_models', "Type", required=True,
        readonly=True)
    record = fields.Reference("Record", selection='get_models',
        readonly=True,
        help="Empty once the record has been deleted for good.")
    name = fields.Char("Name", readonly=True,
        help="The record's name when it was deleted.")
    deleted_by = fields.Many2One('res.user', "Deleted By", readonly=True,
        ondelete='SET NULL')
    deleted_at = fields.DateTime("Deleted At", required=True, readonly=True)
    purge_error = fields.Text("Not Purged Because", readonly=True,
        help="Why the nightly purge could not delete the record; it stays "
        "inactive and can still be restored.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('record_unique', Unique(t, t.record),
                'crm_security.msg_recycle_record_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.deleted_at, Index.Range(order='DESC'))))
        cls._order.insert(0, ('deleted_at', 'DESC'))
        cls._buttons.update({
                'restore': {},
                })

    @classmethod
    def check_modification(cls, mode, entries, values=None, external=False):
        super().check_modification(
            mode, entries, values=values, external=external)
        # Even with access rights given by hand: the deletions, restore and
        # purge write the bin themselves
        if external:
            raise RecycleAccessError(gettext(
                    'crm_security.msg_recycle_read_only'))

    @classmethod
    def get_models(cls):
        "The models deleted into the bin"
        Model = Pool().get('ir.model')
        return Model.get_name_items(RecycleMixin)

    @staticmethod
    def days():
        "Days a record stays in the bin"
        Configuration = Pool().get('crm.configuration')
        return Configuration(1).recycle_days

    @classmethod
    def check_admin(cls):
        "Refuse whoever is not an administrator"
        User = Pool().get('res.user')
        if not User.is_crm_admin():
            raise RecycleAccessError(gettext(
                    'crm_security.msg_recycle_admin'))

    @classmethod
    def put(cls, records):
        "Deactivate records and keep them in the bin"
        if not records:
            return
        Model = records[0].__class__
        now = dt.datetime.now()
        with without_check_access(), inactive_records():
            # Deleted again, a record in the bin stays in it as it was
            binned = {str(e.record) for e in cls.search([
                        ('record', 'in', [str(r) for r in records]),
                        ])}
            records = [r for r in records if str(r) not in binned]
            Model.write(records, {'active': False})
            cls.create([{
                        'model': Model.__name__,
                        'record': str(r),
                        'name': r.rec_name,
                        'deleted_by': Transaction().user or None,
                        'deleted_at': now,
                        } for r in records])

    @classmethod
    @ModelView.button
    def restore(cls, entries):
        "Make the records active again and take them out of the bin"
        pool = Pool()
        cls.check_admin()
        limit = dt.datetime.now() - dt.timedelta(days=cls.days())
        to_activate = {}
        for entry in entries:
            if entry.record is None:
                raise RecycleError(gettext(
                        'crm_security.msg_recycle_gone', record=entry.name))
            if entry.deleted_at < limit and not entry.purge_error:
                raise RecycleError(gettext(
                        'crm_security.msg_recycle_expired',
                        record=entry.name, days=cls.days()))
            to_activate.setdefault(entry.model, []).append(entry.record.id)
        with without_check_access(), inactive_records():
            for model, ids in to_activate.items():
                Model = pool.get(model)
                Model.write(Model.browse(ids), {'active': True})
            cls.delete(entries)

    @classmethod
    def purge(cls):
        "Delete for good the records kept longer than the configured days"
        pool = Pool()
        limit = dt.datetime.now() - dt.timedelta(days=cls.days())
        done, failed = [], []
        # The reasons are read by the administrators, in Chinese
        with without_check_access(), inactive_records(), \
                Transaction().set_context(language=LANGUAGE):
            for entry in cls.search([('deleted_at', '<', limit)]):
                Model = pool.get(entry.model)
                # Found again: a template purged before deleted its variants
                records = Model.search([
                        ('id', '=', entry.record.id),
                        ]) if entry.record else []
                try:
                    with savepoint():
                        Model.delete(records)
                except UserError as error:
                    entry.purge_error = error.message
                    failed.append(entry)
                else:
                    done.append(entry)
            cls.save(failed)
            cls.delete(done)
