# This file is part of the CRM suite.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('sms.message|send_due', "Send Due SMS"),
                ('sms.greeting|run', "Send SMS Greetings and Reminders"),
                ])
