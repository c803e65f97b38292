# This file is part of the CRM suite.
"Return visits (回访) of resolved service requests"
import datetime as dt

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.crm_customer.access import (
    check_button_role, refuse_server_fields)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import ServiceAccessError, ServiceError

# Planned by the request, stamped by the 完成回访 button
SERVER_FIELDS = {'request', 'planned_date', 'agent', 'done_date', 'state'}


class ReturnVisit(Workflow, ModelSQL, ModelView):
    __name__ = 'crm.service.return_visit'
    __string__ = "Return Visit"

    request = fields.Many2One(
        'crm.service.request', "Request", required=True, readonly=True,
        ondelete='CASCADE')
    customer = fields.Function(
        fields.Many2One('party.party', "Customer"), 'get_request_field')
    technician = fields.Function(
        fields.Many2One('company.employee', "Technician"),
        'get_request_field')
    planned_date = fields.Date("Planned Date", readonly=True)
    agent = fields.Many2One(
        'company.employee', "Done By", readonly=True,
        help="The service agent who made the return visit.")
    done_date = fields.DateTime("Done At", readonly=True)
    result = fields.Selection([
            (None, ""),
            ('satisfied', "Satisfied"),
            ('neutral', "Neutral"),
            ('dissatisfied', "Dissatisfied"),
            ], "Result", states={
            'readonly': Eval('state') != 'draft',
            'required': Eval('state') == 'done',
            })
    notes = fields.Text(
        "Notes", states={'readonly': Eval('state') != 'draft'})
    state = fields.Selection([
            ('draft', "To Do"),
            ('done', "Done"),
            ], "State", readonly=True, required=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Seen and changed as their request is
        cls.__access__.add('request')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.request, Index.Equality())))
        cls._order = [('planned_date', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {('draft', 'done')}
        cls._buttons.update({
                'complete': {
                    'invisible': Eval('state') != 'draft',
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
    def plan(cls, requests):
        "Plan the return visit of each resolved request"
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Date = pool.get('ir.date')
        days = Configuration(1).return_visit_days or 0
        planned = Date.today() + dt.timedelta(days=days)
        return cls.create([{
                    'request': r.id,
                    'planned_date': planned,
                    } for r in requests])

    @classmethod
    def create(cls, vlist):
        # Planned by the request when it is resolved, never by a client
        if Transaction().check_access:
            for values in vlist:
                refuse_server_fields(cls, SERVER_FIELDS, {
                        n for n, v in values.items()
                        if v not in (None, 'draft')})
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, visits, values=None, external=False):
        super().check_modification(
            mode, visits, values=values, external=external)
        if not external:
            return
        if mode == 'write':
            refuse_server_fields(cls, SERVER_FIELDS, values)
        for visit in visits:
            if visit.state == 'done' or mode == 'delete':
                raise ServiceAccessError(gettext(
                        'crm_service.msg_request_visit_done',
                        visit=visit.rec_name))

    @classmethod
    def copy(cls, visits, default=None):
        if visits:
            raise ServiceAccessError(gettext(
                    'crm_service.msg_request_visit_copy'))
        return super().copy(visits, default=default)

    # 完成回访: closes the request
    @classmethod
    @ModelView.button
    def complete(cls, visits):
        check_button_role(cls.__name__, 'complete')
        Request = Pool().get('crm.service.request')
        for visit in visits:
            if visit.state != 'draft':
                raise ServiceError(gettext(
                        'crm_service.msg_request_visit_done',
                        visit=visit.rec_name))
            if not visit.result:
                raise ServiceError(gettext(
                        'crm_service.msg_request_visit_result',
                        visit=visit.rec_name))
            if visit.request.state != 'to_visit':
                raise ServiceError(gettext(
                        'crm_service.msg_request_visit_request_state',
                        visit=visit.rec_name,
                        request=visit.request.rec_name))
        cls.done(visits)
        Request.close(list({v.request for v in visits}))

    @classmethod
    @Workflow.transition('done')
    def done(cls, visits):
        User = Pool().get('res.user')
        user = User(Transaction().user)
        cls.write(visits, {
                'agent': user.employee.id if user.employee else None,
                'done_date': dt.datetime.now(),
                })
