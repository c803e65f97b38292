# This file is part of the CRM suite.
"The sales team the tests of crm_sfa work with"
from contextlib import contextmanager
from types import SimpleNamespace

from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_customer.tests.tools import as_user, create_staff
from trytond import backend
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.transaction import Transaction


def create_team():
    """A company with 销售一部 (manager 王经理, salespeople 张三 and 李四)
    and 销售二部 (赵六), each a user of their role; return them as
    attributes. The caller runs inside set_company(team.company)."""
    pool = Pool()
    Department = pool.get('company.department')
    company = create_company()
    with set_company(company):
        manager = create_staff(company, 'wang', 'group_sales_manager')
        zhang = create_staff(company, 'zhang', 'group_salesperson')
        li = create_staff(company, 'li', 'group_salesperson')
        zhao = create_staff(company, 'zhao', 'group_salesperson')
        first, second = Department.create([{
                    'name': "销售一部", 'company': company.id,
                    'manager': manager.employee.id,
                    }, {
                    'name': "销售二部", 'company': company.id,
                    }])
        for user, department in [(manager, first), (zhang, first),
                (li, first), (zhao, second)]:
            user.employee.department = department
            user.employee.save()
    return SimpleNamespace(company=company, manager=manager, zhang=zhang,
        li=li, zhao=zhao, first=first, second=second)


def create_customer(name, owner=None, mobile=None):
    "A customer owned by owner (a user), with a mobile"
    Party = Pool().get('party.party')
    party = Party(name=name, owner=owner.employee if owner else None,
        addresses=[{'street': "文三路 1 号"}])
    if mobile:
        party.contact_mechanisms = [{'type': 'mobile', 'value': mobile}]
    party.save()
    return party


@contextmanager
def undone():
    "Undo what the block wrote when it raises, as the client's request is"
    connection = Transaction().connection
    cursor = connection.cursor()
    if backend.name == 'sqlite' and not connection.in_transaction:
        cursor.execute('BEGIN IMMEDIATE')
    cursor.execute('SAVEPOINT refused')
    try:
        yield
    except Exception:
        cursor.execute('ROLLBACK TO SAVEPOINT refused')
        raise
    finally:
        cursor.execute('RELEASE SAVEPOINT refused')


def client_search(user, fs_id):
    """The records the window fs_id lists for user in the web client: its
    domain decoded with the user's context only, as the client does"""
    pool = Pool()
    ActWindow = pool.get('ir.action.act_window')
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    action = ActWindow(ModelData.get_id(*fs_id.split('.')))
    with Transaction().set_user(user.id):
        context = User.get_preferences(context_only=True)
    context['_user'] = user.id
    context['context'] = context
    domain = PYSONDecoder(context).decode(action.pyson_domain)
    with as_user(user):
        return pool.get(action.res_model).search(domain)
