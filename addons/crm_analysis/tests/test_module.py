# This file is part of the CRM suite.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.crm_customer.tests.tools import untranslated
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class CrmAnalysisTestCase(CompanyTestMixin, ModuleTestCase):
    "Test CRM analysis module"
    module = 'crm_analysis'

    @with_transaction()
    def test_screens_in_chinese(self):
        "The tiles, the boards' reports and their labels are in Chinese"
        self.assertEqual(untranslated([
                    'crm.analysis.tile', 'crm.analysis.shift_payment',
                    'crm.analysis.sales_comparison',
                    'crm.analysis.value_flow', 'dashboard.action',
                    ]), {})


del ModuleTestCase
