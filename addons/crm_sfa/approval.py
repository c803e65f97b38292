# This file is part of the CRM suite.
"""Approvals (审批 / 工作请示): one mechanism for quotes and discounts over a
salesperson's limit, customer hand-over requests and free requests to one's
manager"""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Workflow, fields, sequence_ordered)
from trytond.modules.crm_customer.access import (
    filled_fields, refuse_server_fields)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import SfaAccessError, SfaError
from .notify import notify

KINDS = [
    ('quote', "Quote over Limit"),
    ('discount', "Discount over Limit"),
    ('handover', "Customer Hand-over"),
    ('request', "Work Request"),
    ]
# Set by the server from the user, the rules and the buttons
SERVER_FIELDS = {'requester', 'approver', 'state', 'submitted_date',
    'decided_date', 'decided_by', 'document'}


class Rule(sequence_ordered(), ModelSQL, ModelView):
    "Who approves a kind from an amount up: the chain by amount"
    __name__ = 'crm.sfa.approval.rule'
    __string__ = "Approval Rule"

    company = fields.Many2One('company.company', "Company", required=True)
    kind = fields.Selection(KINDS, "Kind", required=True, sort=False)
    min_amount = fields.Numeric("From Amount", digits=(16, 2),
        required=True,
        help="The rule applies to approvals of this amount and more; the "
        "rule with the highest amount reached wins.")
    approver = fields.Many2One(
        'company.employee', "Approver", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('kind', 'ASC'), ('min_amount', 'DESC'), ('id', 'ASC')]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_min_amount(cls):
        return 0


class Approval(Workflow, ModelSQL, ModelView):
    __name__ = 'crm.sfa.approval'
    __string__ = "Approval"
    _rec_name = 'subject'

    _states = {'readonly': Eval('state') != 'draft'}

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    kind = fields.Selection(KINDS, "Kind", required=True, sort=False,
        states={'readonly': True})
    subject = fields.Char("Subject", required=True, size=200,
        states=_states)
    description = fields.Text("Description", size=4000, states=_states)
    amount = fields.Numeric("Amount", digits=(16, 2), states=_states)
    discount = fields.Numeric("Discount", digits=(1, 4), readonly=True,
        states={'invisible': Eval('kind') != 'discount'})
    document = fields.Reference("Document", selection='get_documents',
        readonly=True)
    requester = fields.Many2One(
        'company.employee', "Requester", readonly=True, ondelete='RESTRICT')
    approver = fields.Many2One(
        'company.employee', "Approver", readonly=True, ondelete='RESTRICT')
    comment = fields.Text("Approver's Comment", size=4000,
        states={'readonly': Eval('state') != 'submitted'})
    submitted_date = fields.DateTime("Submitted", readonly=True)
    decided_date = fields.DateTime("Decided", readonly=True)
    decided_by = fields.Many2One('res.user', "Decided By", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('submitted', "Submitted"),
            ('approved', "Approved"),
            ('rejected', "Rejected"),
            ('cancelled', "Withdrawn"),
            ], "State", readonly=True, required=True, sort=False)
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.approver, Index.Range()),
                    where=t.state == 'submitted'),
                Index(t, (t.document, Index.Equality())),
                })
        cls._order = [('submitted_date', 'DESC NULLS FIRST'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'submitted'),
            ('submitted', 'approved'),
            ('submitted', 'rejected'),
            ('submitted', 'cancelled'),
            ('draft', 'cancelled'),
            }
        cls._buttons.update({
                'request_approval': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                'withdraw': {
                    'invisible': ~Eval('state').in_(['draft', 'submitted']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_kind(cls):
        return 'request'

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_requester(cls):
        return Transaction().context.get('employee')

    @classmethod
    def _get_documents(cls):
        return ['sale.sale', 'crm.sfa.handover']

    @classmethod
    def get_documents(cls):
        pool = Pool()
        IrModel = pool.get('ir.model')
        models = cls._get_documents()
        return [(None, '')] + [(m, IrModel.get_name(m)) for m in models]

    @classmethod
    def check_modification(cls, mode, approvals, values=None,
            external=False):
        pool = Pool()
        User = pool.get('res.user')
        super().check_modification(
            mode, approvals, values=values, external=external)
        if not external:
            return
        if mode == 'create':
            # A client files a work request of its own, nothing else
            employees = User.get_employees()
            for approval in approvals:
                refuse_server_fields(cls, SERVER_FIELDS - {'requester'},
                    filled_fields([approval], SERVER_FIELDS - {'state'}) | (
                        {'state'} if approval.state != 'draft' else set()))
                if approval.kind != 'request':
                    refuse_server_fields(cls, {'kind'}, ['kind'])
                if (not approval.requester
                        or approval.requester.id not in employees):
                    refuse_server_fields(cls, {'requester'}, ['requester'])
        elif mode == 'write':
            refuse_server_fields(cls, SERVER_FIELDS | {'kind'}, values)
            employees = User.get_employees()
            for approval in approvals:
                if set(values) - {'comment'}:
                    if (approval.state != 'draft'
                            or approval.requester.id not in employees):
                        raise SfaAccessError(gettext(
                                'crm_sfa.msg_approval_locked',
                                approval=approval.rec_name))
                elif not (approval.state == 'submitted'
                        and approval.approver
                        and approval.approver.id in employees):
                    raise SfaAccessError(gettext(
                            'crm_sfa.msg_approval_not_approver',
                            approval=approval.rec_name))
        elif mode == 'delete':
            for approval in approvals:
                if approval.state != 'draft':
                    raise SfaAccessError(gettext(
                            'crm_sfa.msg_approval_locked',
                            approval=approval.rec_name))

    @classmethod
    def submit(cls, document, kind, subject, amount=None, description=None,
            discount=None):
        """File an approval of kind for document in the user's name and
        submit it; return it"""
        pool = Pool()
        User = pool.get('res.user')
        employee = Transaction().context.get('employee')
        if not employee or employee not in User.get_employees():
            raise SfaError(gettext('crm_sfa.msg_approval_no_employee'))
        with without_check_access():
            pending = cls.search([
                    ('document', '=', str(document)),
                    ('state', '=', 'submitted'),
                    ], limit=1)
            if pending:
                raise SfaError(gettext('crm_sfa.msg_approval_pending',
                        document=document.rec_name))
            approval, = cls.create([{
                        'company': document.company.id,
                        'kind': kind,
                        'subject': subject,
                        'description': description,
                        'amount': amount,
                        'discount': discount,
                        'document': str(document),
                        'requester': employee,
                        }])
        cls.do_submit([approval])
        return approval

    @classmethod
    def last_state(cls, document):
        "The state of the document's last approval, or None"
        with without_check_access():
            approvals = cls.search([
                    ('document', '=', str(document)),
                    ('state', '!=', 'cancelled'),
                    ], order=[('id', 'DESC')], limit=1)
        return approvals[0].state if approvals else None

    @classmethod
    def approved(cls, document):
        "The approved approvals of document"
        with without_check_access():
            return cls.search([
                    ('document', '=', str(document)),
                    ('state', '=', 'approved'),
                    ])

    def find_approver(self):
        """The approver of the rule with the highest amount reached, else
        the manager of the requester's department or of the departments
        above; never the requester"""
        pool = Pool()
        Rule = pool.get('crm.sfa.approval.rule')
        with without_check_access():
            rules = Rule.search([
                    ('company', '=', self.company.id),
                    ('kind', '=', self.kind),
                    ('min_amount', '<=', self.amount or 0),
                    ], order=[('min_amount', 'DESC'), ('id', 'ASC')])
            candidates = [r.approver for r in rules]
            department = self.requester.department
            while department:
                if department.manager:
                    candidates.append(department.manager)
                department = department.parent
            for candidate in candidates:
                if candidate != self.requester and candidate.active:
                    return candidate

    @classmethod
    @ModelView.button
    def request_approval(cls, approvals):
        "提交: the requester sends a work request to their approver"
        pool = Pool()
        User = pool.get('res.user')
        employees = User.get_employees()
        for approval in approvals:
            if Transaction().user and approval.requester.id not in employees:
                raise SfaAccessError(gettext(
                        'crm_sfa.msg_approval_not_requester',
                        approval=approval.rec_name))
        cls.do_submit(approvals)

    @classmethod
    @Workflow.transition('submitted')
    def do_submit(cls, approvals):
        now = dt.datetime.now()
        with without_check_access():
            for approval in approvals:
                approver = approval.find_approver()
                if not approver:
                    raise SfaError(gettext(
                            'crm_sfa.msg_approval_no_approver',
                            approval=approval.rec_name))
                approval.approver = approver
                approval.submitted_date = now
            cls.save(approvals)
        for approval in approvals:
            notify([approval.approver],
                gettext('crm_sfa.msg_approval_to_decide',
                    requester=approval.requester.rec_name,
                    approval=approval.rec_name),
                approval.description, records=[approval])

    @classmethod
    def check_approver(cls, approvals):
        pool = Pool()
        User = pool.get('res.user')
        if User.is_crm_admin():
            return
        employees = User.get_employees()
        for approval in approvals:
            if approval.approver.id not in employees:
                raise SfaAccessError(gettext(
                        'crm_sfa.msg_approval_not_approver',
                        approval=approval.rec_name))

    @classmethod
    @ModelView.button
    def approve(cls, approvals):
        cls.check_approver(approvals)
        cls.decide(approvals, 'approved')

    @classmethod
    @ModelView.button
    def reject(cls, approvals):
        cls.check_approver(approvals)
        cls.decide(approvals, 'rejected')

    @classmethod
    def decide(cls, approvals, state):
        """Stamp the decision, then tell the documents (which look for
        their approved approvals) and the requesters"""
        approvals = [a for a in approvals if a.state == 'submitted']
        if state == 'approved':
            cls.mark_approved(approvals)
            method, message = 'sfa_approved', 'crm_sfa.msg_approval_approved'
        else:
            cls.mark_rejected(approvals)
            method, message = 'sfa_rejected', 'crm_sfa.msg_approval_rejected'
        with without_check_access():
            cls.write(approvals, {
                    'decided_date': dt.datetime.now(),
                    'decided_by': Transaction().user or None,
                    })
            for approval in approvals:
                document = approval.document
                if document:
                    getattr(type(document), method)([document])
        for approval in approvals:
            notify([approval.requester],
                gettext(message, approval=approval.rec_name),
                approval.comment, records=[approval])

    @classmethod
    @Workflow.transition('approved')
    def mark_approved(cls, approvals):
        pass

    @classmethod
    @Workflow.transition('rejected')
    def mark_rejected(cls, approvals):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def withdraw(cls, approvals):
        "撤回: the requester takes back an undecided approval"
        pool = Pool()
        User = pool.get('res.user')
        employees = User.get_employees()
        for approval in approvals:
            if (Transaction().user and not User.is_crm_admin()
                    and approval.requester.id not in employees):
                raise SfaAccessError(gettext(
                        'crm_sfa.msg_approval_not_requester',
                        approval=approval.rec_name))
