# This file is part of the CRM suite.
import datetime as dt

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools.timezone import available_timezones

from .exceptions import SendHoursError

TIMEZONES = [(z, z) for z in sorted(available_timezones())]


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'

    sms_gateway = fields.Many2One('sms.gateway', "SMS Gateway",
        help="The gateway messages go through unless their template says "
        "otherwise.")
    sms_send_from = fields.Time("Send SMS From", required=True,
        help="Messages due earlier wait until this hour.")
    sms_send_until = fields.Time("Send SMS Until", required=True,
        help="Messages due later wait until the next morning.")
    sms_timezone = fields.Selection(TIMEZONES, "SMS Time Zone",
        required=True, translate=False)
    sms_max_attempts = fields.Integer("SMS Attempts", required=True,
        domain=[('sms_max_attempts', '>', 0)],
        help="How many times a message is tried when the provider is busy "
        "or out of reach.")
    sms_retry_minutes = fields.Integer("SMS Retry Minutes", required=True,
        domain=[('sms_retry_minutes', '>', 0)],
        help="The wait before the first retry; it doubles at each one.")

    @classmethod
    def validate_fields(cls, configurations, field_names):
        super().validate_fields(configurations, field_names)
        if field_names & {'sms_send_from', 'sms_send_until'}:
            for configuration in configurations:
                if (configuration.sms_send_from
                        and configuration.sms_send_until
                        and configuration.sms_send_from
                        >= configuration.sms_send_until):
                    raise SendHoursError(gettext(
                            'crm_sms.msg_send_hours',
                            start=configuration.sms_send_from,
                            end=configuration.sms_send_until))

    @classmethod
    def default_sms_gateway(cls):
        ModelData = Pool().get('ir.model.data')
        try:
            return ModelData.get_id('crm_sms', 'gateway_log')
        except KeyError:
            return None

    @classmethod
    def default_sms_send_from(cls):
        return dt.time(8)

    @classmethod
    def default_sms_send_until(cls):
        return dt.time(21)

    @classmethod
    def default_sms_timezone(cls):
        return 'Asia/Shanghai'

    @classmethod
    def default_sms_max_attempts(cls):
        return 5

    @classmethod
    def default_sms_retry_minutes(cls):
        return 1
