# This file is part of the CRM suite.
import datetime as dt
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_cashier.tests.tools import (
    new_sale, pay, setup_shop)
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_staff)
from trytond.modules.crm_service.exceptions import (
    ServiceAccessError, ServiceError)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

D = Decimal


class ComplaintTestCase(ModuleDatabaseTestCase):
    "Customer complaints: the shop's process on Tryton's sale.complaint"
    module = 'crm_service'

    def setup_shop(self, company):
        """Staff of a 门店 department managed by dept_manager with
        responsible in it, a 商品质量 category routed to responsible
        (approval up to ¥100), and a customer of salesperson"""
        pool = Pool()
        Department = pool.get('company.department')
        Category = pool.get('crm.service.complaint.category')
        Party = pool.get('party.party')
        users = {login: create_staff(company, login, group)
            for login, group in [
                ('service', 'group_service'),
                ('dept_manager', 'group_salesperson'),
                ('responsible', 'group_salesperson'),
                ('shop_manager', 'group_sales_manager'),
                ('salesperson', 'group_salesperson'),
                ('other_salesperson', 'group_salesperson'),
                ]}
        department = Department(name="门店", code='MD',
            manager=users['dept_manager'].employee)
        department.save()
        for login in ['dept_manager', 'responsible', 'shop_manager',
                'salesperson']:
            employee = users[login].employee
            employee.department = department
            employee.save()
        category, = Category.create([{
                    'name': "商品质量", 'due_days': 2,
                    'employee': users['responsible'].employee.id,
                    'approval_threshold': D(100),
                    }])
        customer = Party(name="王芳", owner=users['salesperson'].employee)
        customer.save()
        return users, department, category, customer

    def create_complaint(self, user, customer, category, **values):
        "A complaint recorded by user (customer service)"
        pool = Pool()
        Complaint = pool.get('sale.complaint')
        ModelData = pool.get('ir.model.data')
        values.setdefault('founded', 'founded')
        with as_user(user):
            complaint, = Complaint.create([dict({
                        'customer': customer.id,
                        'type': ModelData.get_id(
                            'crm_service', 'complaint_type_till_sale'),
                        'category': category.id,
                        'channel': 'phone',
                        'description': "洗发水用后头皮发痒",
                        }, **values)])
        return Complaint(complaint.id)

    def propose(self, user, complaint, amount):
        "The resolution of user, submitted for approval"
        Complaint = Pool().get('sale.complaint')
        with as_user(user):
            Complaint.write([complaint], {
                    'resolution': "退还货款并赠送护发素",
                    'compensation': D(amount),
                    })
            Complaint.wait([complaint])
        return Complaint(complaint.id)

    @with_transaction()
    def test_workflow(self):
        """Judged and routed by category, proposed, approved by the
        department's manager, implemented, summed up and closed: each step
        stamped with who and when"""
        pool = Pool()
        Complaint = pool.get('sale.complaint')
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            users, department, category, customer = self.setup_shop(company)
            complaint = self.create_complaint(
                users['service'], customer, category, founded=None)
            self.assertEqual(complaint.state, 'draft')
            self.assertTrue(complaint.number)

            # 判定 comes first
            with as_user(users['service']), \
                    self.assertRaises(ServiceError):
                Complaint.route([complaint])
            with as_user(users['service']):
                Complaint.write([complaint], {
                        'founded': 'founded',
                        'judgement': "批次质量问题",
                        })
                Complaint.route([complaint])
            complaint = Complaint(complaint.id)
            self.assertEqual(complaint.state, 'routed')
            self.assertEqual(complaint.responsible_employee,
                users['responsible'].employee)
            self.assertEqual(complaint.responsible_department, department)
            self.assertEqual(complaint.due_date,
                Date.today() + dt.timedelta(days=2))
            for step in ['judged', 'routed']:
                self.assertEqual(getattr(complaint, step + '_by'),
                    users['service'].employee)
                self.assertTrue(getattr(complaint, step + '_at'))

            # 提出处理方案 and 提交领导批示
            complaint = self.propose(users['responsible'], complaint, 80)
            self.assertEqual(complaint.state, 'waiting')
            self.assertEqual(complaint.submitted_by,
                users['responsible'].employee)
            self.assertEqual(complaint.submitted_user, users['responsible'])
            self.assertTrue(complaint.submitted_at)

            # 领导批示 by the department's manager, within the threshold
            with as_user(users['dept_manager']):
                Complaint.write([complaint], {'approval_note': "同意"})
                Complaint.approve([complaint])
            complaint = Complaint(complaint.id)
            self.assertEqual(complaint.state, 'approved')
            self.assertEqual(complaint.approved_by,
                users['dept_manager'].employee)
            self.assertEqual(complaint.approved_amount, D(80))
            self.assertTrue(complaint.approved_at)

            # 实施
            with as_user(users['responsible']):
                Complaint.write([complaint], {
                        'implementation': "已退款80元并赠送护发素"})
                Complaint.implement([complaint])
            complaint = Complaint(complaint.id)
            self.assertEqual(complaint.state, 'implemented')
            self.assertEqual(complaint.implemented_by,
                users['responsible'].employee)
            self.assertTrue(complaint.implemented_at)

            # 总结
            with as_user(users['service']):
                Complaint.write([complaint], {
                        'summary': "顾客满意，已通知供应商"})
                Complaint.process([complaint])
            complaint = Complaint(complaint.id)
            self.assertEqual(complaint.state, 'done')
            self.assertEqual(complaint.done_by, users['service'].employee)
            self.assertTrue(complaint.done_at)

    @with_transaction()
    def test_send_back_and_reroute(self):
        """The approver sends a proposal back to the responsible; only a
        manager reroutes, and the new routing is stamped"""
        pool = Pool()
        Complaint = pool.get('sale.complaint')
        company = create_company()
        with set_company(company):
            users, department, category, customer = self.setup_shop(company)
            complaint = self.create_complaint(
                users['service'], customer, category)
            with as_user(users['service']):
                Complaint.route([complaint])
            complaint = self.propose(users['responsible'], complaint, 30)
            with as_user(users['dept_manager']):
                Complaint.reject([complaint])
            complaint = Complaint(complaint.id)
            self.assertEqual(complaint.state, 'routed')
            self.assertEqual(complaint.rejected_by,
                users['dept_manager'].employee)
            self.assertTrue(complaint.rejected_at)

            other = users['salesperson'].employee
            with as_user(users['service']), \
                    self.assertRaises(ServiceAccessError):
                Complaint.write([complaint], {'responsible_employee': other})
            self.assertEqual(Complaint(complaint.id).responsible_employee,
                users['responsible'].employee)
            with as_user(users['shop_manager']):
                Complaint.write([complaint], {'responsible_employee': other})
            complaint = Complaint(complaint.id)
            self.assertEqual(complaint.responsible_employee, other)
            self.assertEqual(complaint.routed_by,
                users['shop_manager'].employee)

            # The person it was taken from no longer handles it
            with as_user(users['responsible']), \
                    self.assertRaises(UserError):
                Complaint.wait([complaint])

    @with_transaction()
    def test_approval_refused(self):
        """A salesperson, the proposer and, above the category's threshold,
        the department's manager may not approve; the shop manager may"""
        pool = Pool()
        Complaint = pool.get('sale.complaint')
        company = create_company()
        with set_company(company):
            users, department, category, customer = self.setup_shop(company)
            small = self.create_complaint(
                users['service'], customer, category)
            large = self.create_complaint(
                users['service'], customer, category,
                description="染发后脱发")
            with as_user(users['service']):
                Complaint.route([small, large])
            # The department's manager proposes the small one himself
            small = self.propose(users['dept_manager'], small, 50)
            large = self.propose(users['responsible'], large, 500)

            for login, complaint, message in [
                    ('salesperson', small, 'msg_complaint_approve_manager'),
                    ('dept_manager', small, 'msg_complaint_approve_own'),
                    ('dept_manager', large,
                        'msg_complaint_approve_threshold'),
                    ('responsible', large, 'msg_complaint_approve_own'),
                    ]:
                with self.subTest(login=login, complaint=complaint.id):
                    with as_user(users[login]), \
                            self.assertRaises(ServiceAccessError) as cm:
                        Complaint.approve([complaint])
                    self.assertEqual(cm.exception.message, gettext_of(
                            message, complaint))
                    complaint = Complaint(complaint.id)
                    self.assertEqual(complaint.state, 'waiting')
                    self.assertIsNone(complaint.approved_by)
                    self.assertIsNone(complaint.approved_amount)

            # Customer service has no approval button
            with as_user(users['service']), self.assertRaises(UserError):
                Complaint.approve([small])

            with as_user(users['shop_manager']):
                Complaint.approve([small, large])
            self.assertEqual(
                [c.state for c in Complaint.browse([small, large])],
                ['approved', 'approved'])
            self.assertEqual(Complaint(large.id).approved_amount, D(500))

    @with_transaction()
    def test_close_unresolved_refused(self):
        """A complaint is closed only once resolved, approved, implemented
        and summed up, with a message in Chinese"""
        pool = Pool()
        Complaint = pool.get('sale.complaint')
        company = create_company()
        with set_company(company):
            users, department, category, customer = self.setup_shop(company)
            complaint = self.create_complaint(
                users['service'], customer, category)
            for step in ['draft', 'routed', 'approved', 'implemented']:
                if step == 'routed':
                    with as_user(users['service']):
                        Complaint.route([complaint])
                elif step == 'approved':
                    self.propose(users['responsible'], complaint, 10)
                    with as_user(users['dept_manager']):
                        Complaint.approve([complaint])
                elif step == 'implemented':
                    with as_user(users['responsible']):
                        Complaint.write([complaint],
                            {'implementation': "已更换"})
                        Complaint.implement([complaint])
                complaint = Complaint(complaint.id)
                self.assertEqual(complaint.state, step)
                with self.subTest(step=step):
                    # Before approval the client has no close button
                    error = (ServiceError
                        if step in {'approved', 'implemented'} else UserError)
                    with as_user(users['service']), \
                            self.assertRaises(error) as cm:
                        Complaint.process([complaint])
                    if error is ServiceError:
                        self.assertEqual(cm.exception.message,
                            gettext_of('msg_complaint_close', complaint))
                    # Called by the server, the same refusal
                    with self.assertRaises(ServiceError):
                        Complaint.process([complaint])
                    self.assertEqual(Complaint(complaint.id).state, step)
                    self.assertIsNone(Complaint(complaint.id).done_at)

            # Implementation is required to record it
            other = self.create_complaint(
                users['service'], customer, category, description="另一单")
            with as_user(users['service']):
                Complaint.route([other])
            self.propose(users['responsible'], other, 0)
            with as_user(users['dept_manager']):
                Complaint.approve([other])
            with as_user(users['responsible']), \
                    self.assertRaises(ServiceError):
                Complaint.implement([other])
            self.assertEqual(Complaint(other.id).state, 'approved')

    @with_transaction()
    def test_client_writes_refused(self):
        """A client sets neither state, stamps, routing nor the approved
        amount, and changes a step's fields only at that step"""
        pool = Pool()
        Complaint = pool.get('sale.complaint')
        ModelData = pool.get('ir.model.data')
        company = create_company()
        with set_company(company):
            users, department, category, customer = self.setup_shop(company)
            service = users['service']
            for values in [
                    {'state': 'done'},
                    {'approved_amount': D(1000)},
                    {'judged_by': service.employee.id},
                    {'responsible_employee': service.employee.id},
                    {'number': 'TS001'},
                    ]:
                with self.subTest(create=values), as_user(service), \
                        self.assertRaises(ServiceAccessError):
                    Complaint.create([dict({
                                'customer': customer.id,
                                'type': ModelData.get_id('crm_service',
                                    'complaint_type_till_sale'),
                                'category': category.id,
                                }, **values)])
            complaint = self.create_complaint(service, customer, category)
            with as_user(service):
                Complaint.route([complaint])
            complaint = self.propose(users['responsible'], complaint, 80)
            for values in [
                    {'state': 'approved'},
                    {'approved_amount': D(80)},
                    {'approved_by': users['shop_manager'].employee.id},
                    {'submitted_by': users['salesperson'].employee.id},
                    {'submitted_at': dt.datetime(2026, 1, 1)},
                    {'due_date': dt.date(2030, 1, 1)},
                    {'urge_count': 0},
                    # Not at this step: the amount was submitted
                    {'compensation': D(10)},
                    {'category': category.id},
                    {'summary': "已解决"},
                    ]:
                with self.subTest(write=values), \
                        as_user(users['dept_manager']), \
                        self.assertRaises(ServiceAccessError):
                    Complaint.write([complaint], values)
            complaint = Complaint(complaint.id)
            self.assertEqual(complaint.state, 'waiting')
            self.assertEqual(complaint.compensation, D(80))
            self.assertIsNone(complaint.approved_amount)
            self.assertEqual(complaint.submitted_by,
                users['responsible'].employee)

    @with_transaction()
    def test_cancel_reopen_copy(self):
        """Customer service cancels and reopens, a salesperson does not; a
        copy starts from draft without the steps of the original"""
        pool = Pool()
        Complaint = pool.get('sale.complaint')
        company = create_company()
        with set_company(company):
            users, department, category, customer = self.setup_shop(company)
            complaint = self.create_complaint(
                users['service'], customer, category)
            with as_user(users['service']):
                Complaint.route([complaint])
            complaint = self.propose(users['responsible'], complaint, 20)

            with as_user(users['salesperson']), \
                    self.assertRaises(ServiceAccessError):
                Complaint.cancel([complaint])
            self.assertEqual(Complaint(complaint.id).state, 'waiting')
            with as_user(users['service']):
                Complaint.cancel([complaint])
            complaint = Complaint(complaint.id)
            self.assertEqual(complaint.state, 'cancelled')
            self.assertEqual(complaint.cancelled_by, users['service'].employee)
            self.assertTrue(complaint.cancelled_at)
            with as_user(users['service']):
                Complaint.draft([complaint])
            complaint = Complaint(complaint.id)
            self.assertEqual(complaint.state, 'draft')
            self.assertIsNone(complaint.cancelled_by)

            with as_user(users['service']):
                copy, = Complaint.copy([complaint])
            self.assertEqual(copy.state, 'draft')
            self.assertNotEqual(copy.number, complaint.number)
            self.assertEqual(copy.description, complaint.description)
            for name in ['resolution', 'compensation', 'submitted_by',
                    'routed_at', 'responsible_employee', 'due_date']:
                self.assertIsNone(getattr(copy, name), name)

    @with_transaction()
    def test_urge_overdue(self):
        """The cron notifies the responsible and their department's manager
        of an overdue complaint, once a day, and counts the urgings"""
        pool = Pool()
        Complaint = pool.get('sale.complaint')
        Date = pool.get('ir.date')
        Notification = pool.get('res.notification')
        company = create_company()
        with set_company(company):
            users, department, category, customer = self.setup_shop(company)
            overdue, due, draft = [self.create_complaint(
                    users['service'], customer, category, description=d)
                for d in ["过期", "未到期", "未分派"]]
            with as_user(users['service']):
                Complaint.route([overdue, due])
            today = Date.today()
            Complaint.write([overdue], {
                    'due_date': today - dt.timedelta(days=1)})
            Complaint.write([draft], {
                    'due_date': today - dt.timedelta(days=1)})

            self.assertEqual(Complaint.urge_overdue(), [overdue])
            notifications = Notification.search([])
            self.assertEqual(
                sorted(n.user.login for n in notifications),
                ['dept_manager', 'responsible'])
            self.assertTrue(all(overdue.number in n.label
                    for n in notifications))
            self.assertEqual(Complaint(overdue.id).urge_count, 1)
            self.assertEqual(Complaint(due.id).urge_count, 0)

            # Once a day
            self.assertEqual(Complaint.urge_overdue(), [])
            self.assertEqual(Notification.search_count([]), 2)
            self.assertEqual(Complaint(overdue.id).urge_count, 1)

            # The next day again
            Complaint.write([overdue], {
                    'urged_on': today - dt.timedelta(days=1)})
            self.assertEqual(Complaint.urge_overdue(), [overdue])
            self.assertEqual(Notification.search_count([]), 4)
            self.assertEqual(Complaint(overdue.id).urge_count, 2)

    def close(self, users, customer, category):
        "A complaint of customer through all the steps, closed"
        Complaint = Pool().get('sale.complaint')
        complaint = self.create_complaint(
            users['service'], customer, category,
            description="投诉%s" % customer.name)
        with as_user(users['service']):
            Complaint.route([complaint])
        self.propose(users['responsible'], complaint, 0)
        with as_user(users['dept_manager']):
            Complaint.approve([complaint])
        with as_user(users['responsible']):
            Complaint.write([complaint], {'implementation': "已道歉"})
            Complaint.implement([complaint])
        with as_user(users['service']):
            Complaint.write([complaint], {'summary': "已结案"})
            Complaint.process([complaint])
        return Complaint(complaint.id)

    @with_transaction()
    def test_sms_on_close(self):
        """The customer is told by the SMS template of the settings when the
        complaint is closed, once, as the template's consent rules allow"""
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Gateway = pool.get('sms.gateway')
        Message = pool.get('sms.message')
        Party = pool.get('party.party')
        Template = pool.get('sms.template')
        company = create_company()
        with set_company(company):
            users, department, category, customer = self.setup_shop(company)
            gateway = Gateway(name="日志", kind='log', signature="示例门店")
            gateway.save()
            template = Template(name="投诉结案", kind='marketing',
                content="${name}您好，您的投诉已处理完毕，感谢您的反馈。",
                gateway=gateway)
            template.save()

            # No template in the settings: no message
            self.close(users, customer, category)
            self.assertEqual(Message.search([]), [])

            Configuration.write([Configuration(1)], {
                    'complaint_sms_template': template.id})
            agreed, refused = Party.create([{
                        'name': name, 'owner': None,
                        'sms_consent': consent,
                        'sms_consent_date': (
                            dt.date.today() if consent else None),
                        'contact_mechanisms': [('create', [{
                                        'type': 'mobile',
                                        'value': mobile}])],
                        } for name, consent, mobile in [
                        ("李娜", True, '+8613800000001'),
                        ("赵强", False, '+8613800000002'),
                        ]])
            complaint = self.close(users, agreed, category)
            message, = Message.search([])
            self.assertEqual(message.party, agreed)
            self.assertEqual(message.origin, complaint)
            self.assertEqual(message.state, 'queued')
            self.assertEqual(message.text,
                "李娜您好，您的投诉已处理完毕，感谢您的反馈。"
                + (gateway.unsubscribe_text or ''))
            # Told once: sending again queues nothing
            self.assertEqual(Pool().get('sale.complaint').send_closed_sms(
                    [complaint]), [])

            self.close(users, refused, category)
            self.assertEqual(Message.search([('party', '=', refused.id)]),
                [])

    @with_transaction()
    def test_till_sale_origins(self):
        """A complaint may be about a till sale or one of its lines; the
        customer comes from the sale's member"""
        pool = Pool()
        Complaint = pool.get('sale.complaint')
        ModelData = pool.get('ir.model.data')
        Sale = pool.get('sale.point.sale')
        company = create_company()
        with set_company(company):
            point, cash, _, card, shampoo, _ = setup_shop(company)
            sale = pay(new_sale(point, card, shampoo), cash, 88)
            self.assertEqual(sale.state, 'done')
            line, = sale.lines
            for fs_id, origin in [
                    ('complaint_type_till_sale', sale),
                    ('complaint_type_till_sale_line', line),
                    ]:
                with self.subTest(origin=str(origin)):
                    complaint = Complaint(
                        type=ModelData.get_id('crm_service', fs_id),
                        origin=origin)
                    complaint.on_change_origin()
                    self.assertEqual(complaint.customer, card.party)
                    complaint.save()
                    self.assertEqual(Complaint(complaint.id).origin, origin)

            # The till lists them among the member's open complaints
            self.assertEqual(
                len(Sale(sale.id).member_complaints.split('\n')), 2)

            # An open sale is no origin
            other = new_sale(point, card, shampoo)
            with self.assertRaises(UserError) as cm:
                Complaint.create([{
                            'customer': card.party.id,
                            'type': ModelData.get_id(
                                'crm_service', 'complaint_type_till_sale'),
                            'origin': str(other),
                            }])
            self.assertIn('"Origin"', cm.exception.message)

    @with_transaction()
    def test_salesperson_sees_own_customers(self):
        """A salesperson finds and reads the complaints of their own
        customers, not another's; the person it is routed to does"""
        pool = Pool()
        Complaint = pool.get('sale.complaint')
        company = create_company()
        with set_company(company):
            users, department, category, customer = self.setup_shop(company)
            complaint = self.create_complaint(
                users['service'], customer, category)
            with as_user(users['salesperson']):
                self.assertEqual(Complaint.search([]), [complaint])
            with as_user(users['other_salesperson']):
                self.assertEqual(Complaint.search([]), [])
                with self.assertRaises(UserError):
                    Complaint.read([complaint.id], ['description'])
                with self.assertRaises(UserError):
                    Complaint.approve([complaint])
            with as_user(users['responsible']):
                self.assertEqual(Complaint.search([]), [])
            with as_user(users['service']):
                Complaint.route([complaint])
            with as_user(users['responsible']):
                self.assertEqual(Complaint.search([]), [complaint])
            with as_user(users['dept_manager']):
                self.assertEqual(Complaint.search([]), [complaint])


def gettext_of(message, complaint):
    "The text of a message of the module, as it names the complaint"
    pool = Pool()
    Message = pool.get('ir.message')
    ModelData = pool.get('ir.model.data')
    text = Message(ModelData.get_id('crm_service', message)).text
    return text % {
        'complaint': complaint.rec_name,
        'department': complaint.responsible_department.rec_name,
        'amount': complaint.compensation,
        'threshold': complaint.category.approval_threshold,
        }
