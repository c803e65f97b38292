# This file is part of the CRM suite.
from trytond.model import fields
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'

    sfa_reminder_sms_template = fields.Many2One('sms.template',
        "Due Contacts SMS", ondelete='RESTRICT',
        help="Sent each morning to the salespeople who have contacts due "
        "(placeholder count); empty for the web-client notification only.")
    sfa_urge_sms_template = fields.Many2One('sms.template',
        "Urging SMS", ondelete='RESTRICT',
        help="Sent to the owner of an urged deal, task or contact "
        "(placeholders record and note); empty for none.")
