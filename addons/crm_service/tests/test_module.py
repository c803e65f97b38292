# This file is part of the CRM suite.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class CrmServiceTestCase(CompanyTestMixin, ModuleTestCase):
    "Test CRM service module"
    module = 'crm_service'


del ModuleTestCase
