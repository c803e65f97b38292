# This file is part of the CRM suite.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.crm_customer.tests.tools import untranslated
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class CrmSecurityTestCase(CompanyTestMixin, ModuleTestCase):
    "Test CRM security module"
    module = 'crm_security'
    extras = ['crm_membership']

    @with_transaction()
    def test_screens_in_chinese(self):
        "The menus and the labels of the security screens are in Chinese"
        self.assertEqual(untranslated(['crm.security.login',
                    'crm.security.recycle', 'crm.security.backup',
                    'ir.model.log', 'crm.configuration', 'res.user',
                    'res.group']), {})


del ModuleTestCase
