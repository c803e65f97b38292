# This file is part of the CRM suite.
"Campaigns, leads and territories: attribution, assignment, conversion"
import io
from decimal import Decimal

import openpyxl

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import set_company
from trytond.modules.crm_customer.tests.test_profile import load_regions
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user)
from trytond.modules.crm_sfa.exceptions import SfaAccessError
from trytond.modules.crm_sfa.tests.tools import (
    create_customer, create_team, undone)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction


def create_product():
    pool = Pool()
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    unit, = Uom.search([('name', '=', 'Unit')])
    template, = Template.create([{
                'name': "茶叶礼盒", 'type': 'goods', 'salable': True,
                'default_uom': unit.id, 'sale_uom': unit.id,
                'list_price': Decimal(100),
                'products': [('create', [{}])],
                }])
    return template.products[0]


def sell(company, party, product, price, campaign=None, state='done'):
    Sale = Pool().get('sale.sale')
    sales = Sale.create([{
                'company': company.id,
                'party': party.id,
                'invoice_address': party.addresses[0].id,
                'shipment_address': party.addresses[0].id,
                'sale_date': Pool().get('ir.date').today(),
                'marketing_campaign': campaign.id if campaign else None,
                'lines': [('create', [{
                                'product': product.id,
                                'quantity': 1,
                                'unit': product.default_uom.id,
                                'unit_price': Decimal(price),
                                }])],
                }])
    Sale.write(sales, {'state': state})


def workbook(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "公司", "手机", "省", "市", "区县", "备注"])
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


class CampaignTestCase(ModuleDatabaseTestCase):
    "Campaigns, leads and territories"
    module = 'crm_sfa'

    @with_transaction()
    def test_campaign_figures(self):
        """The leads, deals and sales of a campaign count for it, others'
        not; cost per lead and return; a salesperson reads it, does not
        change its budget"""
        pool = Pool()
        Campaign = pool.get('marketing.campaign')
        Lead = pool.get('crm.sfa.lead')
        Opportunity = pool.get('sale.opportunity')
        team = create_team()
        with set_company(team.company):
            spring, other = Campaign.create([{
                        'name': "春季促销", 'kind': 'promotion',
                        'budget': Decimal(1000),
                        }, {
                        'name': "会员日", 'kind': 'membership',
                        }])
            Lead.create([{'name': n, 'campaign': spring.id}
                    for n in ["甲", "乙", "丙", "丁"]]
                + [{'name': "戊", 'campaign': other.id}, {'name': "己"}])
            customer = create_customer("华联超市", team.zhang)
            product = create_product()
            sell(team.company, customer, product, 1500, spring)
            sell(team.company, customer, product, 900, spring,
                state='confirmed')
            sell(team.company, customer, product, 400, spring,
                state='draft')
            sell(team.company, customer, product, 700, other)
            sell(team.company, customer, product, 300)
            deals = Opportunity.create([{
                        'party': customer.id,
                        'company': team.company.id,
                        'employee': team.zhang.employee.id,
                        'marketing_campaign': c.id,
                        } for c in [spring, spring, other]])
            Opportunity.write([deals[0]], {'state': 'won'})

            spring = Campaign(spring.id)
            self.assertEqual(spring.lead_count, 4)
            self.assertEqual(spring.deal_count, 2)
            self.assertEqual(spring.won_count, 1)
            self.assertEqual(spring.sales_amount, Decimal('2400.00'))
            self.assertEqual(spring.cost_per_lead, Decimal('250.00'))
            self.assertEqual(spring.return_rate, Decimal('2.40'))
            other = Campaign(other.id)
            self.assertEqual(other.lead_count, 1)
            self.assertEqual(other.sales_amount, Decimal('700.00'))
            self.assertIsNone(other.cost_per_lead)
            self.assertIsNone(other.return_rate)

            # The salesperson reads the campaign and its figures, but its
            # budget is the managers'
            with as_user(team.zhang):
                campaign, = Campaign.read([spring.id],
                    ['budget', 'lead_count', 'sales_amount'])
                self.assertEqual(campaign['lead_count'], 4)
                with self.assertRaises(AccessError), undone():
                    Campaign.write([Campaign(spring.id)],
                        {'budget': Decimal(1)})
            with as_user(team.manager):
                Campaign.write([Campaign(spring.id)], {'budget': Decimal(2000)})
            self.assertEqual(Campaign(spring.id).budget, Decimal(2000))
            self.assertEqual(Campaign(spring.id).cost_per_lead,
                Decimal('500.00'))

    @with_transaction()
    def test_campaign_sms_bulk(self):
        "The campaign's bulk sending goes to its target filter"
        pool = Pool()
        Campaign = pool.get('marketing.campaign')
        Gateway = pool.get('sms.gateway')
        Template = pool.get('sms.template')
        ViewSearch = pool.get('ir.ui.view_search')
        team = create_team()
        with set_company(team.company):
            create_customer("华联超市", team.zhang, mobile='13800138000')
            create_customer("华联商厦", team.li, mobile='13900139000')
            create_customer("联华超市", team.li, mobile='13700137000')
            target, = ViewSearch.create([{
                        'name': "华联", 'model': 'party.party',
                        'domain': "[[\"name\", \"ilike\", \"%华联%\"]]",
                        }])
            gateway, = Gateway.create([{'name': "log", 'kind': 'log'}])
            template, = Template.create([{'name': "春季", 'kind': 'marketing',
                        'content': "春季促销八折", 'gateway': gateway.id}])
            campaign, = Campaign.create([{'name': "春季促销"}])
            self.assertIsNone(campaign.target_count)
            with self.assertRaises(Exception), undone():
                Campaign.create_sms_bulk([campaign])
            Campaign.write([campaign], {
                    'target_filter': target.id,
                    'sms_template': template.id,
                    })
            self.assertEqual(Campaign(campaign.id).target_count, 2)
            with as_user(team.manager):
                Campaign.create_sms_bulk([Campaign(campaign.id)])
            bulk, = Campaign(campaign.id).sms_bulks
            self.assertEqual(bulk.customer_filter, target)
            self.assertEqual(bulk.template, template)
            self.assertEqual(bulk.state, 'draft')
            with as_user(team.zhang):
                with self.assertRaises(AccessButtonError), undone():
                    Campaign.create_sms_bulk([Campaign(campaign.id)])

    @with_transaction()
    def test_territory_assignment(self):
        """Leads and customers without an owner go to their territory's
        salespeople in turn; a province covers its districts; no territory
        leaves them unassigned; a manager reassigns"""
        pool = Pool()
        Lead = pool.get('crm.sfa.lead')
        Party = pool.get('party.party')
        Territory = pool.get('crm.sfa.territory')
        team = create_team()
        regions = load_regions()
        guangdong, beijing = regions['440000'], regions['110000']
        nanshan = regions['440305']
        with set_company(team.company):
            territory, = Territory.create([{
                        'name': "华南",
                        'regions': [('add', [guangdong.id])],
                        'salespeople': [('create', [
                                    {'employee': team.zhang.employee.id,
                                        'sequence': 1},
                                    {'employee': team.li.employee.id,
                                        'sequence': 2},
                                    ])],
                        }])
            leads = Lead.create([
                    {'name': "甲", 'region': nanshan.id},
                    {'name': "乙", 'region': guangdong.id},
                    {'name': "丙", 'region': regions['440300'].id},
                    {'name': "丁", 'region': beijing.id},
                    {'name': "戊"},
                    ])
            self.assertEqual([l.salesperson for l in leads], [
                    team.zhang.employee, team.li.employee,
                    team.zhang.employee, None, None])
            self.assertEqual([l.state for l in leads],
                ['assigned'] * 3 + ['new'] * 2)

            # The configured default gets what no territory covers
            Configuration = pool.get('crm.configuration')
            Configuration.write([Configuration(1)],
                {'sfa_lead_salesperson': team.zhao.employee.id})
            beyond, = Lead.create([{'name': "己", 'region': beijing.id}])
            self.assertEqual(beyond.salesperson, team.zhao.employee)
            Configuration.write([Configuration(1)],
                {'sfa_lead_salesperson': None})

            # A customer without an owner continues the turn
            party, = Party.create([{'name': "深圳客户",
                        'district': nanshan.id}])
            self.assertEqual(party.owner, team.li.employee)
            owned = create_customer("自有客户", team.zhao)
            self.assertEqual(owned.owner, team.zhao.employee)

            # Only a manager gives a lead to someone
            new = leads[3]
            with as_user(team.zhang):
                with self.assertRaises(SfaAccessError), undone():
                    Lead.write([Lead(new.id)],
                        {'salesperson': team.li.employee.id})
                with self.assertRaises(AccessError), undone():
                    Lead.write([Lead(leads[0].id)], {'state': 'converted'})
            with as_user(team.manager):
                Lead.write([Lead(new.id)],
                    {'salesperson': team.zhao.employee.id})
            self.assertEqual(Lead(new.id).state, 'assigned')
            self.assertEqual(Lead(new.id).salesperson, team.zhao.employee)

            # A salesperson sees their own and the unassigned leads
            with as_user(team.zhang):
                seen = Lead.search([])
                self.assertEqual({l.name for l in seen}, {"甲", "丙", "戊"})
                with self.assertRaises(AccessError):
                    Lead.read([leads[1].id], ['name'])
            with as_user(team.manager):
                self.assertEqual(len(Lead.search([])), 6)

    @with_transaction()
    def test_conversion(self):
        """The salesperson converts their lead to a customer they own and
        a deal of the campaign; 防撞单 refuses a customer another owns; a
        salesperson may not convert another's lead"""
        pool = Pool()
        Campaign = pool.get('marketing.campaign')
        Lead = pool.get('crm.sfa.lead')
        team = create_team()
        regions = load_regions()
        with set_company(team.company):
            campaign, = Campaign.create([{'name': "秋季展会",
                        'kind': 'exhibition'}])
            create_customer("联华超市", team.li, mobile='13900139000')
            lead, twin, clash, lis = Lead.create([{
                        'name': "王小明", 'company_name': "明远贸易",
                        'mobile': '13800138000', 'campaign': campaign.id,
                        'region': regions['440305'].id,
                        'salesperson': team.zhang.employee.id,
                        }, {
                        'name': "联华超市",
                        'salesperson': team.zhang.employee.id,
                        }, {
                        'name': "赵先生", 'mobile': '139 0013 9000',
                        'salesperson': team.zhang.employee.id,
                        }, {
                        'name': "李四的线索",
                        'salesperson': team.li.employee.id,
                        }])
            self.assertEqual(lead.source, 'campaign')
            with as_user(team.zhang):
                Lead.convert([Lead(lead.id)])
                for duplicate in [twin, clash]:
                    with self.assertRaises(SfaAccessError) as cm, undone():
                        Lead.convert([Lead(duplicate.id)])
                    self.assertIn(team.li.employee.rec_name,
                        cm.exception.message)
                with self.assertRaises(AccessError), undone():
                    Lead.convert([Lead(lis.id)])
                with self.assertRaises(SfaAccessError), undone():
                    Lead.write([Lead(lead.id)], {'description': "改"})
            lead = Lead(lead.id)
            self.assertEqual(lead.state, 'converted')
            party = lead.party
            self.assertEqual(party.name, "明远贸易")
            self.assertEqual(party.owner, team.zhang.employee)
            self.assertEqual(party.district, regions['440305'])
            self.assertEqual(party.province, regions['440000'])
            self.assertEqual([m.value_compact for m in
                    party.contact_mechanisms], ['+8613800138000'])
            self.assertEqual(party.contact_persons[0].name, "王小明")
            deal = lead.opportunity
            self.assertEqual(deal.party, party)
            self.assertEqual(deal.employee, team.zhang.employee)
            self.assertEqual(deal.marketing_campaign, campaign)
            self.assertEqual(Campaign(campaign.id).deal_count, 1)
            for refused in [twin, clash, lis]:
                self.assertEqual(Lead(refused.id).state, 'assigned')
                self.assertIsNone(Lead(refused.id).party)

            # A salesperson does not convert another's lead even unseen
            # by the rules: a manager does
            Transaction().set_user(0)
            with as_user(team.manager):
                Lead.convert([Lead(lis.id)])
            self.assertEqual(Lead(lis.id).party.owner, team.li.employee)

    @with_transaction()
    def test_import(self):
        """A manager imports the leads of a workbook for a campaign, all
        of them or none; a salesperson may not"""
        pool = Pool()
        Campaign = pool.get('marketing.campaign')
        Lead = pool.get('crm.sfa.lead')
        Territory = pool.get('crm.sfa.territory')
        Import = pool.get('crm.sfa.lead.import', type='wizard')
        team = create_team()
        regions = load_regions()
        with set_company(team.company):
            Territory.create([{
                        'name': "华南",
                        'regions': [('add', [regions['440000'].id])],
                        'salespeople': [('create', [
                                    {'employee': team.zhao.employee.id}])],
                        }])
            campaign, = Campaign.create([{'name': "线上报名"}])

            def run(user, data):
                with as_user(user):
                    session_id, _, _ = Import.create()
                    wizard = Import(session_id)
                    wizard.start.file = data
                    wizard.start.campaign = campaign
                    wizard.transition_check()
                    errors = wizard.result.errors
                    if not errors:
                        wizard.transition_import_()
                    Import.delete(session_id)
                return errors

            bad = workbook([
                    ["张一", None, "13800000001", "广东省", "深圳市", "南山区",
                        None],
                    [None, "无名公司", "12345", "广东省", "杭州市", None,
                        None],
                    ])
            errors = run(team.manager, bad)
            self.assertIn("12345", errors)
            self.assertIn("杭州市", errors)
            self.assertIn("姓名", errors)
            self.assertEqual(Lead.search([]), [])

            good = workbook([
                    ["张一", None, "13800000001", "广东省", "深圳市", "南山区",
                        "展会名片"],
                    ["王二", "二号公司", "010-12345678", "北京市", None, None,
                        None],
                    ])
            with self.assertRaises(AccessError):
                run(team.zhang, good)
            self.assertIsNone(run(team.manager, good))
            first, second = Lead.search([], order=[('name', 'ASC')])
            first, second = sorted(Lead.search([]), key=lambda l: l.mobile)
            self.assertEqual(second.name, "张一")
            self.assertEqual(second.mobile, '138 0000 0001')
            self.assertEqual(second.region, regions['440305'])
            self.assertEqual(second.salesperson, team.zhao.employee)
            self.assertEqual(second.source, 'import')
            self.assertEqual(second.campaign, campaign)
            self.assertEqual(first.region, regions['110000'])
            self.assertIsNone(first.salesperson)
