# This file is part of the CRM suite.
"Checks each suite module runs in its own tests"
import io
import re
from contextlib import contextmanager

import openpyxl

from trytond.model import ModelSQL
from trytond.modules.company.tests import create_employee
from trytond.pool import Pool
from trytond.tests.test_tryton import TestCase, activate_module, drop_db
from trytond.transaction import Transaction, check_access


class ModuleDatabaseTestCase(TestCase):
    "Tests on a database with the module of the class activated"
    module = 'crm_customer'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A class whose set-up failed left its database (no tearDownClass):
        # activated again, its rows would go into the cached copy
        drop_db()
        activate_module(cls.module)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        # Frees the test database's connections for the next test class
        drop_db()


def xlsx(rows):
    "An .xlsx workbook of the rows"
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def create_staff(company, login, group):
    """Return a user of the group (an fs_id of crm_customer) with an
    employee of the company named login"""
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    employee = create_employee(company, login)
    user, = User.create([{
                'login': login,
                'employees': [('add', [employee.id])],
                'employee': employee.id,
                'companies': [('add', [company.id])],
                'company': company.id,
                'groups': [('add', [
                            ModelData.get_id('crm_customer', group)])],
                }])
    return user


@contextmanager
def as_user(user):
    "Act as user does over RPC: with the access rights and record rules"
    User = Pool().get('res.user')
    with Transaction().set_user(user.id):
        with Transaction().set_context(
                User.get_preferences(context_only=True)), check_access():
            yield


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


CHINESE = re.compile(r'[\u4e00-\u9fff]')


def untranslated(models):
    """{'menus' or model: [names]} of the menus and the labels of the fields
    of models that have no Chinese, with the translations loaded"""
    pool = Pool()
    Lang = pool.get('ir.lang')
    Menu = pool.get('ir.ui.menu')
    zh_cn, = Lang.search([('code', '=', 'zh_CN')])
    Lang.load_translations([zh_cn])
    english = {}
    with Transaction().set_context(language='zh_CN'):
        english['menus'] = [m.complete_name for m in Menu.search([])
            if not CHINESE.search(m.name)]
        for model in models:
            fields = pool.get(model).fields_get()
            english[model] = sorted(name for name, field in fields.items()
                if field.get('string')
                and not CHINESE.search(field['string'])
                and name not in {'id', 'create_uid', 'create_date',
                    'write_uid', 'write_date', 'rec_name'})
    return {k: v for k, v in english.items() if v}
