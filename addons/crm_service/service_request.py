# This file is part of the CRM suite.
"After-sales service requests (服务请求), their parts and their history"
import datetime as dt
import json
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Workflow, fields)
from trytond.modules.crm_customer.access import (
    check_button_role, refuse_server_fields)
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If, PYSONEncoder
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import ServiceAccessError, ServiceError

ZERO = Decimal(0)
CENT = Decimal('0.01')
STATES = [
    ('draft', "New"),
    ('assigned', "Assigned"),
    ('in_progress', "In Progress"),
    ('to_visit', "Return Visit Due"),
    ('closed', "Closed"),
    ('cancelled', "Cancelled"),
    ]
# A technician's load: the requests still on their hands
OPEN_STATES = ['assigned', 'in_progress']
# Set by the buttons, the wizard and the scheduler, never by a client
SERVER_FIELDS = {
    'number', 'state', 'technician', 'assigned_date', 'escalation_level',
    'escalation_state', 'complaint', 'history', 'charge', 'parts_amount',
    'repairs', 'return_visits'}
# What a client may still change of a request, by state: the customer is
# the request's, the product and serial what the technician works on, the
# fee what the technician charges while working (as the parts)
FIXED_FIELDS = {
    'company': {'draft'},
    'customer': {'draft'},
    'product': {'draft', 'assigned'},
    'lot': {'draft', 'assigned'},
    'service_fee': set(OPEN_STATES),
    }
SERVER_DEFAULTS = {'state': 'draft', 'escalation_level': 0}
CLOSED_STATES = {'closed', 'cancelled'}
# The state of the request when the history line is written
CURRENT = object()


def is_technician_only():
    """Whether the user works requests as a technician only: they act on
    the requests assigned to them and on no other"""
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    if not Transaction().user:
        return False
    groups = set(User.get_groups())
    others = {ModelData.get_id('crm_customer', g) for g in [
            'group_crm_admin', 'group_sales_manager', 'group_service']}
    return (ModelData.get_id('crm_service', 'group_technician') in groups
        and not groups & others and not User.is_crm_manager())


class Request(Workflow, ModelSQL, ModelView):
    __name__ = 'crm.service.request'
    __string__ = "Service Request"
    _rec_name = 'number'

    _open = ~Eval('state').in_(['closed', 'cancelled'])

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One(
        'company.company', "Company", required=True,
        states={'readonly': Eval('state') != 'draft'})
    customer = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'},
        states={'readonly': Eval('state') != 'draft'})
    contact = fields.Char("Contact", states={'readonly': ~_open})
    phone = fields.Char("Phone", states={'readonly': ~_open})
    product = fields.Many2One(
        'product.product', "Product", ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'},
        states={'readonly': ~Eval('state').in_(['draft', 'assigned'])})
    lot_required = fields.Function(
        fields.Boolean("Serial Number Required"),
        'on_change_with_lot_required')
    lot = fields.Many2One(
        'stock.lot', "Serial Number", ondelete='RESTRICT',
        domain=[('product', '=', Eval('product', -1))],
        states={
            'readonly': ~Eval('state').in_(['draft', 'assigned']),
            'required': (Bool(Eval('lot_required'))
                & (Eval('state') != 'draft')),
            'invisible': ~Eval('product'),
            },
        help="The serial or lot number of the customer's product; required "
        "when the product is tracked by lot.")
    type = fields.Selection([
            ('on_site', "On-site"),
            ('phone', "Phone"),
            ('in_store', "In-store"),
            ], "Type", required=True, states={'readonly': ~_open})
    fault = fields.Text(
        "Fault", required=True, states={'readonly': ~_open})
    priority = fields.Selection([
            ('low', "Low"),
            ('normal', "Normal"),
            ('high', "High"),
            ('urgent', "Urgent"),
            ], "Priority", required=True, states={'readonly': ~_open})
    due_date = fields.Date(
        "Due Date", states={'readonly': ~_open},
        help="Past this day an open request is escalated.")
    technician = fields.Many2One(
        'company.employee', "Technician", readonly=True,
        help="Chosen by the assignment; a manager reassigns.")
    assigned_date = fields.DateTime("Assigned At", readonly=True)
    service_fee = fields.Numeric(
        "Service Fee", digits=(16, 2), required=True,
        domain=[('service_fee', '>=', 0)],
        states={'readonly': ~Eval('state').in_(['assigned', 'in_progress'])},
        help="The fee for the work, entered by the technician.")
    parts = fields.One2Many(
        'crm.service.part', 'request', "Parts",
        states={'readonly': ~Eval('state').in_(['assigned', 'in_progress'])})
    parts_amount = fields.Function(
        fields.Numeric("Parts Amount", digits=(16, 2)), 'get_amounts')
    charge = fields.Function(
        fields.Numeric("Charge", digits=(16, 2),
            help="The parts used and the service fee."),
        'get_amounts')
    escalation_level = fields.Integer("Escalation Level", readonly=True)
    escalation_state = fields.Selection([
            (None, ""),
            ('requested', "Awaiting Approval"),
            ('approved', "Approved"),
            ], "Escalation", readonly=True)
    complaint = fields.Many2One(
        'sale.complaint', "Complaint", readonly=True, ondelete='RESTRICT')
    repairs = fields.One2Many(
        'crm.service.repair', 'request', "Repair Orders", readonly=True)
    return_visits = fields.One2Many(
        'crm.service.return_visit', 'request', "Return Visits",
        readonly=True)
    history = fields.One2Many(
        'crm.service.request.history', 'request', "History", readonly=True)
    state = fields.Selection(STATES, "State", readonly=True, required=True,
        sort=False)

    del _open

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.technician, Index.Equality()),
                    (t.state, Index.Equality())),
                Index(t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_(['draft'] + OPEN_STATES)),
                })
        cls._order = [('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'assigned'),
            ('assigned', 'in_progress'),
            ('in_progress', 'to_visit'),
            ('to_visit', 'closed'),
            ('draft', 'cancelled'),
            ('assigned', 'cancelled'),
            ('in_progress', 'cancelled'),
            }
        cls._buttons.update({
                'assign': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'start': {
                    'invisible': Eval('state') != 'assigned',
                    'depends': ['state'],
                    },
                'resolve': {
                    'invisible': Eval('state') != 'in_progress',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'to_visit',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'assigned', 'in_progress']),
                    'depends': ['state'],
                    },
                'escalate': {
                    'invisible': ~Eval('state').in_(
                        ['draft'] + OPEN_STATES),
                    'depends': ['state'],
                    },
                'approve_escalation': {
                    'invisible': Eval('escalation_state') != 'requested',
                    'depends': ['escalation_state'],
                    },
                'create_repair': {
                    'invisible': Eval('state') != 'in_progress',
                    'depends': ['state'],
                    },
                'reassign': {
                    'invisible': ~Eval('state').in_(OPEN_STATES),
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_type(cls):
        return 'in_store'

    @classmethod
    def default_priority(cls):
        return 'normal'

    @classmethod
    def default_service_fee(cls):
        return ZERO

    @classmethod
    def default_escalation_level(cls):
        return 0

    @classmethod
    def default_due_date(cls):
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Date = pool.get('ir.date')
        days = Configuration(1).service_request_days
        if days is not None:
            return Date.today() + dt.timedelta(days=days)

    @fields.depends('product')
    def on_change_with_lot_required(self, name=None):
        return bool(self.product and self.product.lot_required)

    @fields.depends('customer', 'contact', 'phone')
    def on_change_customer(self):
        if self.customer:
            if not self.contact:
                self.contact = self.customer.name
            if not self.phone:
                mechanism = self.customer.contact_mechanism_get(
                    {'mobile', 'phone'})
                if mechanism:
                    self.phone = mechanism.value

    @fields.depends('product', 'lot')
    def on_change_product(self):
        if self.lot and self.lot.product != self.product:
            self.lot = None

    @classmethod
    def get_amounts(cls, requests, names):
        result = {n: {} for n in names}
        for request in requests:
            parts = sum((p.amount or ZERO for p in request.parts), ZERO)
            if 'parts_amount' in names:
                result['parts_amount'][request.id] = parts
            if 'charge' in names:
                result['charge'][request.id] = (
                    parts + (request.service_fee or ZERO))
        return result

    @classmethod
    def validate_fields(cls, requests, field_names):
        super().validate_fields(requests, field_names)
        if field_names & {'product', 'lot', 'state'}:
            for request in requests:
                request.check_lot()

    def check_lot(self, state=None):
        # A draft may be recorded before the customer reads the serial out
        if ((state or self.state) != 'draft' and self.product
                and self.product.lot_required and not self.lot):
            raise ServiceError(gettext(
                    'crm_service.msg_request_lot_required',
                    product=self.product.rec_name, request=self.rec_name))

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        if Transaction().check_access:
            for values in vlist:
                # The client sends the defaults of a new record too
                refuse_server_fields(cls, SERVER_FIELDS, {
                        n for n, v in values.items()
                        if v not in (None, [], SERVER_DEFAULTS.get(n))})
        vlist = [v.copy() for v in vlist]
        with without_check_access():
            config = Configuration(1)
            for values in vlist:
                if not config.service_request_sequence:
                    raise ServiceError(gettext(
                            'crm_service.msg_request_no_sequence'))
                values['number'] = config.service_request_sequence.get()
        requests = super().create(vlist)
        History = pool.get('crm.service.request.history')
        with without_check_access():
            History.record(requests, 'create', from_state=None)
        return requests

    @classmethod
    def check_modification(cls, mode, requests, values=None, external=False):
        super().check_modification(
            mode, requests, values=values, external=external)
        if not external:
            return
        if mode == 'write':
            refuse_server_fields(cls, SERVER_FIELDS, values)
            for request in requests:
                if request.state in CLOSED_STATES:
                    raise ServiceAccessError(gettext(
                            'crm_service.msg_request_closed',
                            request=request.rec_name))
                for name in sorted(FIXED_FIELDS.keys() & values.keys()):
                    if request.state not in FIXED_FIELDS[name]:
                        raise ServiceAccessError(gettext(
                                'crm_service.msg_request_fixed_field',
                                request=request.rec_name,
                                **cls.__names__(name)))
        elif mode == 'delete':
            for request in requests:
                if request.state != 'draft':
                    raise ServiceAccessError(gettext(
                            'crm_service.msg_request_delete',
                            request=request.rec_name))

    @classmethod
    def copy(cls, requests, default=None):
        default = default.copy() if default is not None else {}
        for name in ['number', 'technician', 'assigned_date', 'complaint',
                'history', 'repairs', 'return_visits', 'parts']:
            default.setdefault(name, None)
        default.setdefault('escalation_level', 0)
        default.setdefault('escalation_state', None)
        default.setdefault('state', 'draft')
        return super().copy(requests, default=default)

    def _check_own(self):
        "Refuse a technician acting on a request that is not theirs"
        pool = Pool()
        User = pool.get('res.user')
        if is_technician_only() and (not self.technician
                or self.technician.id not in User.get_employees()):
            raise ServiceAccessError(gettext(
                    'crm_service.msg_request_not_yours',
                    request=self.rec_name))

    # 分配: the technician of the product's category with the fewest open
    # requests
    @classmethod
    @ModelView.button
    @Workflow.transition('assigned')
    def assign(cls, requests):
        check_button_role(cls.__name__, 'assign')
        pool = Pool()
        History = pool.get('crm.service.request.history')
        now = dt.datetime.now()
        for request in requests:
            request.check_lot('assigned')
            request.technician = cls.pick_technician(request)
            request.assigned_date = now
            # Saved one by one: the next pick counts this one's load
            request.save()
        History.record(requests, 'assign', to_state='assigned', note_of=(
                lambda r: r.technician.rec_name))

    @classmethod
    def pick_technician(cls, request):
        """The technician of the request's product category with the fewest
        open requests (all technicians when none is of the category); ties
        go to the one assigned longest ago, then to the first created"""
        pool = Pool()
        Technician = pool.get('crm.service.technician')

        def available(rows):
            # Those who have left keep their rows until a manager removes them
            return {r.employee for r in rows
                if r.employee.company == request.company
                and r.employee.active}
        employees = set()
        categories = ([c.id for c in request.product.template.categories_all]
            if request.product else [])
        if categories:
            # A technician of a category repairs its subcategories too
            employees = available(Technician.search([
                        ('category', 'parent_of', categories, 'parent'),
                        ]))
        if not employees:
            employees = available(Technician.search([]))
        if not employees:
            raise ServiceError(gettext(
                    'crm_service.msg_request_no_technician',
                    request=request.rec_name))
        load = {e: 0 for e in employees}
        last = {e: dt.datetime.min for e in employees}
        for other in cls.search([
                    ('technician', 'in', [e.id for e in employees]),
                    ('assigned_date', '!=', None),
                    ]):
            if other.state in OPEN_STATES:
                load[other.technician] += 1
            last[other.technician] = max(
                last[other.technician], other.assigned_date)
        return min(employees, key=lambda e: (load[e], last[e], e.id))

    @classmethod
    def change_technician(cls, requests, technician, note=None):
        "Give the requests to technician: the manager's reassignment"
        pool = Pool()
        History = pool.get('crm.service.request.history')
        User = pool.get('res.user')
        if not User.is_crm_manager():
            raise ServiceAccessError(gettext(
                    'crm_service.msg_request_reassign_manager'))
        for request in requests:
            if request.state not in OPEN_STATES:
                raise ServiceError(gettext(
                        'crm_service.msg_request_reassign_state',
                        request=request.rec_name))
            if technician.company != request.company:
                raise ServiceError(gettext(
                        'crm_service.msg_request_technician_company',
                        technician=technician.rec_name,
                        request=request.rec_name))
        History.record(requests, 'reassign', note_of=(
                lambda r: ' → '.join(filter(None, [
                            r.technician.rec_name if r.technician else '',
                            technician.rec_name, note]))))
        # Also from the wizard, which the client may run with access checks
        with without_check_access():
            cls.write(requests, {
                    'technician': technician.id,
                    'assigned_date': dt.datetime.now(),
                    })

    @classmethod
    @ModelView.button_action('crm_service.wizard_request_reassign')
    def reassign(cls, requests):
        pass

    # 开始处理
    @classmethod
    @ModelView.button
    @Workflow.transition('in_progress')
    def start(cls, requests):
        check_button_role(cls.__name__, 'start')
        History = Pool().get('crm.service.request.history')
        for request in requests:
            request._check_own()
        History.record(requests, 'start', to_state='in_progress')

    # 处理完成: the return visit is planned
    @classmethod
    @ModelView.button
    @Workflow.transition('to_visit')
    def resolve(cls, requests):
        check_button_role(cls.__name__, 'resolve')
        pool = Pool()
        History = pool.get('crm.service.request.history')
        ReturnVisit = pool.get('crm.service.return_visit')
        for request in requests:
            request._check_own()
            for repair in request.repairs:
                if repair.state != 'done':
                    raise ServiceError(gettext(
                            'crm_service.msg_request_repair_open',
                            request=request.rec_name,
                            repair=repair.rec_name))
        History.record(requests, 'resolve', to_state='to_visit')
        ReturnVisit.plan(requests)

    # 关闭: when the return visit is done. Extension point: what follows a
    # closed request (the satisfaction survey) extends this transition.
    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, requests):
        check_button_role(cls.__name__, 'close')
        History = Pool().get('crm.service.request.history')
        for request in requests:
            if not any(v.state == 'done' for v in request.return_visits):
                raise ServiceError(gettext(
                        'crm_service.msg_request_close_visit',
                        request=request.rec_name))
        History.record(requests, 'close', to_state='closed')

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, requests):
        check_button_role(cls.__name__, 'cancel')
        History = Pool().get('crm.service.request.history')
        for request in requests:
            for repair in request.repairs:
                if repair.state == 'done':
                    raise ServiceError(gettext(
                            'crm_service.msg_request_cancel_repaired',
                            request=request.rec_name,
                            repair=repair.rec_name))
        History.record(requests, 'cancel', to_state='cancelled')

    # 升级: one level up, to be approved by the technician's department
    # manager, who is told
    @classmethod
    @ModelView.button
    def escalate(cls, requests):
        check_button_role(cls.__name__, 'escalate')
        for request in requests:
            if request.state not in {'draft'} | set(OPEN_STATES):
                raise ServiceError(gettext(
                        'crm_service.msg_request_escalate_state',
                        request=request.rec_name))
        cls._escalate(requests)

    @classmethod
    def _escalate(cls, requests, note=None):
        History = Pool().get('crm.service.request.history')
        for request in requests:
            request.escalation_level = (request.escalation_level or 0) + 1
            request.escalation_state = 'requested'
        cls.save(requests)
        History.record(requests, 'escalate', note_of=(
                lambda r: ' '.join(filter(None, [
                            gettext('crm_service.msg_request_level',
                                level=r.escalation_level), note]))))
        for request in requests:
            request.notify_escalation()

    def escalation_recipients(self):
        """The users of the technician's department manager, else of the
        customer owner's department manager, else the shop managers"""
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        for employee in [self.technician, self.customer.owner]:
            if (employee and employee.department
                    and employee.department.manager):
                users = User.search([
                        ('employees', '=', employee.department.manager.id),
                        ])
                if users:
                    return users
        return User.search([
                ('groups', '=', ModelData.get_id(
                        'crm_customer', 'group_sales_manager')),
                ])

    def notify_escalation(self):
        pool = Pool()
        Notification = pool.get('res.notification')
        ModelData = pool.get('ir.model.data')
        action = ModelData.get_id('crm_service', 'act_request_form')
        Notification.create([{
                    'user': user.id,
                    'label': gettext('crm_service.msg_request_escalated',
                        request=self.rec_name, level=self.escalation_level),
                    'description': gettext(
                        'crm_service.msg_request_escalated_description',
                        customer=self.customer.rec_name,
                        technician=(self.technician.rec_name
                            if self.technician else '-'),
                        fault=self.fault),
                    'icon': 'tryton-warning',
                    'action': action,
                    'action_value': json.dumps({
                            'res_id': [self.id],
                            'pyson_domain': PYSONEncoder().encode(
                                [('id', '=', self.id)]),
                            'domains': [],
                            }),
                    } for user in self.escalation_recipients()])

    @classmethod
    @ModelView.button
    def approve_escalation(cls, requests):
        check_button_role(cls.__name__, 'approve_escalation')
        pool = Pool()
        History = pool.get('crm.service.request.history')
        User = pool.get('res.user')
        if not User.is_crm_manager():
            raise ServiceAccessError(gettext(
                    'crm_service.msg_request_approve_manager'))
        for request in requests:
            if request.escalation_state != 'requested':
                raise ServiceError(gettext(
                        'crm_service.msg_request_approve_state',
                        request=request.rec_name))
        cls.write(requests, {'escalation_state': 'approved'})
        History.record(requests, 'approve_escalation')

    @classmethod
    def escalate_overdue(cls, date=None):
        "Escalate the open requests past their due date not yet escalated"
        Date = Pool().get('ir.date')
        if date is None:
            date = Date.today()
        requests = cls.search([
                ('state', 'in', ['draft'] + OPEN_STATES),
                ('due_date', '<', date),
                ('escalation_level', '=', 0),
                ])
        if requests:
            cls._escalate(requests,
                note=gettext('crm_service.msg_request_overdue'))
        return requests

    # 维修单
    @classmethod
    @ModelView.button
    def create_repair(cls, requests):
        check_button_role(cls.__name__, 'create_repair')
        pool = Pool()
        Repair = pool.get('crm.service.repair')
        History = pool.get('crm.service.request.history')
        for request in requests:
            request._check_own()
            if request.state != 'in_progress':
                raise ServiceError(gettext(
                        'crm_service.msg_request_repair_state',
                        request=request.rec_name))
        repairs = Repair.create([{
                    'request': r.id,
                    'technician': r.technician.id if r.technician else None,
                    'diagnosis': r.fault,
                    } for r in requests])
        History.record(requests, 'create_repair', note_of=(
                lambda r: ', '.join(x.rec_name for x in repairs
                    if x.request == r)))
        return repairs


class RequestHistory(ModelSQL, ModelView):
    "Append-only: written by the request's transitions and buttons only"
    __name__ = 'crm.service.request.history'
    __string__ = "Service Request History"

    request = fields.Many2One(
        'crm.service.request', "Request", required=True, readonly=True,
        ondelete='CASCADE')
    action = fields.Selection([
            ('create', "Created"),
            ('assign', "Assigned"),
            ('reassign', "Reassigned"),
            ('start', "Started"),
            ('create_repair', "Repair Order"),
            ('resolve', "Resolved"),
            ('close', "Closed"),
            ('cancel', "Cancelled"),
            ('escalate', "Escalated"),
            ('approve_escalation', "Escalation Approved"),
            ], "Action", readonly=True)
    from_state = fields.Selection(
        [(None, '')] + STATES, "From State", readonly=True)
    to_state = fields.Selection(
        [(None, '')] + STATES, "To State", readonly=True)
    user = fields.Many2One('res.user', "User", readonly=True)
    date = fields.DateTime("Date", readonly=True)
    note = fields.Char("Note", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Seen and changed as their request is
        cls.__access__.add('request')
        cls._order = [('date', 'ASC'), ('id', 'ASC')]
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.request, Index.Equality())))

    @classmethod
    def record(cls, requests, action, from_state=CURRENT, to_state=CURRENT,
            note_of=None):
        """Append a line per request; CURRENT states: the request's own (a
        step that does not change the state)"""
        user = Transaction().user
        now = dt.datetime.now()
        with without_check_access():
            cls.create([{
                        'request': r.id,
                        'action': action,
                        'from_state': (
                            r.state if from_state is CURRENT else from_state),
                        'to_state': (
                            r.state if to_state is CURRENT else to_state),
                        'user': user or None,
                        'date': now,
                        'note': note_of(r) if note_of else None,
                        } for r in requests])

    @classmethod
    def create(cls, vlist):
        # The access of the request would allow it (__access__)
        if Transaction().check_access:
            raise ServiceAccessError(gettext(
                    'crm_service.msg_request_history_readonly'))
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if mode in {'write', 'delete'} and Transaction().user:
            raise ServiceAccessError(gettext(
                    'crm_service.msg_request_history_readonly'))

    @classmethod
    def copy(cls, lines, default=None):
        if lines and Transaction().user:
            raise ServiceAccessError(gettext(
                    'crm_service.msg_request_history_readonly'))
        return super().copy(lines, default=default)


class Part(ModelSQL, ModelView):
    "A part used on a request (and the repair order it was fitted on)"
    __name__ = 'crm.service.part'
    __string__ = "Service Part"

    request = fields.Many2One(
        'crm.service.request', "Request", required=True, ondelete='CASCADE',
        states={'readonly': Bool(Eval('repair'))})
    repair = fields.Many2One(
        'crm.service.repair', "Repair Order", ondelete='CASCADE',
        domain=[If(Eval('request'), ('request', '=', Eval('request', -1)),
                ())])
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='RESTRICT')
    quantity = fields.Float(
        "Quantity", digits='unit', required=True,
        domain=[('quantity', '>', 0)])
    unit = fields.Function(
        fields.Many2One('product.uom', "Unit"), 'on_change_with_unit')
    unit_price = fields.Numeric(
        "Unit Price", digits=(16, 4), readonly=True,
        help="The product's list price, set by the server.")
    amount = fields.Function(
        fields.Numeric("Amount", digits=(16, 2)), 'get_amount')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Seen and changed as their request is
        cls.__access__.add('request')
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.request, Index.Equality())),
                Index(t, (t.repair, Index.Equality())),
                })

    @classmethod
    def default_quantity(cls):
        return 1

    @fields.depends('product')
    def on_change_with_unit(self, name=None):
        return self.product.default_uom if self.product else None

    def get_amount(self, name):
        return (Decimal(str(self.quantity or 0)) * (self.unit_price or ZERO)
            ).quantize(CENT)

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Product = pool.get('product.product')
        Repair = pool.get('crm.service.repair')
        values = super().preprocess_values(mode, values)
        # The price of the part is the product's, whatever was sent
        if values.get('product'):
            values['unit_price'] = Product(
                values['product']).list_price_used
        # A part fitted on a repair order is used on its request
        if values.get('repair'):
            values['request'] = Repair(values['repair']).request.id
        return values

    @classmethod
    def create(cls, vlist):
        if Transaction().check_access:
            for values in vlist:
                refuse_server_fields(cls, {'unit_price', 'amount'}, {
                        n for n, v in values.items() if v is not None})
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, parts, values=None, external=False):
        super().check_modification(
            mode, parts, values=values, external=external)
        if not external:
            return
        if mode == 'write':
            refuse_server_fields(cls, {'unit_price', 'amount'}, values)
        for part in parts:
            if part.request.state not in OPEN_STATES:
                raise ServiceAccessError(gettext(
                        'crm_service.msg_request_part_request_state',
                        request=part.request.rec_name))
            if part.repair and part.repair.state == 'done':
                raise ServiceAccessError(gettext(
                        'crm_service.msg_request_part_repair_done',
                        repair=part.repair.rec_name))


class Technician(DeactivableMixin, ModelSQL, ModelView):
    "Who repairs which product category: the automatic assignment's table"
    __name__ = 'crm.service.technician'
    __string__ = "Technician Assignment"

    employee = fields.Many2One(
        'company.employee', "Technician", required=True, ondelete='CASCADE')
    category = fields.Many2One(
        'product.category', "Product Category", ondelete='CASCADE',
        help="Products of this category and its subcategories; empty: "
        "requests of any product when no technician is of its category.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('category', 'ASC NULLS FIRST'), ('employee', 'ASC'),
            ('id', 'ASC')]


class RequestReassignStart(ModelView):
    __name__ = 'crm.service.request.reassign.start'
    __string__ = "Reassign Service Request"

    technician = fields.Many2One(
        'company.employee', "Technician", required=True,
        domain=[('company', '=', Eval('company', -1))])
    company = fields.Many2One('company.company', "Company", readonly=True)
    note = fields.Char("Reason")


class RequestReassign(Wizard):
    "The manager gives a request to another technician"
    __name__ = 'crm.service.request.reassign'
    start = StateView('crm.service.request.reassign.start',
        'crm_service.request_reassign_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Reassign", 'reassign', 'tryton-ok', default=True),
            ])
    reassign = StateTransition()

    def default_start(self, fields):
        return {'company': self.record.company.id}

    def transition_reassign(self):
        # A wizard runs without access checks: the role is checked here
        check_button_role('crm.service.request', 'reassign')
        self.model.change_technician(
            list(self.records), self.start.technician, self.start.note)
        return 'end'

