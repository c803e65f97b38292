# This file is part of the CRM suite.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    sfa_discount_limit = fields.Numeric(
        "Discount Limit", digits=(1, 4),
        domain=['OR',
            ('sfa_discount_limit', '=', None),
            [('sfa_discount_limit', '>=', 0),
                ('sfa_discount_limit', '<=', 1)],
            ],
        help="The largest discount off the list price the salesperson may "
        "quote without approval; empty for no limit.")
    sfa_amount_limit = fields.Numeric(
        "Quote Amount Limit", digits=(16, 2),
        domain=['OR',
            ('sfa_amount_limit', '=', None),
            ('sfa_amount_limit', '>=', 0),
            ],
        help="The largest quotation the salesperson may send without "
        "approval; empty for no limit.")

    @classmethod
    def directs(cls, employee):
        """Whether the user may direct employee: assign them work, urge
        them, move their customers. Their own employees always, a sales
        manager those of their departments and below, the administrators
        and the server everyone."""
        pool = Pool()
        User = pool.get('res.user')
        Department = pool.get('company.department')
        if not employee:
            return False
        employee = cls(int(employee))
        if employee.id in User.get_employees():
            return True
        if not User.is_crm_manager():
            return False
        if User.is_crm_admin() or not Transaction().user:
            return True
        departments = Department.get_user_departments()
        if not departments:
            return False
        with without_check_access():
            return bool(cls.search([
                        ('id', '=', employee.id),
                        ('department', 'child_of', list(departments),
                            'parent'),
                        ]))
