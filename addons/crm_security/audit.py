# This file is part of the CRM suite.
"""The operation log (操作日志) is Tryton's ir.model.log. Tryton logs what a
client writes, deletes, the buttons it clicks and the wizards it runs on a
record; the mixins here, applied to every model, wizard and report
(register_mixin in tryton.cfg), add what a client creates, exports and
prints, and the run of a wizard that names its record only by active_id.
Administrators read the whole log; everyone else the entries of the records
they may read. No one changes it through a client."""
import datetime as dt

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction, without_check_access

from .exceptions import AuditLogError

REPORT = 'report:'


def from_client():
    """Whether the call is one Tryton logs: a client's (access checked) or
    server code that asks for it with the context _log"""
    transaction = Transaction()
    return bool((transaction.user and transaction.check_access)
        or transaction.context.get('_log'))


def log(Model, ids, event, target=None):
    """Log event on the records ids of Model. A read-only request (an
    export, a print) cannot write, so its entries are saved in a
    transaction of their own"""
    ids = list(dict.fromkeys(map(int, ids)))
    if not Model._log or not ids:
        return
    transaction = Transaction()
    if transaction.readonly:
        with transaction.new_transaction():
            Model.log(Model.browse(ids), event, target)
    else:
        Model.log(Model.browse(ids), event, target)


class StorageLogMixin:
    "Logs the records a client creates and exports"
    __slots__ = ()

    @classmethod
    def _after_create(cls, ids):
        logged = from_client()
        ids = super()._after_create(ids)
        if logged:
            cls.log(cls.browse(ids), 'create')
        return ids

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        data = super().export_data(records, fields_names, header=header)
        if from_client():
            log(cls, records, 'export', ','.join(fields_names))
        return data


class WizardLogMixin:
    "Logs the run of a wizard on its active_id too"
    __slots__ = ()

    @classmethod
    def execute(cls, session_id, data, state_name):
        # Tryton logs a wizard that changed something on its active_ids;
        # the suite's wizards act on active_id, which a client may send alone
        context = Transaction().context
        active_id = context.get('active_id')
        active_ids = context.get('active_ids') or []
        if (context.get('active_model') and active_id is not None
                and active_id not in active_ids):
            with Transaction().set_context(
                    active_ids=[*active_ids, active_id]):
                return super().execute(session_id, data, state_name)
        return super().execute(session_id, data, state_name)


class ReportLogMixin:
    """Logs the records a report prints or exports (the customers' and the
    member reports' Excel workbooks, receipts…)"""
    __slots__ = ()

    @classmethod
    def check_access(cls, action, model, ids):
        # Every report, the suite's Excel exports included, asks here
        # whether the user may have the records it is about to write out
        super().check_access(action, model, ids)
        if model and ids and from_client():
            log(Pool().get(model), ids, 'export', REPORT + cls.__name__)


class OperationLogMixin:
    "What the suite adds to ir.model.log"
    __slots__ = ()
    # The records of deleted records read as empty: these name them still
    resource_model = fields.Function(fields.Selection(
            'get_models', "Model"),
        'get_resource_fields', searcher='search_resource_model')
    resource_id = fields.Function(fields.Integer("Record ID"),
        'get_resource_fields')
    _report_name_cache = Cache('ir.model.log.report_name')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.event.selection.extend([
                ('create', "Created"),
                ('export', "Exported"),
                ])

    @classmethod
    def _stored_resources(cls, ids):
        "{id: 'model,id'} of the entries as stored"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        resources = {}
        for sub_ids in grouped_slice(ids):
            cursor.execute(*table.select(table.id, table.resource,
                    where=reduce_ids(table.id, sub_ids)))
            resources.update(cursor)
        return resources

    @classmethod
    def get_resource_fields(cls, logs, names):
        resources = cls._stored_resources([l.id for l in logs])
        result = {n: {} for n in names}
        for log_ in logs:
            model, _, id_ = (resources.get(log_.id) or '').partition(',')
            if 'resource_model' in names:
                result['resource_model'][log_.id] = model or None
            if 'resource_id' in names:
                result['resource_id'][log_.id] = (
                    int(id_) if id_.isdigit() else None)
        return result

    @classmethod
    def _gone(cls, ids):
        "The entries whose record was deleted since"
        ids = list(map(int, ids))
        resources = cls._stored_resources(ids)
        with without_check_access():
            return [l for l in cls.browse(ids)
                if resources.get(l.id) and not l.resource]

    @classmethod
    def search_resource_model(cls, name, clause):
        _, operator, value = clause[:3]
        values = value if isinstance(value, (list, tuple)) else [value]
        if operator in {'=', 'in'}:
            return ['OR'] + [('resource', 'like', '%s,%%' % v) if v
                else ('resource', '=', None) for v in values]
        elif operator in {'!=', 'not in'}:
            return [('resource', 'not like', '%s,%%' % v) if v
                else ('resource', '!=', None) for v in values]
        return [('id', '=', None)]

    def get_action(self, name):
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        if self.event == 'export' and self.resource and self.target:
            model = self.resource.__name__
            if self.target.startswith(REPORT):
                report = self.target[len(REPORT):]
                key = (report, model)
                name = self._report_name_cache.get(key)
                if name is None:
                    actions = ActionReport.search([
                            ('report_name', '=', report),
                            ['OR',
                                ('model', '=', model),
                                ('model', '=', None),
                                ],
                            ], order=[('model', 'ASC NULLS LAST')], limit=1)
                    name = actions[0].name if actions else report
                    self._report_name_cache.set(key, name)
                return name
            return ', '.join(
                field_path(model, p) for p in self.target.split(','))
        return super().get_action(name)

    # Tryton lets users read the entries of the records they may read, and
    # everyone those of deleted records. Here administrators read all
    # entries, of deleted and recycled (inactive) records too, and no one
    # else those of deleted records.
    @classmethod
    def check_access(cls, ids, mode='read'):
        if mode == 'read' and cls._checked():
            if Pool().get('res.user').is_crm_admin():
                return
            if cls._gone(ids):
                raise AuditLogError(
                    gettext('crm_security.msg_audit_log_deleted_record'))
        super().check_access(ids, mode=mode)

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            **kwargs):
        if kwargs.get('query') or not cls._checked():
            return super().search(domain, offset=offset, limit=limit,
                order=order, count=count, **kwargs)
        if Pool().get('res.user').is_crm_admin():
            with without_check_access():
                result = super().search(domain, offset=offset,
                    limit=limit, order=order, count=count, **kwargs)
            return result if count else cls.browse(result)
        records = super().search(domain, offset=offset, limit=limit,
            order=order, **kwargs)
        gone = {l.id for l in cls._gone(records)}
        records = [r for r in records if r.id not in gone]
        return len(records) if count else records

    @staticmethod
    def _checked():
        transaction = Transaction()
        return bool(transaction.user and transaction.check_access)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        # Whatever access rights an administrator grants: only the server
        # writes the log
        if external:
            raise AuditLogError(
                gettext('crm_security.msg_audit_log_read_only'))

    @classmethod
    def purge(cls):
        "Delete the entries older than the settings keep them"
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        days = Configuration(1).audit_log_days
        limit = dt.datetime.now() - dt.timedelta(days=days)
        cls.delete(cls.search([('create_date', '<', limit)]))


def field_path(model, path):
    "The labels of the fields of path (party/name: 客户/名称) from model"
    pool = Pool()
    Field = pool.get('ir.model.field')
    labels = []
    for name in path.split('/'):
        Model = pool.get(model) if model else None
        field = Model._fields.get(name) if Model else None
        if not field:
            labels.append(name)
            model = None
            continue
        labels.append(Field.get_name(model, name))
        get_target = getattr(field, 'get_target', None)
        model = get_target().__name__ if get_target else None
    return '/'.join(labels)
