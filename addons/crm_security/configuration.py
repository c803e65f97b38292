# This file is part of the CRM suite.
from trytond.model import fields
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'

    recycle_days = fields.Integer("Recycle Bin Days", required=True,
        domain=[('recycle_days', '>', 0)],
        help="Deleted customers, cards, products and templates can be "
        "restored for this many days; the nightly purge then deletes them.")

    login_lock_failures = fields.Integer("Lock After Failures",
        required=True, domain=[('login_lock_failures', '>', 0)],
        help="Failed logins in a day after which the account is locked "
        "until an administrator unlocks it.")
    login_sms_failures = fields.Integer("SMS Code After Failures",
        required=True, domain=[('login_sms_failures', '>=', 0)],
        help="Failed logins in a day after which the login also asks for "
        "a code sent by SMS to the user's mobile; 0 for never.")
    login_sms_managers = fields.Boolean("SMS Code for Managers",
        help="Administrators and shop managers give a code sent by SMS at "
        "every login.")
    login_sms_template = fields.Many2One('sms.template',
        "Login Code Template",
        help="The template of the login code message, with ${code} for "
        "the code; empty for a plain text.")
    login_log_days = fields.Integer("Keep Login Log (Days)", required=True,
        domain=[('login_log_days', '>', 0)])

    @classmethod
    def default_login_lock_failures(cls):
        return 10

    @classmethod
    def default_login_sms_failures(cls):
        return 3

    @classmethod
    def default_login_sms_managers(cls):
        return False

    @classmethod
    def default_login_log_days(cls):
        return 180

    @classmethod
    def default_recycle_days(cls):
        return 30
