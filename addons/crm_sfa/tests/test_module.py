# This file is part of the CRM suite.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.crm_customer.tests.tools import untranslated
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class CrmSfaTestCase(CompanyTestMixin, ModuleTestCase):
    "Test CRM sales force module"
    module = 'crm_sfa'
    extras = ['crm_service']

    @with_transaction()
    def test_screens_in_chinese(self):
        "The menus and the labels of the sales force screens are in Chinese"
        self.assertEqual(untranslated([
                    'crm.sfa.stage', 'sale.opportunity', 'crm.sfa.competitor',
                    'crm.sfa.stage.history', 'crm.sfa.funnel',
                    'crm.sfa.performance', 'crm.sfa.funnel.context',
                    'crm.sfa.contact', 'crm.sfa.contact.record.start',
                    'crm.sfa.appointment', 'crm.sfa.task', 'crm.sfa.urge',
                    'crm.sfa.urge.start', 'crm.sfa.handover',
                    'crm.sfa.leave.start', 'crm.sfa.approval',
                    'crm.sfa.approval.rule', 'crm.sfa.plan',
                    'crm.sfa.plan.step', 'crm.sfa.plan.enrolment',
                    'crm.sfa.plan.log', 'crm.sfa.plan.enable.start',
                    'crm.sfa.target', 'crm.sfa.target.context',
                    'crm.sfa.target.ranking', 'crm.sfa.forecast',
                    'crm.sfa.contract', 'crm.sfa.contract.instalment',
                    'crm.sfa.contract.payment',
                    'crm.sfa.contract.collect.start', 'crm.sfa.receivable',
                    'marketing.campaign', 'crm.sfa.campaign.event',
                    'crm.sfa.lead', 'crm.sfa.lead.import.start',
                    'crm.sfa.lead.import.result', 'crm.sfa.territory',
                    'crm.sfa.territory.salesperson', 'crm.sfa.repurchase',
                    'crm.sfa.reminder',
                    ]), {})


del ModuleTestCase
