# This file is part of the CRM suite.
"Appointments (日程): meetings, visits and calls of the sales force"
import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.crm_customer.access import (
    check_button_role, refuse_created_server_fields, refuse_server_fields)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import (
    Transaction, check_access, without_check_access)

from .exceptions import SfaAccessError, SfaValidationError, SfaWarning

# Moved by the buttons only
SERVER_FIELDS = {'state'}
# What may still be written once done or cancelled
CLOSED_FIELDS = {'description'}
CONFLICT_FIELDS = {'start', 'end', 'organizer', 'participants', 'state'}


def format_datetime(value):
    "value (naive UTC) in the user's or the company's time zone"
    pool = Pool()
    Company = pool.get('company.company')
    if not value:
        return ''
    context = Transaction().context
    timezone = context.get('timezone')
    if not timezone and (context.get('company') or -1) >= 0:
        timezone = Company(context['company']).timezone
    if timezone:
        value = value.replace(tzinfo=ZoneInfo('UTC')).astimezone(
            ZoneInfo(timezone))
    return value.strftime('%Y-%m-%d %H:%M')


class Appointment(Workflow, ModelSQL, ModelView):
    __name__ = 'crm.sfa.appointment'
    __string__ = "Appointment"

    _states = {'readonly': Eval('state') != 'planned'}

    name = fields.Char("Subject", required=True, states=_states)
    kind = fields.Selection([
            ('meeting', "Meeting"),
            ('visit', "Visit"),
            ('call', "Call"),
            ], "Kind", required=True, states=_states)
    start = fields.DateTime("Start", required=True, states=_states)
    end = fields.DateTime("End", required=True, states=_states)
    place = fields.Char("Place", states=_states)
    party = fields.Many2One('party.party', "Customer", ondelete='RESTRICT',
        states=_states)
    opportunity = fields.Many2One('sale.opportunity', "Opportunity",
        ondelete='SET NULL', states=_states,
        domain=[If(Eval('party'), ('party', '=', Eval('party', -1)), ())])
    organizer = fields.Many2One('company.employee', "Organizer",
        required=True, ondelete='RESTRICT', states=_states)
    participants = fields.Many2Many(
        'crm.sfa.appointment-company.employee', 'appointment', 'employee',
        "Participants", states=_states)
    description = fields.Text("Description")
    state = fields.Selection([
            ('planned', "Planned"),
            ('done', "Done"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.start, Index.Range()), (t.end, Index.Range())),
                Index(t, (t.organizer, Index.Equality())),
                })
        cls._order = [('start', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('planned', 'done'),
            ('planned', 'cancelled'),
            ('done', 'planned'),
            ('cancelled', 'planned'),
            }
        cls._buttons.update({
                'plan': {
                    'invisible': Eval('state') == 'planned',
                    'icon': 'tryton-undo',
                    'depends': ['state'],
                    },
                'do': {
                    'invisible': Eval('state') != 'planned',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state') != 'planned',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_kind(cls):
        return 'visit'

    @classmethod
    def default_state(cls):
        return 'planned'

    @classmethod
    def default_organizer(cls):
        return Transaction().context.get('employee')

    @fields.depends('start', 'end')
    def on_change_start(self):
        if self.start and (not self.end or self.end <= self.start):
            self.end = self.start + dt.timedelta(hours=1)

    @fields.depends('opportunity', 'party')
    def on_change_opportunity(self):
        if self.opportunity and not self.party:
            self.party = self.opportunity.party

    @classmethod
    def check_organizers(cls, organizers):
        """Refuse an organizer the user does not direct: one organizes
        one's own appointments, a manager those of their team"""
        Employee = Pool().get('company.employee')
        for organizer in organizers:
            if not Employee.directs(organizer):
                with without_check_access():
                    name = Employee(int(organizer)).rec_name
                raise SfaAccessError(gettext(
                        'crm_sfa.msg_appointment_organizer',
                        employee=name))

    @classmethod
    def create(cls, vlist):
        if Transaction().user and Transaction().check_access:
            refuse_created_server_fields(
                cls, SERVER_FIELDS, vlist, (None, 'planned'))
            cls.check_organizers(
                {v['organizer'] for v in vlist if v.get('organizer')})
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, appointments, values=None,
            external=False):
        super().check_modification(
            mode, appointments, values=values, external=external)
        if not external or mode != 'write':
            return
        refuse_server_fields(cls, SERVER_FIELDS, values)
        if values.get('organizer'):
            cls.check_organizers([values['organizer']])
        if set(values) - CLOSED_FIELDS:
            for appointment in appointments:
                if appointment.state != 'planned':
                    raise SfaAccessError(gettext(
                            'crm_sfa.msg_appointment_closed',
                            appointment=appointment.rec_name))

    @classmethod
    def validate_fields(cls, appointments, field_names):
        super().validate_fields(appointments, field_names)
        if field_names & {'start', 'end'}:
            for appointment in appointments:
                if appointment.end <= appointment.start:
                    raise SfaValidationError(gettext(
                            'crm_sfa.msg_appointment_end_before_start',
                            appointment=appointment.rec_name))
        if field_names & CONFLICT_FIELDS:
            cls.check_conflicts(appointments)

    def attendees(self):
        "The organizer and the participants"
        return {e for e in [self.organizer, *self.participants] if e}

    @classmethod
    def check_conflicts(cls, appointments):
        """Warn when the organizer or a participant has another appointment
        at the same time, even one the user may not see"""
        pool = Pool()
        Warning = pool.get('res.user.warning')
        ModelAccess = pool.get('ir.model.access')
        if not Transaction().user:
            return
        for appointment in appointments:
            if appointment.state == 'cancelled':
                continue
            people = appointment.attendees()
            ids = [e.id for e in people]
            with without_check_access():
                others = cls.search([
                        ('id', '!=', appointment.id),
                        ('state', '!=', 'cancelled'),
                        ('start', '<', appointment.end),
                        ('end', '>', appointment.start),
                        ['OR',
                            ('organizer', 'in', ids),
                            ('participants', 'in', ids),
                            ],
                        ], order=[('start', 'ASC'), ('id', 'ASC')])
                conflicts = [(e, o) for o in others
                    for e in sorted(people & o.attendees(), key=int)]
            if not conflicts:
                continue
            key = 'crm_sfa.appointment_conflict.%s' % hashlib.md5(
                ('%s|%s|%s' % (appointment.start, appointment.end,
                        sorted((e.id, o.id) for e, o in conflicts))
                    ).encode()).hexdigest()
            if not Warning.check(key):
                continue
            readable = set()
            if ModelAccess.check(cls.__name__, 'read',
                    raise_exception=False):
                with check_access():
                    readable = set(map(int, cls.search([
                                    ('id', 'in', [o.id for _, o in conflicts]),
                                    ])))
            lines = []
            with without_check_access():
                for employee, other in conflicts:
                    values = {
                        'employee': employee.rec_name,
                        'start': format_datetime(other.start),
                        'end': format_datetime(other.end),
                        }
                    if other.id in readable:
                        lines.append(gettext(
                                'crm_sfa.msg_appointment_conflict',
                                appointment=other.name, **values))
                    else:
                        lines.append(gettext(
                                'crm_sfa.msg_appointment_conflict_hidden',
                                **values))
            raise SfaWarning(key, '\n'.join(lines))

    # 重新计划
    @classmethod
    @ModelView.button
    @Workflow.transition('planned')
    def plan(cls, appointments):
        check_button_role(cls.__name__, 'plan')

    # 完成
    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def do(cls, appointments):
        check_button_role(cls.__name__, 'do')

    # 取消
    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, appointments):
        check_button_role(cls.__name__, 'cancel')


class AppointmentEmployee(ModelSQL):
    __name__ = 'crm.sfa.appointment-company.employee'
    __string__ = "Appointment Participant"
    appointment = fields.Many2One('crm.sfa.appointment', "Appointment",
        required=True, ondelete='CASCADE')
    employee = fields.Many2One('company.employee', "Employee",
        required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Seen and changed as their appointment is
        cls.__access__.add('appointment')
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.appointment, Index.Equality())),
                Index(t, (t.employee, Index.Equality())),
                })
