# This file is part of the CRM suite.
import datetime as dt
import json

from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.pyson import PYSONEncoder
from trytond.transaction import inactive_records, without_check_access


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    @classmethod
    def on_modification(cls, mode, employees, field_names=None):
        super().on_modification(mode, employees, field_names=field_names)
        if mode == 'write' and (
                field_names is None or 'end_date' in field_names):
            today = dt.date.today()
            left = [e for e in employees if e.end_date and e.end_date <= today]
            if left:
                cls.deactivate_left_users(left)

    @classmethod
    def deactivate_left_users(cls, employees=None):
        """Deactivate the users whose employees have all left (Tryton then
        ends their sessions) and tell the managers whose customers they
        owned; the nightly cron catches the end dates reached since"""
        pool = Pool()
        User = pool.get('res.user')
        today = dt.date.today()
        with without_check_access():
            if employees is None:
                # Employees who left are inactive
                with inactive_records():
                    employees = cls.search([('end_date', '<=', today)])
            if not employees:
                return []
            users = User.search([
                    ('employees', 'in', [e.id for e in employees]),
                    ])
            left = [u for u in users
                if all(e.end_date and e.end_date <= today
                    for e in u.employees)]
            if left:
                User.write(left, {'active': False})
                for employee in {e for u in left for e in u.employees}:
                    cls._notify_left(employee)
        return left

    def _notify_left(self):
        "Tell the supervisor, else the managers, of the customers to hand over"
        pool = Pool()
        Party = pool.get('party.party')
        Notification = pool.get('res.notification')
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        count = Party.search_count([('owner', '=', self.id)])
        if not count:
            return
        recipients = []
        if self.supervisor:
            recipients = User.search([('employees', '=', self.supervisor.id)])
        if not recipients:
            groups = [ModelData.get_id('crm_customer', g)
                for g in ['group_sales_manager', 'group_crm_admin']]
            recipients = User.search([('groups', 'in', groups)])
        action = ModelData.get_id('crm_customer', 'act_customer_form')
        domain = [('owner', '=', self.id)]
        Notification.create([{
                    'user': user.id,
                    'label': gettext('crm_security.msg_employee_left',
                        employee=self.rec_name),
                    'description': gettext(
                        'crm_security.msg_employee_left_customers',
                        count=count),
                    'icon': 'tryton-party',
                    'action': action,
                    'action_value': json.dumps({
                            'pyson_domain': PYSONEncoder().encode(domain),
                            'domains': [],
                            }),
                    } for user in recipients])
