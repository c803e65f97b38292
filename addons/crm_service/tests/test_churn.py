# This file is part of the CRM suite.
"""Customer churn: the nightly job, confirmation and its snapshot, won back,
the roles, the import, the analysis, the export and the printed record"""
import datetime as dt
import io
from decimal import Decimal

import openpyxl

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_cashier.tests.tools import (
    new_sale, pay, setup_shop)
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_staff, xlsx)
from trytond.modules.crm_membership.tests.tools import (
    create_card_type, issue_card)
from trytond.modules.crm_service.churn import ChurnImporter, churn_headers
from trytond.modules.crm_service.exceptions import (
    ServiceAccessError, ServiceError)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

D = Decimal


# A button refused by its groups, or an access error of the record
REFUSED = (AccessButtonError, AccessError)


def option(model, name):
    Model = Pool().get(model)
    found, = Model.search([('name', '=', name)])
    return found


def city_region():
    "A city of the regions, created when they are not loaded"
    Region = Pool().get('crm.region')
    cities = Region.search([('level', '=', 'city')], limit=1)
    if cities:
        return cities[0]
    province = Region(code='330000', name="浙江省", level='province')
    province.save()
    city = Region(code='330100', name="杭州市", level='city',
        parent=province)
    city.save()
    return city


def ago(days):
    return Pool().get('ir.date').today() - dt.timedelta(days=days)


class Shop:
    """Two levels (普通会员 from ¥0, 金卡会员 from ¥1,000), gold members
    proposed after 180 days, the others after the settings' 90"""

    def __init__(self):
        pool = Pool()
        Level = pool.get('crm.membership.level')
        LevelDays = pool.get('crm.service.churn.level_days')
        Configuration = pool.get('crm.configuration')
        self.basic, self.gold = Level.create([
                {'name': "普通会员", 'sequence': 10},
                {'name': "金卡会员", 'sequence': 20,
                    'upgrade_amount': D(1000)},
                ])
        LevelDays.create([{'level': self.gold.id, 'days': 180}])
        self.days = Configuration(1).churn_days
        self.card_type = create_card_type()

    def member(self, name, *spends, owner=None, card=True):
        "A customer with a card who spent (amount, days ago, visit)"
        pool = Pool()
        Party = pool.get('party.party')
        Month = pool.get('crm.membership.member.month')
        party = Party(name=name, owner=owner)
        party.save()
        if card:
            issue_card(self.card_type, party=party, amount=D(100))
        for amount, days, *visit in spends:
            visit = visit[0] if visit else True
            if card:
                Party.record_spend(Party(party.id), D(amount),
                    date=ago(days), visit=visit)
            else:
                # The months of a customer without a card (its card given
                # back): record_spend would update the levels of no card
                Month.record(party, D(amount), ago(days), visit=visit)
        return Party(party.id)


class ChurnTestCase(ModuleDatabaseTestCase):
    "Test the customer churn"
    module = 'crm_service'

    def candidates(self):
        Churn = Pool().get('crm.service.churn')
        return {c.customer.name: c for c in Churn.search([
                    ('state', '=', 'candidate')])}

    @with_transaction()
    def test_nightly_job(self):
        """The job proposes the members who spent before and have not come
        for the days of their level, once; confirmation takes the snapshot;
        a member who comes back is won back, a candidate who comes back is
        dismissed; a dismissed member is not proposed again"""
        pool = Pool()
        Churn = pool.get('crm.service.churn')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            shop = Shop()
            self.assertEqual(shop.days, 90)
            salesperson = create_staff(company, 'sales1', 'group_salesperson')
            lapsed = shop.member("甲 久未到店", (30, 400), (100, 100),
                owner=salesperson.employee)
            shop.member("乙 近期到店", (100, 30))
            shop.member("丙 从未消费")
            shop.member("丁 金卡未满期", (2000, 120))
            gold = shop.member("戊 金卡已满期", (2000, 200))
            shop.member("己 已全额退货", (100, 100), (-100, 100, False))
            shop.member("庚 非会员", (100, 100), card=False)
            self.assertEqual(gold.member_cards[0].level, shop.gold)

            self.assertEqual(Churn.propose_candidates(), 2)
            candidates = self.candidates()
            self.assertEqual(set(candidates), {"甲 久未到店", "戊 金卡已满期"})
            record = candidates["甲 久未到店"]
            self.assertEqual(record.last_visit, ago(100))
            self.assertEqual(record.date, ago(0))
            self.assertIsNone(record.spend)

            # A second run proposes nobody again
            Churn.run_nightly()
            self.assertEqual(Churn.propose_candidates(), 0)
            self.assertEqual(len(Churn.search([])), 2)

            city = city_region()
            Party.write([lapsed], {
                    'province': city.parent.id, 'city': city.id})
            admin = create_staff(company, 'boss', 'group_crm_admin')
            with as_user(admin):
                with self.assertRaises(ServiceError):
                    # The reason first
                    Churn.confirm([record])
                Churn.write([record], {
                        'churn_type': option(
                            'crm.service.churn.type', "竞争流失").id,
                        'reason': option(
                            'crm.service.churn.reason', "价格因素").id,
                        })
                Churn.confirm([record])
                Churn.dismiss([candidates["戊 金卡已满期"]])
            record = Churn(record.id)
            self.assertEqual(record.state, 'confirmed')
            self.assertEqual(record.confirmed_by.id, admin.id)
            self.assertEqual(record.last_visit, ago(100))
            # 12 months: the ¥30 of 400 days ago is older
            self.assertEqual(record.spend, D(100))
            self.assertEqual(record.level, shop.basic)
            self.assertEqual(record.region, city)
            self.assertEqual(record.salesperson, salesperson.employee)
            self.assertEqual(record.month, ago(0).replace(day=1))
            dismissed = Churn(candidates["戊 金卡已满期"].id)
            self.assertEqual(dismissed.state, 'dismissed')
            self.assertEqual(dismissed.dismissed_by.id, admin.id)

            # The dismissed member is not proposed again, the confirmed one
            # stays one record
            Churn.run_nightly()
            self.assertEqual(len(Churn.search([])), 2)

            # Both come back
            Party.record_spend(lapsed, D(50))
            Party.record_spend(gold, D(80))
            late = shop.member("辛 后来流失", (100, 95))
            Churn.run_nightly()
            record = Churn(record.id)
            self.assertEqual(record.state, 'won_back')
            self.assertEqual(record.won_back_date, ago(0))
            self.assertEqual(set(self.candidates()), {"辛 后来流失"})

            # A candidate who comes back before a manager looks is dismissed
            Party.record_spend(late, D(10))
            Churn.run_nightly()
            self.assertEqual(self.candidates(), {})
            came_back, = Churn.search([('customer', '=', late.id)])
            self.assertEqual(came_back.state, 'dismissed')
            self.assertIsNone(came_back.dismissed_by)
            Churn.run_nightly()
            self.assertEqual(len(Churn.search([])), 3)

    @with_transaction()
    def test_roles(self):
        """Customer service records candidates and win-back actions but
        neither confirms nor writes the snapshot; a salesperson sees the
        records of their own customers only and confirms nothing"""
        pool = Pool()
        Churn = pool.get('crm.service.churn')
        Action = pool.get('crm.service.churn.action')
        company = create_company()
        with set_company(company):
            shop = Shop()
            sales1 = create_staff(company, 'sales1', 'group_salesperson')
            sales2 = create_staff(company, 'sales2', 'group_salesperson')
            service = create_staff(company, 'kefu', 'group_service')
            mine = shop.member("甲", (100, 100), owner=sales1.employee)
            theirs = shop.member("乙", (100, 100), owner=sales2.employee)
            reason = option('crm.service.churn.reason', "服务不满意")

            with as_user(service):
                own, other = Churn.create([
                        {'customer': mine.id, 'reason': reason.id},
                        {'customer': theirs.id, 'reason': reason.id},
                        ])
                Action.create([{
                            'churn': other.id, 'action': "电话回访",
                            'result': "答应下周来店",
                            }])
                for values in [{'spend': D(1)}, {'state': 'confirmed'},
                        {'last_visit': ago(1)}, {'salesperson': None}]:
                    with self.assertRaises(AccessError):
                        Churn.write([own], values)
                with self.assertRaises(AccessError):
                    Churn.create([{'customer': mine.id,
                                'level': shop.gold.id}])
                with self.assertRaises(AccessError):
                    Churn.create([{'customer': mine.id,
                                'reason': reason.id, 'state': 'confirmed'}])
                with self.assertRaises(REFUSED):
                    Churn.confirm([own])
                with self.assertRaises(REFUSED):
                    Churn.dismiss([own])

            header = list(churn_headers().values())
            with as_user(sales1):
                # Nor import: the records are created with the user's rights
                with self.assertRaises(AccessError):
                    ChurnImporter(xlsx([header, [mine.code]])).save()
                # (The refused creates above are rolled back by a request,
                # not by the test)
                visible = Churn.search([])
                self.assertIn(own, visible)
                self.assertEqual({r.customer for r in visible}, {mine})
                self.assertEqual(Churn.search([('id', '=', other.id)]), [])
                self.assertEqual(Action.search([]), [])
                with self.assertRaises(AccessError):
                    Churn.read([other.id], ['customer'])
                with self.assertRaises(REFUSED):
                    Churn.confirm([own])
                with self.assertRaises(AccessError):
                    Churn.write([own], {'note': "x"})
            # The method checks the role itself, also when called by server
            # code (a wizard, a script) as that user
            with Transaction().set_user(sales1.id):
                with self.assertRaises(ServiceAccessError):
                    Churn.confirm([own])
            with as_user(sales2):
                action, = Action.search([])
                self.assertEqual(action.result, "答应下周来店")

            self.assertEqual(Churn(own.id).state, 'candidate')
            self.assertIsNone(Churn(own.id).spend)

            manager = create_staff(company, 'boss', 'group_sales_manager')
            # The manager's department holds sales1, not sales2
            Department = pool.get('company.department')
            Employee = pool.get('company.employee')
            department = Department(name="一店", company=company,
                manager=manager.employee)
            department.save()
            Employee.write([sales1.employee, manager.employee],
                {'department': department.id})
            with as_user(manager):
                self.assertEqual(
                    {r.customer for r in Churn.search([])}, {mine})
                with self.assertRaises(AccessError):
                    Churn.read([other.id], ['customer'])
            unowned = shop.member("丙", (100, 100))
            with as_user(manager):
                # An unowned customer's record: the manager sees it
                record, = Churn.create([
                        {'customer': unowned.id, 'reason': reason.id}])
                Churn.confirm([record])
                self.assertEqual(record.state, 'confirmed')
                with self.assertRaises(ServiceError):
                    Churn.delete([record])
                with self.assertRaises(ServiceError):
                    Churn.write([record], {'customer': mine.id})

    @with_transaction()
    def test_query_import_analysis_export_print(self):
        """Records are found by customer type, region, churn type and
        product bought; imported by customer number; counted by reason,
        level and salesperson in the analysis; exported and printed"""
        pool = Pool()
        Churn = pool.get('crm.service.churn')
        Analysis = pool.get('crm.service.churn.analysis')
        Party = pool.get('party.party')
        CustomerType = pool.get('crm.customer.type')
        Excel = pool.get('crm.membership.report.excel', type='report')
        Report = pool.get('crm.service.churn.report', type='report')
        company = create_company()
        with set_company(company):
            point, cash, _, card, shampoo, _ = setup_shop(company)
            member = card.party
            sale = new_sale(point, card, shampoo)
            pay(sale, cash, sale.total)
            shop = Shop()
            sales1 = create_staff(company, 'sales1', 'group_salesperson')
            villa = option('crm.customer.type', "别墅")
            other = shop.member("乙", (300, 100), owner=sales1.employee)
            third = shop.member("丙", (200, 100), owner=sales1.employee)
            Party.write([member], {'customer_type': villa.id})
            price = option('crm.service.churn.reason', "价格因素")
            service = option('crm.service.churn.reason', "服务不满意")
            competitor = option('crm.service.churn.type', "竞争流失")
            records = Churn.create([
                    {'customer': member.id, 'reason': price.id,
                        'churn_type': competitor.id},
                    {'customer': other.id, 'reason': price.id},
                    {'customer': third.id, 'reason': service.id},
                    ])
            Churn.confirm(records)
            mine, second, third_record = records
            self.assertEqual(mine.products, (shampoo,))

            self.assertEqual(Churn.search([
                        ('customer_type', '=', villa.id)]), [mine])
            self.assertEqual(Churn.search([
                        ('products', '=', shampoo.id)]), [mine])
            self.assertEqual(Churn.search([
                        ('churn_type', '=', competitor.id)]), [mine])
            self.assertEqual(set(Churn.search([
                            ('salesperson', '=', sales1.employee.id)])),
                {second, third_record})
            self.assertEqual(CustomerType.search([('id', '=', villa.id)]),
                [villa])

            rows = Analysis.search([])
            by_reason = {}
            for row in rows:
                by_reason[row.reason.name] = (
                    by_reason.get(row.reason.name, 0) + row.customers)
            self.assertEqual(by_reason, {"价格因素": 2, "服务不满意": 1})
            spends = {(r.reason.name, r.salesperson): r.spend for r in rows}
            self.assertEqual(spends[("服务不满意", sales1.employee)], D(200))
            self.assertEqual(spends[("价格因素", sales1.employee)], D(300))
            self.assertEqual(sum(r.won_back for r in rows), 0)
            with as_user(create_staff(
                        company, 'boss', 'group_sales_manager')):
                # The department's rows only: these salespeople have none
                self.assertEqual(
                    {r.salesperson for r in Analysis.search([])}, {None})

            header = list(churn_headers().values())
            importer = ChurnImporter(xlsx([header,
                        [other.code, "自然流失", "价格因素", '2026-05-01',
                            "搬家"],
                        ["KH-NONE", None, None, None, None],
                        [third.code, None, "没有这个原因", None, None],
                        ]))
            self.assertEqual([e[0] for e in importer.errors], [3, 4])
            with self.assertRaises(ServiceError):
                importer.save()
            imported, = ChurnImporter(xlsx([header,
                        [other.code, "自然流失", "价格因素", '2026-05-01',
                            "搬家"]])).save()
            self.assertEqual(imported.state, 'candidate')
            self.assertEqual(imported.date, dt.date(2026, 5, 1))
            self.assertEqual(imported.note, "搬家")

            kind, content, _, _ = Excel.execute([mine.id],
                {'model': Churn.__name__})
            sheet = openpyxl.load_workbook(io.BytesIO(content)).active
            header, row = sheet.iter_rows(values_only=True)
            row = dict(zip(header, row))
            self.assertEqual(row["Customer"], member.rec_name)
            self.assertEqual(row["Reason"], "价格因素")
            self.assertEqual(row["Customer Type"], "别墅")
            self.assertEqual(row["State"], "Confirmed")

            kind, pdf, _, _ = Report.execute([mine.id], {})
            self.assertEqual(kind, 'pdf')
            self.assertTrue(pdf.startswith(b'%PDF'))
            ActionReport = pool.get('ir.action.report')
            action, = ActionReport.search([
                    ('report_name', '=', Report.__name__)])
            html = Report.render(action, Report.get_context([mine], {}, {}))
            for text in [member.name, "价格因素", "洗发水"]:
                self.assertIn(text, html)


del ModuleDatabaseTestCase
