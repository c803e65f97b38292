# This file is part of the CRM suite.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('crm.analysis.rfm.snapshot|refresh', "Refresh RFM Segments"))
        cls.method.selection.append(
            ('crm.analysis.ledger.month|refresh', "Sum the Ledgers' Months"))
        cls.method.selection.append(
            ('crm.analysis.spend_alert.snapshot|refresh',
                "Refresh Spend Alerts"))
