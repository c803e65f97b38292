# This file is part of the CRM suite.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('crm.sfa.contact|remind_due', "Remind Due Contacts"))
        cls.method.selection.append(
            ('crm.sfa.plan|run_nightly', "Run SFA Plans"))
        cls.method.selection.extend([
                ('crm.sfa.repurchase|refresh', "Learn Repurchase Intervals"),
                ('crm.sfa.reminder|run', "Send Sales Force Reminders"),
                ])
