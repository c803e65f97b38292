# This file is part of the CRM suite.
"""客户移交: a manager moves customers, with their open deals, tasks and next
contacts, from one salesperson to another; a salesperson asks for it
through an approval; 员工离职移交 moves all the customers of who leaves"""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.crm_customer.access import (
    check_button_role, refuse_server_fields)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import SfaAccessError, SfaError, SfaValidationError
from .notify import notify

# Set by the buttons and the approval, never by a client
SERVER_FIELDS = {
    'state', 'requested_by', 'done_by', 'done_date', 'approval',
    'customer_count', 'deal_count', 'task_count', 'contact_count',
    }
# The deals still to be won or lost
OPEN_OPPORTUNITY_STATES = ['lead', 'opportunity', 'converted']


def _user_employee():
    "The current employee of the user, else their first one"
    User = Pool().get('res.user')
    user = User(Transaction().user)
    if user.employee:
        return user.employee
    return user.employees[0] if user.employees else None


class Handover(Workflow, ModelSQL, ModelView):
    "客户移交: customers moved from one salesperson to another"
    __name__ = 'crm.sfa.handover'
    __string__ = "Customer Hand-over"

    _draft = {'readonly': Eval('state') != 'draft'}

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True,
        ondelete='RESTRICT')
    from_employee = fields.Many2One(
        'company.employee', "From Salesperson", required=True,
        ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states=_draft,
        help="The salesperson whose customers are handed over.")
    to_employee = fields.Many2One(
        'company.employee', "To Salesperson", required=True,
        ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('id', '!=', Eval('from_employee', -1)),
            ],
        states=_draft,
        help="The salesperson who takes the customers over.")
    parties = fields.Many2Many(
        'crm.sfa.handover-party.party', 'handover', 'party', "Customers",
        domain=[
            If(Eval('state') == 'draft',
                ('owner', '=', Eval('from_employee', -1)),
                ()),
            ],
        states=_draft,
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The customers handed over, with their open deals, tasks and "
        "next contacts.")
    reason = fields.Text("Reason", required=True, states=_draft)
    state = fields.Selection([
            ('draft', "Draft"),
            ('requested', "Requested"),
            ('done', "Handed Over"),
            ('rejected', "Rejected"),
            ], "State", readonly=True, required=True, sort=False)
    approval = fields.Many2One(
        'crm.sfa.approval', "Approval", readonly=True, ondelete='SET NULL',
        states={'invisible': ~Eval('approval')})
    requested_by = fields.Many2One(
        'company.employee', "Requested By", readonly=True,
        ondelete='RESTRICT')
    done_by = fields.Many2One(
        'company.employee', "Handed Over By", readonly=True,
        ondelete='RESTRICT',
        help="Who executed the hand-over or approved it.")
    done_date = fields.DateTime("Handed Over At", readonly=True)
    customer_count = fields.Integer("Customers Moved", readonly=True)
    deal_count = fields.Integer("Deals Moved", readonly=True)
    task_count = fields.Integer("Tasks Moved", readonly=True)
    contact_count = fields.Integer("Next Contacts Moved", readonly=True)

    del _draft

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.from_employee, Index.Range())),
                Index(t, (t.to_employee, Index.Range())),
                Index(t, (t.state, Index.Equality(cardinality='low'))),
                })
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'requested'),
            ('draft', 'done'),
            ('requested', 'done'),
            ('requested', 'rejected'),
            ('requested', 'draft'),
            ('rejected', 'draft'),
            }
        cls._buttons.update({
                'execute': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'request': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': ~Eval('state').in_(['requested', 'rejected']),
                    'icon': 'tryton-undo',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_from_employee(cls):
        "A salesperson hands over their own customers"
        User = Pool().get('res.user')
        if not User.is_crm_manager():
            return Transaction().context.get('employee')

    @fields.depends('from_employee', 'parties')
    def on_change_from_employee(self):
        self.parties = [p for p in (self.parties or [])
            if self.from_employee and p.owner == self.from_employee]

    def get_rec_name(self, name):
        return '%s → %s' % (
            self.from_employee.rec_name if self.from_employee else '',
            self.to_employee.rec_name if self.to_employee else '')

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('from_employee.rec_name', operator, operand, *extra),
            ('to_employee.rec_name', operator, operand, *extra),
            ]

    @classmethod
    def validate_fields(cls, handovers, field_names):
        super().validate_fields(handovers, field_names)
        if field_names & {'from_employee', 'to_employee', 'company'}:
            for handover in handovers:
                if handover.from_employee == handover.to_employee:
                    raise SfaValidationError(gettext(
                            'crm_sfa.msg_handover_same_employee',
                            handover=handover.rec_name))
                if (handover.from_employee.company != handover.company
                        or handover.to_employee.company != handover.company):
                    raise SfaValidationError(gettext(
                            'crm_sfa.msg_handover_other_company',
                            handover=handover.rec_name))

    @classmethod
    def create(cls, vlist):
        # The state and what moved come from the buttons, never a client
        if Transaction().check_access:
            for values in vlist:
                refuse_server_fields(cls, SERVER_FIELDS, {
                        n for n, v in values.items()
                        if v not in (None, 'draft', 0)})
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, handovers, values=None, external=False):
        super().check_modification(
            mode, handovers, values=values, external=external)
        if not external:
            return
        if mode == 'write':
            refuse_server_fields(cls, SERVER_FIELDS, values)
        if mode == 'create' or (mode == 'write' and 'from_employee' in values):
            # Only the customers of those the user directs
            Employee = Pool().get('company.employee')
            for handover in handovers:
                from_employee = (Employee(values['from_employee'])
                    if mode == 'write' else handover.from_employee)
                if not Employee.directs(from_employee):
                    raise SfaAccessError(gettext(
                            'crm_sfa.msg_handover_request_refused',
                            handover=handover.rec_name))
        if mode in {'write', 'delete'}:
            for handover in handovers:
                if handover.state != 'draft':
                    raise SfaAccessError(gettext(
                            'crm_sfa.msg_handover_not_draft',
                            handover=handover.rec_name))

    @classmethod
    def copy(cls, handovers, default=None):
        default = default.copy() if default is not None else {}
        for name in SERVER_FIELDS - {'state'}:
            default.setdefault(name, None)
        return super().copy(handovers, default=default)

    # 执行移交: a manager moves the customers at once
    @classmethod
    @ModelView.button
    def execute(cls, handovers):
        pool = Pool()
        User = pool.get('res.user')
        Employee = pool.get('company.employee')
        check_button_role(cls.__name__, 'execute')
        # A request waits for its approval
        handovers = [h for h in handovers if h.state == 'draft']
        for handover in handovers:
            if not (User.is_crm_manager()
                    and Employee.directs(handover.from_employee)
                    and Employee.directs(handover.to_employee)):
                raise SfaAccessError(gettext(
                        'crm_sfa.msg_handover_execute_refused',
                        handover=handover.rec_name))
        cls.do(handovers)

    # 申请移交: a salesperson asks their manager to move their customers
    @classmethod
    @ModelView.button
    @Workflow.transition('requested')
    def request(cls, handovers):
        pool = Pool()
        Approval = pool.get('crm.sfa.approval')
        Employee = pool.get('company.employee')
        check_button_role(cls.__name__, 'request')
        employee = _user_employee()
        for handover in handovers:
            if not Employee.directs(handover.from_employee):
                raise SfaAccessError(gettext(
                        'crm_sfa.msg_handover_request_refused',
                        handover=handover.rec_name))
            cls.check_parties(handover)
        for handover in handovers:
            handover.requested_by = employee
            handover.approval = Approval.submit(
                handover, 'handover', gettext(
                    'crm_sfa.msg_handover_approval_subject',
                    count=len(handover.parties),
                    from_employee=handover.from_employee.rec_name,
                    to_employee=handover.to_employee.rec_name),
                description=handover.reason)
        cls.save(handovers)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, handovers):
        "Edit again a rejected request, or one whose approval was withdrawn"
        Approval = Pool().get('crm.sfa.approval')
        check_button_role(cls.__name__, 'draft')
        for handover in handovers:
            if Approval.last_state(handover) == 'submitted':
                raise SfaError(gettext('crm_sfa.msg_handover_draft_pending',
                        handover=handover.rec_name))
        cls.write(handovers, {'approval': None, 'requested_by': None})

    @classmethod
    def sfa_approved(cls, handovers):
        "The approval of the hand-over request was granted"
        handovers = [h for h in handovers if h.state == 'requested']
        if handovers:
            cls.do(handovers)

    @classmethod
    @Workflow.transition('rejected')
    def sfa_rejected(cls, handovers):
        "The approval of the hand-over request was refused"
        # The approval notifies its requester
        pass

    @classmethod
    def check_parties(cls, handover):
        "There are customers to move, and from_employee owns them"
        if not handover.parties:
            raise SfaValidationError(gettext(
                    'crm_sfa.msg_handover_no_party',
                    handover=handover.rec_name))
        for party in handover.parties:
            if party.owner != handover.from_employee:
                raise SfaValidationError(gettext(
                        'crm_sfa.msg_handover_party_owner',
                        customer=party.rec_name,
                        employee=handover.from_employee.rec_name))

    @classmethod
    @Workflow.transition('done')
    def do(cls, handovers):
        "Move the customers and what is open of them, as the server"
        pool = Pool()
        Party = pool.get('party.party')
        employee = _user_employee()
        now = dt.datetime.now()
        with without_check_access():
            # Two hand-overs of one customer do not both move it
            Party.lock([p for h in handovers for p in h.parties])
            for handover in handovers:
                cls.check_parties(handover)
                counts = handover.move()
                handover.customer_count, handover.deal_count, \
                    handover.task_count, handover.contact_count = counts
                handover.done_by = employee
                handover.done_date = now
            cls.save(handovers)
        for handover in handovers:
            notify([handover.to_employee, handover.from_employee],
                gettext('crm_sfa.msg_handover_done_label',
                    count=handover.customer_count,
                    from_employee=handover.from_employee.rec_name,
                    to_employee=handover.to_employee.rec_name),
                description=gettext('crm_sfa.msg_handover_done_description',
                    deals=handover.deal_count, tasks=handover.task_count,
                    contacts=handover.contact_count,
                    reason=handover.reason),
                records=[handover])

    def move(self):
        """Give the customers, their open deals and tasks and their next
        contacts of from_employee to to_employee; return how many of each
        moved"""
        pool = Pool()
        Party = pool.get('party.party')
        Opportunity = pool.get('sale.opportunity')
        Task = pool.get('crm.sfa.task')
        Contact = pool.get('crm.sfa.contact')
        source, target = self.from_employee, self.to_employee
        party_ids = [p.id for p in self.parties]
        parties = Party.browse(party_ids)
        Party.write(parties, {'owner': target.id})
        opportunities = Opportunity.search([
                ('party', 'in', party_ids),
                ('employee', '=', source.id),
                ('state', 'in', OPEN_OPPORTUNITY_STATES),
                ])
        if opportunities:
            Opportunity.write(opportunities, {'employee': target.id})
        tasks = Task.search([
                ('party', 'in', party_ids),
                ('assignee', '=', source.id),
                ('state', '=', 'open'),
                ])
        if tasks:
            Task.write(tasks, {'assignee': target.id})
        contacts = Contact.search([
                ('party', 'in', party_ids),
                ('employee', '=', source.id),
                ('next_done', '=', False),
                ('next_date', '!=', None),
                ])
        if contacts:
            Contact.write(contacts, {'employee': target.id})
        return len(parties), len(opportunities), len(tasks), len(contacts)


class HandoverParty(ModelSQL):
    "A customer of a hand-over"
    __name__ = 'crm.sfa.handover-party.party'
    __string__ = "Hand-over Customer"

    handover = fields.Many2One(
        'crm.sfa.handover', "Hand-over", required=True, ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('handover')
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.handover, Index.Range())),
                Index(t, (t.party, Index.Range())),
                })

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if not external:
            return
        # The customers of a requested or done hand-over are its history
        Handover = Pool().get('crm.sfa.handover')
        handovers = {line.handover for line in lines}
        if mode == 'write' and values.get('handover'):
            handovers.add(Handover(values['handover']))
        for handover in handovers:
            if handover.state != 'draft':
                raise SfaAccessError(gettext(
                        'crm_sfa.msg_handover_not_draft',
                        handover=handover.rec_name))


class LeaveStart(ModelView):
    "员工离职移交: who leaves and who takes their customers"
    __name__ = 'crm.sfa.leave.start'
    __string__ = "Employee Leaving"

    company = fields.Many2One('company.company', "Company", readonly=True)
    employee = fields.Many2One(
        'company.employee', "Leaving Employee", required=True,
        domain=[('company', '=', Eval('company', -1))],
        help="All the customers of this employee are handed over.")
    to_employee = fields.Many2One(
        'company.employee', "To Salesperson", required=True,
        domain=[
            ('company', '=', Eval('company', -1)),
            ('id', '!=', Eval('employee', -1)),
            ],
        help="The salesperson who takes the customers over.")
    reason = fields.Text("Reason", required=True)
    customer_count = fields.Integer("Customers Owned", readonly=True)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @fields.depends('employee')
    def on_change_with_customer_count(self):
        Party = Pool().get('party.party')
        if not self.employee:
            return None
        with without_check_access():
            return Party.search([('owner', '=', self.employee.id)],
                count=True)


class Leave(Wizard):
    "员工离职移交: all the customers of who leaves, in one hand-over"
    __name__ = 'crm.sfa.leave'

    start = StateView('crm.sfa.leave.start',
        'crm_sfa.leave_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Hand Over", 'handover', 'tryton-ok', default=True),
            ])
    handover = StateTransition()

    def default_start(self, fields):
        employee = None
        if (self.model and self.model.__name__ == 'company.employee'
                and self.record):
            employee = self.record.id
        return {
            'company': Transaction().context.get('company'),
            'employee': employee,
            }

    def transition_handover(self):
        pool = Pool()
        Handover = pool.get('crm.sfa.handover')
        Party = pool.get('party.party')
        User = pool.get('res.user')
        Employee = pool.get('company.employee')
        # A wizard runs without access checks once started
        start = self.start
        if not (User.is_crm_manager()
                and Employee.directs(start.employee)
                and Employee.directs(start.to_employee)):
            raise SfaAccessError(gettext('crm_sfa.msg_leave_refused',
                    employee=start.employee.rec_name))
        if start.employee == start.to_employee:
            raise SfaValidationError(gettext(
                    'crm_sfa.msg_handover_same_employee',
                    handover=start.employee.rec_name))
        with without_check_access():
            parties = Party.search([('owner', '=', start.employee.id)])
            if not parties:
                raise SfaError(gettext('crm_sfa.msg_leave_no_customer',
                        employee=start.employee.rec_name))
            handover, = Handover.create([{
                        'company': start.employee.company.id,
                        'from_employee': start.employee.id,
                        'to_employee': start.to_employee.id,
                        'reason': start.reason,
                        'parties': [('add', [p.id for p in parties])],
                        }])
            Handover.do([handover])
        return 'end'
