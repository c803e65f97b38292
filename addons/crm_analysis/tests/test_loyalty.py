# This file is part of the CRM suite.
"客户忠诚度分析: RFM scores and segments, loyalty by month, the PDF"
import datetime as dt
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_analysis.report import bar_svg, pie_svg
from trytond.modules.crm_cashier.tests.tools import new_sale, pay, setup_shop
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_staff)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

D = Decimal
# name: the member's rank (1 lowest, 10 highest) in recency, visits, spend
RANKS = {
    'A': (10, 10, 10), 'B': (9, 1, 9), 'C': (1, 9, 8), 'D': (2, 2, 7),
    'E': (8, 8, 1), 'F': (7, 3, 2), 'G': (3, 7, 3), 'H': (4, 4, 4),
    'I': (5, 5, 5), 'J': (6, 6, 6),
    }
SEGMENTS = {
    'A': 'important_value', 'B': 'important_development',
    'C': 'important_keep', 'D': 'important_retain', 'E': 'general_value',
    'F': 'general_development', 'G': 'general_keep', 'H': 'general_retain',
    'I': 'general_retain', 'J': 'general_retain',
    }


class LoyaltyTestCase(ModuleDatabaseTestCase):
    "Loyalty analysis"
    module = 'crm_analysis'

    def members(self, today, owner=None):
        """The ten members of RANKS: last visit r days ago counted back
        from 20, r visits… ¥100 a spend rank; A has ¥50 refunded"""
        pool = Pool()
        Month = pool.get('crm.membership.member.month')
        Party = pool.get('party.party')
        parties = {}
        for name, (r, f, m) in RANKS.items():
            party = Party(name=name, owner=owner)
            party.save()
            parties[name] = party
            last = today - dt.timedelta(days=20 - r)
            Month.record(party, D(100 * m), last)
            for _ in range(f - 1):
                Month.record(party, D(0), last)
        Month.record(parties['A'], D(-50), today, visit=False)
        return parties

    @with_transaction()
    def test_rfm_scores_and_segments(self):
        """Each fifth of the members scores 1 to 5; the 6th of 10 scores 3,
        the 7th 4 (high); the eight segments follow R, F and M"""
        pool = Pool()
        Date = pool.get('ir.date')
        Party = pool.get('party.party')
        RFM = pool.get('crm.analysis.rfm')
        today = Date.today()
        parties = self.members(today)
        rows = {r.party.name: r for r in RFM.search([])}
        self.assertEqual(set(rows), set(RANKS))
        for name, (r, f, m) in RANKS.items():
            row = rows[name]
            expected = tuple((rank + 1) // 2 for rank in (r, f, m))
            self.assertEqual((row.r_score, row.f_score, row.m_score),
                expected, name)
            self.assertEqual(row.segment, SEGMENTS[name], name)
            self.assertEqual(row.frequency, f)
            self.assertEqual(row.days_since, 20 - r)
        self.assertEqual(rows['A'].monetary, D(950))
        self.assertEqual(rows['A'].interval, 0)

        # One month only: the visits of 20 days ago may fall in the month
        # before; a window that ends before the visits has nobody
        with Transaction().set_context(
                date=today - dt.timedelta(days=40), months=1):
            self.assertEqual(RFM.search([]), [])

        # Only a salesperson's customers: scored among themselves
        company = create_company()
        with set_company(company):
            zhang = create_staff(company, 'zhang', 'group_salesperson')
            Party.write([Party(parties[n].id) for n in ['B', 'E', 'H']],
                {'owner': zhang.employee.id})
            with Transaction().set_context(salesperson=zhang.employee.id):
                rows = {r.party.name: r for r in RFM.search([])}
        # Recency ranks 9, 8, 4 → thirds of three: 5, 4, 2 by cume_dist
        self.assertEqual({n: (r.r_score, r.f_score, r.m_score)
                for n, r in rows.items()},
            {'B': (5, 2, 5), 'E': (4, 5, 2), 'H': (2, 4, 4)})

    @with_transaction()
    def test_loyalty_by_month(self):
        """Members served, those who came twice, their spend against the
        till's takings, a refund taken off both"""
        pool = Pool()
        Date = pool.get('ir.date')
        Loyalty = pool.get('crm.analysis.loyalty')
        Sale = pool.get('sale.point.sale')
        company = create_company()
        with set_company(company):
            manager = create_staff(company, 'manager', 'group_sales_manager')
            sales = create_staff(company, 'sales', 'group_salesperson')
            point, cash, card_method, card, shampoo, cigarettes = (
                setup_shop(company))
            first = pay(new_sale(point, card, shampoo), card_method, 88,
                '123456')
            second = new_sale(point, card, cigarettes)
            second = pay(second, cash, second.amount_to_pay)
            walk_in = pay(new_sale(point, None, shampoo), cash, 100)
            refund = Sale.refund_lines(second, {second.lines[0]: 1})
            self.assertEqual({first.state, second.state, walk_in.state,
                    refund.state}, {'done'})
            member_spend = first.total + second.total + refund.total
            takings = member_spend + walk_in.total
            with as_user(manager):
                row, = Loyalty.search([])
                self.assertEqual(row.month, Date.today().replace(day=1))
                self.assertEqual((row.members, row.repeat_members,
                        row.visits), (1, 1, 2))
                self.assertEqual(row.member_spend, member_spend)
                self.assertEqual(row.takings, takings)
                self.assertAlmostEqual(row.member_share,
                    float(member_spend / takings))
                self.assertEqual(row.repeat_rate, 1.0)
            with as_user(sales):
                with self.assertRaises(AccessError):
                    Loyalty.search([])

    @with_transaction()
    def test_pdf_with_chart(self):
        """The printed RFM segments: their pie, their rows; a bar chart
        scales to the largest value"""
        pool = Pool()
        Date = pool.get('ir.date')
        Segment = pool.get('crm.analysis.rfm.segment')
        Report = pool.get('crm.analysis.report.pdf', type='report')
        ActionReport = pool.get('ir.action.report')
        self.members(Date.today())
        rows = Segment.search([])
        self.assertEqual({r.segment: r.members for r in rows}, {
                'important_value': 1, 'important_development': 1,
                'important_keep': 1, 'important_retain': 1,
                'general_value': 1, 'general_development': 1,
                'general_keep': 1, 'general_retain': 3})
        action, = ActionReport.search([
                ('report_name', '=', 'crm.analysis.report.pdf'),
                ('model', '=', 'crm.analysis.rfm.segment'),
                ])
        data = {'model': 'crm.analysis.rfm.segment', 'action_id': action.id,
            'id': rows[0].id, 'ids': [r.id for r in rows]}
        with Transaction().set_context(language='zh_CN'):
            context = Report.get_context(rows, {}, data)
        (name, svg), = context['charts']
        # A slice for each of the eight segments, general retain 3 of 10
        self.assertEqual(str(svg).count('<path'), 8)
        self.assertIn('(30.0%)', str(svg))
        self.assertEqual(len(context['rows']), 8)
        extension, content, _, _ = Report.execute(
            [r.id for r in rows], data)
        self.assertEqual(extension, 'pdf')
        self.assertTrue(bytes(content).startswith(b'%PDF'))

        bars = bar_svg({'甲': 50.0, '乙': 100.0, '丙': -25.0}, str)
        self.assertIn('width="165.0"', bars)
        self.assertIn('width="330.0"', bars)
        self.assertIn('width="82.5"', bars)
        pie = pie_svg({'甲': 1.0}, str)
        self.assertIn('<circle', pie)

    @with_transaction()
    def test_snapshot_and_movement(self):
        """The night's snapshot serves the whole shop's segments as of its
        day, a filter is still computed live; the movement counts each
        member once between the month before and this month"""
        pool = Pool()
        Date = pool.get('ir.date')
        Month = pool.get('crm.membership.member.month')
        RFM = pool.get('crm.analysis.rfm')
        Snapshot = pool.get('crm.analysis.rfm.snapshot')
        Movement = pool.get('crm.analysis.rfm.movement')
        today = Date.today()
        parties = self.members(today)
        month_end = today.replace(day=1) - dt.timedelta(days=1)
        Snapshot.refresh(month_end)
        Snapshot.refresh(today)
        # Run again, the month's rows are replaced, not added
        Snapshot.refresh(today)
        live = {r.party.name: (r.segment, r.monetary) for r in RFM.search(
                [])}
        self.assertEqual(len(Snapshot.search([
                        ('date', '=', today)])), len(RFM.search([])))

        # Spent after the night: the segments stay those of the snapshot
        Month.record(parties['D'], D(5000), today)
        rows = {r.party.name: (r.segment, r.monetary)
            for r in RFM.search([])}
        self.assertEqual(rows, live)
        with Transaction().set_context(rfm_snapshot=False):
            row, = RFM.read([r.id for r in RFM.search([
                            ('party', '=', parties['D'].id)])], ['monetary'])
            self.assertEqual(row['monetary'], D(5700))

        before = {s.party: s.segment for s in Snapshot.search([
                    ('date', '=', month_end)])}
        now = {s.party: s.segment for s in Snapshot.search([
                    ('date', '=', today)])}
        expected = {}
        for party in set(before) | set(now):
            key = (before.get(party), now.get(party))
            expected[key] = expected.get(key, 0) + 1
        with Transaction().set_context(month=today):
            self.assertEqual(
                {(m.from_segment, m.to_segment): m.members
                    for m in Movement.search([])}, expected)
        self.assertEqual(sum(expected.values()), len(set(before) | set(now)))
