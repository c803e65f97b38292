# This file is part of the CRM suite.
"Repair orders (维修单) made from a service request"
import datetime as dt

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.crm_customer.access import (
    check_button_role, refuse_server_fields)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import ServiceAccessError, ServiceError
from .service_request import is_technician_only

# Set by the request's button and the repair's own, never by a client
SERVER_FIELDS = {'request', 'technician', 'start', 'end', 'state'}


class Repair(Workflow, ModelSQL, ModelView):
    __name__ = 'crm.service.repair'
    __string__ = "Repair Order"

    _draft_or_progress = ~Eval('state').in_(['draft', 'in_progress'])

    request = fields.Many2One(
        'crm.service.request', "Request", required=True, readonly=True,
        ondelete='CASCADE')
    customer = fields.Function(
        fields.Many2One('party.party', "Customer"), 'get_request_field')
    product = fields.Function(
        fields.Many2One('product.product', "Product"), 'get_request_field')
    lot = fields.Function(
        fields.Many2One('stock.lot', "Serial Number"), 'get_request_field')
    technician = fields.Many2One(
        'company.employee', "Technician", readonly=True)
    diagnosis = fields.Text(
        "Diagnosis", states={'readonly': _draft_or_progress})
    work_done = fields.Text(
        "Work Done", states={
            'readonly': _draft_or_progress,
            'required': Eval('state') == 'done',
            })
    parts = fields.One2Many(
        'crm.service.part', 'repair', "Parts",
        states={'readonly': _draft_or_progress})
    start = fields.DateTime("Start Time", readonly=True)
    end = fields.DateTime("End Time", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('in_progress', "In Progress"),
            ('done', "Done"),
            ], "State", readonly=True, required=True, sort=False)

    del _draft_or_progress

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Seen and changed as their request is
        cls.__access__.add('request')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.request, Index.Equality())))
        cls._order = [('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'in_progress'),
            ('in_progress', 'done'),
            }
        cls._buttons.update({
                'start_repair': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'finish': {
                    'invisible': Eval('state') != 'in_progress',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    def get_rec_name(self, name):
        return '%s-%s' % (self.request.rec_name, self.id)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('request.rec_name',) + tuple(clause[1:])]

    def get_request_field(self, name):
        value = getattr(self.request, name)
        return value.id if value else None

    @classmethod
    def create(cls, vlist):
        # Made by the request's 维修单 button only
        if Transaction().check_access:
            for values in vlist:
                refuse_server_fields(cls, SERVER_FIELDS, {
                        n for n, v in values.items()
                        if v not in (None, 'draft')})
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, repairs, values=None, external=False):
        super().check_modification(
            mode, repairs, values=values, external=external)
        if not external:
            return
        if mode == 'write':
            refuse_server_fields(cls, SERVER_FIELDS, values)
        for repair in repairs:
            if repair.state == 'done' or (
                    mode == 'delete' and repair.state != 'draft'):
                raise ServiceAccessError(gettext(
                        'crm_service.msg_request_repair_done',
                        repair=repair.rec_name))

    @classmethod
    def copy(cls, repairs, default=None):
        default = default.copy() if default is not None else {}
        for name in ['start', 'end', 'parts']:
            default.setdefault(name, None)
        default.setdefault('state', 'draft')
        return super().copy(repairs, default=default)

    def _check_own(self):
        pool = Pool()
        User = pool.get('res.user')
        if is_technician_only() and (not self.technician
                or self.technician.id not in User.get_employees()):
            raise ServiceAccessError(gettext(
                    'crm_service.msg_request_repair_not_yours',
                    repair=self.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('in_progress')
    def start_repair(cls, repairs):
        check_button_role(cls.__name__, 'start_repair')
        for repair in repairs:
            repair._check_own()
            if repair.request.state != 'in_progress':
                raise ServiceError(gettext(
                        'crm_service.msg_request_repair_request_state',
                        repair=repair.rec_name,
                        request=repair.request.rec_name))
        cls.write(repairs, {'start': dt.datetime.now()})

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def finish(cls, repairs):
        check_button_role(cls.__name__, 'finish')
        for repair in repairs:
            repair._check_own()
            if not repair.work_done:
                raise ServiceError(gettext(
                        'crm_service.msg_request_repair_work_done',
                        repair=repair.rec_name))
        cls.write(repairs, {'end': dt.datetime.now()})
