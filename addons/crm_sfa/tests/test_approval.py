# This file is part of the CRM suite.
"""Approvals: a quote over the salesperson's limit, its approval by the
department manager or by the amount chain, rejection, the lock after
approval, a work request"""
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import set_company
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user)
from trytond.modules.crm_sfa.tests.tools import create_customer, create_team
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

D = Decimal


def create_service(name, price):
    pool = Pool()
    Category = pool.get('product.category')
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    unit, = Uom.search([('name', '=', 'Unit')])
    # Taxes come from the accounting category; none here
    category, = Category.create([{'name': "服务", 'accounting': True}])
    template, = Template.create([{
                'account_category': category.id,
                'name': name, 'type': 'service', 'salable': True,
                'default_uom': unit.id, 'sale_uom': unit.id,
                'list_price': D(price),
                'products': [('create', [{}])],
                }])
    return template.products[0]


def quote_draft(party, product, quantity, unit_price):
    "A draft sale from the deal of party, as the current user"
    pool = Pool()
    Opportunity = pool.get('sale.opportunity')
    Sale = pool.get('sale.sale')
    opportunity, = Opportunity.create([{
                'party': party.id,
                'description': "设备采购",
                'lines': [('create', [{
                                'product': product.id,
                                'quantity': quantity,
                                'unit': product.default_uom.id,
                                }])],
                }])
    Opportunity.opportunity([opportunity])
    Opportunity.convert([opportunity])
    sale, = opportunity.sales
    Sale.write([sale], {'lines': [('write', [sale.lines[0].id], {
                            'unit_price': D(unit_price)})]})
    return opportunity, Sale(sale.id)


class ApprovalTestCase(ModuleDatabaseTestCase):
    "Approvals"
    module = 'crm_sfa'

    @with_transaction()
    def test_quote_over_limit_approved_then_order(self):
        """张三 quotes 20 % off with a 10 % limit: refused, submitted, his
        manager approves, the quote goes out locked, the order wins the
        deal"""
        pool = Pool()
        Approval = pool.get('crm.sfa.approval')
        Notification = pool.get('res.notification')
        Sale = pool.get('sale.sale')
        team = create_team()
        with set_company(team.company):
            team.zhang.employee.sfa_discount_limit = D('0.10')
            team.zhang.employee.save()
            customer = create_customer("杭州某某贸易有限公司", team.zhang)
            product = create_service("安装服务", 100)
            with as_user(team.zhang):
                opportunity, sale = quote_draft(customer, product, 10, 80)
                with self.assertRaises(UserError) as refused:
                    Sale.quote([sale])
                self.assertIn(sale.rec_name, str(refused.exception))
                Sale.sfa_request_approval([sale])
                approval, = Approval.search([])
                self.assertEqual(approval.state, 'submitted')
                self.assertEqual(approval.kind, 'discount')
                self.assertEqual(approval.approver, team.manager.employee)
                self.assertEqual(approval.discount, D('0.2'))
                # Locked while it waits; not his to decide
                with self.assertRaises(AccessError):
                    Sale.write([sale], {'description': "改价"})
                with self.assertRaises(AccessError):
                    Approval.approve([approval])
            self.assertEqual(
                Notification.search([('user', '=', team.manager.id)])[0]
                .model, 'crm.sfa.approval')
            with as_user(team.li):
                self.assertEqual(Approval.search([]), [])
            with as_user(team.manager):
                approval, = Approval.search([('state', '=', 'submitted')])
                Approval.write([approval], {'comment': "同意，尽快签约"})
                Approval.approve([approval])
            sale = Sale(sale.id)
            self.assertEqual(sale.state, 'quotation')
            self.assertEqual(Approval(approval.id).state, 'approved')
            self.assertTrue(Notification.search(
                    [('user', '=', team.zhang.id)]))
            with as_user(team.zhang):
                # The approved quote is locked: back to draft refused
                with self.assertRaises(AccessError):
                    Sale.draft([sale])
                with self.assertRaises(AccessError):
                    Approval.write([approval], {'subject': "改"})
                Sale.confirm([sale])
            # The order wins the deal
            Opportunity = pool.get('sale.opportunity')
            opportunity = Opportunity(opportunity.id)
            self.assertEqual(opportunity.state, 'won')
            self.assertEqual(opportunity.stage.kind, 'won')

    @with_transaction()
    def test_chain_by_amount_and_rejection(self):
        "Above ¥5,000 the shop owner approves; a rejection keeps the draft"
        pool = Pool()
        Approval = pool.get('crm.sfa.approval')
        Rule = pool.get('crm.sfa.approval.rule')
        Sale = pool.get('sale.sale')
        team = create_team()
        with set_company(team.company):
            team.li.employee.sfa_amount_limit = D(1000)
            team.li.employee.save()
            Rule.create([{'kind': 'quote', 'min_amount': D(5000),
                        'approver': team.zhao.employee.id,
                        'company': team.company.id}])
            customer = create_customer("客户乙", team.li)
            product = create_service("设备", 1000)
            with as_user(team.li):
                _, small = quote_draft(customer, product, 2, 1000)
                _, large = quote_draft(customer, product, 6, 1000)
                Sale.sfa_request_approval([small])
                Sale.sfa_request_approval([large])
                # Within the limit there is nothing to approve
                _, tiny = quote_draft(customer, product, 1, 1000)
                with self.assertRaises(UserError):
                    Sale.sfa_request_approval([tiny])
            first, = Approval.search([('document', '=', str(small))])
            second, = Approval.search([('document', '=', str(large))])
            self.assertEqual(first.approver, team.manager.employee)
            self.assertEqual(second.approver, team.zhao.employee)
            with as_user(team.zhao):
                Approval.reject([second])
            self.assertEqual(Sale(large.id).state, 'draft')
            with as_user(team.li):
                with self.assertRaises(UserError):
                    Sale.quote([Sale(large.id)])

    @with_transaction()
    def test_work_request(self):
        "工作请示: filed by a salesperson, locked once submitted"
        pool = Pool()
        Approval = pool.get('crm.sfa.approval')
        team = create_team()
        with set_company(team.company):
            with as_user(team.zhang):
                # A client cannot name the approver nor approve itself
                with self.assertRaises(AccessError):
                    Approval.create([{'subject': "x",
                                'approver': team.zhang.employee.id}])
                with self.assertRaises(AccessError):
                    Approval.create([{'subject': "x", 'state': 'approved'}])
                request, = Approval.create([{
                            'subject': "申请参加展会",
                            'description': "下月杭州展会，费用约三千元",
                            }])
                self.assertEqual(request.requester, team.zhang.employee)
                Approval.request_approval([request])
                self.assertEqual(request.approver, team.manager.employee)
                with self.assertRaises(AccessError):
                    Approval.write([request], {'subject': "改"})
            with as_user(team.manager):
                Approval.approve([request])
            self.assertEqual(request.state, 'approved')
            self.assertEqual(request.decided_by, team.manager)
