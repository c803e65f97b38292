# This file is part of the CRM suite.
from trytond.pool import Pool, PoolMeta


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.domain.help += (
            '\n- "employees" as list of ids of the user\'s employees'
            '\n- "departments" as list of ids of their departments')

    @classmethod
    def _get_cache_key(cls, model_names):
        pool = Pool()
        User = pool.get('res.user')
        Department = pool.get('company.department')
        key = super()._get_cache_key(model_names)
        return (*key, User.get_employees(), Department.get_user_departments())

    @classmethod
    def _get_context(cls, model_name):
        pool = Pool()
        User = pool.get('res.user')
        Department = pool.get('company.department')
        context = super()._get_context(model_name)
        context['employees'] = list(User.get_employees())
        context['departments'] = list(Department.get_user_departments())
        return context
