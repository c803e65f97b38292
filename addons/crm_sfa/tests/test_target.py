# This file is part of the CRM suite.
"""Targets and their achievement, the ranking and the forecast against a
hand computation; what a salesperson may read and may not change"""
import datetime as dt
from decimal import Decimal
from unittest.mock import patch

from sql import Literal

from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.company.tests import set_company
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user)
from trytond.modules.crm_sfa.tests import test_approval
from trytond.modules.crm_sfa.tests.tools import (
    create_customer, create_team, undone)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

D = Decimal
NOVEMBER = {'period': 'month', 'year': 2026, 'month': '11'}
TODAY = dt.date(2026, 12, 7)


def stage(xml_id):
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    Stage = pool.get('crm.sfa.stage')
    return Stage(ModelData.get_id('crm_sfa', xml_id))


def deal(party, owner, amount, end_date, stage_id='stage_initial',
        state='opportunity'):
    "A deal of owner in stage_id; its state written as a closed one is"
    Opportunity = Pool().get('sale.opportunity')
    opportunity = Opportunity(party=party, employee=owner.employee,
        amount=D(amount), stage=stage(stage_id),
        conversion_probability=stage(stage_id).probability,
        end_date=end_date, description="deal %s" % amount)
    if state != 'opportunity':
        opportunity.stage = stage('stage_initial')
    opportunity.save()
    if state != 'opportunity':
        Opportunity.write([opportunity], {
                'state': state, 'stage': stage(stage_id).id})
    return opportunity


def sell(party, product, amount, date, state='processing'):
    "A sale of amount on date, confirmed then put in state"
    Sale = Pool().get('sale.sale')
    sale = Sale(party=party)
    sale.on_change_party()
    sale.sale_date = date
    sale.invoice_method = sale.shipment_method = 'manual'
    sale.lines = [{'product': product, 'quantity': 1,
            'unit': product.default_uom, 'unit_price': D(amount)}]
    sale.save()
    return advance(sale, state)


def advance(sale, state):
    Sale = Pool().get('sale.sale')
    if state == 'draft':
        return sale
    Sale.quote([sale])
    if state != 'quotation':
        Sale.confirm([sale])
        Sale.write([sale], {'state': state})
    return sale


def created_on(parties, date):
    "Back-date the creation of the parties"
    Party = Pool().get('party.party')
    table = Party.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.update([table.create_date],
            [Literal(dt.datetime.combine(date, dt.time(10)))],
            where=table.id.in_([p.id for p in parties])))


def visit(party, user, date, kind='visit'):
    Contact = Pool().get('crm.sfa.contact')
    Contact.create([{'party': party.id, 'employee': user.employee.id,
                'date': dt.datetime.combine(date, dt.time(15)),
                'kind': kind, 'content': "拜访"}])


def target(who, amount, customers, visits, **period):
    Target = Pool().get('crm.sfa.target')
    values = dict(NOVEMBER, **period)
    if hasattr(who, 'employee'):
        values.update(kind='employee', employee=who.employee.id)
    else:
        values.update(kind='department', department=who.id)
    record, = Target.create([dict(values, amount=D(amount),
                customers=customers, visits=visits)])
    return record


class TargetTestCase(ModuleDatabaseTestCase):
    "Targets and forecast"
    module = 'crm_sfa'

    @with_transaction()
    def test_achievement_ranking_and_access(self):
        """November's sales, won deals, new customers and visits of 张三
        and 李四 against their targets; the ranking; a salesperson reads
        theirs and changes nothing"""
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Party = pool.get('party.party')
        Ranking = pool.get('crm.sfa.target.ranking')
        Sale = pool.get('sale.sale')
        Target = pool.get('crm.sfa.target')
        team = create_team()
        with set_company(team.company):
            product = test_approval.create_service("安装服务", 100)
            a = create_customer("张三的老客户", team.zhang)
            f = create_customer("张三的新客户", team.zhang)
            c = create_customer("李四的客户", team.li)
            e = create_customer("移交的客户", team.zhang)
            z = create_customer("赵六的客户", team.zhao)
            created_on([a], dt.date(2026, 11, 2))
            created_on([c], dt.date(2026, 11, 3))
            created_on([f], dt.date(2026, 11, 28))
            created_on([e, z], dt.date(2026, 10, 20))

            # 张三: 1000 + 3000 (his deal on 李四's customer) + 400 (a
            # customer handed over since) + 800 (a deal won without order)
            sell(a, product, 1000, dt.date(2026, 11, 5))
            sell(a, product, 500, dt.date(2026, 10, 30))  # October
            sell(a, product, 600, dt.date(2026, 11, 6), 'draft')
            sell(a, product, 700, dt.date(2026, 11, 7), 'confirmed')
            handed = sell(e, product, 400, dt.date(2026, 11, 25), 'done')
            Party.write([e], {'owner': team.li.employee.id})
            won = deal(c, team.zhang, 2500, None)
            Opportunity.convert([won])
            order, = won.sales
            Sale.write([order], {'sale_date': dt.date(2026, 11, 20),
                    'lines': [('create', [{'product': product.id,
                                    'unit': product.default_uom.id,
                                    'quantity': 10, 'unit_price': D(300),
                                    }])]})
            advance(order, 'processing')
            self.assertEqual(Opportunity(won.id).state, 'won')
            Opportunity.write([won], {'end_date': dt.date(2026, 11, 20)})
            deal(a, team.zhang, 800, dt.date(2026, 11, 18), 'stage_won',
                'won')
            deal(a, team.zhang, 600, dt.date(2026, 10, 15), 'stage_won',
                'won')
            deal(a, team.zhang, 900, dt.date(2026, 11, 19), 'stage_lost',
                'lost')
            # 李四 and 赵六
            sell(c, product, 2000, dt.date(2026, 11, 10))
            sell(z, product, 9000, dt.date(2026, 11, 11))

            visit(a, team.zhang, dt.date(2026, 11, 3))
            visit(f, team.zhang, dt.date(2026, 11, 21))
            visit(a, team.zhang, dt.date(2026, 11, 22), 'call')
            visit(a, team.zhang, dt.date(2026, 10, 31))
            visit(c, team.li, dt.date(2026, 11, 12))
            visit(z, team.zhao, dt.date(2026, 11, 5))

            self.assertEqual(Sale(handed.id).sfa_salesperson,
                team.zhang.employee)
            self.assertEqual(Sale(order.id).sfa_salesperson,
                team.zhang.employee)

            zhang = target(team.zhang, 10000, 4, 4)
            li = target(team.li, 1000, 2, 2)
            zhao = target(team.zhao, 5000, 1, 2)
            first = target(team.first, 20000, 10, 10)
            quarter = target(team.zhang, 30000, 6, 6, period='quarter',
                month=None, quarter='4')
            self.assertEqual((zhang.start_date, zhang.end_date),
                (dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
            self.assertEqual((quarter.start_date, quarter.end_date),
                (dt.date(2026, 10, 1), dt.date(2026, 12, 31)))

            def figures(record):
                record = Target(record.id)
                return (record.amount_achieved, record.won_deals,
                    record.customers_achieved, record.visits_achieved)
            self.assertEqual(figures(zhang), (D(5200), 2, 2, 2))
            self.assertEqual(figures(li), (D(2000), 0, 1, 1))
            self.assertEqual(figures(zhao), (D(9000), 0, 0, 1))
            # 销售一部: 张三, 李四 and 王经理
            self.assertEqual(figures(first), (D(7200), 2, 3, 3))
            # October's sale, deal and visit are in the quarter
            self.assertEqual(figures(quarter), (D(6300), 3, 2, 3))
            zhang = Target(zhang.id)
            self.assertAlmostEqual(zhang.amount_rate, 0.52)
            self.assertAlmostEqual(zhang.customers_rate, 0.5)
            self.assertAlmostEqual(zhang.visits_rate, 0.5)
            self.assertAlmostEqual(Target(first.id).amount_rate, 0.36)

            # One period for many targets is one query
            self.assertEqual(
                [t.amount_achieved for t in Target.browse(
                        [zhang, li, zhao])],
                [D(5200), D(2000), D(9000)])

            with Transaction().set_context(**NOVEMBER):
                rows = Ranking.search([])
                self.assertEqual(
                    [(r.rank, r.employee, r.target) for r in rows], [
                        (1, team.li.employee, li),
                        (2, team.zhao.employee, zhao),
                        (3, team.zhang.employee, zhang),
                        ])
                self.assertEqual((rows[2].amount_achieved, rows[2].won_deals,
                        rows[2].customers_achieved,
                        rows[2].visits_achieved), (D(5200), 2, 2, 2))
                self.assertAlmostEqual(rows[0].amount_rate, 2.0)
                self.assertAlmostEqual(rows[2].visits_rate, 0.5)
                with Transaction().set_context(department=team.first.id):
                    self.assertEqual(
                        [(r.rank, r.employee) for r in Ranking.search([])],
                        [(1, team.li.employee), (2, team.zhang.employee)])
                with as_user(team.zhang):
                    mine, = Ranking.search([])
                    self.assertEqual((mine.rank, mine.employee),
                        (3, team.zhang.employee))
                with as_user(team.manager):
                    self.assertEqual({r.employee for r in Ranking.search([])},
                        {team.zhang.employee, team.li.employee})
            with Transaction().set_context(period='month', year=2026,
                    month='10'):
                self.assertEqual(Ranking.search([]), [])

            # A salesperson reads theirs and their department's only
            with as_user(team.zhang):
                self.assertEqual(set(Target.search([])),
                    {zhang, first, quarter})
                with self.assertRaises(AccessError):
                    Target.read([li.id], ['amount'])
                with self.assertRaises(AccessError), undone():
                    Target.write([Target(zhang.id)], {'amount': D(1)})
                with self.assertRaises(AccessError), undone():
                    target(team.zhang, 1, 1, 1, month='12')
                with self.assertRaises(AccessError), undone():
                    Target.delete([Target(zhang.id)])
            with as_user(team.li):
                self.assertEqual(set(Target.search([])), {li, first})
                self.assertEqual(Target.search([
                            ('employee', '=', team.zhang.employee.id)]), [])
            with as_user(team.zhao):
                self.assertEqual(Target.search([]), [zhao])
            # A manager sets the targets of their departments
            with as_user(team.manager):
                self.assertEqual(set(Target.search([])),
                    {zhang, li, first, quarter})
                december = target(team.li, 1500, 1, 1, month='12')
                Target.write([december], {'month': '01', 'year': 2027})
                self.assertEqual(Target(december.id).start_date,
                    dt.date(2027, 1, 1))
                # the dates are the server's
                with self.assertRaises(AccessError), undone():
                    Target.write([december],
                        {'start_date': dt.date(2027, 2, 1)})
                with self.assertRaises(AccessError), undone():
                    target(team.zhao, 1, 1, 1, month='12')
            self.assertEqual(Target(december.id).end_date,
                dt.date(2027, 1, 31))

            # one target per salesperson and period; coherent values
            with self.assertRaises(ValidationError), undone():
                target(team.zhang, 1, 1, 1)
            with self.assertRaises(ValidationError), undone():
                target(team.zhang, 1, 1, 1, month=None)
            with self.assertRaises(ValidationError), undone():
                Target.create([dict(NOVEMBER, kind='employee',
                            employee=team.li.employee.id,
                            department=team.first.id)])
            with self.assertRaises(ValidationError), undone():
                target(team.li, -5, 1, 1, month='09')

            # The credited salesperson is the server's
            with as_user(team.zhang):
                with self.assertRaises(AccessError), undone():
                    Sale.write([Sale(handed.id)],
                        {'sfa_salesperson': team.li.employee.id})

    @with_transaction()
    def test_forecast(self):
        """The weighted pipeline of the next months beside the same months
        of last year, for each salesperson"""
        pool = Pool()
        Date = pool.get('ir.date')
        Forecast = pool.get('crm.sfa.forecast')
        team = create_team()
        with set_company(team.company), patch.object(
                Date, 'today', lambda timezone=None: TODAY):
            product = test_approval.create_service("安装服务", 100)
            a = create_customer("张三的客户", team.zhang)
            c = create_customer("李四的客户", team.li)
            deal(a, team.zhang, 1000, dt.date(2027, 1, 15))  # 10 %
            deal(a, team.zhang, 2000, dt.date(2027, 1, 20), 'stage_proposal')
            # late: expected this month
            deal(a, team.zhang, 3000, dt.date(2026, 11, 10),
                'stage_negotiation')
            deal(c, team.li, 4000, dt.date(2027, 2, 5), 'stage_hold')
            Pool().get('sale.opportunity').write(
                [deal(c, team.li, 4000, dt.date(2027, 2, 6))],
                {'conversion_probability': 0.25})
            # not in the pipeline
            deal(a, team.zhang, 500, dt.date(2027, 1, 10), 'stage_won', 'won')
            deal(a, team.zhang, 600, dt.date(2027, 1, 11), 'stage_lost',
                'lost')
            deal(a, team.zhang, 700, dt.date(2027, 1, 12),
                state='cancelled')
            deal(a, team.zhang, 800, None)
            deal(a, team.zhang, 900, dt.date(2027, 6, 1))
            # last year
            sell(a, product, 700, dt.date(2025, 12, 10))
            sell(c, product, 900, dt.date(2026, 1, 20), 'done')
            sell(c, product, 50, dt.date(2026, 1, 21), 'quotation')
            sell(c, product, 60, dt.date(2025, 11, 30))

            def rows(**context):
                with Transaction().set_context(
                        from_date=dt.date(2026, 12, 1),
                        to_date=dt.date(2027, 2, 28), **context):
                    return {(r.month, r.employee): (r.deals, r.amount,
                            round(r.weighted_amount, 2), r.last_year_amount)
                        for r in Forecast.search([])}
            stage_hold = stage('stage_hold').probability
            zhang, li = team.zhang.employee, team.li.employee
            self.assertEqual(rows(), {
                    (dt.date(2026, 12, 1), zhang):
                        (1, D(3000), D(2100), D(700)),
                    (dt.date(2027, 1, 1), zhang): (2, D(3000), D(1100), 0),
                    (dt.date(2027, 1, 1), li): (0, 0, 0, D(900)),
                    (dt.date(2027, 2, 1), li): (2, D(8000),
                        round(D(4000) * D(str(stage_hold)) + D(1000), 2), 0),
                    })
            self.assertEqual(set(rows(salesperson=li.id)), {
                    (dt.date(2027, 1, 1), li), (dt.date(2027, 2, 1), li)})
            self.assertEqual(rows(department=team.second.id), {})
            with as_user(team.li):
                self.assertEqual({e for _, e in rows()}, {li})
            with as_user(team.manager):
                self.assertEqual({e for _, e in rows()}, {zhang, li})
