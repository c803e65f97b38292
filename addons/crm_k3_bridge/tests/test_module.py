# This file is part of the CRM suite.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.crm_customer.tests.tools import untranslated
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class CrmK3BridgeTestCase(CompanyTestMixin, ModuleTestCase):
    "Test CRM K3 bridge module"
    module = 'crm_k3_bridge'

    @with_transaction()
    def test_screens_in_chinese(self):
        "The menus and the labels of the K3 screens are in Chinese"
        self.assertEqual(untranslated([
                    'crm.k3.configuration', 'crm.k3.mapping',
                    'crm.k3.batch', 'crm.k3.batch.document',
                    'crm.k3.batch.line', 'crm.k3.export.start',
                    'crm.k3.reconciliation', 'crm.k3.reconciliation.line',
                    ]), {})


del ModuleTestCase
