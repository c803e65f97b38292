# This file is part of the CRM suite.
"""Deals: stages and their history, probability defaults, the owner's
rules, 防撞单 on a deal, the funnel and the win rate"""
import datetime as dt
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import set_company
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user)
from trytond.modules.crm_sfa.tests.tools import create_customer, create_team
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

D = Decimal


def stage(xml_id):
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    Stage = pool.get('crm.sfa.stage')
    return Stage(ModelData.get_id('crm_sfa', xml_id))


def deal(party, owner, amount, stage_id='stage_initial', end_date=None,
        start_date=None):
    Opportunity = Pool().get('sale.opportunity')
    opportunity = Opportunity(party=party, employee=owner.employee,
        amount=D(amount), stage=stage(stage_id),
        conversion_probability=stage(stage_id).probability,
        end_date=end_date, description="deal %s" % amount)
    if start_date:
        opportunity.start_date = start_date
    opportunity.save()
    return opportunity


class DealTestCase(ModuleDatabaseTestCase):
    "Deals"
    module = 'crm_sfa'

    @with_transaction()
    def test_stage_history_and_probability(self):
        "A salesperson moves a deal: the history keeps who and when"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        team = create_team()
        with set_company(team.company):
            customer = create_customer("杭州某某贸易有限公司", team.zhang)
            with as_user(team.zhang):
                opportunity, = Opportunity.create([{
                            'party': customer.id,
                            'description': "年度采购",
                            }])
                self.assertEqual(opportunity.stage, stage('stage_initial'))
                self.assertEqual(opportunity.conversion_probability, 0.1)
                self.assertEqual(opportunity.employee, team.zhang.employee)

                opportunity.stage = stage('stage_proposal')
                opportunity.on_change_stage()
                self.assertEqual(opportunity.conversion_probability, 0.5)
                opportunity.save()

                # Won and lost are outcomes, not picks
                with self.assertRaises(AccessError):
                    Opportunity.write([opportunity], {
                            'stage': stage('stage_won').id})

            history = sorted(opportunity.stage_history, key=lambda h: h.id)
            self.assertEqual([(h.previous_stage, h.stage) for h in history], [
                    (None, stage('stage_initial')),
                    (stage('stage_initial'), stage('stage_proposal')),
                    ])
            self.assertEqual({h.user for h in history}, {team.zhang})
            self.assertEqual(history[-1].probability, 0.5)

            Opportunity.lost([opportunity])
            self.assertEqual(opportunity.stage, stage('stage_lost'))
            self.assertEqual(opportunity.stage_history[0].stage,
                stage('stage_lost'))

            # The history is the server's
            History = pool.get('crm.sfa.stage.history')
            with as_user(team.zhang):
                with self.assertRaises(AccessError):
                    History.create([{
                                'opportunity': opportunity.id,
                                'stage': stage('stage_won').id,
                                'date': dt.datetime.now(),
                                }])
                with self.assertRaises(AccessError):
                    History.write(list(opportunity.stage_history), {
                            'stage': stage('stage_won').id})

    @with_transaction()
    def test_owner_rules(self):
        "Salespeople see their deals, managers their departments'"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        team = create_team()
        with set_company(team.company):
            mine = create_customer("张三的客户", team.zhang)
            theirs = create_customer("赵六的客户", team.zhao)
            a = deal(mine, team.zhang, 1000)
            b = deal(theirs, team.zhao, 2000)
            with as_user(team.li):
                self.assertEqual(Opportunity.search([]), [])
                # 防撞单: a deal on another's customer names the owner
                with self.assertRaises(AccessError) as refused:
                    Opportunity.create([{'party': mine.id}])
                self.assertIn(team.zhang.employee.rec_name,
                    str(refused.exception))
                # nor given to someone else
                other = create_customer("无主客户")
                with self.assertRaises(AccessError):
                    Opportunity.create([{'party': other.id,
                                'employee': team.zhang.employee.id}])
            with as_user(team.manager):
                seen = Opportunity.search([])
                self.assertIn(a, seen)
                self.assertNotIn(b, seen)
                self.assertEqual(Opportunity.search_count(
                        [('party', '=', theirs.id)]), 0)
            self.assertIn(b, Opportunity.search([]))

    @with_transaction()
    def test_funnel_and_win_rate(self):
        "The funnel and the win rate against a hand computation"
        pool = Pool()
        Funnel = pool.get('crm.sfa.funnel')
        Performance = pool.get('crm.sfa.performance')
        Opportunity = pool.get('sale.opportunity')
        team = create_team()
        month = dt.date(2026, 11, 1)
        with set_company(team.company):
            customer = create_customer("客户甲", team.zhang)
            other = create_customer("客户乙", team.li)
            deal(customer, team.zhang, 1000, 'stage_initial',
                dt.date(2026, 11, 20))
            deal(customer, team.zhang, 2000, 'stage_proposal',
                dt.date(2026, 11, 25))
            deal(other, team.li, 3000, 'stage_proposal',
                dt.date(2026, 11, 28))
            won = deal(customer, team.zhang, 5000, 'stage_negotiation',
                dt.date(2026, 11, 11), start_date=dt.date(2026, 11, 1))
            lost = deal(customer, team.zhang, 700, 'stage_initial',
                dt.date(2026, 11, 15), start_date=dt.date(2026, 11, 1))
            Opportunity.write([won], {'state': 'won',
                    'stage': stage('stage_won').id})
            Opportunity.write([lost], {'state': 'lost',
                    'stage': stage('stage_lost').id})

            with Transaction().set_context(from_date=month,
                    to_date=dt.date(2026, 11, 30)):
                rows = {(r.stage.id, r.employee.id): r
                    for r in Funnel.search([])}
                proposal = stage('stage_proposal').id
                zhang = rows[(proposal, team.zhang.employee.id)]
                self.assertEqual(zhang.month, month)
                self.assertEqual((zhang.deals, zhang.amount,
                        zhang.weighted_amount), (1, D(2000), D(1000)))
                self.assertEqual(rows[(proposal, team.li.employee.id)]
                    .weighted_amount, D(1500))
                self.assertEqual(sum(r.amount for r in rows.values()),
                    D(1000 + 2000 + 3000 + 5000 + 700))

                performance, = Performance.search([
                        ('employee', '=', team.zhang.employee.id)])
                self.assertEqual((performance.won, performance.lost),
                    (1, 1))
                self.assertEqual(performance.win_rate, 0.5)
                self.assertEqual(performance.won_amount, D(5000))
                self.assertEqual(performance.cycle_days, 10)

                with as_user(team.li):
                    self.assertEqual({r.employee for r in Funnel.search([])},
                        {team.li.employee})

            with Transaction().set_context(department=team.second.id):
                self.assertEqual(Funnel.search([]), [])
            with Transaction().set_context(department=team.first.id):
                self.assertEqual(len(Funnel.search([])), 5)
