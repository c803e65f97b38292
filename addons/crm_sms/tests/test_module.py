# This file is part of the CRM suite.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.crm_customer.tests.tools import (
    party_relations_not_replaced)
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class CrmSmsTestCase(CompanyTestMixin, ModuleTestCase):
    "Test CRM SMS module"
    module = 'crm_sms'
    extras = ['crm_membership']

    @with_transaction()
    def test_merge_carries_messages(self):
        "Merging customers carries their messages and replies"
        self.assertEqual(party_relations_not_replaced(['crm_sms']), [])


del ModuleTestCase
