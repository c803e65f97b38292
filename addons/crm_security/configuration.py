# This file is part of the CRM suite.
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'

    backup_hour = fields.Integer("Backup Hour", required=True,
        domain=[('backup_hour', '>=', 0), ('backup_hour', '<=', 23)],
        help="The hour (0-23, the shop's time) from which the day's "
        "automatic backup is made.")
    backup_folder = fields.Char("Backup Folder",
        help="Where backups are written on the server; a relative folder "
        "is taken from the databases' folder (var/ for the suite). Empty: "
        "its backups folder.")
    backup_keep = fields.Integer("Backups Kept", required=True,
        domain=[('backup_keep', '>', 0)],
        help="After each backup, the oldest ones beyond this number are "
        "deleted.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update(backup_now={})

    @classmethod
    def default_backup_hour(cls):
        return 2

    @classmethod
    def default_backup_keep(cls):
        return 7

    @classmethod
    @ModelView.button_action('crm_security.act_backup_form')
    def backup_now(cls, configurations):
        Pool().get('crm.security.backup').backup_now()

    recycle_days = fields.Integer("Recycle Bin Days", required=True,
        domain=[('recycle_days', '>', 0)],
        help="Deleted customers, cards, products and templates can be "
        "restored for this many days; the nightly purge then deletes them.")
    audit_log_days = fields.Integer("Keep Operation Log (Days)",
        required=True, domain=[('audit_log_days', '>=', 180)],
        help="The nightly purge deletes older entries of the operation log; "
        "at least 180 days, as the Cybersecurity Law asks of network logs.")

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

    @classmethod
    def default_audit_log_days(cls):
        return 365
