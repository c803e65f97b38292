# This file is part of the CRM suite.
"""Contracts and collections (合同 / 回款): a contract from a won deal, its
approval, the payment plan, payments with 抹零, over-payment, reversal,
receivables, the overdue and renewal reminders, a salesperson's refusals"""
import datetime as dt
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.company.tests import set_company
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user)
from trytond.modules.crm_sfa.tests.tools import (
    create_customer, create_team, undone)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

D = Decimal


def won_deal(customer, owner, amount):
    "A deal of owner on customer, won for amount"
    Opportunity = Pool().get('sale.opportunity')
    with as_user(owner):
        deal, = Opportunity.create([{
                    'party': customer.id,
                    'description': "门店收银系统",
                    'amount': D(amount),
                    }])
    # How the deal was won is part 1's: here it simply is
    Opportunity.write([deal], {'state': 'won'})
    return deal


def running_contract(team, customer, plan, end_date=None):
    """A contract of 张三 on customer with the plan [(due date, amount)],
    submitted by him and approved by his manager"""
    pool = Pool()
    Approval = pool.get('crm.sfa.approval')
    Contract = pool.get('crm.sfa.contract')
    with as_user(team.zhang):
        contract, = Contract.create([{
                    'title': "年度服务合同",
                    'party': customer.id,
                    'amount': sum(D(a) for _, a in plan),
                    'start_date': plan[0][0],
                    'end_date': end_date,
                    'instalments': [('create', [
                                {'due_date': d, 'amount': D(a)}
                                for d, a in plan])],
                    }])
        Contract.submit([contract])
    with as_user(team.manager):
        Approval.approve([Contract(contract.id).approval])
    return Contract(contract.id)


class ContractTestCase(ModuleDatabaseTestCase):
    "Contracts and collections"
    module = 'crm_sfa'

    @with_transaction()
    def test_contract_approval_collection_receivables(self):
        """张三 makes the contract of his won deal, plans it wrong then
        right, it is rejected, then approved; his manager records the
        payments, with 抹零 within the limit, not above it, no
        over-payment; a salesperson records, changes and sees nothing
        that is not his"""
        pool = Pool()
        Approval = pool.get('crm.sfa.approval')
        Configuration = pool.get('crm.configuration')
        Contract = pool.get('crm.sfa.contract')
        Instalment = pool.get('crm.sfa.contract.instalment')
        Opportunity = pool.get('sale.opportunity')
        Payment = pool.get('crm.sfa.contract.payment')
        Receivable = pool.get('crm.sfa.receivable')
        Date = pool.get('ir.date')
        team = create_team()
        with set_company(team.company):
            Configuration.write([Configuration(1)],
                {'sfa_write_off_limit': D(10)})
            today = Date.today()
            customer = create_customer("宁波某某电器有限公司", team.zhang)
            deal = won_deal(customer, team.zhang, 10000)
            open_deal = won_deal(customer, team.zhang, 500)
            Opportunity.write([open_deal], {'state': 'opportunity'})

            with as_user(team.zhang):
                # Only a won deal makes a contract
                with self.assertRaises(UserError):
                    Opportunity.sfa_create_contract([open_deal])
                Opportunity.sfa_create_contract([deal])
                contract, = Contract.search([])
                self.assertEqual(contract.opportunity, deal)
                self.assertEqual(contract.party, customer)
                self.assertEqual(contract.employee, team.zhang.employee)
                self.assertEqual(contract.amount, D(10000))
                self.assertEqual(contract.state, 'draft')
                self.assertTrue(contract.number.startswith('HT'))
                # One contract per deal
                with self.assertRaises(UserError):
                    Opportunity.sfa_create_contract([deal])
                # The server numbers and moves the contract
                with self.assertRaises(AccessError):
                    Contract.write([contract], {'state': 'running'})
                Contract.write([contract], {
                        'end_date': today + dt.timedelta(days=365),
                        'instalments': [('create', [
                                    {'due_date': today - dt.timedelta(
                                            days=10),
                                        'amount': D(3000)},
                                    {'due_date': today + dt.timedelta(
                                            days=90),
                                        'amount': D(5000)},
                                    ])],
                        })
            # Nor is his draft anyone else's to plan
            with as_user(team.li):
                with self.assertRaises(AccessError):
                    Contract.write([contract], {'amount': D(1)})
                with self.assertRaises(AccessError), undone():
                    Instalment.create([{'contract': contract.id,
                                'due_date': today, 'amount': D(1)}])
            with as_user(team.zhang):
                # 3000 + 5000 is not 10000
                with self.assertRaises(ValidationError) as refused:
                    Contract.submit([contract])
                self.assertIn('8,000.00', str(refused.exception))
                self.assertEqual(Contract(contract.id).state, 'draft')
                Instalment.create([{'contract': contract.id,
                            'due_date': today + dt.timedelta(days=180),
                            'amount': D(2000)}])
                Contract.submit([contract])
                contract = Contract(contract.id)
                self.assertEqual(contract.state, 'waiting')
                approval = contract.approval
                self.assertEqual(approval.kind, 'contract')
                self.assertEqual(approval.amount, D(10000))
                self.assertEqual(approval.approver, team.manager.employee)
                # Submitted: the amount and the plan are fixed
                with self.assertRaises(AccessError):
                    Contract.write([contract], {'amount': D(1)})
                with self.assertRaises(AccessError):
                    Instalment.write([contract.instalments[0]],
                        {'amount': D(1)})
                with self.assertRaises(AccessError), undone():
                    Instalment.create([{'contract': contract.id,
                                'due_date': today, 'amount': D(1)}])
                with self.assertRaises(AccessError):
                    Instalment.delete([contract.instalments[0]])

            # Rejected: back to draft, submitted again, approved
            with as_user(team.manager):
                Approval.reject([approval])
            self.assertEqual(Contract(contract.id).state, 'draft')
            with as_user(team.zhang):
                Contract.submit([contract])
            with as_user(team.manager):
                Approval.approve([Contract(contract.id).approval])
            contract = Contract(contract.id)
            self.assertEqual(contract.state, 'running')
            first, second, third = contract.instalments
            self.assertEqual(first.state, 'overdue')
            self.assertEqual(second.state, 'open')
            with as_user(team.zhang):
                # Approved: locked for good
                with self.assertRaises(UserError):
                    Contract.draft([contract])
                with self.assertRaises(AccessError):
                    Contract.write([contract], {'amount': D(1)})
                # A salesperson reads the collection, records none
                with self.assertRaises(AccessError):
                    Instalment.collect(first, D(1000))
                with self.assertRaises(AccessError), undone():
                    Payment.create([{'contract': contract.id,
                                'instalment': first.id, 'kind': 'payment',
                                'date': today, 'amount': D(3000)}])
                with self.assertRaises(UserError):
                    Contract.complete([contract])
            # 李四 sees nothing of 张三's contract
            with as_user(team.li):
                self.assertEqual(Contract.search([]), [])
                self.assertEqual(Instalment.search([]), [])
                with self.assertRaises(AccessError):
                    Contract.read([contract.id], ['amount'])

            with as_user(team.manager):
                # A partial collection
                line, = Instalment.collect(first, D(1000),
                    method='transfer', reference="BK001")
                self.assertEqual(line.recorded_by, team.manager.employee)
                first = Instalment(first.id)
                self.assertEqual(first.received, D(1000))
                self.assertEqual(first.outstanding, D(2000))
                self.assertEqual(first.state, 'overdue')
                # 抹零 of ¥5 within the ¥10 limit settles it
                paid, written_off = Instalment.collect(first, D(1995),
                    method='cash', write_off=True)
                self.assertEqual(written_off.kind, 'write_off')
                self.assertEqual(written_off.amount, D(5))
                first = Instalment(first.id)
                self.assertEqual(first.received, D(2995))
                self.assertEqual(first.written_off, D(5))
                self.assertEqual(
                    first.received + first.written_off, first.amount)
                self.assertEqual(first.state, 'paid')
                # ¥20 is above the limit; paying more than due is refused
                with self.assertRaises(UserError) as refused, undone():
                    Instalment.collect(second, D(4980), write_off=True)
                self.assertIn('20.00', str(refused.exception))
                with self.assertRaises(UserError), undone():
                    Instalment.collect(second, D('5000.01'))
                with self.assertRaises(UserError), undone():
                    Instalment.collect(first, D(1))
                self.assertEqual(Payment.search(
                        [('instalment', '=', second.id)]), [])
                Instalment.collect(second, D(2000), method='wechat')
                # Append-only: a mistake is reversed by a negative line
                with self.assertRaises(AccessError):
                    Payment.write([line], {'amount': D(100)})
                with self.assertRaises(AccessError):
                    Payment.delete([line])
                reversal, = Payment.reverse([line])
                self.assertEqual(reversal.amount, D(-1000))
                self.assertEqual(reversal.reversal_of, line)
                with self.assertRaises(UserError), undone():
                    Payment.reverse([line])
                self.assertEqual(Instalment(first.id).state, 'overdue')
                self.assertEqual(Instalment(first.id).outstanding, D(1000))
                # Not everything is collected yet
                with self.assertRaises(UserError):
                    Contract.complete([contract])
            with as_user(team.zhang):
                self.assertEqual(len(Payment.search([])), 5)
                with self.assertRaises(UserError):
                    Payment.reverse([Payment(reversal.id)])

            # Read back as the administrator: only the manager's lines
            contract = Contract(contract.id)
            self.assertEqual(contract.amount, D(10000))
            self.assertEqual(contract.received, D(3995))
            self.assertEqual(contract.written_off, D(5))
            self.assertEqual(contract.outstanding, D(6000))
            self.assertEqual(Approval.search([
                        ('document', '=', str(contract)),
                        ], order=[('id', 'ASC')])[-1].state, 'approved')

            # 应收款: by customer, as the rules show them
            row, = Receivable.search([])
            self.assertEqual(row.party, customer)
            self.assertEqual(row.contracts, 1)
            self.assertEqual(row.contracted, D(10000))
            self.assertEqual(row.received, D(3995))
            self.assertEqual(row.written_off, D(5))
            self.assertEqual(row.outstanding, D(6000))
            # The first instalment, due ten days ago, lacks ¥1,000
            self.assertEqual(row.overdue, D(1000))
            with as_user(team.zhang):
                self.assertEqual(
                    [r.party for r in Receivable.search([])], [customer])
            with as_user(team.li):
                self.assertEqual(Receivable.search([]), [])
                self.assertEqual(
                    Receivable.search([('outstanding', '>', 0)]), [])

    @with_transaction()
    def test_overdue_and_renewal_reminders(self):
        """The daily job reminds the owner of the overdue instalments and
        of the contract ending within the configured days, once"""
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Contract = pool.get('crm.sfa.contract')
        Instalment = pool.get('crm.sfa.contract.instalment')
        Notification = pool.get('res.notification')
        Date = pool.get('ir.date')
        team = create_team()
        with set_company(team.company):
            Configuration.write([Configuration(1)],
                {'sfa_renewal_days': 30})
            today = Date.today()
            customer = create_customer("温州某某鞋业", team.zhang)
            ending = running_contract(team, customer, [
                    (today - dt.timedelta(days=40), 600),
                    (today - dt.timedelta(days=1), 400),
                    (today + dt.timedelta(days=5), 100),
                    ], end_date=today + dt.timedelta(days=20))
            later = running_contract(team, customer, [
                    (today + dt.timedelta(days=10), 100),
                    ], end_date=today + dt.timedelta(days=60))
            with as_user(team.manager):
                Instalment.collect(ending.instalments[0], D(600))

            with as_user(team.zhang):
                overdue = Instalment.search([('state', '=', 'overdue')])
                self.assertEqual(overdue, [ending.instalments[1]])
            with as_user(team.li):
                self.assertEqual(
                    Instalment.search([('state', '=', 'overdue')]), [])

            # The approvals told him already
            earlier = Notification.search([('user', '=', team.zhang.id)])
            Contract.remind()
            Contract.remind()
            notifications = Notification.search([
                    ('user', '=', team.zhang.id),
                    ('id', 'not in', [n.id for n in earlier]),
                    ], order=[('id', 'ASC')])
            self.assertEqual(len(notifications), 2)
            overdue_note, renewal_note = notifications
            self.assertEqual(overdue_note.model, 'crm.sfa.contract.instalment')
            self.assertIn('400.00', overdue_note.label)
            self.assertEqual(renewal_note.model, 'crm.sfa.contract')
            self.assertIn(ending.number, renewal_note.label)
            self.assertEqual(
                Instalment(ending.instalments[1].id).overdue_reminded, today)
            self.assertEqual(
                Contract(ending.id).renewal_reminded, ending.end_date)
            self.assertIsNone(Contract(later.id).renewal_reminded)
            # A client does not mark reminders
            with as_user(team.zhang):
                with self.assertRaises(AccessError):
                    Instalment.write([ending.instalments[1]],
                        {'overdue_reminded': None})
