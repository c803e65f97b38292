# This file is part of the CRM suite.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.crm_customer.tests.tools import untranslated
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class CrmServiceTestCase(CompanyTestMixin, ModuleTestCase):
    "Test CRM service module"
    module = 'crm_service'

    @with_transaction()
    def test_screens_in_chinese(self):
        "The menus and the labels of the service screens are in Chinese"
        self.assertEqual(untranslated([
                    'sale.complaint', 'crm.service.complaint.category',
                    'crm.service.request', 'crm.service.request.history',
                    'crm.service.part', 'crm.service.technician',
                    'crm.service.repair', 'crm.service.return_visit',
                    'crm.service.suggestion', 'crm.service.churn',
                    'crm.service.churn.action', 'crm.service.churn.analysis',
                    'crm.service.knowledge.article',
                    'crm.service.knowledge.category',
                    'crm.service.knowledge.version',
                    'crm.service.knowledge.question',
                    'crm.service.survey', 'crm.service.survey.question',
                    'crm.service.survey.response',
                    'crm.service.survey.answer',
                    'crm.service.survey.analysis', 'crm.configuration',
                    ]), {})


del ModuleTestCase
