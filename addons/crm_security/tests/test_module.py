# This file is part of the CRM suite.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class CrmSecurityTestCase(CompanyTestMixin, ModuleTestCase):
    "Test CRM security module"
    module = 'crm_security'
    extras = ['crm_membership']


del ModuleTestCase
