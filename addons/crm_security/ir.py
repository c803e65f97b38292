# This file is part of the CRM suite.
import datetime as dt

import trytond.config as config
from trytond.pool import PoolMeta

from .audit import OperationLogMixin


def idle_timeout():
    """Seconds without a request after which a session ends: Tryton's
    [session] timeout, after which it no longer renews a session"""
    return config.getint('session', 'timeout')


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('crm.security.login|purge', "Purge the Login Log"),
                ('crm.security.recycle|purge', "Purge the Recycle Bin"),
                ('company.employee|deactivate_left_users',
                    "Deactivate the Logins of Staff Who Left"),
                ('crm.security.backup|run', "Back Up the Database"),
                ('ir.model.log|purge', "Purge the Operation Log"),
                ])


class Session(metaclass=PoolMeta):
    __name__ = 'ir.session'

    @classmethod
    def check(cls, user, key, domain=None):
        """A session also ends after the idle timeout; Tryton's check only
        looks at its age (max_age)"""
        valid = super().check(user, key, domain=domain)
        if valid:
            # Tryton's check has just cached the session's last request
            last = cls._session_reset_cache.get(key)
            limit = dt.timedelta(seconds=idle_timeout())
            if last and dt.datetime.now() - last > limit:
                cls.delete(cls.search([
                            ('create_uid', '=', user),
                            ('key', '=', key),
                            ]))
                return False
        return valid


class ModelLog(OperationLogMixin, metaclass=PoolMeta):
    __name__ = 'ir.model.log'
