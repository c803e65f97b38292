# This file is part of the CRM suite.
from trytond.model import fields
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'

    complaint_sms_template = fields.Many2One('sms.template',
        "Complaint Closed SMS", ondelete='RESTRICT',
        help="Sent to the customer when their complaint is closed; empty "
        "for none. A marketing template goes only to customers who agreed.")
