# This file is part of the CRM suite.
from trytond.model import fields
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'

    knowledge_sms_keyword = fields.Char("SMS Question Keyword",
        help="A customer's SMS reply that starts with it is answered with "
        "the best matching Q&A of the knowledge base. Empty: none is.")
    knowledge_sms_template = fields.Many2One('sms.template',
        "SMS Answer Template",
        domain=[('kind', '=', 'service')],
        help="A service template with ${answer} where the answer goes "
        "(approved at the provider). Empty: questions are logged, not "
        "answered.")
    knowledge_sms_fallback = fields.Text("SMS Answer When Nothing Matches",
        help="Sent when no Q&A matches the question. Empty: nothing is "
        "sent.")

    @classmethod
    def default_knowledge_sms_keyword(cls):
        return '问'
