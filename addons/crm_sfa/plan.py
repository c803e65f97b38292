# This file is part of the CRM suite.
"""SFA plans (SFA方案): steps of SMS and tasks that run by themselves for
the customers enrolled, from the day the plan starts for each"""
import datetime as dt
import uuid
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from sql import Cast, Conflict, Literal, Null
from sql.aggregate import Count
from sql.functions import CurrentTimestamp
from sql.operators import Concat, Equal, Exists

from trytond.backend import MAX_QUERY_PARAMS
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Exclude, Index, ModelSQL, ModelView, Unique, Workflow,
    fields, sequence_ordered)
from trytond.modules.crm_customer.access import check_button_role
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, PYSONDecoder
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, check_access, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import SfaAccessError, SfaError, SfaValidationError

# A nightly run missed (server down) still sends the steps of the last
# days; older ones are skipped rather than sent weeks late
CATCH_UP_DAYS = 7
MAX_REPEAT = 100

ACTIONS = [
    ('sms', "SMS"),
    ('contact', "Contact to Make"),
    ('visit', "Return Visit"),
    ]
TIMINGS = [
    ('timed', "Timed"),
    ('repeating', "Repeating"),
    ('dated', "Dated"),
    ]


def today():
    return Pool().get('ir.date').today()


class Plan(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'crm.sfa.plan'
    __string__ = "SFA Plan"

    name = fields.Char("Name", required=True,)
    description = fields.Text("Description",)
    steps = fields.One2Many('crm.sfa.plan.step', 'plan', "Steps")
    purchase_days = fields.Integer("Purchase Window", required=True,
        help="The days after a customer's start in which a purchase counts "
        "in the plan's result.")
    enrolments = fields.One2Many(
        'crm.sfa.plan.enrolment', 'plan', "Customers", readonly=True)
    customers = fields.Function(fields.Integer("Customers Enrolled"),
        'get_results')
    messages_sent = fields.Function(fields.Integer("Messages Sent",
            help="The plan's messages sent or delivered."),
        'get_results')
    tasks_done = fields.Function(fields.Integer("Tasks Done"),
        'get_results')
    buyers = fields.Function(fields.Integer("Customers Who Bought",
            help="The customers who bought within the purchase window "
            "after the plan started for them."),
        'get_results')

    @classmethod
    def default_purchase_days(cls):
        return 30

    @classmethod
    def validate_fields(cls, plans, field_names):
        super().validate_fields(plans, field_names)
        for plan in plans:
            if plan.purchase_days is not None and plan.purchase_days < 1:
                raise SfaValidationError(gettext(
                        'crm_sfa.msg_plan_purchase_days', plan=plan.rec_name))

    @classmethod
    def get_results(cls, plans, names):
        pool = Pool()
        Enrolment = pool.get('crm.sfa.plan.enrolment')
        Log = pool.get('crm.sfa.plan.log')
        Message = pool.get('sms.message')
        Task = pool.get('crm.sfa.task')
        Party = pool.get('party.party')
        enrolment = Enrolment.__table__()
        log = Log.__table__()
        message = Message.__table__()
        task = Task.__table__()
        cursor = Transaction().connection.cursor()
        ids = [p.id for p in plans]
        result = {n: {i: 0 for i in ids} for n in names}
        for sub_ids in grouped_slice(ids, MAX_QUERY_PARAMS):
            in_plans = enrolment.plan.in_(list(sub_ids))
            if 'customers' in names:
                cursor.execute(*enrolment.select(enrolment.plan,
                        Count(enrolment.id), where=in_plans,
                        group_by=[enrolment.plan]))
                result['customers'].update(cursor)
            if 'messages_sent' in names:
                cursor.execute(*log.join(enrolment,
                        condition=log.enrolment == enrolment.id
                        ).join(message, condition=log.message == message.id
                        ).select(enrolment.plan, Count(log.id),
                        where=in_plans
                        & message.state.in_(['sent', 'delivered']),
                        group_by=[enrolment.plan]))
                result['messages_sent'].update(cursor)
            if 'tasks_done' in names:
                cursor.execute(*log.join(enrolment,
                        condition=log.enrolment == enrolment.id
                        ).join(task, condition=log.task == task.id
                        ).select(enrolment.plan, Count(log.id),
                        where=in_plans & (task.state == 'done'),
                        group_by=[enrolment.plan]))
                result['tasks_done'].update(cursor)
            if 'buyers' in names:
                queries = Party.last_purchase_queries()
                purchases = queries[0]
                for query in queries[1:]:
                    purchases |= query
                cursor.execute(*enrolment.join(purchases,
                        condition=(purchases.party == enrolment.party)
                        & (purchases.date >= enrolment.start_date)
                        ).select(enrolment.plan, enrolment.party,
                        enrolment.start_date, purchases.date,
                        where=in_plans))
                windows = {p.id: dt.timedelta(days=p.purchase_days or 0)
                    for p in plans}
                buyers = defaultdict(set)
                for plan, party, start, date in cursor:
                    start, date = _date(start), _date(date)
                    if date <= start + windows[plan]:
                        buyers[plan].add(party)
                result['buyers'].update(
                    {p: len(s) for p, s in buyers.items()})
        return result

    @classmethod
    def copy(cls, plans, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('enrolments')
        return super().copy(plans, default=default)

    @classmethod
    def run_nightly(cls, date=None, enrolments=None):
        """Cron: log and send the steps due up to date (today) of the
        running enrolments (or of enrolments only), each (enrolment, step,
        run, day) once, then end the enrolments with nothing left"""
        pool = Pool()
        Step = pool.get('crm.sfa.plan.step')
        Log = pool.get('crm.sfa.plan.log')
        Enrolment = pool.get('crm.sfa.plan.enrolment')
        date = date or today()
        batch = uuid.uuid4().hex
        domain = [('plan.active', '=', True)]
        enrolment_ids = None
        if enrolments is not None:
            enrolment_ids = [e.id for e in enrolments]
            domain.append(('plan', 'in', list({e.plan.id for e in enrolments})))
        with without_check_access():
            steps = Step.search(domain,
                order=[('plan', 'ASC'), ('sequence', 'ASC'), ('id', 'ASC')])
            for step in steps:
                for day in range(CATCH_UP_DAYS - 1, -1, -1):
                    Log.claim(step, date - dt.timedelta(days=day), batch,
                        enrolment_ids)
            Log.execute(batch)
            Enrolment.finish_over(
                cls.browse({s.plan.id for s in steps}), date)


def _date(value):
    "A date column's value (SQLite returns the text)"
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    return value


class PlanStep(sequence_ordered(), ModelSQL, ModelView):
    __name__ = 'crm.sfa.plan.step'
    __string__ = "SFA Plan Step"

    plan = fields.Many2One('crm.sfa.plan', "Plan", required=True,
        ondelete='CASCADE')
    name = fields.Char("Name", required=True,)
    action = fields.Selection(ACTIONS, "Action", required=True, sort=False)
    template = fields.Many2One('sms.template', "SMS Template",
        ondelete='RESTRICT',
        states={
            'required': Eval('action') == 'sms',
            'invisible': Eval('action') != 'sms',
            })
    subject = fields.Char("Task Subject",
        states={
            'required': Eval('action') != 'sms',
            'invisible': Eval('action') == 'sms',
            },
        help="The subject of the task set to the customer's owner.")
    timing = fields.Selection(TIMINGS, "Timing", required=True, sort=False,
        help="Timed: once, on day N from the start. "
        "Repeating: every N days, a number of times, from day N. "
        "Dated: on a day of each month.")
    day = fields.Integer("Day",
        states={
            'required': Eval('timing') != 'dated',
            'invisible': Eval('timing') == 'dated',
            },
        help="The day the step is due: day 1 is the day the plan starts "
        "for the customer.")
    hour = fields.Integer("Hour",
        states={'invisible': Eval('action') != 'sms'},
        help="The hour of the day (0-23) the message goes, within the "
        "sending hours; empty for as soon as allowed.")
    interval = fields.Integer("Every (Days)",
        states={
            'required': Eval('timing') == 'repeating',
            'invisible': Eval('timing') != 'repeating',
            })
    count = fields.Integer("Times",
        states={
            'required': Eval('timing') == 'repeating',
            'invisible': Eval('timing') == 'timed',
            },
        help="How many times the step goes; for a dated step empty means "
        "every month until the plan is stopped.")
    month_day = fields.Integer("Day of Month",
        states={
            'required': Eval('timing') == 'dated',
            'invisible': Eval('timing') != 'dated',
            })

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('plan')

    @classmethod
    def default_action(cls):
        return 'sms'

    @classmethod
    def default_timing(cls):
        return 'timed'

    @classmethod
    def default_day(cls):
        return 1

    @classmethod
    def validate_fields(cls, steps, field_names):
        super().validate_fields(steps, field_names)
        for step in steps:
            step.check_values()

    def check_values(self):
        "Refuse values the nightly run could not place in time"
        def error(message, **values):
            raise SfaValidationError(gettext('crm_sfa.%s' % message,
                    step=self.rec_name, **values))
        if self.action == 'sms' and not self.template:
            error('msg_plan_step_template')
        if self.action != 'sms' and not self.subject:
            error('msg_plan_step_subject')
        if self.timing != 'dated' and (self.day or 0) < 1:
            error('msg_plan_step_day')
        if self.hour is not None and not 0 <= self.hour <= 23:
            error('msg_plan_step_hour')
        if self.timing == 'repeating':
            if (self.interval or 0) < 1:
                error('msg_plan_step_interval')
            if not 1 <= (self.count or 0) <= MAX_REPEAT:
                error('msg_plan_step_count', max=MAX_REPEAT)
        if self.timing == 'dated':
            if not 1 <= (self.month_day or 0) <= 28:
                error('msg_plan_step_month_day')
            if self.count is not None and not 1 <= self.count <= MAX_REPEAT:
                error('msg_plan_step_count', max=MAX_REPEAT)

    def start_condition(self, table, day):
        """The SQL condition on table.start_date of the enrolments for
        which the step falls due on day, or None when it falls due for
        none"""
        if self.timing == 'timed':
            return table.start_date == day - dt.timedelta(days=self.day - 1)
        elif self.timing == 'repeating':
            first = day - dt.timedelta(days=self.day - 1)
            return table.start_date.in_([
                    first - dt.timedelta(days=self.interval * i)
                    for i in range(self.count)])
        else:
            if day.day != self.month_day:
                return None
            # The first occurrence is the first such day from the start
            condition = table.start_date <= day
            if self.count:
                condition &= table.start_date > day + relativedelta(
                    months=-self.count, day=self.month_day)
            return condition

    def last_start(self, date):
        """The latest start date whose last occurrence is on or before
        date, or None when the step never ends"""
        if self.timing == 'timed':
            return date - dt.timedelta(days=self.day - 1)
        elif self.timing == 'repeating':
            return date - dt.timedelta(
                days=self.day - 1 + self.interval * (self.count - 1))
        elif self.count:
            last = date + relativedelta(
                months=0 if date.day >= self.month_day else -1,
                day=self.month_day)
            return last + relativedelta(months=1 - self.count)

    def scheduled(self, day):
        "When the step's message of day is to go (UTC), if an hour is set"
        Message = Pool().get('sms.message')
        if self.hour is None:
            return None
        _, _, zone = Message.quiet_hours()
        local = dt.datetime.combine(day, dt.time(self.hour), tzinfo=zone)
        return Message.next_allowed(
            local.astimezone(dt.timezone.utc).replace(tzinfo=None))


class Enrolment(Workflow, ModelSQL, ModelView):
    "A customer on a plan"
    __name__ = 'crm.sfa.plan.enrolment'
    __string__ = "SFA Plan Enrolment"

    plan = fields.Many2One('crm.sfa.plan', "Plan", required=True,
        readonly=True, ondelete='RESTRICT')
    party = fields.Many2One('party.party', "Customer", required=True,
        readonly=True, ondelete='CASCADE')
    owner = fields.Function(fields.Many2One('company.employee', "Owner"),
        'get_owner')
    start_date = fields.Date("Start Date", required=True, readonly=True,
        help="Day 1 of the plan for the customer.")
    enabled_date = fields.Date("Enabled On", required=True, readonly=True)
    send_from = fields.Date("Sends From", required=True, readonly=True,
        help="Steps due before this day are not sent: the plan was "
        "enabled, resumed or run again on it.")
    run = fields.Integer("Run", required=True, readonly=True,
        help="Counts the manual re-runs: each run sends the steps again.")
    state = fields.Selection([
            ('running', "Running"),
            ('paused', "Paused"),
            ('stopped', "Stopped"),
            ('done', "Done"),
            ], "State", required=True, readonly=True, sort=False)
    logs = fields.One2Many('crm.sfa.plan.log', 'enrolment', "Executions",
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('plan_party_active', Exclude(t,
                    (t.plan, Equal), (t.party, Equal),
                    where=t.state != 'stopped'),
                'crm_sfa.msg_plan_enrolment_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.plan, Index.Equality()),
                    (t.state, Index.Equality()),
                    (t.start_date, Index.Range())),
                Index(t, (t.party, Index.Equality())),
                })
        cls._order = [('enabled_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('running', 'paused'),
            ('paused', 'running'),
            ('running', 'running'),
            ('done', 'running'),
            ('running', 'stopped'),
            ('paused', 'stopped'),
            ('running', 'done'),
            }
        cls._buttons.update({
                'pause': {
                    'invisible': Eval('state') != 'running',
                    'icon': 'tryton-pause',
                    'depends': ['state'],
                    },
                'resume': {
                    'invisible': Eval('state') != 'paused',
                    'icon': 'tryton-play',
                    'depends': ['state'],
                    },
                'stop': {
                    'invisible': ~Eval('state').in_(['running', 'paused']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'rerun': {
                    'invisible': Eval('state') == 'stopped',
                    'icon': 'tryton-refresh',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'running'

    @classmethod
    def default_run(cls):
        return 1

    def get_owner(self, name):
        return self.party.owner.id if self.party.owner else None

    def get_rec_name(self, name):
        return '%s - %s' % (self.plan.rec_name, self.party.rec_name)

    @classmethod
    def create(cls, vlist):
        # Enrolling goes through enrol(), which checks who may enable
        if Transaction().user and Transaction().check_access:
            raise SfaAccessError(gettext('crm_sfa.msg_plan_enrol_wizard'))
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, enrolments, values=None,
            external=False):
        super().check_modification(
            mode, enrolments, values=values, external=external)
        if external and mode in {'write', 'delete'}:
            raise SfaAccessError(gettext('crm_sfa.msg_plan_enrolment_server'))

    @classmethod
    def enrol(cls, plan, parties, start_dates=None):
        """Enable plan for the parties the user may enable it for, from
        start_dates ({party id: date}, default today); return the
        enrolments created. Parties already on the plan (not stopped) are
        left as they are: 手动重新执行 starts them again."""
        pool = Pool()
        Party = pool.get('party.party')
        User = pool.get('res.user')
        date = today()
        party_ids = sorted({int(p) for p in parties})
        start_dates = start_dates or {}
        with check_access():
            if not plan.active:
                raise SfaError(gettext('crm_sfa.msg_plan_inactive',
                        plan=plan.rec_name))
            readable = set()
            for sub_ids in grouped_slice(party_ids, MAX_QUERY_PARAMS):
                readable.update(p.id for p in Party.search(
                        [('id', 'in', list(sub_ids))]))
            if Transaction().user and not User.is_crm_manager():
                # A salesperson enables plans for their own customers
                # (and unowned ones), whatever else a rule lets them read
                employees = set(User.get_employees())
                with without_check_access():
                    readable = {p.id for p in Party.browse(list(readable))
                        if not p.owner or p.owner.id in employees}
        refused = set(party_ids) - readable
        if refused:
            with without_check_access():
                names = '、'.join(p.rec_name
                    for p in Party.browse(sorted(refused)[:5]))
            raise SfaAccessError(gettext('crm_sfa.msg_plan_enrol_refused',
                    parties=names, count=len(refused)))
        enrolment = cls.__table__()
        cursor = Transaction().connection.cursor()
        enrolled = set()
        for sub_ids in grouped_slice(party_ids, MAX_QUERY_PARAMS):
            cursor.execute(*enrolment.select(enrolment.party,
                    where=(enrolment.plan == plan.id)
                    & enrolment.party.in_(list(sub_ids))
                    & (enrolment.state != 'stopped')))
            enrolled.update(p for p, in cursor)
        vlist = [{
                'plan': plan.id,
                'party': p,
                'start_date': start_dates.get(p) or date,
                'enabled_date': date,
                'send_from': max(date, start_dates.get(p) or date),
                } for p in party_ids if p not in enrolled]
        created = []
        with without_check_access():
            for index in range(0, len(vlist), 1000):
                created += cls.create(vlist[index:index + 1000])
        return created

    @classmethod
    def finish_over(cls, plans, date):
        "End the running enrolments of plans whose steps are all past"
        for plan in plans:
            starts = [s.last_start(date) for s in plan.steps]
            if None in starts:
                continue
            threshold = min(starts, default=date)
            while True:
                enrolments = cls.search([
                        ('plan', '=', plan.id),
                        ('state', '=', 'running'),
                        ('start_date', '<=', threshold),
                        ], limit=1000)
                if not enrolments:
                    break
                cls.finish(enrolments)

    @classmethod
    @Workflow.transition('done')
    def finish(cls, enrolments):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('paused')
    def pause(cls, enrolments):
        check_button_role(cls.__name__, 'pause')

    @classmethod
    @ModelView.button
    def resume(cls, enrolments):
        "Run on from today: the steps due while paused are skipped"
        check_button_role(cls.__name__, 'resume')
        cls._restart([e for e in enrolments if e.state == 'paused'])

    @classmethod
    @ModelView.button
    @Workflow.transition('stopped')
    def stop(cls, enrolments):
        check_button_role(cls.__name__, 'stop')

    # 手动重新执行
    @classmethod
    @ModelView.button
    def rerun(cls, enrolments):
        "Start the plan again from today: its steps go out once more"
        check_button_role(cls.__name__, 'rerun')
        enrolments = [e for e in enrolments if e.state != 'stopped']
        date = today()
        to_write = []
        for enrolment in enrolments:
            to_write.extend(([enrolment], {
                        'run': enrolment.run + 1,
                        'start_date': date,
                        }))
        if to_write:
            cls.write(*to_write)
        cls._restart(enrolments)

    @classmethod
    @Workflow.transition('running')
    def _restart(cls, enrolments):
        if enrolments:
            cls.write(enrolments, {'send_from': today()})


class Log(ModelSQL, ModelView):
    "What the nightly run did for a step of an enrolment (append-only)"
    __name__ = 'crm.sfa.plan.log'
    __string__ = "SFA Plan Execution"

    enrolment = fields.Many2One('crm.sfa.plan.enrolment', "Enrolment",
        required=True, readonly=True, ondelete='RESTRICT')
    party = fields.Many2One('party.party', "Customer", required=True,
        readonly=True, ondelete='CASCADE')
    step = fields.Many2One('crm.sfa.plan.step', "Step", required=True,
        readonly=True, ondelete='RESTRICT')
    run = fields.Integer("Run", required=True, readonly=True)
    occurrence = fields.Date("Due On", required=True, readonly=True)
    message = fields.Many2One('sms.message', "Message", readonly=True,
        ondelete='SET NULL')
    task = fields.Many2One('crm.sfa.task', "Task", readonly=True,
        ondelete='SET NULL')
    batch = fields.Char("Batch", readonly=True,
        help="The nightly run that wrote it.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('enrolment')
        # Never twice, even with two nightly runs at once
        cls._sql_constraints += [
            ('step_occurrence_unique', Unique(t, t.enrolment, t.step, t.run,
                    t.occurrence),
                'crm_sfa.msg_plan_log_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.batch, Index.Equality())),
                Index(t, (t.step, Index.Equality())),
                })
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def check_modification(cls, mode, logs, values=None, external=False):
        super().check_modification(
            mode, logs, values=values, external=external)
        if mode in {'write', 'delete'}:
            raise SfaAccessError(gettext('crm_sfa.msg_plan_log_append_only'))

    @classmethod
    def create(cls, vlist):
        # Written by the nightly run only, with SQL
        raise SfaAccessError(gettext('crm_sfa.msg_plan_log_append_only'))

    @classmethod
    def claim(cls, step, day, batch, enrolment_ids=None):
        """Insert a row for each running enrolment of step's plan (of
        enrolment_ids only) that the step falls due for on day and has
        none: the rows of batch are the work of this run"""
        pool = Pool()
        Enrolment = pool.get('crm.sfa.plan.enrolment')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        enrolment = Enrolment.__table__()
        existing = cls.__table__()
        condition = step.start_condition(enrolment, day)
        if condition is None:
            return
        if enrolment_ids is not None:
            condition &= fields.SQL_OPERATORS['in'](
                enrolment.id, enrolment_ids)
        query = enrolment.select(
            enrolment.id, enrolment.party, Literal(step.id), enrolment.run,
            Literal(day), Literal(batch), Literal(0), CurrentTimestamp(),
            where=(enrolment.plan == step.plan.id)
            & (enrolment.state == 'running')
            & (enrolment.send_from <= day)
            & condition
            & ~Exists(existing.select(existing.id,
                    where=(existing.enrolment == enrolment.id)
                    & (existing.step == step.id)
                    & (existing.run == enrolment.run)
                    & (existing.occurrence == day))))
        kwargs = {}
        if transaction.database.has_insert_on_conflict():
            # Another run's row inserted after our NOT EXISTS is theirs
            kwargs['on_conflict'] = Conflict(table, indexed_columns=[
                    table.enrolment, table.step, table.run,
                    table.occurrence])
        cursor.execute(*table.insert([table.enrolment, table.party,
                    table.step, table.run, table.occurrence, table.batch,
                    table.create_uid, table.create_date], query, **kwargs))

    @classmethod
    def execute(cls, batch):
        "Queue the messages and create the tasks of the rows of batch"
        pool = Pool()
        Step = pool.get('crm.sfa.plan.step')
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.step, table.run, table.occurrence,
                where=table.batch == batch,
                group_by=[table.step, table.run, table.occurrence],
                order_by=[table.step, table.run, table.occurrence]))
        for step_id, run, day in cursor.fetchall():
            step = Step(step_id)
            day = _date(day)
            where = ((table.batch == batch) & (table.step == step_id)
                & (table.run == run) & (table.occurrence == day))
            if step.action == 'sms':
                cls._send(step, run, day, table, where)
            else:
                cls._create_tasks(step, day, table, where)

    @classmethod
    def _send(cls, step, run, day, table, where):
        pool = Pool()
        Message = pool.get('sms.message')
        message = Message.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.party, where=where))
        parties = [p for p, in cursor]
        # The occasion makes the message once per customer, step, run and
        # day in the outbox too; opted-out customers get none
        occasion = 'sfa-plan:%s:%s:%s' % (step.id, run, day.isoformat())
        messages = Message.send_many(parties, step.template,
            origin=step, occasion=occasion)
        scheduled = step.scheduled(day)
        if scheduled and messages:
            for sub_ids in grouped_slice(
                    [m.id for m in messages], MAX_QUERY_PARAMS):
                cursor.execute(*message.update([message.scheduled],
                        [scheduled],
                        where=message.id.in_(list(sub_ids))
                        & (message.scheduled < scheduled)
                        & (message.state == 'queued')))
        key_type = Message.dedup_key.sql_type().base
        cursor.execute(*table.update([table.message],
                [message.select(message.id,
                        where=message.dedup_key == Concat(
                            Cast(table.party, key_type),
                            ':' + occasion))],
                where=where))

    @classmethod
    def _create_tasks(cls, step, day, table, where):
        pool = Pool()
        Task = pool.get('crm.sfa.task')
        Party = pool.get('party.party')
        party = Party.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.join(party,
                condition=table.party == party.id).select(
                table.id, table.party, party.owner,
                where=where & (party.owner != Null),
                order_by=[table.id]))
        rows = cursor.fetchall()
        description = gettext('crm_sfa.msg_plan_task_description',
            plan=step.plan.rec_name, step=step.rec_name)
        for index in range(0, len(rows), 500):
            batch = rows[index:index + 500]
            # The cron's own task: no assigner, so nobody is notified as
            # by a colleague; the assignee's checks are the user's only
            with without_check_access(), Transaction().set_user(0):
                tasks = Task.create([{
                            'name': step.subject,
                            'description': description,
                            'assignee': owner,
                            'party': party_id,
                            'due_date': day,
                            'priority': 'normal',
                            } for _, party_id, owner in batch])
            for (log_id, _, _), task in zip(batch, tasks):
                cursor.execute(*table.update([table.task], [task.id],
                        where=table.id == log_id))


class EnableStart(ModelView):
    __name__ = 'crm.sfa.plan.enable.start'
    __string__ = "Enable SFA Plan"

    plan = fields.Many2One('crm.sfa.plan', "Plan", required=True,
        domain=[('active', '=', True)])
    customer_filter = fields.Many2One('ir.ui.view_search', "Customer Filter",
        domain=[('model', '=', 'party.party')],
        help="A filter saved on the customers' list: its customers are "
        "enrolled instead of the selected ones.")
    selected = fields.Integer("Selected Customers", readonly=True)
    start = fields.Selection([
            ('today', "Today"),
            ('joined', "The Day the Customer Joined"),
            ('date', "A Date"),
            ], "Plan Starts", required=True, sort=False,
        help="Day 1 of the plan; steps due before today are not sent.")
    start_date = fields.Date("Start Date",
        states={
            'required': Eval('start') == 'date',
            'invisible': Eval('start') != 'date',
            })

    @classmethod
    def default_start(cls):
        return 'today'


class Enable(Wizard):
    "Enable a plan for the selected customers or those of a saved filter"
    __name__ = 'crm.sfa.plan.enable'
    start = StateView('crm.sfa.plan.enable.start',
        'crm_sfa.plan_enable_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Enable", 'enable', 'tryton-ok', default=True),
            ])
    enable = StateTransition()

    def default_start(self, fields):
        values = {'start': 'today'}
        if self.model and self.model.__name__ == 'party.party':
            values['selected'] = len(self.records)
        return values

    def party_ids(self):
        "The customers to enrol, read with the user's rules"
        pool = Pool()
        Party = pool.get('party.party')
        if self.start.customer_filter:
            domain = PYSONDecoder().decode(
                self.start.customer_filter.domain or '[]')
            with check_access():
                cursor = Transaction().connection.cursor()
                cursor.execute(*Party.search(domain, order=[('id', 'ASC')],
                        query=True))
                return [i for i, in cursor]
        if self.model and self.model.__name__ == 'party.party':
            return [r.id for r in self.records]
        return []

    def transition_enable(self):
        pool = Pool()
        Enrolment = pool.get('crm.sfa.plan.enrolment')
        Party = pool.get('party.party')
        party_ids = self.party_ids()
        if not party_ids:
            raise SfaError(gettext('crm_sfa.msg_plan_enrol_nobody'))
        start_dates = {}
        if self.start.start == 'date':
            start_dates = dict.fromkeys(party_ids, self.start.start_date)
        elif self.start.start == 'joined':
            for sub_ids in grouped_slice(party_ids, MAX_QUERY_PARAMS):
                start_dates.update((p.id, p.create_date.date())
                    for p in Party.browse(list(sub_ids)))
        enrolments = Enrolment.enrol(self.start.plan, party_ids, start_dates)
        # The steps due today go at once (day 1's thanks the day the
        # customer joins), not after the night
        if enrolments:
            pool.get('crm.sfa.plan').run_nightly(enrolments=enrolments)
        return 'end'


class Message(metaclass=PoolMeta):
    __name__ = 'sms.message'

    @classmethod
    def _get_origins(cls):
        return super()._get_origins() + ['crm.sfa.plan.step']


class Task(metaclass=PoolMeta):
    __name__ = 'crm.sfa.task'

    plan_logs = fields.One2Many('crm.sfa.plan.log', 'task',
        "Plan Executions", readonly=True)

    @classmethod
    def copy(cls, tasks, default=None):
        default = default.copy() if default is not None else {}
        # A copy is no plan's execution
        default.setdefault('plan_logs')
        return super().copy(tasks, default=default)


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('crm.sfa.plan.enrolment', 'party'),
            ('crm.sfa.plan.log', 'party'),
            ]
