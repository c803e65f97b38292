# This file is part of the CRM suite.
"Contact records (联系记录 / 回访) and the salesperson's due list"
import datetime as dt
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.crm_customer.access import refuse_server_fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, check_access, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import SfaAccessError
from .notify import notify, text_staff

KINDS = [
    ('visit', "Visit"),
    ('call', "Phone Call"),
    ('sms', "SMS"),
    ('wechat', "WeChat"),
    ('gift', "Birthday Gift"),
    ('return_visit', "Return Visit"),
    ('care', "Care"),
    ]
# Set by the server: a later contact with the customer settles the next one
SERVER_FIELDS = {'next_done'}


def today():
    "Today in the company's time zone"
    return Pool().get('ir.date').today()


class Contact(ModelSQL, ModelView):
    __name__ = 'crm.sfa.contact'
    __string__ = "Contact Record"
    _rec_name = 'content'

    party = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='CASCADE')
    employee = fields.Many2One(
        'company.employee', "Salesperson", required=True,
        ondelete='RESTRICT',
        domain=[('company', '=', Eval('context', {}).get('company', -1))])
    date = fields.DateTime("Time", required=True)
    kind = fields.Selection(KINDS, "Kind", required=True, sort=False)
    content = fields.Text("Content", required=True, size=4000)
    result = fields.Char("Result", size=500)
    opportunity = fields.Many2One(
        'sale.opportunity', "Deal", ondelete='SET NULL',
        domain=[If(Eval('party'), ('party', '=', Eval('party', -1)), ())])
    next_date = fields.Date("Next Contact",
        help="When to contact the customer again; the day it comes, the "
        "customer is on the salesperson's list of today's contacts.")
    next_action = fields.Char("Next Action", size=500,
        states={'invisible': ~Eval('next_date')})
    next_done = fields.Boolean("Followed Up", readonly=True,
        help="Set when a later contact with the customer is recorded.")
    due = fields.Function(fields.Boolean("Due"), 'get_due',
        searcher='search_due')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.party, Index.Range()), (t.date, Index.Range())),
                Index(t, (t.employee, Index.Range()),
                    (t.next_date, Index.Range()),
                    where=(t.next_done == False)),  # noqa: E712
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._buttons.update({
                'record_next': {
                    'icon': 'tryton-create',
                    'depends': ['next_done'],
                    'invisible': Eval('next_done', False),
                    },
                })

    @classmethod
    def default_employee(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_date(cls):
        return dt.datetime.now().replace(microsecond=0)

    @classmethod
    def default_kind(cls):
        return 'visit'

    @classmethod
    def default_next_done(cls):
        return False

    def get_due(self, name):
        return bool(self.next_date and not self.next_done
            and self.next_date <= today())

    @classmethod
    def search_due(cls, name, clause):
        _, operator, value = clause[:3]
        due = [('next_date', '<=', today()), ('next_done', '=', False)]
        if (operator == '=') == bool(value):
            return due
        return ['OR', ('next_date', '=', None), ('next_date', '>', today()),
            ('next_done', '=', True)]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('due', False), 'danger', '')),
            ]

    @property
    def urge_owner(self):
        return self.employee

    def is_late(self):
        return bool(self.next_date and not self.next_done
            and self.next_date < today())

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            values.setdefault('next_done', False)
        return values

    @classmethod
    def check_modification(cls, mode, contacts, values=None, external=False):
        pool = Pool()
        User = pool.get('res.user')
        super().check_modification(
            mode, contacts, values=values, external=external)
        if not external:
            return
        if mode == 'write':
            refuse_server_fields(cls, SERVER_FIELDS, values)
        if mode == 'create':
            refuse_server_fields(
                cls, SERVER_FIELDS, [n for n in SERVER_FIELDS
                    if any(getattr(c, n) for c in contacts)])
        if mode == 'create' or (mode == 'write' and 'employee' in values):
            for contact in contacts:
                if (contact.employee.id not in User.get_employees()
                        and not User.is_crm_manager()):
                    raise SfaAccessError(gettext(
                            'crm_sfa.msg_contact_employee',
                            employee=contact.employee.rec_name))

    @classmethod
    def on_modification(cls, mode, contacts, field_names=None):
        super().on_modification(mode, contacts, field_names=field_names)
        if mode == 'create':
            cls.settle_earlier(contacts)

    @classmethod
    def settle_earlier(cls, contacts):
        "A contact with a customer settles the earlier next contacts planned"
        latest = defaultdict(lambda: dt.datetime.min)
        for contact in contacts:
            latest[contact.party.id] = max(latest[contact.party.id],
                contact.date)
        with without_check_access():
            earlier = cls.search(['OR'] + [[
                        ('party', '=', party),
                        ('date', '<=', date),
                        ('next_done', '=', False),
                        ('next_date', '!=', None),
                        ('id', 'not in', [c.id for c in contacts]),
                        ] for party, date in latest.items()])
            if earlier:
                cls.write(earlier, {'next_done': True})

    @classmethod
    def copy(cls, contacts, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('next_done', False)
        return super().copy(contacts, default=default)

    @classmethod
    @ModelView.button_action('crm_sfa.wizard_contact_record')
    def record_next(cls, contacts):
        pass

    @classmethod
    def remind_due(cls):
        """Cron, each morning: tell every salesperson how many customers
        are due today or overdue, in the web client and by SMS when set"""
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Employee = pool.get('company.employee')
        Lang = pool.get('ir.lang')
        template = Configuration(1).sfa_reminder_sms_template
        date = today()
        by_employee = defaultdict(list)
        with without_check_access():
            for contact in cls.search([('due', '=', True)],
                    order=[('next_date', 'ASC'), ('id', 'ASC')]):
                by_employee[contact.employee.id].append(contact)
            lang = Lang.get()
            for employee_id, contacts in by_employee.items():
                employee = Employee(employee_id)
                count = len({c.party.id for c in contacts})
                notify([employee],
                    gettext('crm_sfa.msg_due_contacts', count=count),
                    '、'.join(c.party.rec_name for c in contacts[:5]),
                    records=contacts)
                text_staff([employee], template,
                    values={'count': count,
                        'date': lang.strftime(date)},
                    occasion='sfa-due:%s' % date.isoformat())


class RecordStart(ModelView):
    __name__ = 'crm.sfa.contact.record.start'
    __string__ = "Record a Contact"

    party = fields.Many2One('party.party', "Customer", readonly=True)
    opportunity = fields.Many2One(
        'sale.opportunity', "Deal",
        domain=[('party', '=', Eval('party', -1))])
    kind = fields.Selection(KINDS, "Kind", required=True, sort=False)
    content = fields.Text("Content", required=True)
    result = fields.Char("Result")
    next_date = fields.Date("Next Contact")
    next_action = fields.Char("Next Action",
        states={'invisible': ~Eval('next_date')})


class Record(Wizard):
    "Record the contact made with the customer of a due contact"
    __name__ = 'crm.sfa.contact.record'
    start = StateView('crm.sfa.contact.record.start',
        'crm_sfa.contact_record_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Save", 'save', 'tryton-ok', default=True),
            ])
    save = StateTransition()

    def default_start(self, fields):
        # Read with the user's rights: a wizard does not check them
        with check_access():
            record = self.model(self.record.id) if self.record else None
            values = {'kind': 'visit'}
            if self.model.__name__ == 'crm.sfa.contact' and record:
                values.update({
                        'party': record.party.id,
                        'opportunity': (record.opportunity.id
                            if record.opportunity else None),
                        'kind': record.kind,
                        'content': record.next_action,
                        })
            elif self.model.__name__ == 'party.party' and record:
                values['party'] = record.id
            return values

    def transition_save(self):
        pool = Pool()
        Contact = pool.get('crm.sfa.contact')
        if self.model.__name__ == 'crm.sfa.contact':
            party = self.record.party
        else:
            party = self.record
        with check_access():
            # The user must see the record and may add contacts
            self.model.read([self.record.id], ['id'])
            Contact.create([{
                        'party': party.id,
                        'opportunity': (self.start.opportunity.id
                            if self.start.opportunity else None),
                        'kind': self.start.kind,
                        'content': self.start.content,
                        'result': self.start.result,
                        'next_date': self.start.next_date,
                        'next_action': self.start.next_action,
                        }])
        return 'end'

    def end(self):
        return 'reload'
