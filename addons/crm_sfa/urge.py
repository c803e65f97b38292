# This file is part of the CRM suite.
"催办: a manager urges a late deal, task or contact of their team"
import datetime as dt

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import SfaAccessError, SfaError
from .notify import notify, text_staff

# What may be urged: each model has the property urge_owner and is_late()
DOCUMENTS = ['sale.opportunity', 'crm.sfa.task', 'crm.sfa.contact']


class Urge(ModelSQL, ModelView):
    __name__ = 'crm.sfa.urge'
    __string__ = "Urging"

    document = fields.Reference("Urged Record", [
            ('sale.opportunity', "Opportunity"),
            ('crm.sfa.task', "Task"),
            ('crm.sfa.contact', "Contact Record"),
            ], required=True, readonly=True)
    owner = fields.Many2One('company.employee', "Owner", required=True,
        readonly=True, ondelete='RESTRICT',
        help="The employee who was urged.")
    urged_by = fields.Many2One('company.employee', "Urged By",
        readonly=True, ondelete='RESTRICT')
    date = fields.DateTime("Urged At", required=True, readonly=True)
    note = fields.Text("Note", readonly=True)
    urgings = fields.Function(fields.Integer("Urgings",
            help="One for each urging: summed per person in the graph."),
        'get_urgings')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.owner, Index.Equality())),
                Index(t, (t.document, Index.Equality())),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    def get_urgings(self, name):
        return 1

    def get_rec_name(self, name):
        return '%s @ %s' % (
            self.document.rec_name if self.document else '', self.owner.rec_name)

    @classmethod
    def create(cls, vlist):
        # Only the urging wizard creates them, as the server
        if Transaction().user and Transaction().check_access:
            raise SfaAccessError(gettext('crm_sfa.msg_urge_wizard_only'))
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, urges, values=None, external=False):
        super().check_modification(
            mode, urges, values=values, external=external)
        if external and mode == 'write':
            raise SfaAccessError(gettext('crm_sfa.msg_urge_wizard_only'))

    @classmethod
    def copy(cls, urges, default=None):
        if urges and Transaction().user and Transaction().check_access:
            raise SfaAccessError(gettext('crm_sfa.msg_urge_wizard_only'))
        return super().copy(urges, default=default)

    @classmethod
    def urge(cls, documents, note=None):
        """Urge the owners of documents as the user, who must direct them,
        when each document is late; notify them (and text them when the
        settings have a template) and return the urgings"""
        pool = Pool()
        User = pool.get('res.user')
        Employee = pool.get('company.employee')
        Configuration = pool.get('crm.configuration')
        if not User.is_crm_manager():
            raise SfaAccessError(gettext('crm_sfa.msg_urge_not_manager'))
        user = Transaction().user
        urged_by = User(user).employee if user else None
        with without_check_access():
            for document in documents:
                if document.__name__ not in DOCUMENTS:
                    raise SfaError(gettext('crm_sfa.msg_urge_document',
                            record=document.rec_name))
                owner = document.urge_owner
                if not owner or not Employee.directs(owner):
                    raise SfaAccessError(gettext(
                            'crm_sfa.msg_urge_not_directed',
                            record=document.rec_name,
                            employee=owner.rec_name if owner else '-'))
                if not document.is_late():
                    raise SfaError(gettext('crm_sfa.msg_urge_not_late',
                            record=document.rec_name))
            now = dt.datetime.now()
            urges = cls.create([{
                        'document': str(d),
                        'owner': d.urge_owner.id,
                        'urged_by': urged_by.id if urged_by else None,
                        'date': now,
                        'note': note,
                        } for d in documents])
            template = Configuration(1).sfa_urge_sms_template
            for urge in urges:
                document = urge.document
                notify([urge.owner],
                    gettext('crm_sfa.msg_urge_label',
                        employee=urged_by.rec_name if urged_by else '',
                        record=document.rec_name),
                    description=note, records=[document])
                if template:
                    text_staff([urge.owner], template,
                        values={'record': document.rec_name,
                            'note': note or ''},
                        origin=document, occasion='urge:%s' % urge.id)
        return urges


class UrgeStart(ModelView):
    __name__ = 'crm.sfa.urge.start'
    __string__ = "Urge"

    note = fields.Text("Note",
        help="What the owner is asked to do; sent with the notification.")


class UrgeWizard(Wizard):
    __name__ = 'crm.sfa.urge'
    start = StateView('crm.sfa.urge.start',
        'crm_sfa.urge_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Urge", 'urge', 'tryton-ok', default=True),
            ])
    urge = StateTransition()

    def default_start(self, fields):
        # Refused at once rather than after typing the note
        self.check()
        return {}

    def check(self):
        pool = Pool()
        User = pool.get('res.user')
        if not User.is_crm_manager():
            raise SfaAccessError(gettext('crm_sfa.msg_urge_not_manager'))

    def transition_urge(self):
        Urge = Pool().get('crm.sfa.urge')
        self.check()
        Urge.urge(list(self.records), note=self.start.note)
        return 'end'
