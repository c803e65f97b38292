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
                    'crm.sfa.approval.rule',
                    ]), {})


del ModuleTestCase
