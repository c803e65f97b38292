# This file is part of the CRM suite.
from trytond.cache import Cache
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields, tree)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .model import CodeSearchMixin


class Department(CodeSearchMixin,
        DeactivableMixin, tree(separator=' / '), ModelSQL, ModelView):
    __name__ = 'company.department'
    __string__ = "Department"

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", strip=True)
    company = fields.Many2One('company.company', "Company", required=True)
    parent = fields.Many2One(
        'company.department', "Parent",
        domain=[('company', '=', Eval('company', -1))])
    children = fields.One2Many('company.department', 'parent', "Children")
    manager = fields.Many2One(
        'company.employee', "Manager",
        domain=[('company', '=', Eval('company', -1))])
    employees = fields.One2Many(
        'company.employee', 'department', "Employees", readonly=True)

    # Departments of the user's employees, read by the record rules.
    _user_departments_cache = Cache(
        'company.department.user_departments', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.company, t.code),
                'crm_customer.msg_department_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def on_modification(cls, mode, departments, field_names=None):
        super().on_modification(mode, departments, field_names=field_names)
        cls._user_departments_cache.clear()

    @classmethod
    def get_user_departments(cls):
        "Return the ids of the departments of the current user's employees"
        pool = Pool()
        User = pool.get('res.user')
        Employee = pool.get('company.employee')
        employee_ids = User.get_employees()
        departments = cls._user_departments_cache.get(employee_ids)
        if departments is None:
            departments = tuple(sorted({
                        e.department.id for e in Employee.browse(employee_ids)
                        if e.department}))
            cls._user_departments_cache.set(employee_ids, departments)
        return departments


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    department = fields.Many2One(
        'company.department', "Department", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))])

    @classmethod
    def on_modification(cls, mode, employees, field_names=None):
        pool = Pool()
        Department = pool.get('company.department')
        super().on_modification(mode, employees, field_names=field_names)
        if mode != 'write' or not field_names or 'department' in field_names:
            Department._user_departments_cache.clear()
