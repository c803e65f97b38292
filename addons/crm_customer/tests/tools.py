# This file is part of the CRM suite.
"Checks each suite module runs in its own tests"
from trytond.model import ModelSQL
from trytond.pool import Pool
from trytond.tests.test_tryton import TestCase, activate_module, drop_db


class ModuleDatabaseTestCase(TestCase):
    "Tests on a database with the module of the class activated"
    module = 'crm_customer'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module(cls.module)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        # Frees the test database's connections for the next test class
        drop_db()


# References that describe the party itself, not what is linked to it: a
# merged customer keeps them (the readings of its own name)
PARTY_OWN_RELATIONS = {('party.party.name_reading', 'party')}


def party_relations_not_replaced(modules):
    """Return the "model.field" references to party.party defined by the
    modules that merging customers (party.replace) does not carry over.

    Every module of the suite that adds such a field asserts this is empty.
    """
    pool = Pool()
    Field = pool.get('ir.model.field')
    Replace = pool.get('party.replace', type='wizard')
    replaced = set(Replace.fields_to_replace())
    missing = []
    for field in Field.search([
                ('relation', '=', 'party.party'),
                ('ttype', 'in', ['many2one', 'reference']),
                ('module', 'in', list(modules)),
                ]):
        Model = pool.get(field.model)
        if (not issubclass(Model, ModelSQL) or Model._is_table_query()
                or not getattr(Model._fields[field.name], 'sql_type', None)
                or (field.model, field.name) in replaced
                or (field.model, field.name) in PARTY_OWN_RELATIONS):
            continue
        missing.append('%s.%s' % (field.model, field.name))
    return missing
