# This file is part of the CRM suite.
"""Customers lost (客户流失): the records, their types and reasons, the
win-back actions, the nightly job that proposes the members who stopped
coming and marks those who came back, and the workbook import"""
import datetime as dt
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from sql import Literal, Null
from sql.aggregate import Max, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import CurrentTimestamp
from sql.operators import Exists, Greater

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, Workflow, fields,
    sequence_ordered)
from trytond.modules.crm_customer.access import (
    check_button_role, filled_fields, refuse_server_fields)
from trytond.modules.crm_customer.excel import (
    ImportWizardMixin, content, import_result, import_start, parse_phone,
    workbook)
from trytond.modules.crm_membership.configuration import MONEY
from trytond.modules.crm_membership.statistic import as_date
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.report import Report
from trytond.transaction import (
    Transaction, check_access, without_check_access)
from trytond.wizard import Wizard

from .exceptions import ServiceError
from .suggestion import SheetImporter

# The snapshot of the customer taken by the server when a manager confirms
# (or dismisses: the last visit), and the stamps of the workflow
SNAPSHOT_FIELDS = {
    'last_visit', 'spend', 'level', 'region', 'salesperson', 'products'}
SERVER_FIELDS = SNAPSHOT_FIELDS | {
    'state', 'month', 'confirmed_by', 'confirmed_at', 'dismissed_by',
    'dismissed_at', 'won_back_date'}
OPEN_STATES = ['candidate', 'confirmed']
# The card states of a member
MEMBER_CARD_STATES = ['active', 'lost', 'frozen']


class ChurnType(sequence_ordered(), DeactivableMixin, ModelSQL, ModelView):
    "How a customer was lost"
    __name__ = 'crm.service.churn.type'
    __string__ = "Churn Type"

    name = fields.Char("Name", required=True, size=100)


class ChurnReason(sequence_ordered(), DeactivableMixin, ModelSQL,
        ModelView):
    "Why a customer was lost"
    __name__ = 'crm.service.churn.reason'
    __string__ = "Churn Reason"

    name = fields.Char("Name", required=True, size=100)


class ChurnLevelDays(ModelSQL, ModelView):
    "The days without a visit after which a member of a level is proposed"
    __name__ = 'crm.service.churn.level_days'
    __string__ = "Churn Days by Level"

    level = fields.Many2One('crm.membership.level', "Member Level",
        required=True, ondelete='CASCADE')
    days = fields.Integer("Days without Visit", required=True,
        domain=[('days', '>', 0)])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('level_unique', Unique(t, t.level),
                'crm_service.msg_churn_level_days_unique'),
            ]


class Churn(Workflow, ModelSQL, ModelView):
    "A customer lost, or proposed as lost, and the efforts to win them back"
    __name__ = 'crm.service.churn'
    __string__ = "Customer Churn"

    customer = fields.Many2One('party.party', "Customer", required=True,
        ondelete='RESTRICT',
        states={
            'readonly': Eval('state') != 'candidate',
            })
    customer_type = fields.Function(fields.Many2One(
            'crm.customer.type', "Customer Type"),
        'get_customer_type', searcher='search_customer_type')
    churn_type = fields.Many2One('crm.service.churn.type', "Churn Type",
        ondelete='RESTRICT')
    reason = fields.Many2One('crm.service.churn.reason', "Reason",
        ondelete='RESTRICT',
        states={
            'required': Eval('state').in_(['confirmed', 'won_back']),
            })
    date = fields.Date("Date", required=True,
        states={
            'readonly': Eval('state') != 'candidate',
            })
    note = fields.Text("Note", size=4000)
    state = fields.Selection([
            ('candidate', "Candidate"),
            ('confirmed', "Confirmed"),
            ('dismissed', "Dismissed"),
            ('won_back', "Won Back"),
            ], "State", readonly=True, required=True, sort=False)
    # The snapshot taken when a manager confirms
    last_visit = fields.Date("Last Visit", readonly=True)
    spend = fields.Numeric("Spend in 12 Months", digits=MONEY,
        readonly=True)
    level = fields.Many2One('crm.membership.level', "Member Level",
        readonly=True, ondelete='SET NULL')
    region = fields.Many2One('crm.region', "Region", readonly=True,
        ondelete='SET NULL')
    salesperson = fields.Many2One('company.employee', "Salesperson",
        readonly=True, ondelete='SET NULL')
    products = fields.Many2Many('crm.service.churn-product.product',
        'churn', 'product', "Products Bought", readonly=True)
    month = fields.Date("Month", readonly=True)
    confirmed_by = fields.Many2One('res.user', "Confirmed By",
        readonly=True)
    confirmed_at = fields.Timestamp("Confirmed At", readonly=True)
    dismissed_by = fields.Many2One('res.user', "Dismissed By",
        readonly=True)
    dismissed_at = fields.Timestamp("Dismissed At", readonly=True)
    won_back_date = fields.Date("Won Back On", readonly=True)
    actions = fields.One2Many('crm.service.churn.action', 'churn',
        "Win-Back Actions")
    _excel_fields = ['customer', 'customer_type', 'date', 'churn_type',
        'reason', 'state', 'last_visit', 'spend', 'level', 'region',
        'salesperson', 'won_back_date', 'note']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.customer, Index.Range()),
                    (t.state, Index.Equality())),
                Index(t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_(OPEN_STATES)),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('candidate', 'confirmed'),
            ('candidate', 'dismissed'),
            ('confirmed', 'won_back'),
            }
        cls._buttons.update({
                'confirm': {
                    'invisible': Eval('state') != 'candidate',
                    'depends': ['state'],
                    },
                'dismiss': {
                    'invisible': Eval('state') != 'candidate',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'candidate'

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    def get_customer_type(self, name):
        return self.customer.customer_type if self.customer else None

    @classmethod
    def search_customer_type(cls, name, clause):
        return [('customer.customer_type' + clause[0][len(name):],
                *clause[1:])]

    def get_rec_name(self, name):
        return '%s %s' % (self.customer.rec_name, self.date)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('customer.rec_name', *clause[1:])]

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if mode == 'write' and values.keys() & {'customer', 'date'}:
            for record in records:
                if record.state != 'candidate':
                    raise ServiceError(gettext(
                            'crm_service.msg_churn_customer_fixed',
                            churn=record.rec_name))
        if not external:
            return
        if mode == 'create':
            names = SERVER_FIELDS - {'state'}
            refuse_server_fields(cls, names, filled_fields(records, names))
            if any(r.state != 'candidate' for r in records):
                refuse_server_fields(cls, {'state'}, {'state'})
        elif mode == 'write':
            refuse_server_fields(cls, SERVER_FIELDS, values)

    @classmethod
    def copy(cls, records, default=None):
        default = default.copy() if default is not None else {}
        for name in SERVER_FIELDS - {'state'}:
            default.setdefault(name, None)
        default.setdefault('state', 'candidate')
        default.setdefault('actions', None)
        return super().copy(records, default=default)

    @classmethod
    def delete(cls, records):
        for record in records:
            if record.state != 'candidate':
                raise ServiceError(gettext(
                        'crm_service.msg_churn_delete',
                        churn=record.rec_name))
        super().delete(records)

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, records):
        check_button_role(cls.__name__, 'confirm')
        for record in records:
            if not record.reason:
                raise ServiceError(gettext(
                        'crm_service.msg_churn_reason_required',
                        churn=record.rec_name))
        values = cls.snapshots(records)
        user, now = Transaction().user, dt.datetime.now()
        to_write = []
        for record in records:
            to_write.extend([[record], {
                        **values[record.id],
                        'month': record.date.replace(day=1),
                        'confirmed_by': user,
                        'confirmed_at': now,
                        }])
        if to_write:
            cls.write(*to_write)

    @classmethod
    @ModelView.button
    @Workflow.transition('dismissed')
    def dismiss(cls, records):
        check_button_role(cls.__name__, 'dismiss')
        # The last visit dismissed is kept: the job proposes the customer
        # again only after a newer visit has lapsed
        values = cls.snapshots(records)
        user, now = Transaction().user, dt.datetime.now()
        to_write = []
        for record in records:
            to_write.extend([[record], {
                        'last_visit': values[record.id]['last_visit'],
                        'dismissed_by': user,
                        'dismissed_at': now,
                        }])
        if to_write:
            cls.write(*to_write)

    @classmethod
    def snapshots(cls, records):
        """{record id: values} of the customers as they are now: last visit,
        spend of the last 12 months, level of their member card, region,
        owner and the products they bought at the till"""
        pool = Pool()
        Month = pool.get('crm.membership.member.month')
        Card = pool.get('crm.membership.card')
        Level = pool.get('crm.membership.level')
        Date = pool.get('ir.date')
        if not records:
            # No "IN ()", which PostgreSQL refuses
            return {}
        today = Date.today()
        # Read with the server's rights: the manager sees the record, the
        # figures come from tables of other modules
        with without_check_access():
            records = cls.browse(records)
            parties = {r.customer.id: r.customer for r in records}
            ids = list(parties)
            summaries = Month.summaries(ids, today)
            spends = Month.spent_since(
                ids, today - relativedelta(months=11))
            # The levels in their order, the highest last
            order = {x.id: i for i, x in enumerate(Level.search([]))}
            levels = {}
            for card in Card.search([
                        ('party', 'in', ids),
                        ('state', 'in', MEMBER_CARD_STATES),
                        ('level', '!=', None),
                        ]):
                kept = levels.get(card.party.id)
                if (kept is None
                        or order.get(card.level.id, -1)
                        > order.get(kept.id, -1)):
                    levels[card.party.id] = card.level
            products = cls.products_bought(ids)
        result = {}
        for record in records:
            party = record.customer
            region = party.district or party.city or party.province
            result[record.id] = {
                'last_visit': summaries[party.id]['last'],
                'spend': spends[party.id],
                'level': getattr(levels.get(party.id), 'id', None),
                'region': region.id if region else None,
                'salesperson': party.owner.id if party.owner else None,
                'products': [('add', products.get(party.id, []))],
                }
        return result

    @classmethod
    def products_bought(cls, party_ids):
        "{party id: [product ids]} of the till sales done for the members"
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        Line = pool.get('sale.point.sale.line')
        sale, line = Sale.__table__(), Line.__table__()
        cursor = Transaction().connection.cursor()
        result = {}
        cursor.execute(*line.join(sale, condition=line.sale == sale.id
                ).select(sale.member, line.product,
                where=sale.member.in_(list(party_ids))
                & sale.state.in_(['done', 'posted'])
                & (line.quantity > 0),
                group_by=[sale.member, line.product],
                order_by=[sale.member, line.product]))
        for party, product in cursor:
            result.setdefault(party, []).append(product)
        return result

    @classmethod
    def run_nightly(cls):
        """The nightly job: marks first the customers who came back, then
        proposes the members who stopped coming; running it twice changes
        nothing more"""
        cls.mark_returned()
        cls.propose_candidates()

    @classmethod
    def propose_candidates(cls, date=None):
        """Propose as candidates the members who spent before and have not
        visited for the days of their level (the settings' days for a level
        not in the table), unless they already have an open record or one
        dismissed since their last visit.

        One INSERT … SELECT over the members' monthly rows: a loop over the
        members would read each one's months and cards, and the job runs
        over every member of the shop each night"""
        pool = Pool()
        Month = pool.get('crm.membership.member.month')
        Card = pool.get('crm.membership.card')
        LevelDays = pool.get('crm.service.churn.level_days')
        Configuration = pool.get('crm.configuration')
        Date = pool.get('ir.date')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        today = date or Date.today()
        table = cls.__table__()
        month, card = Month.__table__(), Card.__table__()
        churn = cls.__table__()

        def cutoff(days):
            return today - dt.timedelta(days=days)
        # The last day of visit that still counts, per level: the levels are
        # a short table, the members are not
        with without_check_access():
            default = cutoff(Configuration(1).churn_days)
            whens = [(card.level == x.level.id, cutoff(x.days))
                for x in LevelDays.search([])]
        limit = Case(*whens, else_=default) if whens else Literal(default)

        spent = month.select(
            month.party.as_('party'),
            Max(month.last_visit).as_('last_visit'),
            group_by=[month.party],
            having=Sum(month.amount) > 0)
        # A member with several cards is proposed by the most patient level
        members = card.select(
            card.party.as_('party'),
            Min(limit).as_('cutoff'),
            where=card.state.in_(MEMBER_CARD_STATES) & (card.party != Null),
            group_by=[card.party])
        known = churn.select(churn.id,
            where=(churn.customer == spent.party)
            & (churn.state.in_(OPEN_STATES)
                | (churn.last_visit >= spent.last_visit)))
        query = spent.join(members, condition=members.party == spent.party
            ).select(
                spent.party,
                Literal('candidate'),
                Literal(today),
                spent.last_visit,
                Literal(transaction.user),
                CurrentTimestamp(),
                where=(spent.last_visit < members.cutoff) & ~Exists(known))
        cursor.execute(*table.insert([
                    table.customer, table.state, table.date,
                    table.last_visit, table.create_uid, table.create_date],
                query))
        return cursor.rowcount

    @classmethod
    def mark_returned(cls):
        """Mark won back the confirmed records whose customer visited after
        the last visit known when they were confirmed (the date of the
        record when none), and dismiss the candidates who came back before
        a manager looked at them.

        One SELECT over all the open records at once finds them, for the
        same reason as propose_candidates; the few found go through the
        workflow"""
        pool = Pool()
        Month = pool.get('crm.membership.member.month')
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        month = Month.__table__()
        last = month.select(Max(month.last_visit),
            where=month.party == table.customer)
        cursor.execute(*table.select(table.id, table.state, last,
                where=table.state.in_(OPEN_STATES)
                & Greater(last, Coalesce(table.last_visit, table.date))))
        won_back, returned = defaultdict(list), []
        for id_, state, date in cursor:
            if state == 'confirmed':
                won_back[as_date(date)].append(id_)
            else:
                returned.append(id_)
        for date, ids in won_back.items():
            cls.win_back(cls.browse(ids), date)
        cls.dismiss_returned(cls.browse(returned))
        return sum(len(i) for i in won_back.values())

    @classmethod
    @Workflow.transition('won_back')
    def win_back(cls, records, date):
        "The customers came back on date (the nightly job, not a client)"
        cls.write(records, {'won_back_date': date})

    @classmethod
    @Workflow.transition('dismissed')
    def dismiss_returned(cls, records):
        """The candidates came back before a manager looked at them: dismissed
        by nobody (the nightly job, not a client)"""
        if records:
            cls.write(records, {'dismissed_at': dt.datetime.now()})


class ChurnProduct(ModelSQL):
    "A product a lost customer bought"
    __name__ = 'crm.service.churn-product.product'
    __string__ = "Churn Product"

    churn = fields.Many2One('crm.service.churn', "Churn", required=True,
        ondelete='CASCADE')
    product = fields.Many2One('product.product', "Product", required=True,
        ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.product, Index.Range())))


class ChurnAction(ModelSQL, ModelView):
    "What was done to win a lost customer back, and what came of it"
    __name__ = 'crm.service.churn.action'
    __string__ = "Win-Back Action"

    churn = fields.Many2One('crm.service.churn', "Churn", required=True,
        ondelete='CASCADE')
    date = fields.Date("Date", required=True)
    action = fields.Char("Action", required=True, size=500)
    employee = fields.Many2One('company.employee', "By",
        ondelete='RESTRICT')
    result = fields.Char("Result", size=500)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.churn, Index.Range())))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_employee(cls):
        return Transaction().context.get('employee')


class ChurnReport(Report):
    "The printed churn record (客户流失单)"
    __name__ = 'crm.service.churn.report'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        states = dict(Pool().get('crm.service.churn').fields_get(
                ['state'])['state']['selection'])
        context['state_string'] = lambda r: states.get(r.state, r.state)
        return context


# Field, header message of the import workbook; the required ones first
COLUMNS = [
    ('customer', 'msg_churn_column_customer'),
    ('churn_type', 'msg_churn_column_type'),
    ('reason', 'msg_churn_column_reason'),
    ('date', 'msg_churn_column_date'),
    ('note', 'msg_churn_column_note'),
    ]
REQUIRED = {'customer'}


def churn_headers():
    return {f: gettext('crm_service.' + m) for f, m in COLUMNS}


class ChurnImporter(SheetImporter):
    """Candidates from a workbook: the customer by number (客户编号) or
    mobile, among those the user sees"""
    model = 'crm.service.churn'

    def __init__(self, data):
        pool = Pool()
        Type = pool.get('crm.service.churn.type')
        Reason = pool.get('crm.service.churn.reason')
        self.types = {t.name: t for t in Type.search([])}
        self.reasons = {r.name: r for r in Reason.search([])}
        super().__init__(data, churn_headers(), REQUIRED)

    def _customer(self, text):
        pool = Pool()
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        # Searched with the user's rules: a customer the user may not see
        # is unknown to the import
        with check_access():
            parties = Party.search([('code', '=', text)], limit=1)
            if not parties and parse_phone(text):
                parties = [m.party for m in Mechanism.search([
                            ('value_compact', '=', parse_phone(text)),
                            ('type', 'in', ['mobile', 'phone']),
                            ], limit=1)]
        return parties[0] if parties else None

    def _parse(self, row, values):
        ok = True
        customer = self._customer(values.get('customer') or '')
        if not customer:
            self.error(row, 'customer', 'unknown_customer',
                customer=values.get('customer'))
            ok = False
        found = {}
        for field, table in [('churn_type', self.types),
                ('reason', self.reasons)]:
            if values.get(field):
                found[field] = table.get(values[field])
                if not found[field]:
                    self.error(row, field, 'unknown_option',
                        value=values[field])
                    ok = False
        date = self._date(row, values)
        ok &= self._too_long(row, values, {'note': 4000})
        if not (ok and date):
            return None
        return {
            'customer': customer.id,
            'churn_type': getattr(found.get('churn_type'), 'id', None),
            'reason': getattr(found.get('reason'), 'id', None),
            'date': date,
            'note': values.get('note') or None,
            }


class ChurnImportStart(ModelView):
    "Import churn records"
    __name__ = 'crm.service.churn.import.start'
    __string__ = "Import Churn Records"

    template = fields.Binary("Template", readonly=True,
        filename='template_filename')
    template_filename = fields.Char("Template File Name", readonly=True)
    file = fields.Binary("File", required=True, filename='filename',
        help="An .xlsx or .xls workbook with one customer per row.")
    filename = fields.Char("File Name")


class ChurnImportResult(ModelView):
    "Import churn records"
    __name__ = 'crm.service.churn.import.result'
    __string__ = "Import Churn Records"

    rows = fields.Integer("Rows", readonly=True)
    errors = fields.Text("Errors", readonly=True)


class ChurnImport(ImportWizardMixin, Wizard):
    """Check a workbook of lost customers, then create their candidate
    records all or none, with the user's access rights"""
    __name__ = 'crm.service.churn.import'

    start = import_start('crm.service.churn.import.start',
        'crm_service.churn_import_start_view_form')
    result = import_result('crm.service.churn.import.result',
        'crm_service.churn_import_result_view_form')
    _importer = ChurnImporter

    def _template(self):
        return content(workbook(list(churn_headers().values()), [
                    ['KH000001', "自然流失", "价格因素", '2026-05-01',
                        None],
                    ], gettext('crm_service.msg_churn_sheet'))), \
            gettext('crm_service.msg_churn_template_filename')

    def _checked(self, importer):
        return {'rows': len(importer.values)}
