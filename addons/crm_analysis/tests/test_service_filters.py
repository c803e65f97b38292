# This file is part of the CRM suite.
"""The churn and satisfaction analyses filtered by the customers' level,
region and salesperson"""
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, create_staff)
from trytond.modules.crm_service.tests.test_churn import (
    Shop, city_region, option)
from trytond.modules.crm_service.tests.test_survey import (
    create_survey, customer, questions, response_for)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction


class ServiceFiltersTestCase(ModuleDatabaseTestCase):
    "Test the service analyses' customer filters"
    module = 'crm_analysis'

    @with_transaction()
    def test_churn_by_level_region_salesperson(self):
        """A gold member of a city lost by a salesperson, a basic member
        without a region nor salesperson: each filter keeps its own"""
        pool = Pool()
        Churn = pool.get('crm.service.churn')
        Analysis = pool.get('crm.service.churn.analysis')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            shop = Shop()
            sales = create_staff(company, 'sales1', 'group_salesperson')
            city = city_region()
            gold = shop.member("甲", (1500, 100), owner=sales.employee)
            Party.write([gold], {'province': city.parent.id,
                    'city': city.id})
            basic = shop.member("乙", (300, 100))
            price = option('crm.service.churn.reason', "价格因素")
            records = Churn.create([
                    {'customer': gold.id, 'reason': price.id},
                    {'customer': basic.id, 'reason': price.id}])
            Churn.confirm(records)

            def lost(**context):
                with Transaction().set_context(**context):
                    return sum(r.customers for r in Analysis.search([]))
            self.assertEqual(lost(), 2)
            self.assertEqual(lost(level=shop.gold.id), 1)
            self.assertEqual(lost(level=shop.basic.id), 1)
            self.assertEqual(lost(salesperson=sales.employee.id), 1)
            # The province holds the city the record kept
            self.assertEqual(lost(region=city.parent.id), 1)
            self.assertEqual(lost(region=city.id), 1)
            self.assertEqual(lost(region=city.id, level=shop.basic.id), 0)

    @with_transaction()
    def test_satisfaction_by_salesperson_and_region(self):
        """The answers of a salesperson's customers, of a region's"""
        pool = Pool()
        Response = pool.get('crm.service.survey.response')
        Analysis = pool.get('crm.service.survey.analysis')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            survey = create_survey()
            sales = create_staff(company, 'sales1', 'group_salesperson')
            city = city_region()
            mine = customer("甲", owner=sales.employee)
            Party.write([mine], {'city': city.id})
            for party, score in [(mine, 5), (customer("乙"), 1)]:
                response = response_for(survey, party, company)
                self.assertEqual(Response.record_answers(response,
                        {q.id: v for q, v in zip(survey.questions,
                                [str(score), "一定会", ''])}, 'web'), {})
            score = questions(survey)['score']

            def average(**context):
                with Transaction().set_context(company=company.id,
                        **context):
                    rows = Analysis.search([('question', '=', score.id)])
                    return [(r.answers, float(r.average_score))
                        for r in rows]
            self.assertEqual(average(), [(2, 3.0)])
            self.assertEqual(average(salesperson=sales.employee.id),
                [(1, 5.0)])
            self.assertEqual(average(region=city.id), [(1, 5.0)])
            self.assertEqual(average(salesperson=-1), [])
