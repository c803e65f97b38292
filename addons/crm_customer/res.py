# This file is part of the CRM suite.
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

LANGUAGE = 'zh_CN'
# Who may do what only a shop manager may: hand customers over, read ID
# numbers in full, manage cards and shifts
MANAGER_GROUPS = [
    ('crm_customer', 'group_sales_manager'),
    ('crm_customer', 'group_crm_admin'),
    ('res', 'group_admin'),
    ]
# Who administers the system: logs, backups, the recycle bin
ADMIN_GROUPS = [
    ('crm_customer', 'group_crm_admin'),
    ('res', 'group_admin'),
    ]


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def is_crm_manager(cls):
        """Whether the user is a shop manager or an administrator; the
        server itself (user 0) is"""
        return cls._in_groups(MANAGER_GROUPS)

    @classmethod
    def is_crm_admin(cls):
        """Whether the user is a 系统管理员 or a Tryton administrator; the
        server itself (user 0) is"""
        return cls._in_groups(ADMIN_GROUPS)

    @classmethod
    def _in_groups(cls, groups):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        if not Transaction().user:
            return True
        user_groups = cls.get_groups()
        return any(ModelData.get_id(m, g) in user_groups for m, g in groups)

    @classmethod
    def default_language(cls):
        "New staff work in Chinese once its translations are loaded"
        pool = Pool()
        Lang = pool.get('ir.lang')
        languages = Lang.search([
                ('code', '=', LANGUAGE),
                ('translatable', '=', True),
                ], limit=1)
        if languages:
            language, = languages
            return language.id
