# This file is part of the CRM suite.
"""SFA plans: the timings, enabling midway, pause/resume/stop, the manual
re-run, the nightly run sending once, opt-out, the access of a
salesperson"""
import datetime as dt
import json
from contextlib import contextmanager
from types import SimpleNamespace
from unittest.mock import patch

from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.company.tests import set_company
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user)
from trytond.modules.crm_sfa.tests.tools import (
    create_customer, create_team, undone)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction, without_check_access

D0 = dt.date(2026, 11, 28)


def days(n):
    return D0 + dt.timedelta(days=n)


@contextmanager
def on(day):
    "ir.date.today() is day (noon UTC)"
    instant = dt.datetime.combine(day, dt.time(12))

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return (instant.replace(tzinfo=dt.timezone.utc).astimezone(tz)
                if tz else instant)
    with patch('trytond.ir.date.datetime',
            SimpleNamespace(datetime=Frozen)):
        yield


def nightly(*dates):
    Plan = Pool().get('crm.sfa.plan')
    for date in dates:
        with on(date):
            Plan.run_nightly()


def templates():
    pool = Pool()
    Gateway = pool.get('sms.gateway')
    Template = pool.get('sms.template')
    gateway, = Gateway.create([{'name': "log", 'kind': 'log'}])
    return Template.create([{
                'name': "关怀", 'kind': 'service', 'gateway': gateway.id,
                'content': "${name}您好，感谢您的支持。",
                }, {
                'name': "优惠", 'kind': 'marketing', 'gateway': gateway.id,
                'content': "${name}您好，会员专享优惠。",
                }])


def plan(name, *steps):
    Plan = Pool().get('crm.sfa.plan')
    record, = Plan.create([{'name': name, 'steps': [('create', [
                            dict({'name': "步骤%s" % i, 'sequence': i}, **s)
                            for i, s in enumerate(steps)])]}])
    return record


def logs(enrolment):
    "(step name, occurrence, run, message?, task?) of the enrolment"
    Log = Pool().get('crm.sfa.plan.log')
    return sorted((l.step.name, l.occurrence, l.run, bool(l.message),
            bool(l.task)) for l in Log.search(
            [('enrolment', '=', enrolment.id)]))


class PlanTestCase(ModuleDatabaseTestCase):
    "SFA plans"
    module = 'crm_sfa'

    @with_transaction()
    def test_timings(self):
        """Timed, repeating and dated steps fall due on their days, SMS
        and tasks, each once; the enrolment is done after the last"""
        pool = Pool()
        Enrolment = pool.get('crm.sfa.plan.enrolment')
        Message = pool.get('sms.message')
        Task = pool.get('crm.sfa.task')
        team = create_team()
        with set_company(team.company):
            service, _ = templates()
            customer = create_customer("客户甲", team.zhang, '13800000001')
            care = plan("关怀", {
                    'action': 'sms', 'template': service.id,
                    'timing': 'timed', 'day': 1, 'hour': 10,
                    }, {
                    'action': 'visit', 'subject': "回访",
                    'timing': 'timed', 'day': 3,
                    }, {
                    'action': 'sms', 'template': service.id,
                    'timing': 'repeating', 'day': 2, 'interval': 2,
                    'count': 3,
                    }, {
                    'action': 'contact', 'subject': "月初联系",
                    'timing': 'dated', 'month_day': 1, 'count': 2,
                    })
            with on(D0):
                enrolment, = Enrolment.enrol(care, [customer])
            nightly(*(days(n) for n in range(40)))
            self.assertEqual(logs(enrolment), [
                    ("步骤0", D0, 1, True, False),
                    ("步骤1", days(2), 1, False, True),
                    ("步骤2", days(1), 1, True, False),
                    ("步骤2", days(3), 1, True, False),
                    ("步骤2", days(5), 1, True, False),
                    ("步骤3", dt.date(2026, 12, 1), 1, False, True),
                    ("步骤3", dt.date(2027, 1, 1), 1, False, True),
                    ])
            self.assertEqual(Enrolment(enrolment.id).state, 'done')
            self.assertEqual(Message.search_count([]), 4)
            tasks = Task.search([], order=[('due_date', 'ASC')])
            self.assertEqual([(t.name, t.due_date, t.assignee, t.party)
                    for t in tasks], [
                    ("回访", days(2), team.zhang.employee, customer),
                    ("月初联系", dt.date(2026, 12, 1), team.zhang.employee,
                        customer),
                    ("月初联系", dt.date(2027, 1, 1), team.zhang.employee,
                        customer),
                    ])
            # The hour: 10:00 in the sending time zone (Shanghai)
            self.assertEqual(care.steps[0].scheduled(D0),
                dt.datetime.combine(D0, dt.time(2)))
            # 待执行的手动事务 lists them to the owner
            with on(dt.date(2026, 12, 1)), as_user(team.zhang):
                self.assertEqual(Task.search([
                            ('plan_logs.id', '!=', None),
                            ('due_date', '<=', dt.date(2026, 12, 1)),
                            ('state', '=', 'open')]), tasks[:2])
            # Run again: nothing twice
            nightly(days(39))
            self.assertEqual(Message.search_count([]), 4)
            self.assertEqual(Task.search_count([]), 3)

    @with_transaction()
    def test_bad_steps(self):
        "Values the nightly run cannot place are refused in Chinese"
        pool = Pool()
        Step = pool.get('crm.sfa.plan.step')
        team = create_team()
        with set_company(team.company):
            service, _ = templates()
            care = plan("关怀")
            for values in [
                    {'timing': 'dated', 'month_day': 31},
                    {'timing': 'repeating', 'day': 1, 'count': 2},
                    {'timing': 'repeating', 'day': 1, 'interval': 1,
                        'count': 1000},
                    {'timing': 'timed', 'day': 0},
                    {'timing': 'timed', 'day': 1, 'hour': 24},
                    ]:
                with self.subTest(**values):
                    with self.assertRaises(ValidationError), undone():
                        Step.create([dict(plan=care.id, name="x",
                                    action='sms', template=service.id,
                                    **values)])
            with self.assertRaises(ValidationError):
                Step.create([{'plan': care.id, 'name': "x",
                            'action': 'visit', 'timing': 'timed', 'day': 1}])

    @with_transaction()
    def test_midway_pause_resume_stop_rerun(self):
        """Enabled midway, only the steps due from that day go; the steps
        due while paused are skipped; a re-run sends them again; stopped
        sends nothing"""
        pool = Pool()
        Enrolment = pool.get('crm.sfa.plan.enrolment')
        team = create_team()
        with set_company(team.company):
            service, _ = templates()
            customer = create_customer("客户甲", team.zhang, '13800000001')
            care = plan("关怀", *({
                        'action': 'sms', 'template': service.id,
                        'timing': 'timed', 'day': d} for d in [1, 7, 12, 14]))
            with on(D0):
                # Joined 10 days ago: days 1 and 7 are past
                enrolment, = Enrolment.enrol(
                    care, [customer], {customer.id: days(-10)})
                self.assertEqual(enrolment.send_from, D0)
                # Enabled again: left as it is
                self.assertEqual(Enrolment.enrol(care, [customer]), [])
            nightly(D0, days(1))
            self.assertEqual(logs(enrolment),
                [("步骤2", days(1), 1, True, False)])
            with on(days(2)):
                Enrolment.pause([enrolment])
            nightly(days(2), days(3))
            with on(days(4)):
                Enrolment.resume([enrolment])
            self.assertEqual(Enrolment(enrolment.id).state, 'running')
            nightly(days(4))
            # Day 14 (days(3)) fell due while paused: skipped
            self.assertEqual(len(logs(enrolment)), 1)
            enrolment = Enrolment(enrolment.id)
            self.assertEqual(enrolment.state, 'done')
            with on(days(5)):
                Enrolment.rerun([enrolment])
            enrolment = Enrolment(enrolment.id)
            self.assertEqual((enrolment.state, enrolment.run,
                    enrolment.start_date), ('running', 2, days(5)))
            nightly(days(5), days(6))
            self.assertEqual(logs(enrolment), [
                    ("步骤0", days(5), 2, True, False),
                    ("步骤2", days(1), 1, True, False),
                    ])
            with on(days(7)):
                Enrolment.stop([enrolment])
            nightly(*(days(n) for n in range(7, 20)))
            self.assertEqual(len(logs(enrolment)), 2)
            self.assertEqual(Enrolment(enrolment.id).state, 'stopped')
            # Stopped, the plan may be enabled anew
            with on(days(20)):
                self.assertEqual(len(Enrolment.enrol(care, [customer])), 1)

    @with_transaction()
    def test_opt_out_and_two_runs(self):
        """A marketing step skips opted-out customers and those without
        consent; two runs, even at once, never log nor send twice"""
        pool = Pool()
        Enrolment = pool.get('crm.sfa.plan.enrolment')
        Log = pool.get('crm.sfa.plan.log')
        Message = pool.get('sms.message')
        team = create_team()
        with set_company(team.company):
            _, offer = templates()
            agreed = create_customer("同意", team.zhang, '13800000001')
            opted_out = create_customer("退订", team.zhang, '13800000002')
            silent = create_customer("未同意", team.zhang, '13800000003')
            consent = {'sms_consent': True, 'sms_consent_date': D0}
            for party, values in [(agreed, consent),
                    (opted_out, dict(consent, sms_opt_out=True,
                            sms_opt_out_date=D0))]:
                party.__class__.write([party], values)
            care = plan("优惠", {'action': 'sms', 'template': offer.id,
                    'timing': 'timed', 'day': 1})
            with on(D0):
                Enrolment.enrol(care, [agreed, opted_out, silent])
            step, = care.steps
            # Two runs at once: the second claims nothing
            Log.claim(step, D0, 'first')
            Log.claim(step, D0, 'second')
            self.assertEqual(Log.search_count([('batch', '=', 'first')]), 3)
            self.assertEqual(Log.search_count([('batch', '=', 'second')]), 0)
            Log.execute('first')
            nightly(D0, D0)
            message, = Message.search([])
            self.assertEqual(message.party, agreed)
            self.assertEqual(message.origin, step)
            self.assertEqual(Log.search_count([]), 3)
            self.assertEqual(
                Log.search_count([('message', '!=', None)]), 1)
            # Append-only
            with self.assertRaises(AccessError):
                Log.delete(Log.search([]))

    @with_transaction()
    def test_salesperson(self):
        """A salesperson enables plans for their own customers only, from
        a saved filter with their rules, sees their customers' enrolments
        and changes nothing but by the buttons; plans are the managers'"""
        pool = Pool()
        Enrolment = pool.get('crm.sfa.plan.enrolment')
        Plan = pool.get('crm.sfa.plan')
        Search = pool.get('ir.ui.view_search')
        Enable = pool.get('crm.sfa.plan.enable', type='wizard')
        Log = pool.get('crm.sfa.plan.log')
        team = create_team()
        with set_company(team.company):
            service, _ = templates()
            own = create_customer("张三的客户", team.zhang, '13800000001')
            other = create_customer("李四的客户", team.li, '13800000002')
            care = plan("关怀", {'action': 'sms', 'template': service.id,
                    'timing': 'timed', 'day': 1}, {'action': 'sms',
                    'template': service.id, 'timing': 'timed', 'day': 7})
            with as_user(team.li):
                theirs, = Enrolment.enrol(care, [other])
            search, = Search.create([{'name': "全部客户",
                        'model': 'party.party', 'user': team.zhang.id,
                        'domain': json.dumps([['name', 'like', '%客户']])}])
            with as_user(team.zhang):
                with self.assertRaises(AccessError), undone():
                    Enrolment.enrol(care, [own, other])
                with self.assertRaises(AccessError), undone():
                    Enrolment.create([{'plan': care.id, 'party': own.id,
                                'start_date': D0, 'enabled_date': D0,
                                'send_from': D0}])
                with self.assertRaises(AccessError), undone():
                    Plan.create([{'name': "自建方案"}])
                with self.assertRaises(AccessError), undone():
                    Plan.write([care], {'name': "改名"})
                # The filter's customers as the salesperson sees them
                with Transaction().set_context(active_model='party.party',
                        active_ids=[], active_id=None):
                    session_id, _, _ = Enable.create()
                    Enable.execute(session_id, {'start': {
                                'plan': care.id, 'customer_filter': search.id,
                                'start': 'today', 'selected': 0}}, 'enable')
                mine, = Enrolment.search([])
                self.assertEqual(mine.party, own)
                # Day 1's SMS is queued at once, not after the night
                with without_check_access():
                    sent, = Log.search([('enrolment', '=', mine.id)])
                    self.assertEqual(sent.message.party, own)
                    self.assertEqual(sent.message.state, 'queued')
                with self.assertRaises(AccessError), undone():
                    Enrolment.write([mine], {'state': 'stopped'})
                with self.assertRaises(AccessError), undone():
                    Enrolment.pause([Enrolment(theirs.id)])
                Enrolment.pause([mine])
                self.assertEqual(Enrolment(mine.id).state, 'paused')
            with as_user(team.manager):
                self.assertEqual(len(Enrolment.search([])), 2)
                Plan.write([care], {'name': "关怀计划"})

    @with_transaction()
    def test_templates_and_result(self):
        """The plan templates are there; the result counts messages sent,
        tasks done and customers who bought within the window"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Plan = pool.get('crm.sfa.plan')
        Enrolment = pool.get('crm.sfa.plan.enrolment')
        Message = pool.get('sms.message')
        Task = pool.get('crm.sfa.task')
        Sale = pool.get('sale.sale')
        Gateway = pool.get('sms.gateway')
        team = create_team()
        with set_company(team.company):
            Gateway.create([{'name': "log", 'kind': 'log'}])
            care = Plan(ModelData.get_id('crm_sfa', 'plan_new_member'))
            self.assertEqual([(s.action, s.day) for s in care.steps],
                [('sms', 1), ('visit', 7), ('sms', 30)])
            for fs_id in ['plan_service', 'plan_dormant']:
                self.assertTrue(Plan(ModelData.get_id('crm_sfa', fs_id)).steps)
            a = create_customer("客户甲", team.zhang, '13800000001')
            b = create_customer("客户乙", team.zhang, '13800000002')
            with on(D0):
                Enrolment.enrol(care, [a, b])
            nightly(*(days(n) for n in range(7)))
            message, = Message.search([('party', '=', a.id)])
            Message.write([message], {'state': 'sent'})
            task, = Task.search([('party', '=', a.id)])
            Task.do([task])
            company = team.company
            for party, date in [(a, days(10)), (b, days(45))]:
                Sale.create([{'company': company.id, 'party': party.id,
                            'invoice_address': party.addresses[0].id,
                            'shipment_address': party.addresses[0].id,
                            'sale_date': date, 'state': 'done'}])
            care = Plan(care.id)
            self.assertEqual((care.customers, care.messages_sent,
                    care.tasks_done, care.buyers), (2, 1, 1, 1))
