# This file is part of the CRM suite.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'

    survey_sms_template = fields.Many2One('sms.template',
        "Survey SMS Template",
        help="The message that brings the customer the link to a "
        "satisfaction survey, with ${survey_url}; empty to send none.")
    survey_expiry_days = fields.Integer("Survey Link Valid (Days)",
        required=True, domain=[('survey_expiry_days', '>', 0)],
        help="How long the customer may answer a survey after it is sent.")
    survey_base_url = fields.Char("Survey Page Address",
        help="The address customers reach the suite at from their phones, "
        "e.g. https://crm.example.com; empty for the server's own.")

    @classmethod
    def default_survey_sms_template(cls):
        ModelData = Pool().get('ir.model.data')
        try:
            return ModelData.get_id('crm_service', 'sms_template_survey')
        except KeyError:
            return None

    @classmethod
    def default_survey_expiry_days(cls):
        return 7
