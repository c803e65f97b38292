# This file is part of the CRM suite.
"Tasks (待办): who may assign whom, completion, overdue, 催办"
import datetime as dt
import json
import types
from unittest.mock import patch

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import set_company
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user)
from trytond.modules.crm_sfa.exceptions import SfaAccessError, SfaError
from trytond.modules.crm_sfa.tests.tools import (
    client_search, create_customer, create_team, undone)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

# 17:00 UTC is already the next day, 01:00, in Shanghai
NOW_UTC = dt.datetime(2030, 3, 4, 17, 0, tzinfo=dt.timezone.utc)


class _Datetime(dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return (NOW_UTC.astimezone(tz) if tz
            else NOW_UTC.replace(tzinfo=None))


def frozen_clock():
    "ir.date's clock stopped at NOW_UTC"
    fake = types.SimpleNamespace(**{
            n: getattr(dt, n) for n in dir(dt) if not n.startswith('__')})
    fake.datetime = _Datetime
    return patch('trytond.ir.date.datetime', fake)


class TaskTestCase(ModuleDatabaseTestCase):
    "Tasks and urging"
    module = 'crm_sfa'

    def task(self, user, name, assignee=None, **values):
        Task = Pool().get('crm.sfa.task')
        if assignee:
            values['assignee'] = assignee.employee.id
        with as_user(user):
            task, = Task.create([dict(name=name, **values)])
        return Task(task.id)

    def notifications(self, user):
        Notification = Pool().get('res.notification')
        return Notification.search([('user', '=', user.id)])

    @with_transaction()
    def test_assignment(self):
        """A salesperson assigns themself, a manager their department; the
        assignee of someone else's task is notified and only reports back"""
        pool = Pool()
        Task = pool.get('crm.sfa.task')
        team = create_team()
        with set_company(team.company):
            own = self.task(team.zhang, "整理报价单")
            self.assertEqual(own.assignee, team.zhang.employee)
            self.assertEqual(own.assigned_by, team.zhang.employee)
            self.assertEqual(self.notifications(team.zhang), [])

            with self.assertRaises(SfaAccessError) as cm, undone():
                self.task(team.zhang, "帮我跟进", team.li)
            self.assertIn(team.li.employee.rec_name, cm.exception.message)
            with self.assertRaises(SfaAccessError), undone():
                with as_user(team.zhang):
                    Task.write([own], {'assignee': team.li.employee.id})

            task = self.task(team.manager, "回访华联超市", team.zhang,
                due_date=dt.date(2030, 3, 8), priority='high')
            self.assertEqual(task.assigned_by, team.manager.employee)
            notification, = self.notifications(team.zhang)
            self.assertIn("回访华联超市", notification.label)
            self.assertIn(team.manager.employee.rec_name, notification.label)
            self.assertEqual(notification.model, 'crm.sfa.task')
            self.assertEqual(json.loads(notification.records), [task.id])

            # 赵六 is of 销售二部: not the manager's to direct
            with self.assertRaises(SfaAccessError), undone():
                self.task(team.manager, "跨部门", team.zhao)
            with self.assertRaises(SfaAccessError), undone():
                with as_user(team.manager):
                    Task.write([task], {'assignee': team.zhao.employee.id})
            self.assertEqual(Task.search([('assignee', '=',
                            team.zhao.employee.id)]), [])

            # The assignee reports back, but does not move the due date
            with as_user(team.zhang):
                Task.write([task], {'feedback': "已电话联系，周五上门"})
                with self.assertRaises(SfaAccessError), undone():
                    Task.write([task], {'due_date': dt.date(2030, 4, 1)})
            self.assertEqual(Task(task.id).feedback, "已电话联系，周五上门")
            self.assertEqual(Task(task.id).due_date, dt.date(2030, 3, 8))

            # 我的待办 and 我交办的 as the web client lists them
            self.assertEqual(
                set(client_search(team.zhang, 'crm_sfa.act_task_mine')),
                {own, task})
            self.assertEqual(
                client_search(team.manager, 'crm_sfa.act_task_assigned'),
                [task])
            self.assertEqual(
                client_search(team.li, 'crm_sfa.act_task_mine'), [])

    @with_transaction()
    def test_done_and_server_fields(self):
        """Done stamps the time, reopening clears it; a client may not set
        who assigned a task, its state or its completion"""
        pool = Pool()
        Task = pool.get('crm.sfa.task')
        team = create_team()
        with set_company(team.company):
            with self.assertRaises(AccessError), undone():
                self.task(team.zhang, "冒名", assigned_by=(
                        team.manager.employee.id))
            task = self.task(team.zhang, "寄样品")
            with as_user(team.zhang):
                for values in [{'done_date': dt.datetime(2030, 1, 1)},
                        {'assigned_by': team.manager.employee.id},
                        {'state': 'done'}]:
                    with self.assertRaises(AccessError), undone():
                        Task.write([task], values)
                Task.do([task])
            task = Task(task.id)
            self.assertEqual(task.state, 'done')
            self.assertTrue(task.done_date)
            with as_user(team.zhang):
                with self.assertRaises(SfaAccessError), undone():
                    Task.write([task], {'name': "改名"})
                Task.write([task], {'feedback': "样品已签收"})
            with as_user(team.zhang):
                Task.reopen([task])
            task = Task(task.id)
            self.assertEqual(task.state, 'open')
            self.assertIsNone(task.done_date)

    @with_transaction()
    def test_overdue_in_company_time_zone(self):
        """Overdue are the open tasks due before today, today as in
        Shanghai: at 17:00 UTC it is already tomorrow there"""
        pool = Pool()
        Task = pool.get('crm.sfa.task')
        team = create_team()
        team.company.timezone = 'Asia/Shanghai'
        team.company.save()
        with set_company(team.company):
            late = self.task(team.zhang, "昨天到期", due_date=dt.date(2030, 3, 4))
            self.task(team.zhang, "今天到期", due_date=dt.date(2030, 3, 5))
            self.task(team.zhang, "没有期限")
            done = self.task(team.zhang, "已完成", due_date=dt.date(2030, 3, 1))
            Task.do([done])
            with frozen_clock(), as_user(team.zhang):
                self.assertEqual(Task.search([('overdue', '=', True)]), [late])
                self.assertEqual(
                    len(Task.search([('overdue', '=', False)])), 3)
                self.assertTrue(Task(late.id).overdue)
                self.assertTrue(Task(late.id).is_late())
            # The manager's list of overdue tasks holds the team's
            with frozen_clock(), as_user(team.manager):
                self.assertEqual(Task.search([('overdue', '=', True)]), [late])

    def run_urge(self, records, note=None):
        "Run the 催办 action on records as the current user"
        Wizard = Pool().get('crm.sfa.urge', type='wizard')
        with Transaction().set_context(
                active_model=records[0].__name__,
                active_ids=[r.id for r in records],
                active_id=records[0].id):
            session_id, _, _ = Wizard.create()
            Wizard.execute(session_id, {}, 'start')
            Wizard.execute(session_id, {'start': {'note': note}}, 'urge')

    def sms_template(self):
        "A log gateway and a template to the staff, as crm_sms tests do"
        pool = Pool()
        Gateway = pool.get('sms.gateway')
        Party = pool.get('party.party')
        Template = pool.get('sms.template')
        gateway = Gateway(name="日志", kind='log', signature="示例门店")
        gateway.save()
        content = "${name}，经理催办：${record}"
        if not {'record', 'note'} <= set(Party.sms_value_names()):
            # The placeholders of the sales force are not declared yet
            content = "${name}，您有逾期事项被催办，请尽快处理。"
        template = Template(name="催办", kind='service', content=content,
            gateway=gateway)
        template.save()
        return template

    @with_transaction()
    def test_urge(self):
        """A manager urges a late task of their team: the urging is counted
        for the owner, who is notified and texted; a task not late and a
        salesperson's urging are refused"""
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        ContactMechanism = pool.get('party.contact_mechanism')
        Date = pool.get('ir.date')
        Message = pool.get('sms.message')
        Urge = pool.get('crm.sfa.urge')
        team = create_team()
        with set_company(team.company):
            today = Date.today()
            template = self.sms_template()
            Configuration.write([Configuration(1)], {
                    'sfa_urge_sms_template': template.id})
            ContactMechanism.create([{
                        'party': team.zhang.employee.party.id,
                        'type': 'mobile', 'value': '+8613900000001'}])
            late = self.task(team.manager, "报价跟进", team.zhang,
                due_date=today - dt.timedelta(days=2))
            on_time = self.task(team.manager, "下周拜访", team.zhang,
                due_date=today + dt.timedelta(days=3))
            before = len(self.notifications(team.zhang))

            with as_user(team.zhang):
                with self.assertRaises(AccessError), undone():
                    self.run_urge([late])
            with as_user(team.manager):
                with self.assertRaises(SfaError) as cm, undone():
                    self.run_urge([on_time])
                self.assertIn("下周拜访", cm.exception.message)
                self.run_urge([late], note="今天下班前回复客户")
            self.assertEqual(len(self.notifications(team.zhang)), before + 1)

            urge, = Urge.search([])
            self.assertEqual(urge.document, late)
            self.assertEqual(urge.owner, team.zhang.employee)
            self.assertEqual(urge.urged_by, team.manager.employee)
            self.assertEqual(urge.note, "今天下班前回复客户")
            notification = self.notifications(team.zhang)[-1]
            self.assertEqual(json.loads(notification.records), [late.id])
            self.assertIn("报价跟进", notification.label)
            message, = Message.search([])
            self.assertEqual(message.party, team.zhang.employee.party)
            self.assertEqual(message.origin, late)
            self.assertEqual(message.state, 'queued')
            if '${record}' in template.content:
                self.assertIn("报价跟进", message.text)

            # The owner sees the urgings of them, 赵六 not; no client
            # records one by hand
            with as_user(team.zhang):
                self.assertEqual(Urge.search([]), [urge])
            with as_user(team.zhao):
                self.assertEqual(Urge.search([]), [])
            with as_user(team.manager):
                with self.assertRaises(AccessError), undone():
                    Urge.create([{'document': str(late),
                                'owner': team.zhang.employee.id,
                                'date': dt.datetime.now()}])

            # 赵六's late task is not the manager's to urge
            other = self.task(team.zhao, "二部的事",
                due_date=today - dt.timedelta(days=1))
            with as_user(team.manager):
                with self.assertRaises(AccessError), undone():
                    self.run_urge([other])
            self.assertEqual(Urge.search_count([]), 1)

            # A contact whose next contact is past is urged the same way
            try:
                Contact = pool.get('crm.sfa.contact')
            except KeyError:
                return
            customer = create_customer("华联超市", owner=team.zhang)
            with as_user(team.zhang):
                contact, = Contact.create([{
                            'party': customer.id,
                            'kind': 'call',
                            'date': dt.datetime.now() - dt.timedelta(days=5),
                            'content': "客户要求下周再联系",
                            'next_date': today - dt.timedelta(days=1),
                            }])
            with as_user(team.manager):
                self.run_urge([contact], note="今天必须回电")
            urge, = Urge.search([('document', '=', str(contact))])
            self.assertEqual(urge.owner, team.zhang.employee)
            self.assertEqual(
                Message.search_count([('origin', '=', str(contact))]), 1)
