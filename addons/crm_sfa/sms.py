# This file is part of the CRM suite.
from trytond.pool import PoolMeta


class Message(metaclass=PoolMeta):
    __name__ = 'sms.message'

    @classmethod
    def _get_origins(cls):
        "Reminders and urgings of the sales force"
        return super()._get_origins() + [
            'crm.sfa.contact', 'crm.sfa.task', 'sale.opportunity']
