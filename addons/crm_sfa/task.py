# This file is part of the CRM suite.
"Tasks (待办) a salesperson sets themself or a manager sets their team"
import datetime as dt

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.crm_customer.access import (
    check_button_role, refuse_created_server_fields, refuse_server_fields)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from .exceptions import SfaAccessError
from .notify import notify

# Stamped by the server: who assigned it, when it was done, its state
SERVER_FIELDS = {'assigned_by', 'done_date', 'state'}
# What the assignee may change of a task someone else set them
ASSIGNEE_FIELDS = {'feedback'}


def today():
    "Today in the company's time zone"
    return Pool().get('ir.date').today()


def user_employee():
    "The employee the user works as, if any"
    User = Pool().get('res.user')
    user = Transaction().user
    if not user:
        return None
    employee = User(user).employee
    return employee.id if employee else None


class Task(Workflow, ModelSQL, ModelView):
    __name__ = 'crm.sfa.task'
    __string__ = "Task"

    _states = {'readonly': Eval('state') != 'open'}

    name = fields.Char("Subject", required=True, states=_states)
    description = fields.Text("Description", states=_states)
    assignee = fields.Many2One('company.employee', "Assignee",
        required=True, ondelete='RESTRICT', states=_states,
        help="The employee who is to do the task.")
    assigned_by = fields.Many2One('company.employee', "Assigned By",
        readonly=True, ondelete='RESTRICT')
    party = fields.Many2One('party.party', "Customer", ondelete='RESTRICT',
        states=_states)
    opportunity = fields.Many2One('sale.opportunity', "Opportunity",
        ondelete='SET NULL', states=_states,
        domain=[If(Eval('party'), ('party', '=', Eval('party', -1)), ())])
    due_date = fields.Date("Due Date", states=_states)
    priority = fields.Selection([
            ('low', "Low"),
            ('normal', "Normal"),
            ('high', "High"),
            ('urgent', "Urgent"),
            ], "Priority", required=True, sort=False, states=_states)
    feedback = fields.Text("Feedback",
        help="What the assignee reports back.")
    state = fields.Selection([
            ('open', "Open"),
            ('done', "Done"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)
    done_date = fields.DateTime("Done At", readonly=True)
    overdue = fields.Function(fields.Boolean("Overdue",
            help="Open and due before today."),
        'get_overdue', searcher='search_overdue')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.assignee, Index.Equality())),
                Index(t, (t.state, Index.Equality()),
                    (t.due_date, Index.Range())),
                })
        cls._order = [('due_date', 'ASC NULLS LAST'), ('id', 'DESC')]
        cls._transitions |= {
            ('open', 'done'),
            ('open', 'cancelled'),
            ('done', 'open'),
            ('cancelled', 'open'),
            }
        cls._buttons.update({
                'cancel': {
                    'invisible': Eval('state') != 'open',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': Eval('state') == 'open',
                    'icon': 'tryton-undo',
                    'depends': ['state'],
                    },
                'do': {
                    'invisible': Eval('state') != 'open',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_assignee(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_priority(cls):
        return 'normal'

    @classmethod
    def default_state(cls):
        return 'open'

    @fields.depends('opportunity', 'party')
    def on_change_opportunity(self):
        if self.opportunity and not self.party:
            self.party = self.opportunity.party

    def get_overdue(self, name):
        return self.is_late()

    @classmethod
    def search_overdue(cls, name, clause):
        _, operator, value = clause[:3]
        late = [('state', '=', 'open'), ('due_date', '<', today())]
        if (operator == '=') == bool(value):
            return late
        return ['OR', ('state', '!=', 'open'), ('due_date', '=', None),
            ('due_date', '>=', today())]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual', If(Eval('overdue', False), 'danger', '')),
            ]

    @property
    def urge_owner(self):
        "The employee an urging of the task goes to"
        return self.assignee

    def is_late(self):
        "Whether the task is open past its due date"
        return bool(self.state == 'open' and self.due_date
            and self.due_date < today())

    @classmethod
    def check_assignment(cls, assignees):
        """Refuse to assign a task to an employee the user does not direct:
        a salesperson assigns only themself, a manager their team"""
        Employee = Pool().get('company.employee')
        for assignee in assignees:
            if not Employee.directs(assignee):
                with without_check_access():
                    name = Employee(int(assignee)).rec_name
                raise SfaAccessError(gettext(
                        'crm_sfa.msg_task_assign_refused', employee=name))

    @classmethod
    def create(cls, vlist):
        if Transaction().user and Transaction().check_access:
            refuse_created_server_fields(
                cls, SERVER_FIELDS, vlist, (None, 'open'))
            cls.check_assignment(
                {v['assignee'] for v in vlist if v.get('assignee')})
        return super().create(vlist)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if ((mode == 'create' and not values.get('assigned_by'))
                or (mode == 'write' and 'assignee' in values)):
            values['assigned_by'] = user_employee()
        return values

    @classmethod
    def check_modification(cls, mode, tasks, values=None, external=False):
        pool = Pool()
        User = pool.get('res.user')
        super().check_modification(
            mode, tasks, values=values, external=external)
        if not external or mode != 'write':
            return
        refuse_server_fields(cls, SERVER_FIELDS, values)
        if values.get('assignee'):
            cls.check_assignment([values['assignee']])
        employees = set(User.get_employees())
        extra = set(values) - ASSIGNEE_FIELDS
        for task in tasks:
            if extra and task.state != 'open':
                raise SfaAccessError(gettext(
                        'crm_sfa.msg_task_closed', task=task.rec_name))
            if (extra and task.assignee.id in employees
                    and task.assigned_by
                    and task.assigned_by.id not in employees):
                # Set by someone else: the assignee reports back only
                raise SfaAccessError(gettext(
                        'crm_sfa.msg_task_assignee_feedback_only',
                        task=task.rec_name))

    @classmethod
    def on_modification(cls, mode, tasks, field_names=None):
        super().on_modification(mode, tasks, field_names=field_names)
        if mode == 'create' or (mode == 'write' and 'assignee' in field_names):
            cls.notify_assignees(tasks)

    @classmethod
    def notify_assignees(cls, tasks):
        "Tell each assignee of the tasks someone else assigned them"
        for task in tasks:
            if (task.state != 'open' or not task.assigned_by
                    or task.assigned_by == task.assignee):
                continue
            notify([task.assignee],
                gettext('crm_sfa.msg_task_assigned_label',
                    employee=task.assigned_by.rec_name, task=task.name),
                description=gettext('crm_sfa.msg_task_assigned_description',
                    due_date=(task.due_date.strftime('%Y-%m-%d')
                        if task.due_date else '-')),
                records=[task])

    @classmethod
    def copy(cls, tasks, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('state', 'open')
        default.setdefault('done_date', None)
        default.setdefault('feedback', None)
        default.setdefault('assigned_by', None)
        return super().copy(tasks, default=default)

    # 取消
    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, tasks):
        check_button_role(cls.__name__, 'cancel')
        cls.write(tasks, {'done_date': None})

    # 重新打开
    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def reopen(cls, tasks):
        check_button_role(cls.__name__, 'reopen')
        cls.write(tasks, {'done_date': None})

    # 完成
    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def do(cls, tasks):
        check_button_role(cls.__name__, 'do')
        cls.write(tasks, {'done_date': dt.datetime.now()})
