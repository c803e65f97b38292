# This file is part of the CRM suite.
"""Suggestions customers make (客户建议): numbered by the server, handled,
tracked and answered, each step with who and when; imported from and
exported to workbooks, printed"""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Workflow, fields,
    sequence_ordered)
from trytond.modules.crm_customer.access import (
    check_button_role, filled_fields, refuse_server_fields)
from trytond.modules.crm_customer.excel import (
    ImportWizardMixin, WorkbookImporter, content, import_result,
    import_start, parse_date, read_rows, workbook)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.report import Report
from trytond.transaction import Transaction, check_access
from trytond.wizard import Wizard

from .exceptions import ServiceError

# Set by the numbering and the buttons, never by a client
SERVER_FIELDS = {
    'number', 'state', 'processed_by', 'processed_at', 'replied_by',
    'replied_at', 'closed_by', 'closed_at'}


class SuggestionKind(sequence_ordered(), DeactivableMixin, ModelSQL,
        ModelView):
    "A kind of suggestion the shop keeps apart"
    __name__ = 'crm.service.suggestion.kind'
    __string__ = "Suggestion Kind"

    name = fields.Char("Name", required=True, size=100)


class Suggestion(Workflow, ModelSQL, ModelView):
    "A suggestion of a customer and what the shop made of it"
    __name__ = 'crm.service.suggestion'
    __string__ = "Customer Suggestion"
    _rec_name = 'number'

    _states = {'readonly': Eval('state') == 'closed'}

    number = fields.Char("Number", readonly=True)
    kind = fields.Many2One('crm.service.suggestion.kind', "Kind",
        required=True, ondelete='RESTRICT', states=_states)
    date = fields.Date("Date", required=True, states=_states)
    suggester = fields.Many2One('party.party', "Customer",
        ondelete='SET NULL', states=_states,
        help="The customer who made the suggestion, when known.")
    suggester_name = fields.Char("Suggested By", size=100, states=_states)
    suggester_phone = fields.Char("Phone", size=30, states=_states)
    content = fields.Text("Content", required=True, size=4000,
        states=_states)
    handling = fields.Text("Handling", size=4000, states=_states,
        help="What the shop does about it (处理情况).")
    tracking = fields.Text("Tracking", size=4000, states=_states,
        help="How the handling goes on (跟踪情况).")
    effect = fields.Text("Effect", size=4000, states=_states)
    feedback = fields.Text("Feedback to Customer", size=4000,
        states=_states)
    state = fields.Selection([
            ('new', "New"),
            ('processing', "Processing"),
            ('replied', "Fed Back"),
            ('closed', "Closed"),
            ], "State", readonly=True, required=True, sort=False)
    processed_by = fields.Many2One('res.user', "Handled By", readonly=True)
    processed_at = fields.Timestamp("Handled At", readonly=True)
    replied_by = fields.Many2One('res.user', "Fed Back By", readonly=True)
    replied_at = fields.Timestamp("Fed Back At", readonly=True)
    closed_by = fields.Many2One('res.user', "Closed By", readonly=True)
    closed_at = fields.Timestamp("Closed At", readonly=True)
    _excel_fields = ['number', 'date', 'kind', 'suggester_name',
        'suggester_phone', 'content', 'handling', 'tracking', 'effect',
        'feedback', 'state']

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.date, Index.Range())),
                Index(t, (t.number, Index.Equality(cardinality='high'))),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('new', 'processing'),
            ('new', 'closed'),
            ('processing', 'replied'),
            ('processing', 'closed'),
            ('replied', 'closed'),
            }
        cls._buttons.update({
                'process': {
                    'invisible': Eval('state') != 'new',
                    'depends': ['state'],
                    },
                'reply': {
                    'invisible': Eval('state') != 'processing',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') == 'closed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'new'

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @fields.depends('suggester', 'suggester_name', 'suggester_phone')
    def on_change_suggester(self):
        if not self.suggester:
            return
        self.suggester_name = self.suggester.name
        self.suggester_phone = (
            self.suggester.mobile or self.suggester.phone
            or self.suggester_phone)

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            # The number is the server's, whatever a client or an import sent
            values['number'] = Configuration(1).suggestion_sequence.get()
        return values

    @classmethod
    def check_modification(cls, mode, suggestions, values=None,
            external=False):
        super().check_modification(
            mode, suggestions, values=values, external=external)
        if not external:
            return
        if mode == 'create':
            # The number is set by the server before this check
            names = SERVER_FIELDS - {'number', 'state'}
            refuse_server_fields(cls, names, filled_fields(suggestions, names))
            if any(s.state != 'new' for s in suggestions):
                refuse_server_fields(cls, {'state'}, {'state'})
        elif mode == 'write':
            refuse_server_fields(cls, SERVER_FIELDS, values)

    @classmethod
    def copy(cls, suggestions, default=None):
        default = default.copy() if default is not None else {}
        for name in SERVER_FIELDS - {'state'}:
            default.setdefault(name, None)
        default.setdefault('state', 'new')
        return super().copy(suggestions, default=default)

    @classmethod
    def _stamp(cls, suggestions, step):
        "Record who took step and when"
        cls.write(suggestions, {
                step + '_by': Transaction().user,
                step + '_at': dt.datetime.now(),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('processing')
    def process(cls, suggestions):
        check_button_role(cls.__name__, 'process')
        cls._stamp(suggestions, 'processed')

    @classmethod
    @ModelView.button
    @Workflow.transition('replied')
    def reply(cls, suggestions):
        check_button_role(cls.__name__, 'reply')
        for suggestion in suggestions:
            if not (suggestion.feedback or '').strip():
                raise ServiceError(gettext(
                        'crm_service.msg_churn_suggestion_feedback_required',
                        suggestion=suggestion.rec_name))
        cls._stamp(suggestions, 'replied')

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, suggestions):
        check_button_role(cls.__name__, 'close')
        cls._stamp(suggestions, 'closed')


class SuggestionReport(Report):
    "The printed suggestion form (客户建议单)"
    __name__ = 'crm.service.suggestion.report'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        states = dict(Pool().get(
                'crm.service.suggestion').fields_get(['state'])['state'][
                'selection'])
        context['state_string'] = lambda s: states.get(s.state, s.state)
        return context


# Field, header message of the import workbook; the required ones first
COLUMNS = [
    ('kind', 'msg_churn_suggestion_column_kind'),
    ('content', 'msg_churn_suggestion_column_content'),
    ('date', 'msg_churn_suggestion_column_date'),
    ('suggester_name', 'msg_churn_suggestion_column_name'),
    ('suggester_phone', 'msg_churn_suggestion_column_phone'),
    ('handling', 'msg_churn_suggestion_column_handling'),
    ('feedback', 'msg_churn_suggestion_column_feedback'),
    ]
REQUIRED = {'kind', 'content'}


def suggestion_headers():
    return {f: gettext('crm_service.' + m) for f, m in COLUMNS}


class SheetImporter(WorkbookImporter):
    """The rows of a workbook read by their headers: _parse(row, values)
    returns the values of a record of model to create, or None after
    calling error()"""
    model = None
    _error_prefix = 'crm_service.msg_churn_import_'

    def __init__(self, data, headers, required):
        super().__init__(headers)
        self.values = []
        rows = read_rows(data)
        header = next(rows, None)
        if not header or not any(header):
            raise ServiceError(gettext('crm_service.msg_churn_import_empty'))
        by_header = {str(h).strip(): i for i, h in enumerate(header) if h}
        index = {}
        for field, title in headers.items():
            if title in by_header:
                index[field] = by_header[title]
            elif field in required:
                raise ServiceError(gettext(
                        'crm_service.msg_churn_import_missing_column',
                        column=title))
        for number, cells in enumerate(rows, 2):
            if not any(c not in (None, '') for c in cells):
                continue
            cells = list(cells) + [None] * len(header)
            values = {f: self._text(cells[i]) if f not in self._dates
                else cells[i] for f, i in index.items()}
            parsed = self._parse(number, values)
            if parsed is not None:
                self.values.append(parsed)
        if not self.values and not self.errors:
            raise ServiceError(gettext('crm_service.msg_churn_import_empty'))

    _dates = {'date'}

    @staticmethod
    def _text(value):
        if isinstance(value, float) and value == int(value):
            value = int(value)
        return str(value).strip() if value not in (None, '') else ''

    def _date(self, row, values):
        pool = Pool()
        Date = pool.get('ir.date')
        if values.get('date') in (None, ''):
            return Date.today()
        date = parse_date(values['date'])
        if not date:
            self.error(row, 'date', 'bad_date',
                value=self._text(values['date']))
        return date

    def save(self):
        """Create the rows' records with the user's rights (a wizard saves
        without access checks), all or nothing"""
        Model = Pool().get(self.model)
        if self.errors:
            raise ServiceError(gettext(
                    'crm_service.msg_churn_import_has_errors',
                    count=len(self.errors)))
        with check_access():
            return Model.create(self.values)

    def _too_long(self, row, values, sizes):
        ok = True
        for field, size in sizes.items():
            if len(values.get(field) or '') > size:
                self.error(row, field, 'too_long', size=size)
                ok = False
        return ok


class SuggestionImporter(SheetImporter):
    "The suggestions of a workbook, checked, then created"
    model = 'crm.service.suggestion'

    def __init__(self, data):
        pool = Pool()
        Kind = pool.get('crm.service.suggestion.kind')
        self.kinds = {k.name: k for k in Kind.search([])}
        super().__init__(data, suggestion_headers(), REQUIRED)

    def _parse(self, row, values):
        ok = True
        kind = self.kinds.get(values.get('kind'))
        if not kind:
            self.error(row, 'kind', 'unknown_kind', kind=values.get('kind'))
            ok = False
        if not values.get('content'):
            self.error(row, 'content', 'required')
            ok = False
        date = self._date(row, values)
        ok &= self._too_long(row, values, {
                'content': 4000, 'handling': 4000, 'feedback': 4000,
                'suggester_name': 100, 'suggester_phone': 30})
        if not (ok and date):
            return None
        return {
            'kind': kind.id,
            'date': date,
            'content': values['content'],
            'suggester_name': values.get('suggester_name') or None,
            'suggester_phone': values.get('suggester_phone') or None,
            'handling': values.get('handling') or None,
            'feedback': values.get('feedback') or None,
            }


class SuggestionImportStart(ModelView):
    "Import suggestions"
    __name__ = 'crm.service.suggestion.import.start'
    __string__ = "Import Suggestions"

    template = fields.Binary("Template", readonly=True,
        filename='template_filename')
    template_filename = fields.Char("Template File Name", readonly=True)
    file = fields.Binary("File", required=True, filename='filename',
        help="An .xlsx or .xls workbook with one suggestion per row.")
    filename = fields.Char("File Name")


class SuggestionImportResult(ModelView):
    "Import suggestions"
    __name__ = 'crm.service.suggestion.import.result'
    __string__ = "Import Suggestions"

    rows = fields.Integer("Rows", readonly=True)
    errors = fields.Text("Errors", readonly=True)


class SuggestionImport(ImportWizardMixin, Wizard):
    """Check a workbook of suggestions, then create them all or none, with
    the user's access rights"""
    __name__ = 'crm.service.suggestion.import'

    start = import_start('crm.service.suggestion.import.start',
        'crm_service.suggestion_import_start_view_form')
    result = import_result('crm.service.suggestion.import.result',
        'crm_service.suggestion_import_result_view_form')
    _importer = SuggestionImporter

    def _template(self):
        kind = next(iter(Pool().get('crm.service.suggestion.kind').search(
                    [], limit=1)), None)
        return content(workbook(list(suggestion_headers().values()), [
                    [kind.name if kind else '', "希望增加停车位",
                        '2026-05-01', "张三", '13800138000', None, None],
                    ], gettext('crm_service.msg_churn_suggestion_sheet'))), \
            gettext('crm_service.msg_churn_suggestion_template_filename')

    def _checked(self, importer):
        return {'rows': len(importer.values)}
