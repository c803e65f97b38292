# This file is part of the CRM suite.
"After-sales service: requests, assignment, repair orders, return visits"
import datetime as dt
from decimal import Decimal

from trytond.model.exceptions import AccessError, DomainValidationError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user, party_relations_not_replaced)
from trytond.modules.crm_service.exceptions import (
    ServiceAccessError, ServiceError)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

D = Decimal


def staff(company, login, *groups, department=None):
    "A user of the groups (module.fs_id) with an employee named login"
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    employee = create_employee(company, login)
    if department:
        employee.department = department
        employee.save()
    user, = User.create([{
                'login': login,
                'employees': [('add', [employee.id])],
                'employee': employee.id,
                'companies': [('add', [company.id])],
                'company': company.id,
                'groups': [('add', [
                            ModelData.get_id(*g.split('.')) for g in groups])],
                }])
    return user


SERVICE = 'crm_customer.group_service'
MANAGER = 'crm_customer.group_sales_manager'
SALES = 'crm_customer.group_salesperson'
TECHNICIAN = 'crm_service.group_technician'


def create_product(name, price, category=None, lot=False):
    pool = Pool()
    Template = pool.get('product.template')
    Product = pool.get('product.product')
    Uom = pool.get('product.uom')
    unit, = Uom.search([('symbol', '=', 'u')])
    template = Template(name=name, type='goods', default_uom=unit,
        list_price=D(price), products=[Product()],
        categories=[category] if category else [],
        lot_required=['customer'] if lot else [])
    template.save()
    product, = template.products
    return product


def create_category(name, parent=None):
    Category = Pool().get('product.category')
    category = Category(name=name, parent=parent)
    category.save()
    return category


def add_technician(employee, category=None):
    Technician = Pool().get('crm.service.technician')
    Technician(employee=employee, category=category).save()


def customer(name, owner=None):
    Party = Pool().get('party.party')
    party, = Party.create([{
                'name': name, 'owner': owner.id if owner else None}])
    return party


class ServiceRequestTestCase(ModuleDatabaseTestCase):
    "Test the after-sales service requests"
    module = 'crm_service'

    def request(self, party, product=None, **values):
        Request = Pool().get('crm.service.request')
        request, = Request.create([{
                    'customer': party.id,
                    'product': product.id if product else None,
                    'fault': "不开机",
                    **values}])
        return request

    @with_transaction()
    def test_workflow_with_history(self):
        "新建 → 已分配 → 处理中 → 待回访 → 已关闭, each step in the history"
        pool = Pool()
        Request = pool.get('crm.service.request')
        Repair = pool.get('crm.service.repair')
        Visit = pool.get('crm.service.return_visit')
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            agent = staff(company, 'kefu', SERVICE)
            tech = staff(company, 'jishu', TECHNICIAN)
            add_technician(tech.employee)
            tv = create_product("电视机", 2999)
            part = create_product("电源板", 30)
            party = customer("王先生")

            with as_user(agent):
                request = self.request(party, tv, type='on_site')
                self.assertTrue(request.number.startswith('FW'))
                self.assertEqual(request.due_date,
                    Date.today() + dt.timedelta(days=3))
                Request.assign([request])
                self.assertEqual(
                    (request.state, request.technician), ('assigned',
                        tech.employee))
            with as_user(tech):
                request = Request(request.id)
                Request.start([request])
                Request.write([request], {
                        'service_fee': D(50),
                        'parts': [('create', [{
                                        'product': part.id,
                                        'quantity': 2}])],
                        })
                repair, = Request.create_repair([request])
                self.assertEqual(repair.technician, tech.employee)
                self.assertEqual(repair.diagnosis, "不开机")
                Repair.start_repair([repair])
                Repair.write([repair], {
                        'work_done': "更换电源板",
                        'parts': [('create', [{
                                        'product': part.id,
                                        'quantity': 1}])],
                        })
                # Not resolved while the repair order is open
                with self.assertRaisesRegex(ServiceError, "repair order"):
                    Request.resolve([request])
                Repair.finish([repair])
                Request.resolve([request])
            request = Request(request.id)
            # Parts of the request and of its repair order, at list price
            self.assertEqual([(p.unit_price, p.amount, p.repair)
                    for p in request.parts],
                [(D(30), D(60), None), (D(30), D(30), repair)])
            self.assertEqual(
                (request.parts_amount, request.charge), (D(90), D(140)))
            self.assertEqual(request.state, 'to_visit')
            visit, = request.return_visits
            self.assertEqual(visit.planned_date,
                Date.today() + dt.timedelta(days=2))

            with as_user(agent):
                # Closed by its return visit only
                with self.assertRaisesRegex(ServiceError, "return visit"):
                    Request.close([Request(request.id)])
                visit = Visit(visit.id)
                with self.assertRaisesRegex(ServiceError, "result"):
                    Visit.complete([visit])
                Visit.write([visit], {
                        'result': 'satisfied', 'notes': "修好了"})
                Visit.complete([visit])
            visit = Visit(visit.id)
            self.assertEqual((visit.state, visit.agent),
                ('done', agent.employee))
            request = Request(request.id)
            self.assertEqual(request.state, 'closed')
            self.assertEqual(
                [(h.action, h.from_state, h.to_state, h.user)
                    for h in request.history],
                [('create', None, 'draft', agent),
                    ('assign', 'draft', 'assigned', agent),
                    ('start', 'assigned', 'in_progress', tech),
                    ('create_repair', 'in_progress', 'in_progress', tech),
                    ('resolve', 'in_progress', 'to_visit', tech),
                    ('close', 'to_visit', 'closed', agent)])
            self.assertEqual(request.history[1].note, 'jishu')

            with as_user(agent):
                # A closed request is no longer changed
                with self.assertRaises(ServiceAccessError):
                    Request.write([Request(request.id)], {'fault': "x"})

    @with_transaction()
    def test_client_cannot_write_server_fields(self):
        "State, technician, charge, prices and history are the server's"
        pool = Pool()
        Request = pool.get('crm.service.request')
        History = pool.get('crm.service.request.history')
        Part = pool.get('crm.service.part')
        Visit = pool.get('crm.service.return_visit')
        Repair = pool.get('crm.service.repair')
        company = create_company()
        with set_company(company):
            agent = staff(company, 'kefu', SERVICE)
            admin = staff(company, 'guanli', 'crm_customer.group_crm_admin')
            tech = staff(company, 'jishu', TECHNICIAN)
            add_technician(tech.employee)
            other = create_employee(company, "别人")
            part = create_product("电源板", 30)
            party, party2 = customer("王先生"), customer("李女士")
            with as_user(agent):
                request = self.request(party)
                for values in [{'state': 'closed'},
                        {'technician': other.id},
                        {'charge': D(1)},
                        {'number': 'X1'},
                        {'escalation_level': 3},
                        {'repairs': [('create', [{}])]},
                        {'history': [('delete', [
                                        h.id for h in request.history])]},
                        ]:
                    with self.subTest(values=values), \
                            self.assertRaisesRegex(ServiceAccessError,
                                "The server alone sets"):
                        Request.write([request], values)
                with self.assertRaises(ServiceAccessError):
                    Request.create([{'customer': party.id, 'fault': "x",
                                'state': 'closed'}])
                with self.assertRaises(ServiceAccessError):
                    Request.create([{'customer': party.id, 'fault': "x",
                                'technician': other.id}])
                # A return visit or a repair order is not made by hand
                with self.assertRaises(ServiceAccessError):
                    Repair.create([{'request': request.id}])
                with self.assertRaises(AccessError):
                    Visit.create([{'request': request.id}])
                Request.assign([request])
            with as_user(tech):
                Request.start([request])
                # The customer and the product are fixed once worked on
                with self.assertRaisesRegex(ServiceAccessError, "Customer"):
                    Request.write([request], {'customer': party2.id})
                with self.assertRaisesRegex(ServiceAccessError, "Product"):
                    Request.write([request], {'product': part.id})
                with self.assertRaisesRegex(ServiceAccessError, "Unit Price"):
                    Part.create([{'request': request.id,
                                'product': part.id, 'quantity': 1,
                                'unit_price': D('0.01')}])
                line, = Part.create([{'request': request.id,
                            'product': part.id, 'quantity': 1}])
                self.assertEqual(line.unit_price, D(30))
                with self.assertRaises(ServiceAccessError):
                    Part.write([line], {'unit_price': D('0.01')})
            self.assertEqual(Part(line.id).unit_price, D(30))
            self.assertEqual(Request(request.id).state, 'in_progress')
            self.assertEqual(Request(request.id).technician, tech.employee)

            history = Request(request.id).history
            self.assertEqual(len(history), 3)
            # Nobody writes nor deletes the history, administrators neither
            for user in [agent, admin]:
                with as_user(user):
                    with self.assertRaises(AccessError):
                        History.create([{'request': request.id,
                                    'action': 'close'}])
                    with self.assertRaises(AccessError):
                        History.write(list(history), {'note': "x"})
                    with self.assertRaises(AccessError):
                        History.delete(list(history))
            self.assertEqual(len(Request(request.id).history), 3)

    @with_transaction()
    def test_roles_and_visibility(self):
        "Technicians see their requests, salespeople their customers'"
        pool = Pool()
        Request = pool.get('crm.service.request')
        History = pool.get('crm.service.request.history')
        Part = pool.get('crm.service.part')
        Department = pool.get('company.department')
        company = create_company()
        with set_company(company):
            shop, other_shop = Department.create([
                    {'name': "一店", 'company': company.id},
                    {'name': "二店", 'company': company.id}])
            agent = staff(company, 'kefu', SERVICE)
            manager = staff(company, 'dianzhang', MANAGER, department=shop)
            zhang = staff(company, 'zhang', SALES, department=shop)
            li = staff(company, 'li', SALES, department=other_shop)
            tech1 = staff(company, 'jishu1', TECHNICIAN)
            tech2 = staff(company, 'jishu2', TECHNICIAN)
            for tech in [tech1, tech2]:
                add_technician(tech.employee)
            part = create_product("电源板", 30)
            zhang_customer = customer("张的客户", zhang.employee)
            li_customer = customer("李的客户", li.employee)
            with as_user(agent):
                # The first goes to jishu1, the second to jishu2 (load)
                of_zhang = self.request(zhang_customer)
                of_li = self.request(li_customer)
                Request.assign([of_zhang])
                Request.assign([of_li])
            self.assertEqual(of_zhang.technician, tech1.employee)
            self.assertEqual(Request(of_li.id).technician, tech2.employee)

            for user, own, theirs in [
                    (tech1, of_zhang, of_li), (tech2, of_li, of_zhang),
                    (zhang, of_zhang, of_li), (li, of_li, of_zhang),
                    (manager, of_zhang, of_li)]:
                with self.subTest(user=user.login), as_user(user):
                    self.assertEqual(Request.search([]), [own])
                    with self.assertRaises(AccessError):
                        Request.read([theirs.id], ['fault'])
                    # Its history follows the request
                    self.assertEqual(
                        {h.request for h in History.search([])}, {own})
                    with self.assertRaises(AccessError):
                        History.read(
                            [h.id for h in theirs.history], ['note'])
            with as_user(agent):
                self.assertEqual(len(Request.search([])), 2)

            with as_user(tech1):
                # Not another technician's request, not an agent's button
                with self.assertRaises(AccessError):
                    Request.start([Request(of_li.id)])
                with self.assertRaises(AccessButtonError):
                    Request.cancel([Request(of_zhang.id)])
                Request.start([Request(of_zhang.id)])
                with self.assertRaises(AccessError):
                    Part.create([{'request': of_li.id,
                                'product': part.id, 'quantity': 1}])
            with as_user(zhang):
                # A salesperson reads their customers' requests only
                with self.assertRaises(AccessError):
                    Request.write([Request(of_zhang.id)], {'fault': "x"})
                with self.assertRaises(AccessButtonError):
                    Request.escalate([Request(of_zhang.id)])
            with as_user(agent):
                with self.assertRaises(AccessButtonError):
                    Request.approve_escalation([Request(of_zhang.id)])
            self.assertEqual(Request(of_zhang.id).state, 'in_progress')
            self.assertEqual(Request(of_li.id).state, 'assigned')

    @with_transaction()
    def test_automatic_assignment(self):
        "By product category, then by load, then longest idle"
        pool = Pool()
        Request = pool.get('crm.service.request')
        Reassign = pool.get('crm.service.request.reassign', type='wizard')
        company = create_company()
        with set_company(company):
            agent = staff(company, 'kefu', SERVICE)
            manager = staff(company, 'dianzhang', MANAGER)
            tv, phone = create_category("电视"), create_category("手机")
            smart_tv = create_category("智能电视", parent=tv)
            techs = [staff(company, 'jishu%s' % i, TECHNICIAN).employee
                for i in range(3)]
            add_technician(techs[0], tv)
            add_technician(techs[1], tv)
            add_technician(techs[2], phone)
            tv_product = create_product("液晶电视", 2999, smart_tv)
            other = create_product("冰箱", 1999)
            party = customer("王先生")

            def assign(product):
                with as_user(agent):
                    request = self.request(party, product)
                    Request.assign([request])
                return Request(request.id)

            # Both TV technicians free: the first created
            first = assign(tv_product)
            self.assertEqual(first.technician, techs[0])
            # jishu0 has one open request now
            second = assign(tv_product)
            self.assertEqual(second.technician, techs[1])
            # One each: the one assigned longest ago
            third = assign(tv_product)
            self.assertEqual(third.technician, techs[0])
            # A category nobody repairs: among all, the least loaded
            fourth = assign(other)
            self.assertEqual(fourth.technician, techs[2])
            # A cancelled request is no load
            with as_user(agent):
                Request.cancel([first, third])
            self.assertEqual(assign(tv_product).technician, techs[0])

            # The manager reassigns; the agent may not
            session_id, _, _ = Reassign.create()
            with as_user(agent), Transaction().set_context(
                    active_model='crm.service.request',
                    active_id=second.id, active_ids=[second.id]):
                reassign = Reassign(session_id)
                reassign.start.technician = techs[2]
                reassign.start.note = "客户要求"
                with self.assertRaises(ServiceAccessError):
                    reassign.transition_reassign()
            with as_user(manager), Transaction().set_context(
                    active_model='crm.service.request',
                    active_id=second.id, active_ids=[second.id]):
                reassign = Reassign(session_id)
                reassign.start.technician = techs[2]
                reassign.start.note = "客户要求"
                reassign.transition_reassign()
            second = Request(second.id)
            self.assertEqual(second.technician, techs[2])
            self.assertEqual(second.history[-1].action, 'reassign')
            self.assertIn("客户要求", second.history[-1].note)

            # A technician who has left gets no more requests: the others
            # repair what they did
            phone_product = create_product("手机", 1999, phone)
            self.assertEqual(assign(phone_product).technician, techs[2])
            techs[2].end_date = dt.date.today() - dt.timedelta(days=1)
            techs[2].save()
            self.assertEqual(assign(phone_product).technician, techs[1])

    @with_transaction()
    def test_serial_number_required(self):
        "A product tracked by lot needs its serial number to be assigned"
        pool = Pool()
        Request = pool.get('crm.service.request')
        Lot = pool.get('stock.lot')
        company = create_company()
        with set_company(company):
            agent = staff(company, 'kefu', SERVICE)
            add_technician(staff(company, 'jishu', TECHNICIAN).employee)
            tracked = create_product("手机", 3999, lot=True)
            other = create_product("耳机", 99, lot=True)
            lot = Lot(number='SN001', product=tracked)
            lot.save()
            other_lot = Lot(number='SN002', product=other)
            other_lot.save()
            party = customer("王先生")
            with as_user(agent):
                # Recorded before the customer reads the serial out
                request = self.request(party, tracked)
                self.assertTrue(request.lot_required)
                with self.assertRaisesRegex(ServiceError, "serial number"):
                    Request.assign([request])
                with self.assertRaises(DomainValidationError):
                    Request.write([request], {'lot': other_lot.id})
                Request.write([request], {'lot': lot.id})
                Request.assign([request])
                self.assertEqual(Request(request.id).state, 'assigned')

    @with_transaction()
    def test_escalation(self):
        "Escalated by hand or when overdue; the department manager is told"
        pool = Pool()
        Request = pool.get('crm.service.request')
        Department = pool.get('company.department')
        Notification = pool.get('res.notification')
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            repair_shop, = Department.create([
                    {'name': "维修部", 'company': company.id}])
            boss = staff(company, 'zhuguan', MANAGER, department=repair_shop)
            repair_shop.manager = boss.employee
            repair_shop.save()
            agent = staff(company, 'kefu', SERVICE)
            tech = staff(company, 'jishu', TECHNICIAN,
                department=repair_shop)
            add_technician(tech.employee)
            party = customer("王先生")
            with as_user(agent):
                request = self.request(party)
                late = self.request(party,
                    due_date=Date.today() - dt.timedelta(days=1))
                Request.assign([request, late])
            with as_user(tech):
                Request.escalate([Request(request.id)])
            request = Request(request.id)
            self.assertEqual(
                (request.escalation_level, request.escalation_state),
                (1, 'requested'))
            notification, = Notification.search([('user', '=', boss.id)])
            self.assertIn(request.number, notification.label)
            self.assertIn("不开机", notification.description)
            self.assertEqual(request.history[-1].action, 'escalate')

            # Only a manager approves
            with as_user(agent), self.assertRaises(AccessButtonError):
                Request.approve_escalation([request])
            with as_user(boss):
                Request.approve_escalation([request])
            self.assertEqual(Request(request.id).escalation_state, 'approved')

            # The scheduler escalates the overdue one, once
            self.assertEqual(Request.escalate_overdue(), [late])
            self.assertEqual(Request.escalate_overdue(), [])
            late = Request(late.id)
            self.assertEqual(late.escalation_level, 1)
            self.assertIn("Overdue", late.history[-1].note)
            self.assertEqual(
                Notification.search_count([('user', '=', boss.id)]), 2)

    @with_transaction()
    def test_complaint_to_service_request(self):
        "转服务请求: the complaint's customer, product and content"
        pool = Pool()
        Complaint = pool.get('sale.complaint')
        Type = pool.get('sale.complaint.type')
        Model = pool.get('ir.model')
        Request = pool.get('crm.service.request')
        company = create_company()
        with set_company(company):
            agent = staff(company, 'kefu', SERVICE)
            tech = staff(company, 'jishu', TECHNICIAN)
            product = create_product("洗衣机", 1999)
            party = customer("王先生")
            sale_model, = Model.search([('name', '=', 'sale.sale')])
            complaint_type = Type(name="商品质量", origin=sale_model)
            complaint_type.save()
            complaint = Complaint(customer=party, type=complaint_type,
                product=product, description="洗衣机漏水")
            complaint.save()
            with as_user(tech), self.assertRaises(AccessButtonError):
                Complaint.create_service_request([complaint])
            with as_user(agent):
                action = Complaint.create_service_request(
                    [Complaint(complaint.id)])
                request, = Request.browse(action['res_id'])
                self.assertEqual(
                    (request.customer, request.product, request.fault,
                        request.complaint, request.state),
                    (party, product, "洗衣机漏水", complaint, 'draft'))
                with self.assertRaisesRegex(ServiceError, "already"):
                    Complaint.create_service_request(
                        [Complaint(complaint.id)])

    @with_transaction()
    def test_customer_relations_replaced(self):
        "A merged customer takes its service requests along"
        self.assertEqual([f for f in party_relations_not_replaced(
                    ['crm_service']) if f.startswith('crm.service.request')],
            [])


del ModuleDatabaseTestCase
