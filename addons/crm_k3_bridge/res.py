# This file is part of the CRM suite.
from trytond.i18n import gettext
from trytond.pool import PoolMeta

from .exceptions import K3AccessError

# Who exports to K3, maps and reconciles: finance and the administrators
FINANCE_GROUPS = [
    ('crm_k3_bridge', 'group_finance'),
    ('crm_customer', 'group_crm_admin'),
    ('res', 'group_admin'),
    ]


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def is_k3_finance(cls):
        "Whether the user may export to K3; the server itself (user 0) may"
        return cls._in_groups(FINANCE_GROUPS)

    @classmethod
    def check_k3_finance(cls):
        """Refuse a user who is not finance nor an administrator: wizards
        run without access checks once started"""
        if not cls.is_k3_finance():
            raise K3AccessError(gettext('crm_k3_bridge.msg_finance_only'))
