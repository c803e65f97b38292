# This file is part of the CRM suite.
"""Customer complaints (客户投诉): Tryton's sale.complaint with the shop's
process — 判定, routing by category, 提出处理方案, 领导批示, 实施, 总结"""
import datetime as dt
import json
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Workflow, fields)
from trytond.modules.company.model import employee_field
from trytond.modules.crm_customer.access import refuse_server_fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If, PYSONEncoder
from trytond.transaction import Transaction, without_check_access

from .exceptions import (
    ServiceAccessError, ServiceError, ServiceValidationError)

TILL_ORIGINS = ['sale.point.sale', 'sale.point.sale.line']

# Set by the buttons, the routing and the cron, never by a client
SERVER_FIELDS = {
    'number', 'state', 'due_date', 'urge_count', 'urged_on',
    'approved_amount', 'submitted_user',
    'judged_by', 'judged_at', 'routed_by', 'routed_at',
    'submitted_by', 'submitted_at', 'approved_by', 'approved_at',
    'rejected_by', 'rejected_at', 'implemented_by', 'implemented_at',
    'done_by', 'done_at', 'cancelled_by', 'cancelled_at',
    }
# What the routing sets and only a manager may change (改派)
ROUTING_FIELDS = {'responsible_department', 'responsible_employee'}
# The states in which a client may write each field: the step it belongs to
STEP_FIELDS = {
    **dict.fromkeys([
            'reference', 'date', 'customer', 'company', 'type', 'origin',
            'category', 'product', 'employee', 'channel', 'description',
            'founded', 'judgement', 'actions'], {'draft'}),
    **dict.fromkeys(['resolution', 'compensation'], {'routed'}),
    'approval_note': {'waiting'},
    'implementation': {'approved'},
    'summary': {'implemented'},
    }
LATER_STEP_FIELDS = {n for n, s in STEP_FIELDS.items() if s != {'draft'}}
ROUTING_STATES = {'routed'}
# Not yet settled: shown at the till, urged when overdue. A proposal sent
# back goes to routed again: rejected keeps Tryton's meaning (closed), so
# the till's list of open complaints works with or without this module.
OPEN_STATES = ['draft', 'routed', 'waiting', 'approved', 'implemented']


def _in_group(*fs_ids):
    "Whether the user is in one of the crm_customer groups"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    if not Transaction().user:
        return True
    groups = User.get_groups()
    return any(ModelData.get_id(*f.split('.')) in groups for f in fs_ids)


def _user_employees():
    User = Pool().get('res.user')
    return set(User(Transaction().user).employees)


class Category(DeactivableMixin, ModelSQL, ModelView):
    "The kind of a complaint and where it goes: the routing table"
    __name__ = 'crm.service.complaint.category'
    __string__ = "Complaint Category"

    name = fields.Char("Name", required=True, translate=True)
    sequence = fields.Integer("Sequence")
    due_days = fields.Integer("Due Days", required=True,
        domain=[('due_days', '>=', 0)],
        help="How many days the responsible have to settle a complaint "
        "of this category, from its routing.")
    department = fields.Many2One('company.department',
        "Responsible Department", ondelete='RESTRICT',
        help="Complaints of this category go to this department; empty for "
        "the department of the responsible person.")
    employee = fields.Many2One('company.employee', "Responsible Person",
        ondelete='RESTRICT',
        help="Complaints of this category go to this person; empty for the "
        "department's manager.")
    approval_threshold = Monetary("Approval Threshold",
        currency='currency', digits='currency', required=True,
        domain=[('approval_threshold', '>=', 0)],
        help="A refund or compensation up to this amount is approved by the "
        "manager of the responsible department; above it only the shop "
        "manager may approve.")
    currency = fields.Function(fields.Many2One('currency.currency',
            "Currency"), 'get_currency')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('sequence', 'ASC'))

    @classmethod
    def default_due_days(cls):
        return 3

    @classmethod
    def default_approval_threshold(cls):
        return Decimal(0)

    def get_currency(self, name):
        Company = Pool().get('company.company')
        company = Transaction().context.get('company')
        if company is not None and company >= 0:
            return Company(company).currency.id

    @classmethod
    def validate_fields(cls, categories, field_names):
        super().validate_fields(categories, field_names)
        if field_names & {'department', 'employee'}:
            for category in categories:
                if not category.department and not category.employee:
                    raise ServiceValidationError(gettext(
                            'crm_service.msg_complaint_category_responsible',
                            category=category.rec_name))

    def route(self):
        "The (department, employee) a complaint of this category goes to"
        department = self.department or (
            self.employee.department if self.employee else None)
        employee = self.employee or (
            department.manager if department else None)
        return department, employee


class Type(metaclass=PoolMeta):
    __name__ = 'sale.complaint.type'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # What a complaint is about may be a till sale or one of its lines
        domain = cls.origin.domain[0]
        cls.origin.domain = [(domain[0], domain[1], domain[2] + TILL_ORIGINS)]


class Complaint(metaclass=PoolMeta):
    __name__ = 'sale.complaint'

    category = fields.Many2One('crm.service.complaint.category', "Category",
        ondelete='RESTRICT',
        states={
            'readonly': Eval('state') != 'draft',
            'required': Eval('state') != 'draft',
            })
    product = fields.Many2One('product.product', "Product",
        ondelete='RESTRICT', states={'readonly': Eval('state') != 'draft'},
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The product complained about.")
    employee = fields.Many2One('company.employee', "Employee",
        ondelete='RESTRICT', states={'readonly': Eval('state') != 'draft'},
        help="The employee complained about.")
    channel = fields.Selection([
            ('counter', "Counter"),
            ('phone', "Phone"),
            ('sms', "SMS Reply"),
            ('wechat', "WeChat"),
            ], "Channel", required=True,
        states={'readonly': Eval('state') != 'draft'})

    # 判定
    founded = fields.Selection([
            (None, ""),
            ('founded', "Founded"),
            ('unfounded', "Not Founded"),
            ], "Judgement", states={'readonly': Eval('state') != 'draft'},
        help="Whether the complaint is founded, as customer service judges "
        "it before routing.")
    judgement = fields.Text("Judgement Note",
        states={'readonly': Eval('state') != 'draft'})
    judged_by = employee_field("Judged By", states=OPEN_STATES)
    judged_at = fields.DateTime("Judged At", readonly=True)

    # Routing
    responsible_department = fields.Many2One('company.department',
        "Responsible Department", ondelete='RESTRICT',
        states={'readonly': ~Eval('state').in_(list(ROUTING_STATES))})
    responsible_employee = fields.Many2One('company.employee',
        "Responsible Person", ondelete='RESTRICT',
        states={'readonly': ~Eval('state').in_(list(ROUTING_STATES))})
    routed_by = employee_field("Routed By", states=OPEN_STATES)
    routed_at = fields.DateTime("Routed At", readonly=True)
    due_date = fields.Date("Due Date", readonly=True)
    urge_count = fields.Integer("Urged", readonly=True,
        help="How many days the complaint was urged once overdue.")
    urged_on = fields.Date("Last Urged", readonly=True)

    # 提出处理方案
    resolution = fields.Text("Resolution",
        states={'readonly': ~Eval('state').in_(list(ROUTING_STATES))})
    compensation = Monetary("Refund or Compensation", currency='currency',
        digits='currency',
        domain=[If(Bool(Eval('compensation')),
                ('compensation', '>=', 0), ())],
        states={'readonly': ~Eval('state').in_(list(ROUTING_STATES))})
    currency = fields.Function(fields.Many2One('currency.currency',
            "Currency"), 'on_change_with_currency')
    submitted_at = fields.DateTime("Submitted At", readonly=True)
    submitted_user = fields.Many2One('res.user', "Submitted by User",
        readonly=True)

    # 领导批示
    approval_note = fields.Text("Approval Note",
        states={'readonly': Eval('state') != 'waiting'})
    approved_amount = Monetary("Approved Amount", currency='currency',
        digits='currency', readonly=True)
    approved_at = fields.DateTime("Approved At", readonly=True)
    rejected_at = fields.DateTime("Rejected At", readonly=True)

    # 实施
    implementation = fields.Text("Implementation",
        states={'readonly': Eval('state') != 'approved'})
    implemented_by = employee_field("Implemented By", states=OPEN_STATES)
    implemented_at = fields.DateTime("Implemented At", readonly=True)

    # 总结
    summary = fields.Text("Summary",
        states={'readonly': Eval('state') != 'implemented'})
    done_by = employee_field("Closed By", states=OPEN_STATES)
    done_at = fields.DateTime("Closed At", readonly=True)
    cancelled_at = fields.DateTime("Cancelled At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.state.selection[1:1] = [('routed', "Routed")]
        cls.state.selection[-2:-2] = [('implemented', "Implemented")]
        for name in ['submitted_by', 'approved_by', 'rejected_by',
                'cancelled_by']:
            # Stamped by the buttons only
            getattr(cls, name).states['readonly'] = True
        for name in ['judged_by', 'routed_by', 'implemented_by', 'done_by']:
            getattr(cls, name).states['readonly'] = True
        cls.origin.domain.update({
                'sale.point.sale': [
                    If(Eval('customer'),
                        ('member', '=', Eval('customer', -1)),
                        ()),
                    ('company', '=', Eval('company', -1)),
                    ('state', 'in', ['done', 'posted']),
                    ],
                'sale.point.sale.line': [
                    If(Eval('customer'),
                        ('sale.member', '=', Eval('customer', -1)),
                        ()),
                    ('sale.company', '=', Eval('company', -1)),
                    ('sale.state', 'in', ['done', 'posted']),
                    ],
                })
        # The shop's process replaces Tryton's shortcuts (submitted from
        # draft, approval processing at once, reopening a closed one)
        cls._transitions -= {
            ('draft', 'waiting'), ('waiting', 'draft'),
            ('approved', 'done'), ('approved', 'draft'),
            ('done', 'draft'), ('rejected', 'draft'),
            ('waiting', 'rejected'),
            }
        cls._transitions |= {
            ('draft', 'routed'),
            ('routed', 'waiting'),
            ('waiting', 'routed'),
            ('approved', 'implemented'),
            ('implemented', 'done'),
            ('routed', 'cancelled'),
            }
        cls._buttons.update({
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'routed', 'waiting']),
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'cancelled',
                    'icon': 'tryton-undo',
                    'depends': ['state'],
                    },
                'route': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'wait': {
                    'invisible': ~Eval('state').in_(list(ROUTING_STATES)),
                    'depends': ['state'],
                    },
                'implement': {
                    'invisible': Eval('state') != 'approved',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'process': {
                    # Shown once approved: closing before the implementation
                    # is recorded tells why it is refused
                    'invisible': ~Eval('state').in_(
                        ['approved', 'implemented']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_channel(cls):
        return 'counter'

    @classmethod
    def default_urge_count(cls):
        return 0

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('type')
    def get_origin(self):
        # The origin's kind in the user's language, not its model name
        return [(v, self.type.origin.string if v else l)
            for v, l in super().get_origin()]

    @fields.depends('origin', 'customer')
    def on_change_origin(self):
        pool = Pool()
        POSSale = pool.get('sale.point.sale')
        POSSaleLine = pool.get('sale.point.sale.line')
        super().on_change_origin()
        if not self.customer and self.origin and self.origin.id >= 0:
            if isinstance(self.origin, POSSale):
                self.customer = self.origin.member
            elif isinstance(self.origin, POSSaleLine):
                self.customer = self.origin.sale.member

    def _similar_domain(self):
        pool = Pool()
        POSSale = pool.get('sale.point.sale')
        POSSaleLine = pool.get('sale.point.sale.line')
        domain = super()._similar_domain()
        if isinstance(self.origin, POSSale):
            domain[0].append(('origin.sale', '=', self.origin.id,
                    'sale.point.sale.line'))
        elif isinstance(self.origin, POSSaleLine):
            domain[0].append(('origin', '=', str(self.origin.sale)))
        return domain

    @classmethod
    def check_modification(cls, mode, complaints, values=None,
            external=False):
        super().check_modification(
            mode, complaints, values=values, external=external)
        if not external or mode not in {'create', 'write'}:
            return
        if mode == 'create':
            # create() refused what the client sent
            return
        refuse_server_fields(cls, SERVER_FIELDS, values)
        for complaint in complaints:
            for name in values.keys() & STEP_FIELDS.keys():
                if complaint.state not in STEP_FIELDS[name]:
                    raise ServiceAccessError(gettext(
                            'crm_service.msg_complaint_step_field',
                            complaint=complaint.rec_name,
                            field=cls.__names__(name)['field']))
            if values.keys() & ROUTING_FIELDS:
                complaint.check_reroute()

    @classmethod
    def create(cls, vlist):
        if Transaction().user and Transaction().check_access:
            for values in vlist:
                # The web client sends the defaults back
                refuse_server_fields(cls, SERVER_FIELDS | ROUTING_FIELDS,
                    [n for n, v in values.items()
                        if v and not (n == 'state' and v == 'draft')])
        return super().create(vlist)

    def check_reroute(self):
        "改派: only a manager, or the manager of the department it is with"
        if self.state not in ROUTING_STATES:
            raise ServiceAccessError(gettext(
                    'crm_service.msg_complaint_step_field',
                    complaint=self.rec_name,
                    field=self.__names__('responsible_employee')['field']))
        User = Pool().get('res.user')
        department = self.responsible_department
        if not (User.is_crm_manager()
                or (department and department.manager
                    and department.manager in _user_employees())):
            raise ServiceAccessError(gettext(
                    'crm_service.msg_complaint_reroute',
                    complaint=self.rec_name))

    @classmethod
    def write(cls, *args):
        external = Transaction().user and Transaction().check_access
        rerouted = []
        actions = iter(args)
        for complaints, values in zip(actions, actions):
            if external and values.keys() & ROUTING_FIELDS:
                rerouted.extend(complaints)
        super().write(*args)
        if rerouted:
            with without_check_access():
                cls._stamp(rerouted, 'routed')

    @classmethod
    def copy(cls, complaints, default=None):
        default = default.copy() if default is not None else {}
        # A copy starts again from draft (Workflow.copy) with a new number
        for name in ((SERVER_FIELDS | ROUTING_FIELDS | LATER_STEP_FIELDS)
                - {'state', 'number', 'urge_count'}):
            default.setdefault(name, None)
        default.setdefault('urge_count', 0)
        return super().copy(complaints, default=default)

    @classmethod
    def _stamp(cls, complaints, step):
        "Record who (the user's employee) and when a step was done"
        pool = Pool()
        User = pool.get('res.user')
        employee = User(Transaction().user).employee
        values = {'%s_at' % step: dt.datetime.now()}
        values['%s_by' % step] = employee.id if employee else None
        cls.write(complaints, values)

    @classmethod
    def _check_handler(cls, complaints):
        """Customer service, the managers, the responsible person and the
        manager of the responsible department handle a complaint"""
        User = Pool().get('res.user')
        if User.is_crm_manager() or _in_group('crm_customer.group_service'):
            return
        employees = _user_employees()
        for complaint in complaints:
            department = complaint.responsible_department
            if not ({complaint.responsible_employee,
                        department.manager if department else None}
                    & (employees - {None})):
                raise ServiceAccessError(gettext(
                        'crm_service.msg_complaint_handler',
                        complaint=complaint.rec_name))

    @classmethod
    def _check_service(cls, complaints):
        "Customer service and the managers record, route and cancel"
        User = Pool().get('res.user')
        if not (User.is_crm_manager()
                or _in_group('crm_customer.group_service')):
            raise ServiceAccessError(gettext(
                    'crm_service.msg_complaint_service',
                    complaint=complaints[0].rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, complaints):
        if complaints:
            cls._check_service(complaints)
            cls._stamp(complaints, 'cancelled')

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, complaints):
        "Reopen a cancelled complaint"
        if complaints:
            cls._check_service(complaints)
            cls.write(complaints, {
                    'cancelled_by': None, 'cancelled_at': None})

    @classmethod
    @ModelView.button
    @Workflow.transition('routed')
    def route(cls, complaints):
        """判定 and routing: the judgement is recorded, the complaint goes to
        the department and person of its category, due after its days"""
        pool = Pool()
        Date = pool.get('ir.date')
        if not complaints:
            return
        cls._check_service(complaints)
        for complaint in complaints:
            if not complaint.founded:
                raise ServiceError(gettext(
                        'crm_service.msg_complaint_route_judgement',
                        complaint=complaint.rec_name))
            if not complaint.category:
                raise ServiceError(gettext(
                        'crm_service.msg_complaint_route_category',
                        complaint=complaint.rec_name))
        cls._check_similar(complaints)
        today = Date.today()
        to_write = []
        for complaint in complaints:
            department, employee = complaint.category.route()
            to_write.extend([[complaint], {
                        'responsible_department': (
                            department.id if department else None),
                        'responsible_employee': (
                            employee.id if employee else None),
                        'due_date': today + dt.timedelta(
                            days=complaint.category.due_days),
                        }])
        cls.write(*to_write)
        cls._stamp(complaints, 'judged')
        cls._stamp(complaints, 'routed')

    @classmethod
    @ModelView.button
    @Workflow.transition('waiting')
    def wait(cls, complaints):
        "提交领导批示: the responsible submit their resolution for approval"
        if not complaints:
            return
        cls._check_handler(complaints)
        for complaint in complaints:
            if not (complaint.resolution or '').strip():
                raise ServiceError(gettext(
                        'crm_service.msg_complaint_resolution',
                        complaint=complaint.rec_name))
        cls.write(complaints, {
                'submitted_user': Transaction().user,
                'approved_amount': None,
                })
        cls._stamp(complaints, 'submitted')

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, complaints):
        """领导批示: the responsible department's manager approves up to the
        category's threshold, the shop manager above it; never one's own
        proposal. The actions run when the complaint is closed."""
        if not complaints:
            return
        cls._check_approver(complaints, threshold=True)
        for complaint in complaints:
            cls.write([complaint], {
                    'approved_amount': complaint.compensation or Decimal(0),
                    })
        cls._stamp(complaints, 'approved')

    @classmethod
    @ModelView.button
    @Workflow.transition('routed')
    def reject(cls, complaints):
        "The approver sends the resolution back to the responsible"
        if not complaints:
            return
        cls._check_approver(complaints, threshold=False)
        cls._stamp(complaints, 'rejected')

    @classmethod
    def _check_approver(cls, complaints, threshold):
        User = Pool().get('res.user')
        user = Transaction().user
        manager = User.is_crm_manager()
        employees = _user_employees()
        for complaint in complaints:
            if ((complaint.submitted_user
                        and complaint.submitted_user.id == user)
                    or complaint.submitted_by in employees):
                raise ServiceAccessError(gettext(
                        'crm_service.msg_complaint_approve_own',
                        complaint=complaint.rec_name))
            limit = complaint.category.approval_threshold
            amount = complaint.compensation or Decimal(0)
            if threshold and amount > limit:
                if not manager:
                    raise ServiceAccessError(gettext(
                            'crm_service.msg_complaint_approve_threshold',
                            complaint=complaint.rec_name,
                            amount=amount, threshold=limit))
                continue
            department = complaint.responsible_department
            if not (manager or (department and department.manager
                        and department.manager in employees)):
                raise ServiceAccessError(gettext(
                        'crm_service.msg_complaint_approve_manager',
                        complaint=complaint.rec_name,
                        department=department.rec_name if department else ''))

    @classmethod
    @ModelView.button
    @Workflow.transition('implemented')
    def implement(cls, complaints):
        "实施: the approved resolution was carried out"
        if not complaints:
            return
        cls._check_handler(complaints)
        for complaint in complaints:
            if not (complaint.implementation or '').strip():
                raise ServiceError(gettext(
                        'crm_service.msg_complaint_implementation',
                        complaint=complaint.rec_name))
        cls._stamp(complaints, 'implemented')

    @classmethod
    @ModelView.button
    def process(cls, complaints):
        """总结 and close: refused unless resolved, implemented and summed
        up; runs Tryton's actions and tells the customer by SMS. Extend it
        (call super first) to act on closed complaints."""
        for complaint in complaints:
            if (complaint.state != 'implemented'
                    or not (complaint.resolution or '').strip()
                    or not (complaint.implementation or '').strip()
                    or not (complaint.summary or '').strip()):
                raise ServiceError(gettext(
                        'crm_service.msg_complaint_close',
                        complaint=complaint.rec_name))
        if not complaints:
            return
        cls._check_handler(complaints)
        super().process(complaints)
        cls._stamp(complaints, 'done')
        cls.send_closed_sms(complaints)

    @classmethod
    def send_closed_sms(cls, complaints):
        """Tell each customer their complaint is settled, with the template
        of the settings; crm_sms applies the template kind's consent rules,
        and a complaint is told once"""
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Message = pool.get('sms.message')
        template = Configuration(1).complaint_sms_template
        if not template:
            return []
        messages = []
        for complaint in complaints:
            message = Message.send(complaint.customer, template,
                origin=complaint, occasion='complaint:%s' % complaint.id)
            if message:
                messages.append(message)
        return messages

    @classmethod
    def urge_overdue(cls):
        """Cron: once a day, notify the responsible person and their
        department's manager of each open complaint past its due date"""
        pool = Pool()
        Date = pool.get('ir.date')
        Lang = pool.get('ir.lang')
        ModelData = pool.get('ir.model.data')
        Notification = pool.get('res.notification')
        User = pool.get('res.user')
        today = Date.today()
        lang = Lang.get()
        complaints = cls.search([
                ('state', 'in', OPEN_STATES[1:]),
                ('due_date', '<', today),
                ['OR', ('urged_on', '=', None), ('urged_on', '<', today)],
                ])
        action = ModelData.get_id('crm_service', 'act_complaint_form')
        notifications = []
        for complaint in complaints:
            department = complaint.responsible_department
            employees = {complaint.responsible_employee,
                department.manager if department else None} - {None}
            users = User.search([
                    ('employees', 'in', [e.id for e in employees]),
                    ]) if employees else []
            count = (complaint.urge_count or 0) + 1
            domain = [('id', '=', complaint.id)]
            notifications.extend({
                    'user': user.id,
                    'label': gettext('crm_service.msg_complaint_overdue',
                        complaint=complaint.rec_name),
                    'description': gettext(
                        'crm_service.msg_complaint_overdue_description',
                        date=lang.strftime(complaint.due_date), count=count),
                    'icon': 'tryton-warning',
                    'action': action,
                    'action_value': json.dumps({
                            'pyson_domain': PYSONEncoder().encode(domain),
                            'domains': [],
                            }),
                    } for user in users)
            cls.write([complaint], {'urge_count': count, 'urged_on': today})
        Notification.create(notifications)
        return complaints
