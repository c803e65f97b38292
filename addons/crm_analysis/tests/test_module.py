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
                    'crm.analysis.rfm', 'crm.analysis.rfm.segment',
                    'crm.analysis.loyalty',
                    'crm.analysis.customer_distribution',
                    'crm.analysis.salesperson', 'crm.analysis.habit',
                    'crm.analysis.spend_alert',
                    'crm.analysis.liability_month',
                    'crm.analysis.member.context',
                    'crm.analysis.period.context',
                    'crm.analysis.customer.context',
                    'crm.analysis.alert.context',
                    'crm.membership.report.spend_change',
                    'crm.membership.report.spend_change.context',
                    'crm.membership.report.spend_change.summary',
                    ]), {})


del ModuleTestCase
