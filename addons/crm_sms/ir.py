# This file is part of the CRM suite.
from trytond.model import fields
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


class ViewSearch(metaclass=PoolMeta):
    __name__ = 'ir.ui.view_search'

    # Whoever may read a bulk sending may read the filter it names
    sms_bulks = fields.One2Many('sms.bulk', 'customer_filter',
        "SMS Bulk Sendings", readonly=True)
