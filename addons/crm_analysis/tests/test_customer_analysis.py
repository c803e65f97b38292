# This file is part of the CRM suite.
"""Customer distribution, salespeople's follow-ups, spending habits, spend
alerts and the liability by month, against hand-counted data"""
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_cashier.tests.tools import new_sale, pay, setup_shop
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_staff)
from trytond.modules.crm_membership.statistic import period
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

D = Decimal


class CustomerAnalysisTestCase(ModuleDatabaseTestCase):
    "Customer analyses"
    module = 'crm_analysis'

    @with_transaction()
    def test_distribution_and_salespeople(self):
        """Customers by region and source, the staff's and company's own
        parties left out; each salesperson's customers, contact persons and
        follow-ups of the period"""
        pool = Pool()
        Contact = pool.get('crm.sfa.contact')
        Distribution = pool.get('crm.analysis.customer_distribution')
        Party = pool.get('party.party')
        Region = pool.get('crm.region')
        Source = pool.get('crm.customer.source')
        Activity = pool.get('crm.analysis.salesperson')
        company = create_company()
        with set_company(company):
            manager = create_staff(company, 'manager', 'group_sales_manager')
            zhang = create_staff(company, 'zhang', 'group_salesperson')
            li = create_staff(company, 'li', 'group_salesperson')
            zhejiang, = Region.search([('name', '=', "浙江省")], limit=1) \
                or Region.create([{'name': "浙江省", 'code': '330000',
                        'level': 'province'}])
            walk_in, = Source.create([{'name': "路过"}])
            Party.create([{
                        'name': "甲", 'province': zhejiang.id,
                        'source': walk_in.id, 'owner': zhang.employee.id,
                        'contact_persons': [('create', [
                                        {'name': "甲的太太"},
                                        {'name': "甲的秘书"}])],
                        }, {
                        'name': "乙", 'province': zhejiang.id,
                        'source': walk_in.id, 'owner': zhang.employee.id,
                        }, {
                        'name': "丙", 'owner': li.employee.id,
                        }])
            first, = Party.search([('name', '=', "甲")])
            now = dt.datetime.now()
            Contact.create([{
                        'party': first.id, 'employee': zhang.employee.id,
                        'date': now, 'kind': kind, 'content': "跟进",
                        } for kind in ['visit', 'call']] + [{
                        'party': first.id, 'employee': zhang.employee.id,
                        'date': now - relativedelta(years=2),
                        'kind': 'visit', 'content': "两年前",
                        }])
            with as_user(manager):
                rows = Distribution.search([])
                by_source = {}
                for row in rows:
                    key = row.source.name if row.source else None
                    by_source[key] = by_source.get(key, 0) + row.customers
                self.assertEqual(by_source, {"路过": 2, None: 1})
                with Transaction().set_context(region=zhejiang.id):
                    self.assertEqual(
                        sum(r.customers for r in Distribution.search([])), 2)
                with Transaction().set_context(
                        salesperson=li.employee.id):
                    self.assertEqual(
                        [r.customers for r in Distribution.search([])], [1])

                rows = {r.salesperson.id: (r.customers, r.contact_persons,
                        r.follow_ups, r.visits) for r in Activity.search([])}
                self.assertEqual(rows, {
                        zhang.employee.id: (2, 2, 2, 1),
                        li.employee.id: (1, 0, 0, 0),
                        })
            with as_user(zhang):
                for Model in [Distribution, Activity]:
                    with self.assertRaises(AccessError):
                        Model.search([])

    @with_transaction()
    def test_spend_alerts(self):
        """A member whose last three months fell by more than half against
        the three before is alerted; one that fell 40 % is not, unless the
        threshold is 30 %"""
        pool = Pool()
        Alert = pool.get('crm.analysis.spend_alert')
        Date = pool.get('ir.date')
        Month = pool.get('crm.membership.member.month')
        Party = pool.get('party.party')
        today = Date.today()
        before = today - relativedelta(months=4)
        fell, dipped, new = Party.create([
                {'name': "下降九成"}, {'name': "下降四成"}, {'name': "新会员"}])
        for party, old, recent in [(fell, 1000, 100), (dipped, 1000, 600),
                (new, 0, 300)]:
            if old:
                Month.record(party, D(old), before)
            Month.record(party, D(recent), today)
        # Seven months ago is out of both windows
        Month.record(dipped, D(5000), today - relativedelta(months=7))
        row, = Alert.search([])
        self.assertEqual((row.party, row.before, row.recent),
            (fell, D(1000), D(100)))
        self.assertAlmostEqual(row.drop, 0.9)
        with Transaction().set_context(drop=30):
            self.assertEqual({r.party for r in Alert.search([])},
                {fell, dipped})

        # The night's sums give the same rows; a spend after them counts
        # from the next night, a filter reads the months again
        Snapshot = pool.get('crm.analysis.spend_alert.snapshot')
        Snapshot.refresh()
        self.assertEqual({s.party for s in Snapshot.search([])},
            {fell, dipped})

        def alerts(**context):
            with Transaction().set_context(**context):
                return [(r.party, r.before, r.recent, r.salesperson)
                    for r in Alert.search([])]
        for drop in [30, 50]:
            self.assertEqual(alerts(drop=drop),
                alerts(drop=drop, alert_snapshot=False))
        Month.record(fell, D(900), today)
        self.assertEqual(alerts(), [(fell, D(1000), D(100), None)])
        self.assertEqual(alerts(alert_snapshot=False), [])
        self.assertEqual(alerts(region=-1), [])

    @with_transaction()
    def test_habits_and_liability(self):
        """A member's sale counted on its weekday, the shop's hour and its
        category, a walk-in's not at all; this month's stored value and
        points owed follow the card's lines"""
        pool = Pool()
        Date = pool.get('ir.date')
        Habit = pool.get('crm.analysis.habit')
        Liability = pool.get('crm.analysis.liability_month')
        Sale = pool.get('sale.point.sale')
        company = create_company()
        with set_company(company):
            manager = create_staff(company, 'manager', 'group_sales_manager')
            point, cash, card_method, card, shampoo, cigarettes = (
                setup_shop(company))
            member = pay(new_sale(point, card, shampoo), card_method, 88,
                '123456')
            pay(new_sale(point, None, shampoo), cash, 100)
            member = Sale(member.id)
            local = member.create_date.replace(
                tzinfo=dt.timezone.utc).astimezone(
                ZoneInfo(company.timezone or 'UTC'))
            with as_user(manager):
                row, = Habit.search([])
                self.assertEqual(
                    (row.weekday, row.hour, row.sales, row.quantity,
                        row.amount),
                    (str(member.date.isoweekday()), local.hour, 1, 1, D(88)))
                self.assertEqual(row.category, shampoo.categories[0]
                    if shampoo.categories else None)
                # The sale's member is out of another salesperson's filter
                with Transaction().set_context(salesperson=-1):
                    self.assertEqual(Habit.search([]), [])

                row, = Liability.search([])
                card = pool.get('crm.membership.card')(card.id)
                self.assertEqual(row.month, Date.today().replace(day=1))
                self.assertEqual(row.value_balance, card.balance)
                self.assertEqual(row.principal_balance, card.principal)
                self.assertEqual(row.points_balance, card.points)
                self.assertEqual(row.points, card.points)
                with Transaction().set_context(
                        to_date=Date.today() - relativedelta(months=1),
                        from_date=Date.today() - relativedelta(years=1)):
                    self.assertEqual(Liability.search([]), [])

            # Months over come from the nightly sums, with the same figures
            ValueLine = pool.get('crm.membership.value.line')
            LedgerMonth = pool.get('crm.analysis.ledger.month')
            today = Date.today()
            balance = card.balance
            ValueLine.create([{'card': card.id, 'kind': 'adjustment',
                        'date': today - relativedelta(months=months),
                        'principal': principal, 'bonus': bonus}
                    for months, principal, bonus in [
                        (2, D(100), D(10)), (2, D(-30), D(0)),
                        (1, D(50), D(5))]])

            def liability():
                with as_user(manager), Transaction().set_context(
                        from_date=today - relativedelta(months=2),
                        to_date=today):
                    return [(r.month, r.principal, r.bonus,
                            r.principal_balance, r.value_balance)
                        for r in Liability.search([])]
            live = liability()
            self.assertEqual(live[:2], [
                    ((today - relativedelta(months=2)).replace(day=1),
                        D(70), D(10), D(70), D(80)),
                    ((today - relativedelta(months=1)).replace(day=1),
                        D(50), D(5), D(120), D(135))])
            self.assertEqual(live[2][4], D(135) + balance)
            LedgerMonth.refresh()
            self.assertEqual(
                sorted((m.period, m.principal) for m in LedgerMonth.search([])),
                [(period(today) - 2, D(70)), (period(today) - 1, D(50))])
            self.assertEqual(LedgerMonth.summed_until(), period(today))
            self.assertEqual(liability(), live)


    @with_transaction()
    def test_spend_change_summary_pdf(self):
        """消费能力变化汇总 prints a chart of each of its graph views: by
        level, by province, by month"""
        pool = Pool()
        Date = pool.get('ir.date')
        Month = pool.get('crm.membership.member.month')
        Party = pool.get('party.party')
        Region = pool.get('crm.region')
        Summary = pool.get('crm.membership.report.spend_change.summary')
        Report = pool.get('crm.analysis.report.pdf', type='report')
        ActionReport = pool.get('ir.action.report')
        today = Date.today()
        zhejiang, jiangsu = Region.create([
                {'name': "浙江省", 'code': '330000', 'level': 'province'},
                {'name': "江苏省", 'code': '320000', 'level': 'province'}])
        for name, province, amount in [("甲", zhejiang, 100),
                ("乙", zhejiang, 50), ("丙", jiangsu, 30)]:
            party, = Party.create([{'name': name,
                        'province': province.id}])
            Month.record(party, D(amount), today)
        action, = ActionReport.search([
                ('report_name', '=', 'crm.analysis.report.pdf'),
                ('model', '=', Summary.__name__)])
        with Transaction().set_context(month=today, language='zh_CN'):
            rows = Summary.search([])
            data = {'model': Summary.__name__, 'action_id': action.id,
                'id': rows[0].id, 'ids': [r.id for r in rows]}
            context = Report.get_context(rows, {}, data)
            charts = dict(context['charts'])
            strings = {n: d['string'] for n, d in Summary.fields_get(
                    ['level', 'province', 'month', 'previous',
                        'amount']).items()}
            self.assertEqual(list(charts), ['%s · %s' % (
                        strings[x], strings[y]) for x, y in [
                        ('level', 'previous'), ('level', 'amount'),
                        ('province', 'previous'), ('province', 'amount'),
                        ('month', 'amount'), ('month', 'previous')]])
            # A bar a province, 浙江省 the two members' spend
            svg = str(charts['%s · %s' % (
                        strings['province'], strings['amount'])])
            self.assertEqual(svg.count('<rect'), 2)
            self.assertIn('>150</text>', svg)
            extension, content, _, _ = Report.execute(
                [r.id for r in rows], data)
            self.assertEqual(extension, 'pdf')

    @with_transaction()
    def test_category_ranking_pdf(self):
        """产品分类销售排行 prints with its bars: the till's sales by
        category"""
        pool = Pool()
        Date = pool.get('ir.date')
        Category = pool.get('sale.reporting.product.category.tree')
        Report = pool.get('crm.analysis.report.pdf', type='report')
        ActionReport = pool.get('ir.action.report')
        company = create_company()
        with set_company(company):
            point, cash, card_method, card, shampoo, cigarettes = (
                setup_shop(company))
            pay(new_sale(point, None, cigarettes, shampoo), cash, 200)
            action, = ActionReport.search([
                    ('report_name', '=', 'crm.analysis.report.pdf'),
                    ('model', '=', Category.__name__)])
            with Transaction().set_context(company=company.id,
                    from_date=Date.today(), to_date=Date.today(),
                    language='zh_CN'):
                rows = Category.search([('parent', '=', None)])
                revenues = {r.name: r.revenue for r in rows}
                self.assertEqual(revenues["烟草"], D(50))
                data = {'model': Category.__name__, 'action_id': action.id,
                    'id': rows[0].id, 'ids': [r.id for r in rows]}
                context = Report.get_context(rows, {}, data)
                (name, svg), = context['charts']
                # A bar for each category, 烟草's labelled with its revenue
                self.assertEqual(str(svg).count('<rect'), len(rows))
                self.assertIn('>50</text>', str(svg))
                self.assertIn("烟草", [row[0] for row in context['rows']])
                extension, content, _, _ = Report.execute(
                    [r.id for r in rows], data)
                self.assertEqual(extension, 'pdf')
