# This file is part of the CRM suite.
from trytond.pool import PoolMeta


class SmsMessage(metaclass=PoolMeta):
    __name__ = 'sms.message'

    @classmethod
    def _get_origins(cls):
        return super()._get_origins() + ['sale.complaint']
