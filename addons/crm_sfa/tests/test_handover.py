# This file is part of the CRM suite.
"客户移交, 员工离职移交 and 防撞单"
import datetime as dt

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import set_company
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user)
from trytond.modules.crm_sfa.exceptions import SfaAccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import create_customer, create_team

COMPANY_NAME = "杭州某某贸易有限公司"
# A unified social credit code (统一社会信用代码), Tryton's Chinese VAT
USCC = '91330100712345670B'


def name_staff(team):
    "The employees named as the shop calls them"
    for user, name in [(team.manager, "王经理"), (team.zhang, "张三"),
            (team.li, "李四"), (team.zhao, "赵六")]:
        party = user.employee.party
        party.name = name
        party.save()


def open_work(party, user):
    """An open deal, an open task and a pending next contact of the party
    in the charge of user, and a won deal that stays"""
    pool = Pool()
    Opportunity = pool.get('sale.opportunity')
    Task = pool.get('crm.sfa.task')
    Contact = pool.get('crm.sfa.contact')
    deal, won = Opportunity.create([{
                'party': party.id, 'employee': user.employee.id,
                'description': "年度采购",
                }, {
                'party': party.id, 'employee': user.employee.id,
                'description': "去年的单",
                }])
    Opportunity.write([won], {'state': 'won'})
    task, = Task.create([{
                'name': "送样品", 'assignee': user.employee.id,
                'party': party.id,
                }])
    contact, = Contact.create([{
                'party': party.id, 'employee': user.employee.id,
                'content': "电话沟通报价",
                'next_date': dt.date.today() + dt.timedelta(days=3),
                'next_action': "上门拜访",
                }])
    return deal, won, task, contact


class HandoverTestCase(ModuleDatabaseTestCase):
    "客户移交"
    module = 'crm_sfa'

    @with_transaction()
    def test_manager_handover(self):
        "A manager's hand-over moves the customer and what is open of it"
        pool = Pool()
        Handover = pool.get('crm.sfa.handover')
        HandoverParty = pool.get('crm.sfa.handover-party.party')
        Party = pool.get('party.party')
        team = create_team()
        with set_company(team.company):
            name_staff(team)
            party = create_customer(
                COMPANY_NAME, owner=team.zhang, mobile='13800138000')
            other = create_customer("宁波另一家", owner=team.zhang)
            deal, won, task, contact = open_work(party, team.zhang)

            # A salesperson may not execute a hand-over, not even of their
            # own customers
            handover, = Handover.create([{
                        'from_employee': team.zhang.employee.id,
                        'to_employee': team.li.employee.id,
                        'parties': [('add', [party.id])],
                        'reason': "张三调岗",
                        }])
            with as_user(team.zhang):
                with self.assertRaises(AccessButtonError):
                    Handover.execute([Handover(handover.id)])
            # Nor set what the server sets over RPC
            with as_user(team.zhang):
                with self.assertRaises(AccessError):
                    Handover.write([Handover(handover.id)], {
                            'state': 'done',
                            'done_by': team.zhang.employee.id,
                            })
                with self.assertRaises(AccessError):
                    Handover.create([{
                                'from_employee': team.zhang.employee.id,
                                'to_employee': team.li.employee.id,
                                'parties': [('add', [party.id])],
                                'reason': "自己移交",
                                'state': 'done',
                                }])
            self.assertEqual(handover.state, 'draft')
            self.assertEqual(Party(party.id).owner, team.zhang.employee)

            # A manager of another department's salesperson neither
            handover2, = Handover.create([{
                        'from_employee': team.zhang.employee.id,
                        'to_employee': team.zhao.employee.id,
                        'parties': [('add', [other.id])],
                        'reason': "跨部门",
                        }])
            with as_user(team.manager):
                with self.assertRaises(SfaAccessError):
                    Handover.execute([Handover(handover2.id)])

            with as_user(team.manager):
                Handover.execute([Handover(handover.id)])

            handover = Handover(handover.id)
            self.assertEqual(handover.state, 'done')
            self.assertEqual(handover.done_by, team.manager.employee)
            self.assertTrue(handover.done_date)
            self.assertEqual(
                (handover.customer_count, handover.deal_count,
                    handover.task_count, handover.contact_count),
                (1, 1, 1, 1))
            self.assertEqual(Party(party.id).owner, team.li.employee)
            self.assertEqual(Party(other.id).owner, team.zhang.employee)
            self.assertEqual(type(deal)(deal.id).employee, team.li.employee)
            self.assertEqual(type(won)(won.id).employee, team.zhang.employee)
            self.assertEqual(type(task)(task.id).assignee, team.li.employee)
            self.assertEqual(
                type(contact)(contact.id).employee, team.li.employee)
            # The customer's history, as its new salesperson sees it
            with as_user(team.li):
                self.assertEqual(
                    [h.id for h in Party(party.id).sfa_handovers],
                    [handover.id])
            # A done hand-over is no longer changed, nor its customers
            with as_user(team.manager):
                with self.assertRaises(AccessError):
                    Handover.write([Handover(handover.id)],
                        {'reason': "改理由"})
                with self.assertRaises(AccessError):
                    HandoverParty.create([{
                                'handover': handover.id, 'party': other.id,
                                }])

    @with_transaction()
    def test_request_approved(self):
        "A salesperson's request is executed once the manager approves it"
        pool = Pool()
        Handover = pool.get('crm.sfa.handover')
        Approval = pool.get('crm.sfa.approval')
        Party = pool.get('party.party')
        team = create_team()
        with set_company(team.company):
            name_staff(team)
            party = create_customer(COMPANY_NAME, owner=team.zhang)
            deal, won, task, contact = open_work(party, team.zhang)
            # Not the customers of a colleague
            with as_user(team.li):
                with self.assertRaises(SfaAccessError):
                    Handover.create([{
                                'from_employee': team.zhang.employee.id,
                                'to_employee': team.li.employee.id,
                                'reason': "我来接手",
                                }])
            with as_user(team.zhang):
                handover, = Handover.create([{
                            'from_employee': team.zhang.employee.id,
                            'to_employee': team.li.employee.id,
                            'parties': [('add', [party.id])],
                            'reason': "张三休产假",
                            }])
                Handover.request([handover])
            handover = Handover(handover.id)
            self.assertEqual(handover.state, 'requested')
            self.assertEqual(handover.requested_by, team.zhang.employee)
            approval = handover.approval
            self.assertEqual(approval.state, 'submitted')
            self.assertEqual(approval.approver, team.manager.employee)
            self.assertEqual(Party(party.id).owner, team.zhang.employee)

            with as_user(team.manager):
                Approval.approve([Approval(approval.id)])
            handover = Handover(handover.id)
            self.assertEqual(handover.state, 'done')
            self.assertEqual(handover.done_by, team.manager.employee)
            self.assertEqual(Party(party.id).owner, team.li.employee)
            self.assertEqual(type(task)(task.id).assignee, team.li.employee)

    @with_transaction()
    def test_leave(self):
        "员工离职移交 moves all the customers of who leaves"
        pool = Pool()
        Party = pool.get('party.party')
        Handover = pool.get('crm.sfa.handover')
        Leave = pool.get('crm.sfa.leave', type='wizard')
        team = create_team()
        with set_company(team.company):
            name_staff(team)
            parties = [create_customer(n, owner=team.zhang)
                for n in ["甲公司", "乙公司", "丙公司"]]
            kept = create_customer("丁公司", owner=team.li)
            open_work(parties[0], team.zhang)

            def leave(user, to_user):
                with as_user(user):
                    session_id, _, _ = Leave.create()
                    wizard = Leave(session_id)
                    wizard.start.employee = team.zhang.employee
                    wizard.start.to_employee = to_user.employee
                    wizard.start.reason = "张三离职"
                    wizard.transition_handover()

            # Not for a salesperson, nor to another department's
            with self.assertRaises(AccessError):
                leave(team.li, team.li)
            with self.assertRaises(SfaAccessError):
                leave(team.manager, team.zhao)
            self.assertEqual(Party.search([
                        ('owner', '=', team.zhang.employee.id)], count=True),
                3)
            leave(team.manager, team.li)
            self.assertEqual(Party.search([
                        ('owner', '=', team.zhang.employee.id)], count=True),
                0)
            self.assertEqual(Party(kept.id).owner, team.li.employee)
            handover, = Handover.search([])
            self.assertEqual(handover.state, 'done')
            self.assertEqual(
                (handover.customer_count, handover.deal_count,
                    handover.task_count, handover.contact_count),
                (3, 1, 1, 1))

    @with_transaction()
    def test_collision(self):
        "防撞单: a salesperson may not create a customer another owns"
        pool = Pool()
        Party = pool.get('party.party')
        team = create_team()
        with set_company(team.company):
            name_staff(team)
            party = create_customer(
                COMPANY_NAME, owner=team.zhang, mobile='13800138000')
            Party.write([party], {'identifiers': [('create', [{
                                'type': 'cn_vat', 'code': USCC}])]})

            with as_user(team.li):
                # The same name
                with self.assertRaises(SfaAccessError) as cm:
                    Party.create([{'name': COMPANY_NAME}])
                self.assertIn("张三", cm.exception.message)
                self.assertIn(COMPANY_NAME, cm.exception.message)
                # The same mobile, typed as a phone
                with self.assertRaises(SfaAccessError) as cm:
                    Party.create([{
                                'name': "杭州某某贸易",
                                'contact_mechanisms': [('create', [{
                                                'type': 'phone',
                                                'value': '138 0013 8000',
                                                }])],
                                }])
                self.assertIn("张三", cm.exception.message)
                # The same company
                with self.assertRaises(SfaAccessError) as cm:
                    Party.create([{
                                'name': "某某贸易杭州公司",
                                'identifiers': [('create', [{
                                                'type': 'cn_vat',
                                                'code': USCC,
                                                }])],
                                }])
                self.assertIn("张三", cm.exception.message)
                # Renaming their own customer as it
                mine, = Party.create([{'name': "李四的客户"}])
                self.assertEqual(mine.owner, team.li.employee)
                with self.assertRaises(SfaAccessError):
                    Party.write([mine], {'name': COMPANY_NAME})
                # Nor open a deal on it
                with self.assertRaises(SfaAccessError) as cm:
                    Party.sfa_check_claim([party])
                self.assertIn("张三", cm.exception.message)
                # Another customer is theirs to create
                Party.create([{
                            'name': "温州新客户",
                            'contact_mechanisms': [('create', [{
                                            'type': 'mobile',
                                            'value': '13900139000',
                                            }])],
                            }])
            self.assertEqual(Party.search([
                        ('name', '=', COMPANY_NAME)], count=True), 1)

            # A manager may
            with as_user(team.manager), Transaction().set_context(
                    _skip_warnings=True):
                Party.sfa_check_claim([party])
                Party.create([{'name': COMPANY_NAME}])
            self.assertEqual(Party.search([
                        ('name', '=', COMPANY_NAME)], count=True), 2)


del ModuleDatabaseTestCase
