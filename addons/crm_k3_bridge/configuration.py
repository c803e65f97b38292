# This file is part of the CRM suite.
"""Where K3 is and how the suite talks to it: the product (K3 Cloud or K3
WISE), its address and credentials, and when and how the days are sent"""
from trytond.i18n import gettext
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.pyson import Eval

from .cloud import CloudTarget
from .exceptions import K3BridgeError
from .wise import WiseTarget


class Configuration(ModelSingleton, ModelSQL, ModelView):
    "K3 Interface Configuration"
    __name__ = 'crm.k3.configuration'
    __string__ = "K3 Interface Configuration"

    target = fields.Selection([
            (None, ""),
            ('cloud', "K3 Cloud (WebAPI)"),
            ('wise', "K3 WISE (ODBC)"),
            ], "K3 Product",
        help="Leave empty to export nothing.")
    grouping = fields.Selection([
            ('day', "One Document per Day"),
            ('sale', "One Document per Sale"),
            ], "Documents", required=True,
        help="Per day: a shop's day is one outbound bill and one receipt "
        "(per K3 customer and salesman). Per sale: one of each per sale.")
    export_hour = fields.Integer("Export Hour", required=True,
        domain=[('export_hour', '>=', 0), ('export_hour', '<=', 23)],
        help="From this hour (Beijing time) the previous day is exported.")
    start_date = fields.Date("Export From",
        help="Sales before this date are never exported.")
    walk_in_customer = fields.Char("Walk-in Customer", required=True,
        help="The K3 customer number of sales without a mapped member.")
    max_attempts = fields.Integer("Attempts", required=True,
        domain=[('max_attempts', '>=', 1)],
        help="How often an unreachable K3 is tried before the batch fails.")
    retry_minutes = fields.Integer("First Retry After", required=True,
        domain=[('retry_minutes', '>=', 1)],
        help="Minutes before the first retry; each next wait doubles.")
    timeout = fields.Integer("Time-out", required=True,
        domain=[('timeout', '>=', 1)], help="Seconds to wait for K3.")

    _cloud = {'invisible': Eval('target') != 'cloud',
        'required': Eval('target') == 'cloud'}
    cloud_url = fields.Char("Address", states=_cloud,
        help="The K3 Cloud server, e.g. https://k3.example.com/k3cloud/")
    cloud_acct_id = fields.Char("Account Set ID", states=_cloud)
    cloud_username = fields.Char("User", states=_cloud)
    cloud_login = fields.Selection([
            ('password', "Password"),
            ('app', "App ID and Secret"),
            ], "Login by", states=_cloud)
    _password = {'invisible': (Eval('target') != 'cloud')
        | (Eval('cloud_login') != 'password')}
    cloud_password = fields.Char("Password", strip=False, states=_password)
    _app = {'invisible': (Eval('target') != 'cloud')
        | (Eval('cloud_login') != 'app')}
    cloud_app_id = fields.Char("App ID", states=_app)
    cloud_app_secret = fields.Char("App Secret", strip=False, states=_app)
    wise_connection = fields.Char("ODBC Connection",
        states={'invisible': Eval('target') != 'wise',
            'required': Eval('target') == 'wise'},
        help="e.g. DRIVER=FreeTDS;SERVER=k3;PORT=1433;DATABASE=AIS2026;"
        "UID=crm;PWD=…;TDS_Version=7.4")
    del _cloud, _password, _app

    @classmethod
    def default_grouping(cls):
        return 'day'

    @classmethod
    def default_export_hour(cls):
        return 2

    @classmethod
    def default_walk_in_customer(cls):
        return 'CUST0001'

    @classmethod
    def default_max_attempts(cls):
        return 5

    @classmethod
    def default_retry_minutes(cls):
        return 10

    @classmethod
    def default_timeout(cls):
        return 60

    @classmethod
    def default_cloud_login(cls):
        return 'password'

    def _target_fields(self):
        "The settings the chosen K3 needs"
        if self.target == 'cloud':
            return ['cloud_url', 'cloud_acct_id', 'cloud_username'] + (
                ['cloud_app_id', 'cloud_app_secret']
                if self.cloud_login == 'app' else ['cloud_password'])
        elif self.target == 'wise':
            return ['wise_connection']
        return []

    def get_target(self):
        "The K3 to send to, or None when none is set"
        missing = [name for name in self._target_fields()
            if not getattr(self, name)]
        if missing:
            fields_ = self.fields_get(missing)
            raise K3BridgeError(gettext(
                    'crm_k3_bridge.msg_configuration_incomplete',
                    fields='、'.join(fields_[n]['string'] for n in missing)))
        if self.target == 'cloud':
            if self.cloud_login == 'app':
                return CloudTarget(self.cloud_url, self.cloud_acct_id,
                    self.cloud_username, app_id=self.cloud_app_id,
                    app_secret=self.cloud_app_secret, timeout=self.timeout)
            return CloudTarget(self.cloud_url, self.cloud_acct_id,
                self.cloud_username, password=self.cloud_password,
                timeout=self.timeout)
        elif self.target == 'wise':
            return WiseTarget(self.wise_connection, timeout=self.timeout)
