# This file is part of the CRM suite.
"""合同 / 回款: contracts from won deals, approved through crm_sfa's
approvals, their payment plans (回款计划), the payments received against
each instalment (回款, with 抹零 of small remainders), overdue and renewal
reminders, and the receivables by customer (应收款)"""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sql import Literal, Null
from sql.aggregate import Min, Sum
from sql.conditionals import Case, Coalesce

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.crm_customer.access import (
    check_button_role, refuse_created_server_fields, refuse_server_fields)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, Id, If
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import SfaAccessError, SfaError, SfaValidationError
from .notify import notify, text_staff

# Set by the server: the number, the workflow, the approval, the reminders
SERVER_FIELDS = {'number', 'state', 'approval', 'renewal_reminded'}
# What may still change once a contract is submitted: its owner, by a
# manager who directs both
LOCKED_WRITABLE = {'employee'}
CENT = Decimal('0.01')
METHODS = [
    (None, ''),
    ('transfer', "Bank Transfer"),
    ('cash', "Cash"),
    ('wechat', "WeChat Pay"),
    ('alipay', "Alipay"),
    ('cheque', "Cheque"),
    ('other', "Other"),
    ]


def today():
    "Today in the company's time zone"
    return Pool().get('ir.date').today()


def _user_employee():
    "The current employee of the user, else their first one"
    User = Pool().get('res.user')
    if not Transaction().user:
        return None
    user = User(Transaction().user)
    if user.employee:
        return user.employee
    return user.employees[0] if user.employees else None


def _money(amount, currency=None):
    "The amount as the user's language writes money"
    Lang = Pool().get('ir.lang')
    lang = Lang.get()
    if currency:
        return lang.currency(amount, currency)
    return lang.format('%.2f', amount, grouping=True)


def check_collector(contracts):
    """回款 is recorded by the finance-like role: sales managers directing
    the contract's owner and the CRM administrators"""
    pool = Pool()
    User = pool.get('res.user')
    Employee = pool.get('company.employee')
    for contract in contracts:
        if not (User.is_crm_manager() and Employee.directs(contract.employee)):
            raise SfaAccessError(gettext(
                    'crm_sfa.msg_contract_collect_refused',
                    contract=contract.rec_name))


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'

    sfa_contract_sequence = fields.Many2One(
        'ir.sequence', "Contract Sequence", required=True,
        domain=[
            ('sequence_type', '=',
                Id('crm_sfa', 'sequence_type_contract')),
            ],
        help="Numbers new contracts.")
    sfa_write_off_limit = fields.Numeric(
        "Write-Off Limit", digits=(16, 2), required=True,
        domain=[('sfa_write_off_limit', '>=', 0)],
        help="The largest remainder of an instalment that may be written "
        "off (抹零) when a payment is recorded; 0 for none.")
    sfa_renewal_days = fields.Integer(
        "Renewal Reminder Days", required=True,
        domain=[('sfa_renewal_days', '>=', 0)],
        help="The owner of a running contract is reminded this many days "
        "before its end date.")
    sfa_overdue_sms_template = fields.Many2One(
        'sms.template', "Overdue Instalments SMS", ondelete='RESTRICT',
        help="Sent to the owner of contracts with overdue instalments "
        "(placeholders count and amount); empty for the web-client "
        "notification only.")
    sfa_renewal_sms_template = fields.Many2One(
        'sms.template', "Contract Renewal SMS", ondelete='RESTRICT',
        help="Sent to the owner of a contract nearing its end date "
        "(placeholders contract, customer and date); empty for none.")

    @classmethod
    def default_sfa_contract_sequence(cls):
        ModelData = Pool().get('ir.model.data')
        try:
            return ModelData.get_id('crm_sfa', 'sequence_contract')
        except KeyError:
            return None

    @classmethod
    def default_sfa_write_off_limit(cls):
        return Decimal(1)

    @classmethod
    def default_sfa_renewal_days(cls):
        return 30


class Contract(Workflow, ModelSQL, ModelView):
    "合同: what a customer signed, its payment plan and its collection"
    __name__ = 'crm.sfa.contract'
    __string__ = "Contract"
    _rec_name = 'number'

    _draft = {'readonly': Eval('state') != 'draft'}

    number = fields.Char("Number", readonly=True)
    title = fields.Char("Title", required=True, size=200, states=_draft)
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True,
        ondelete='RESTRICT')
    party = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='RESTRICT',
        states=_draft,
        context={'company': Eval('company', -1)}, depends={'company'})
    opportunity = fields.Many2One(
        'sale.opportunity', "Deal", ondelete='RESTRICT',
        domain=[
            ('party', '=', Eval('party', -1)),
            ('state', '=', 'won'),
            ],
        states=_draft,
        help="The won deal the contract comes from.")
    employee = fields.Many2One(
        'company.employee', "Owner", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states={'readonly': Eval('state').in_(['done', 'cancelled'])},
        help="The salesperson in charge of the contract, reminded of its "
        "overdue instalments and its renewal.")
    amount = fields.Numeric("Amount", digits=(16, 2), required=True,
        domain=[('amount', '>', 0)], states=_draft)
    signing_date = fields.Date("Signing Date", states=_draft)
    start_date = fields.Date("Start Date", required=True, states=_draft)
    end_date = fields.Date("End Date", states=_draft,
        domain=[If(Eval('end_date') & Eval('start_date'),
                ('end_date', '>=', Eval('start_date')),
                ())],
        help="The owner is reminded of the renewal before this date.")
    terms = fields.Text("Terms", size=20000, states=_draft)
    instalments = fields.One2Many(
        'crm.sfa.contract.instalment', 'contract', "Payment Plan",
        states=_draft,
        help="The instalments (回款计划); their amounts add up to the "
        "contract's amount before it is submitted.")
    payments = fields.One2Many(
        'crm.sfa.contract.payment', 'contract', "Payments", readonly=True)
    received = fields.Function(fields.Numeric(
            "Received", digits=(16, 2)), 'get_amounts')
    written_off = fields.Function(fields.Numeric(
            "Written Off", digits=(16, 2)), 'get_amounts')
    outstanding = fields.Function(fields.Numeric(
            "Outstanding", digits=(16, 2)), 'get_amounts')
    approval = fields.Many2One(
        'crm.sfa.approval', "Approval", readonly=True, ondelete='SET NULL',
        states={'invisible': ~Eval('approval')})
    renewal_reminded = fields.Date("Renewal Reminded For", readonly=True,
        help="The end date the owner was reminded of.")
    state = fields.Selection([
            ('draft', "Draft"),
            ('waiting', "Waiting for Approval"),
            ('running', "Running"),
            ('done', "Done"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)

    del _draft

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.party, Index.Range())),
                Index(t, (t.employee, Index.Range())),
                Index(t, (t.opportunity, Index.Range())),
                Index(t, (t.end_date, Index.Range()),
                    where=t.state == 'running'),
                })
        cls._order = [('start_date', 'DESC NULLS FIRST'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'waiting'),
            ('waiting', 'running'),
            ('waiting', 'draft'),
            ('running', 'done'),
            ('draft', 'cancelled'),
            ('running', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'submit': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': ~Eval('state').in_(['waiting', 'cancelled']),
                    'icon': 'tryton-undo',
                    'depends': ['state'],
                    },
                'complete': {
                    'invisible': Eval('state') != 'running',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(['draft', 'running']),
                    'icon': 'tryton-cancel',
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
    def default_employee(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_start_date(cls):
        return today()

    def get_rec_name(self, name):
        return ' '.join(filter(None, [self.number, self.title]))

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('number', operator, operand, *extra),
            ('title', operator, operand, *extra),
            ]

    @classmethod
    def get_amounts(cls, contracts, names):
        Instalment = Pool().get('crm.sfa.contract.instalment')
        result = {n: {c.id: Decimal(0) for c in contracts} for n in names}
        settled = Instalment.settled([i for c in contracts
                for i in c.instalments])
        for contract in contracts:
            received = sum(
                (settled[i.id][0] for i in contract.instalments), Decimal(0))
            written_off = sum(
                (settled[i.id][1] for i in contract.instalments), Decimal(0))
            values = {
                'received': received,
                'written_off': written_off,
                'outstanding': contract.amount - received - written_off,
                }
            for name in names:
                result[name][contract.id] = values[name]
        return result

    @property
    def urge_owner(self):
        return self.employee

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            # The number is the server's, whatever a client sent
            with without_check_access():
                values['number'] = (
                    Configuration(1).sfa_contract_sequence.get())
        return values

    @classmethod
    def create(cls, vlist):
        if Transaction().user and Transaction().check_access:
            refuse_created_server_fields(cls, SERVER_FIELDS - {'number'},
                vlist, (None, 'draft'))
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, contracts, values=None,
            external=False):
        pool = Pool()
        Employee = pool.get('company.employee')
        Party = pool.get('party.party')
        User = pool.get('res.user')
        super().check_modification(
            mode, contracts, values=values, external=external)
        if not external:
            return
        if mode == 'write':
            refuse_server_fields(cls, SERVER_FIELDS, values)
            for contract in contracts:
                if contract.state != 'draft' and (
                        set(values) - LOCKED_WRITABLE
                        or not User.is_crm_manager()):
                    raise SfaAccessError(gettext(
                            'crm_sfa.msg_contract_locked',
                            contract=contract.rec_name))
        if mode == 'delete':
            for contract in contracts:
                if contract.state != 'draft':
                    raise SfaAccessError(gettext(
                            'crm_sfa.msg_contract_locked',
                            contract=contract.rec_name))
        if mode == 'create' or (mode == 'write' and 'party' in values):
            # 防撞单: no contract on a customer another salesperson owns
            Party.sfa_check_claim([c.party for c in contracts])
        if mode == 'create' or (mode == 'write' and 'employee' in values):
            for contract in contracts:
                if not Employee.directs(contract.employee):
                    raise SfaAccessError(gettext(
                            'crm_sfa.msg_contract_owner_refused',
                            contract=contract.rec_name or contract.title,
                            employee=contract.employee.rec_name))

    @classmethod
    def copy(cls, contracts, default=None):
        default = default.copy() if default is not None else {}
        for name in SERVER_FIELDS - {'state'}:
            default.setdefault(name, None)
        default.setdefault('payments')
        return super().copy(contracts, default=default)

    @classmethod
    def check_owner(cls, contracts):
        "The owner, or a manager directing them, works on the contract"
        Employee = Pool().get('company.employee')
        for contract in contracts:
            if not Employee.directs(contract.employee):
                raise SfaAccessError(gettext(
                        'crm_sfa.msg_contract_not_owner',
                        contract=contract.rec_name))

    @classmethod
    def check_plan(cls, contracts):
        "The instalments add up to the contract's amount"
        for contract in contracts:
            planned = sum((i.amount for i in contract.instalments),
                Decimal(0))
            if not contract.instalments or planned != contract.amount:
                raise SfaValidationError(gettext(
                        'crm_sfa.msg_contract_plan_sum',
                        contract=contract.rec_name,
                        planned=_money(planned),
                        amount=_money(contract.amount)))

    # 提交审批
    @classmethod
    @ModelView.button
    @Workflow.transition('waiting')
    def submit(cls, contracts):
        pool = Pool()
        Approval = pool.get('crm.sfa.approval')
        check_button_role(cls.__name__, 'submit')
        cls.check_owner(contracts)
        cls.check_plan(contracts)
        for contract in contracts:
            contract.approval = Approval.submit(contract, 'contract',
                gettext('crm_sfa.msg_contract_approval_subject',
                    party=contract.party.rec_name,
                    contract=contract.rec_name,
                    amount=_money(contract.amount)),
                amount=contract.amount,
                description='\n'.join(
                    '%s %s' % (i.due_date.isoformat(), _money(i.amount))
                    for i in contract.instalments))
        with without_check_access():
            cls.save(contracts)

    @classmethod
    @Workflow.transition('running')
    def sfa_approved(cls, contracts):
        "The approval was granted: the contract runs, its plan fixed"
        pass

    @classmethod
    @Workflow.transition('draft')
    def sfa_rejected(cls, contracts):
        "Refused: back to draft to be corrected and submitted again"
        # The approval notifies its requester
        pass

    # 退回草稿: after a withdrawn approval, or to revive a cancelled draft
    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, contracts):
        Approval = Pool().get('crm.sfa.approval')
        check_button_role(cls.__name__, 'draft')
        cls.check_owner(contracts)
        for contract in contracts:
            if contract.state == 'waiting' and (
                    Approval.last_state(contract) == 'submitted'):
                raise SfaError(gettext('crm_sfa.msg_contract_draft_pending',
                        contract=contract.rec_name))
            if Approval.approved(contract):
                raise SfaAccessError(gettext(
                        'crm_sfa.msg_contract_approved_locked',
                        contract=contract.rec_name))

    # 完成: everything collected
    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def complete(cls, contracts):
        check_button_role(cls.__name__, 'complete')
        check_collector(contracts)
        for contract in contracts:
            if contract.outstanding:
                raise SfaError(gettext('crm_sfa.msg_contract_not_collected',
                        contract=contract.rec_name,
                        amount=_money(contract.outstanding)))

    # 取消: a draft by its owner; a running contract by a manager, before
    # any money came in
    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, contracts):
        check_button_role(cls.__name__, 'cancel')
        cls.check_owner(contracts)
        running = [c for c in contracts if c.state == 'running']
        check_collector(running)
        for contract in running:
            if contract.payments:
                raise SfaError(gettext('crm_sfa.msg_contract_cancel_paid',
                        contract=contract.rec_name))

    @classmethod
    def create_from_deals(cls, opportunities):
        """The contracts of won deals, prefilled from them, one per deal;
        the deal's attachments and notes are copied over"""
        pool = Pool()
        Employee = pool.get('company.employee')
        contracts = []
        for opportunity in opportunities:
            if opportunity.state != 'won':
                raise SfaError(gettext('crm_sfa.msg_contract_deal_not_won',
                        deal=opportunity.rec_name))
            owner = opportunity.employee or _user_employee()
            if not owner or not Employee.directs(owner):
                raise SfaAccessError(gettext(
                        'crm_sfa.msg_contract_deal_refused',
                        deal=opportunity.rec_name))
            with without_check_access():
                if cls.search([
                            ('opportunity', '=', opportunity.id),
                            ('state', '!=', 'cancelled'),
                            ], limit=1):
                    raise SfaError(gettext(
                            'crm_sfa.msg_contract_deal_has_contract',
                            deal=opportunity.rec_name))
            contracts.append(cls(
                    company=opportunity.company,
                    party=opportunity.party,
                    opportunity=opportunity,
                    employee=owner,
                    title=(opportunity.description
                        or opportunity.party.rec_name)[:200],
                    amount=opportunity.amount,
                    signing_date=today(),
                    start_date=today(),
                    ))
        with without_check_access():
            cls.save(contracts)
            for contract in contracts:
                contract.opportunity.copy_resources_to(contract)
        return contracts

    # 提醒: the daily job
    @classmethod
    def remind(cls):
        "Cron: overdue instalments and contracts to renew, to their owners"
        Instalment = Pool().get('crm.sfa.contract.instalment')
        Instalment.remind_overdue()
        cls.remind_renewal()

    @classmethod
    def remind_renewal(cls):
        """Remind the owner of each running contract ending within the
        configured days, once per end date"""
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Lang = pool.get('ir.lang')
        config = Configuration(1)
        date = today()
        lang = Lang.get()
        with without_check_access():
            contracts = cls.search([
                    ('state', '=', 'running'),
                    ('end_date', '>=', date),
                    ('end_date', '<=',
                        date + dt.timedelta(days=config.sfa_renewal_days)),
                    ])
            contracts = [c for c in contracts
                if c.renewal_reminded != c.end_date]
            for contract in contracts:
                notify([contract.employee],
                    gettext('crm_sfa.msg_contract_renewal_label',
                        contract=contract.rec_name,
                        date=lang.strftime(contract.end_date)),
                    contract.party.rec_name, records=[contract])
                text_staff([contract.employee],
                    config.sfa_renewal_sms_template,
                    values={
                        'contract': contract.rec_name,
                        'customer': contract.party.rec_name,
                        'date': lang.strftime(contract.end_date),
                        },
                    occasion='sfa-renewal:%s:%s' % (
                        contract.id, contract.end_date.isoformat()))
                contract.renewal_reminded = contract.end_date
            cls.save(contracts)


class Instalment(ModelSQL, ModelView):
    "回款计划: one instalment of a contract's payment plan"
    __name__ = 'crm.sfa.contract.instalment'
    __string__ = "Contract Instalment"

    contract = fields.Many2One(
        'crm.sfa.contract', "Contract", required=True, ondelete='CASCADE')
    due_date = fields.Date("Due Date", required=True)
    amount = fields.Numeric("Amount", digits=(16, 2), required=True,
        domain=[('amount', '>', 0)])
    description = fields.Char("Description", size=200)
    payments = fields.One2Many(
        'crm.sfa.contract.payment', 'instalment', "Payments", readonly=True)
    received = fields.Function(fields.Numeric(
            "Received", digits=(16, 2)), 'get_amounts')
    written_off = fields.Function(fields.Numeric(
            "Written Off", digits=(16, 2),
            help="The remainder written off (抹零)."), 'get_amounts')
    outstanding = fields.Function(fields.Numeric(
            "Outstanding", digits=(16, 2)), 'get_amounts')
    party = fields.Function(fields.Many2One('party.party', "Customer"),
        'get_contract_field', searcher='search_contract_field')
    employee = fields.Function(
        fields.Many2One('company.employee', "Owner"),
        'get_contract_field', searcher='search_contract_field')
    contract_state = fields.Function(fields.Selection(
            'get_contract_states', "Contract State"),
        'get_contract_field', searcher='search_contract_field')
    state = fields.Function(fields.Selection([
                ('open', "Open"),
                ('partial', "Partly Paid"),
                ('paid', "Paid"),
                ('overdue', "Overdue"),
                ], "State", sort=False), 'get_state', searcher='search_state')
    overdue_reminded = fields.Date("Overdue Reminded", readonly=True,
        help="The last day the owner was reminded of the instalment.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('contract')
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.contract, Index.Range())),
                Index(t, (t.due_date, Index.Range())),
                })
        cls._order = [('due_date', 'ASC'), ('id', 'ASC')]
        cls._buttons.update({
                'record_payment': {
                    'invisible': ~Eval('state').in_(
                        ['open', 'partial', 'overdue']),
                    'readonly': Eval('contract_state') != 'running',
                    'depends': ['state', 'contract_state'],
                    },
                })

    @classmethod
    def settled(cls, instalments):
        "{id: (received, written off)} of the instalments, from the lines"
        Payment = Pool().get('crm.sfa.contract.payment')
        result = {int(i): (Decimal(0), Decimal(0)) for i in instalments}
        with without_check_access():
            for line in Payment.search([
                        ('instalment', 'in', list(result)),
                        ]):
                received, written_off = result[line.instalment.id]
                if line.kind == 'write_off':
                    written_off += line.amount
                else:
                    received += line.amount
                result[line.instalment.id] = (received, written_off)
        return result

    @classmethod
    def get_amounts(cls, instalments, names):
        settled = cls.settled(instalments)
        result = {n: {} for n in names}
        for instalment in instalments:
            received, written_off = settled[instalment.id]
            values = {
                'received': received,
                'written_off': written_off,
                'outstanding': instalment.amount - received - written_off,
                }
            for name in names:
                result[name][instalment.id] = values[name]
        return result

    def get_contract_field(self, name):
        value = getattr(self.contract,
            'state' if name == 'contract_state' else name)
        return value.id if isinstance(value, ModelSQL) else value

    @classmethod
    def search_contract_field(cls, name, clause):
        nested = 'state' if name == 'contract_state' else name
        return [('contract.' + nested,) + tuple(clause[1:])]

    @classmethod
    def get_contract_states(cls):
        Contract = Pool().get('crm.sfa.contract')
        return Contract.fields_get(['state'])['state']['selection']

    def get_state(self, name):
        if self.outstanding <= 0:
            return 'paid'
        if self.is_late():
            return 'overdue'
        if self.received or self.written_off:
            return 'partial'
        return 'open'

    def is_late(self):
        "Whether money is due past the due date of a running contract"
        return bool(self.contract.state == 'running'
            and self.due_date < today() and self.outstanding > 0)

    @classmethod
    def search_state(cls, name, clause):
        """Those of the states among the instalments the date and the
        contract's state leave possible"""
        _, operator, value = clause[:3]
        values = value if isinstance(value, (list, tuple)) else [value]
        if operator in {'=', 'in'}:
            wanted = set(values)
        elif operator in {'!=', 'not in'}:
            wanted = {'open', 'partial', 'paid', 'overdue'} - set(values)
        else:
            return [('id', '=', -1)]
        domain = []
        if wanted == {'overdue'}:
            domain = [
                ('contract.state', '=', 'running'),
                ('due_date', '<', today()),
                ]
        with without_check_access():
            instalments = cls.search(domain)
        return [('id', 'in', [
                    i.id for i in instalments if i.state in wanted])]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('state') == 'overdue', 'danger', '')),
            ]

    # 登记回款
    @classmethod
    @ModelView.button_action('crm_sfa.wizard_contract_collect')
    def record_payment(cls, instalments):
        # The wizard's transition checks the role
        pass

    @property
    def urge_owner(self):
        return self.contract.employee

    def get_rec_name(self, name):
        return '%s %s' % (self.contract.rec_name,
            self.due_date.isoformat() if self.due_date else '')

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('contract.rec_name',) + tuple(clause[1:])]

    @classmethod
    def check_modification(cls, mode, instalments, values=None,
            external=False):
        pool = Pool()
        Contract = pool.get('crm.sfa.contract')
        super().check_modification(
            mode, instalments, values=values, external=external)
        if not external:
            return
        if mode == 'write':
            refuse_server_fields(cls, {'overdue_reminded'}, values)
        # The plan is the contract's: fixed once submitted
        contracts = {i.contract for i in instalments}
        if mode == 'write' and values.get('contract'):
            contracts.add(Contract(values['contract']))
        for contract in contracts:
            if contract.state != 'draft':
                raise SfaAccessError(gettext(
                        'crm_sfa.msg_contract_locked',
                        contract=contract.rec_name))

    @classmethod
    def create(cls, vlist):
        if Transaction().user and Transaction().check_access:
            refuse_created_server_fields(cls, {'overdue_reminded'}, vlist)
        return super().create(vlist)

    @classmethod
    def copy(cls, instalments, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('overdue_reminded')
        default.setdefault('payments')
        return super().copy(instalments, default=default)

    @classmethod
    def collect(cls, instalment, amount, date=None, method=None,
            reference=None, write_off=False, note=None):
        """回款: record amount received against the instalment, with the
        remainder written off (抹零) when write_off and within the limit;
        return the lines. Every check is made before the first write."""
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Payment = pool.get('crm.sfa.contract.payment')
        check_collector([instalment.contract])
        # Two payments at once on an instalment: the second waits and
        # sees the first
        cls.lock([instalment])
        with without_check_access():
            instalment = cls(instalment.id)
            contract = instalment.contract
            if contract.state != 'running':
                raise SfaError(gettext('crm_sfa.msg_contract_not_running',
                        contract=contract.rec_name))
            amount = Decimal(amount)
            if amount < 0 or amount != amount.quantize(CENT) or (
                    not amount and not write_off):
                raise SfaValidationError(gettext(
                        'crm_sfa.msg_payment_amount',
                        amount=amount))
            outstanding = instalment.outstanding
            if amount > outstanding:
                raise SfaError(gettext('crm_sfa.msg_payment_over',
                        instalment=instalment.rec_name,
                        amount=_money(amount),
                        outstanding=_money(outstanding)))
            remainder = outstanding - amount if write_off else Decimal(0)
            limit = Configuration(1).sfa_write_off_limit
            if remainder > limit:
                raise SfaError(gettext('crm_sfa.msg_payment_write_off_limit',
                        remainder=_money(remainder), limit=_money(limit)))
            employee = _user_employee()
            values = {
                'contract': contract.id,
                'instalment': instalment.id,
                'date': date or today(),
                'recorded_by': employee.id if employee else None,
                'note': note,
                }
            vlist = []
            if amount:
                vlist.append(dict(values, kind='payment', amount=amount,
                        method=method, reference=reference))
            if remainder:
                vlist.append(dict(values, kind='write_off', amount=remainder))
            return Payment.create(vlist)

    @classmethod
    def remind_overdue(cls):
        """Cron: tell each owner of their overdue instalments, each
        instalment once a day"""
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Employee = pool.get('company.employee')
        config = Configuration(1)
        date = today()
        by_employee = defaultdict(list)
        with without_check_access():
            for instalment in cls.search([('state', '=', 'overdue')]):
                if instalment.overdue_reminded != date:
                    by_employee[instalment.contract.employee.id].append(
                        instalment)
            for employee_id, instalments in by_employee.items():
                employee = Employee(employee_id)
                amount = sum((i.outstanding for i in instalments), Decimal(0))
                notify([employee],
                    gettext('crm_sfa.msg_instalment_overdue_label',
                        count=len(instalments), amount=_money(amount)),
                    '、'.join(i.contract.party.rec_name
                        for i in instalments[:5]),
                    records=instalments)
                text_staff([employee], config.sfa_overdue_sms_template,
                    values={'count': len(instalments),
                        'amount': _money(amount)},
                    occasion='sfa-overdue:%s' % date.isoformat())
            cls.write(
                [i for l in by_employee.values() for i in l],
                {'overdue_reminded': date})


class Payment(ModelSQL, ModelView):
    """回款: money received against an instalment, or its remainder written
    off (抹零); append-only, a mistake is reversed by a negative line"""
    __name__ = 'crm.sfa.contract.payment'
    __string__ = "Contract Payment"

    contract = fields.Many2One(
        'crm.sfa.contract', "Contract", required=True, readonly=True,
        ondelete='RESTRICT')
    instalment = fields.Many2One(
        'crm.sfa.contract.instalment', "Instalment", required=True,
        readonly=True, ondelete='RESTRICT')
    kind = fields.Selection([
            ('payment', "Payment"),
            ('write_off', "Write-Off"),
            ], "Kind", required=True, readonly=True, sort=False,
        help="A write-off (抹零) settles a small remainder without money.")
    date = fields.Date("Date", required=True, readonly=True)
    amount = fields.Numeric("Amount", digits=(16, 2), required=True,
        readonly=True)
    method = fields.Selection(METHODS, "Method", readonly=True, sort=False)
    reference = fields.Char("Reference", readonly=True,
        help="The bank slip, transfer or receipt number.")
    note = fields.Char("Note", readonly=True)
    recorded_by = fields.Many2One(
        'company.employee', "Recorded By", readonly=True,
        ondelete='RESTRICT')
    reversal_of = fields.Many2One(
        'crm.sfa.contract.payment', "Reversal Of", readonly=True,
        ondelete='RESTRICT',
        states={'invisible': ~Eval('reversal_of')},
        help="The line this negative line corrects.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('contract')
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.instalment, Index.Range())),
                Index(t, (t.contract, Index.Range())),
                Index(t, (t.reversal_of, Index.Range()),
                    where=t.reversal_of != Null),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._buttons.update({
                'reverse': {
                    'invisible': Eval('amount', 0) <= 0,
                    'icon': 'tryton-undo',
                    'depends': ['amount'],
                    },
                })

    @classmethod
    def create(cls, vlist):
        # Only collect and reverse write lines, as the server
        if Transaction().user and Transaction().check_access:
            raise SfaAccessError(gettext('crm_sfa.msg_payment_append_only'))
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if external:
            raise SfaAccessError(gettext('crm_sfa.msg_payment_append_only'))

    # 冲正: a manager reverses a mistaken line by its negative
    @classmethod
    @ModelView.button
    def reverse(cls, lines, note=None):
        pool = Pool()
        Instalment = pool.get('crm.sfa.contract.instalment')
        check_button_role(cls.__name__, 'reverse')
        check_collector({l.contract for l in lines})
        Instalment.lock(list({l.instalment for l in lines}))
        employee = _user_employee()
        with without_check_access():
            lines = cls.browse([l.id for l in lines])
            reversed_ = {r.reversal_of.id for r in cls.search([
                        ('reversal_of', 'in', [l.id for l in lines]),
                        ])}
            for line in lines:
                if line.amount <= 0 or line.id in reversed_:
                    raise SfaError(gettext('crm_sfa.msg_payment_reversed',
                            payment=line.rec_name))
            return cls.create([{
                        'contract': l.contract.id,
                        'instalment': l.instalment.id,
                        'kind': l.kind,
                        'date': today(),
                        'amount': -l.amount,
                        'method': l.method,
                        'reference': l.reference,
                        'note': note,
                        'recorded_by': employee.id if employee else None,
                        'reversal_of': l.id,
                        } for l in lines])

    def get_rec_name(self, name):
        return '%s %s %s' % (self.contract.rec_name,
            self.date.isoformat(), self.amount)


class CollectStart(ModelView):
    "登记回款: a payment received against an instalment"
    __name__ = 'crm.sfa.contract.collect.start'
    __string__ = "Record a Payment"

    instalment = fields.Many2One(
        'crm.sfa.contract.instalment', "Instalment", readonly=True)
    outstanding = fields.Numeric("Outstanding", digits=(16, 2),
        readonly=True)
    date = fields.Date("Date", required=True)
    amount = fields.Numeric("Amount", digits=(16, 2), required=True,
        domain=[('amount', '>=', 0)])
    method = fields.Selection(METHODS, "Method", sort=False,
        states={'required': Eval('amount', 0) > 0})
    reference = fields.Char("Reference")
    write_off = fields.Boolean("Write Off the Remainder",
        help="Write off what remains of the instalment after this payment "
        "(抹零), up to the configured limit.")
    note = fields.Char("Note")


class Collect(Wizard):
    "登记回款: record a payment against the instalment"
    __name__ = 'crm.sfa.contract.collect'

    start = StateView('crm.sfa.contract.collect.start',
        'crm_sfa.contract_collect_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Record", 'collect', 'tryton-ok', default=True),
            ])
    collect = StateTransition()

    def default_start(self, fields):
        return {
            'instalment': self.record.id,
            'outstanding': self.record.outstanding,
            'date': today(),
            'amount': self.record.outstanding,
            'method': 'transfer',
            }

    def transition_collect(self):
        Instalment = Pool().get('crm.sfa.contract.instalment')
        # A wizard runs without access checks: collect checks the role
        Instalment.collect(self.record, self.start.amount,
            date=self.start.date, method=self.start.method,
            reference=self.start.reference,
            write_off=self.start.write_off, note=self.start.note)
        return 'end'


class Receivable(ModelSQL, ModelView):
    """应收款: per customer, what the running and done contracts add up to,
    what came in, what was written off, what is outstanding and overdue"""
    __name__ = 'crm.sfa.receivable'
    __string__ = "Receivable"

    company = fields.Many2One('company.company', "Company", readonly=True)
    party = fields.Many2One('party.party', "Customer", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    employee = fields.Many2One(
        'company.employee', "Customer Owner", readonly=True)
    contracts = fields.Integer("Contracts", readonly=True)
    contracted = fields.Numeric("Contracted", digits=(16, 2), readonly=True)
    received = fields.Numeric("Received", digits=(16, 2), readonly=True)
    written_off = fields.Numeric(
        "Written Off", digits=(16, 2), readonly=True)
    outstanding = fields.Numeric(
        "Outstanding", digits=(16, 2), readonly=True)
    overdue = fields.Numeric("Overdue", digits=(16, 2), readonly=True,
        help="What is outstanding of the instalments due before today.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('outstanding', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Contract = pool.get('crm.sfa.contract')
        Instalment = pool.get('crm.sfa.contract.instalment')
        Payment = pool.get('crm.sfa.contract.payment')
        Party = pool.get('party.party')
        contract = Contract.__table__()
        instalment = Instalment.__table__()
        payment = Payment.__table__()
        party = Party.__table__()
        date = today()

        settled = payment.select(
            payment.instalment,
            Sum(Case((payment.kind == 'payment', payment.amount),
                    else_=Literal(0))).as_('received'),
            Sum(Case((payment.kind == 'write_off', payment.amount),
                    else_=Literal(0))).as_('written_off'),
            group_by=[payment.instalment])
        received = Coalesce(settled.received, 0)
        written_off = Coalesce(settled.written_off, 0)
        outstanding = instalment.amount - received - written_off
        lines = (instalment
            .join(contract, condition=instalment.contract == contract.id)
            .join(settled, 'LEFT',
                condition=settled.instalment == instalment.id)
            .select(
                instalment.contract,
                contract.company,
                contract.party,
                instalment.amount,
                received.as_('received'),
                written_off.as_('written_off'),
                Case((instalment.due_date < date, outstanding),
                    else_=Literal(0)).as_('overdue'),
                where=contract.state.in_(['running', 'done'])
                & (contract.company
                    == Transaction().context.get('company', -1))))
        keys = [lines.company, lines.party]
        rows = lines.select(
            *keys,
            Min(lines.contract).as_('first_contract'),
            # The plan adds up to the contract's amount
            Sum(lines.amount).as_('contracted'),
            Sum(lines.received).as_('received'),
            Sum(lines.written_off).as_('written_off'),
            Sum(lines.amount - lines.received - lines.written_off).as_(
                'outstanding'),
            Sum(lines.overdue).as_('overdue'),
            group_by=keys)
        counts = contract.select(
            contract.party, contract.company,
            Sum(Literal(1)).as_('contracts'),
            where=contract.state.in_(['running', 'done']),
            group_by=[contract.party, contract.company])
        return (rows
            .join(party, condition=rows.party == party.id)
            .join(counts, condition=(counts.party == rows.party)
                & (counts.company == rows.company))
            .select(
                rows.party.as_('id'),
                rows.company,
                rows.party,
                party.owner.as_('employee'),
                counts.contracts,
                rows.contracted,
                rows.received,
                rows.written_off,
                rows.outstanding,
                rows.overdue))

    def get_rec_name(self, name):
        return self.party.rec_name if self.party else ''


class Opportunity(metaclass=PoolMeta):
    __name__ = 'sale.opportunity'

    sfa_contracts = fields.One2Many(
        'crm.sfa.contract', 'opportunity', "Contracts", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'sfa_create_contract': {
                    'invisible': Eval('state') != 'won',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def copy(cls, opportunities, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('sfa_contracts')
        return super().copy(opportunities, default=default)

    # 生成合同
    @classmethod
    @ModelView.button_action('crm_sfa.act_contract_form')
    def sfa_create_contract(cls, opportunities):
        Contract = Pool().get('crm.sfa.contract')
        check_button_role(cls.__name__, 'sfa_create_contract')
        contracts = Contract.create_from_deals(opportunities)
        return {'res_id': [c.id for c in contracts]}


class Approval(metaclass=PoolMeta):
    __name__ = 'crm.sfa.approval'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # A new list: the kinds are shared with the rules
        cls.kind.selection = cls.kind.selection + [
            ('contract', "Contract")]

    @classmethod
    def _get_documents(cls):
        return super()._get_documents() + ['crm.sfa.contract']


class ApprovalRule(metaclass=PoolMeta):
    __name__ = 'crm.sfa.approval.rule'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kind.selection = cls.kind.selection + [
            ('contract', "Contract")]


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('crm.sfa.contract|remind',
                "Remind Overdue Instalments and Contract Renewals"))


class PartyReplace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('crm.sfa.contract', 'party'),
            ]
