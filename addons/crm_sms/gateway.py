# This file is part of the CRM suite.
import secrets
import string

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool
from trytond.pyson import Eval, In
from trytond.transaction import Transaction, check_access, inactive_records

from .exceptions import TemplateError
from .provider import PROVIDERS, placeholders

KINDS = [
    ('log', "Log Only"),
    ('aliyun', "Aliyun SMS"),
    ('tencent', "Tencent Cloud SMS"),
    ('http', "HTTP Gateway"),
    ]


class Gateway(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'sms.gateway'
    __string__ = "SMS Gateway"

    name = fields.Char("Name", required=True, translate=True)
    kind = fields.Selection(KINDS, "Kind", required=True)
    endpoint = fields.Char("Endpoint",
        states={
            'required': Eval('kind') == 'http',
            'invisible': Eval('kind') == 'log',
            },
        help="The provider's address; empty for the provider's public one.")
    region = fields.Char("Region",
        states={'invisible': ~In(Eval('kind'), ['aliyun', 'tencent'])})
    key_id = fields.Char("Access Key ID",
        states={
            'required': In(Eval('kind'), ['aliyun', 'tencent']),
            'invisible': ~In(Eval('kind'), ['aliyun', 'tencent']),
            },
        help="AccessKey ID (Aliyun) or SecretId (Tencent Cloud).")
    key_secret = fields.Char("Access Key Secret", strip=False,
        states={
            'required': In(Eval('kind'), ['aliyun', 'tencent']),
            'invisible': ~In(Eval('kind'), ['aliyun', 'tencent']),
            },
        help="AccessKey Secret (Aliyun) or SecretKey (Tencent Cloud).")
    app_id = fields.Char("SDK App ID",
        states={
            'required': Eval('kind') == 'tencent',
            'invisible': Eval('kind') != 'tencent',
            })
    signature = fields.Char("Signature",
        states={
            'required': In(Eval('kind'), ['aliyun', 'tencent']),
            },
        help="The approved signature (签名) shown as 【…】 in each message.")
    method = fields.Selection([
            ('POST', "POST"),
            ('GET', "GET"),
            ], "Method",
        states={
            'required': Eval('kind') == 'http',
            'invisible': Eval('kind') != 'http',
            })
    content_type = fields.Char("Content Type",
        states={'invisible': Eval('kind') != 'http'})
    body = fields.Text("Body Template",
        states={
            'required': Eval('kind') == 'http',
            'invisible': Eval('kind') != 'http',
            },
        help="The request's body (or query for GET) with ${phone}, "
        "${national}, ${text}, ${out_id}, ${template} and the template's "
        "values.")
    success = fields.Char("Success Rule",
        states={
            'required': Eval('kind') == 'http',
            'invisible': Eval('kind') != 'http',
            },
        help="A regular expression the answer matches when the message "
        "was taken; a group named id gives the provider's message id.")
    rate_limit = fields.Integer("Messages per Minute", required=True,
        domain=[('rate_limit', '>', 0)],
        help="At most this many messages are sent through the gateway in "
        "a minute; the rest wait.")
    cost = fields.Numeric("Cost per Message", digits=(16, 4), required=True,
        help="What one message (one billed part) costs, in yuan.")
    unsubscribe_text = fields.Char("Unsubscribe Line",
        help="Appended to marketing messages when the provider asks for "
        "it, e.g. 拒收请回复R.")
    paused = fields.Boolean("Paused", readonly=True,
        help="Set when the provider refused the account itself (access "
        "key, credit, signature): messages wait until it is resumed.")
    pause_reason = fields.Text("Pause Reason", readonly=True,
        states={'invisible': ~Eval('paused')})
    callback_token = fields.Char("Callback Token", readonly=True,
        help="The secret part of the address the provider pushes "
        "delivery reports and replies to.")
    callback_report_path = fields.Function(fields.Char(
            "Delivery Report Address"), 'get_callback_path')
    callback_reply_path = fields.Function(fields.Char(
            "Reply Address"), 'get_callback_path')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('callback_token_unique', Unique(t, t.callback_token),
                'crm_sms.msg_gateway_callback_token_unique'),
            ]
        cls._buttons.update({
                'resume': {
                    'invisible': ~Eval('paused'),
                    'depends': ['paused'],
                    },
                })

    @classmethod
    def default_kind(cls):
        return 'log'

    @classmethod
    def default_paused(cls):
        return False

    @classmethod
    def default_method(cls):
        return 'POST'

    @classmethod
    def default_rate_limit(cls):
        return 600

    @classmethod
    def default_cost(cls):
        return 0

    @classmethod
    def default_callback_token(cls):
        return secrets.token_urlsafe(24)

    def get_callback_path(self, name):
        kind = 'report' if name == 'callback_report_path' else 'reply'
        return '/%s/sms/callback/%s/%s' % (
            Transaction().database.name, self.callback_token, kind)

    @classmethod
    def copy(cls, gateways, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('callback_token', None)
        default.setdefault('key_secret', None)
        default.setdefault('paused', False)
        default.setdefault('pause_reason', None)
        return super().copy(gateways, default=default)

    @classmethod
    def create(cls, vlist):
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            if not values.get('callback_token'):
                values['callback_token'] = cls.default_callback_token()
        return super().create(vlist)

    def pause(self, reason):
        """Hold every message of the gateway until an administrator fixes
        the account and resumes it; tell the administrators"""
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        if self.paused:
            return
        self.paused = True
        self.pause_reason = reason
        self.save()
        group = ModelData.get_id('crm_customer', 'group_crm_admin')
        for user in User.search([('groups', '=', group)]):
            self.__class__.notify_user([self], None,
                gettext('crm_sms.msg_gateway_paused_label',
                    gateway=self.rec_name),
                reason, user=user.id)

    @classmethod
    @ModelView.button
    def resume(cls, gateways):
        cls.write(gateways, {'paused': False, 'pause_reason': None})

    @property
    def provider(self):
        return PROVIDERS[self.kind]({
                'endpoint': self.endpoint,
                'region': self.region,
                'key_id': self.key_id,
                'key_secret': self.key_secret,
                'app_id': self.app_id,
                'signature': self.signature,
                'method': self.method,
                'content_type': self.content_type,
                'body': self.body,
                'success': self.success,
                })

    @classmethod
    def get_default(cls):
        "The gateway of the settings, or the first active one"
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        gateway = Configuration(1).sms_gateway
        if not gateway:
            gateways = cls.search([], order=[('id', 'ASC')], limit=1)
            gateway = gateways[0] if gateways else None
        return gateway


class Template(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'sms.template'
    __string__ = "SMS Template"

    name = fields.Char("Name", required=True)
    kind = fields.Selection([
            ('marketing', "Marketing"),
            ('service', "Service"),
            ], "Kind", required=True,
        help="Marketing messages go only to customers who agreed and did "
        "not unsubscribe; service messages (a top-up, an appointment) to "
        "every customer with a mobile.")
    content = fields.Text("Content", required=True,
        help="The text, with ${name}, ${code}, ${level}, ${balance}, "
        "${points}, ${expiry}, ${shop} … filled for each customer.")
    code = fields.Char("Provider Template Code",
        help="The code of the approved template at the provider "
        "(SMS_123456789 at Aliyun, a number at Tencent Cloud).")
    gateway = fields.Many2One('sms.gateway', "Gateway",
        help="Empty for the gateway of the settings.")
    preview_party = fields.Many2One('party.party', "Preview For")
    preview = fields.Function(fields.Text("Preview"),
        'on_change_with_preview')

    @classmethod
    def default_kind(cls):
        return 'marketing'

    @classmethod
    def validate_fields(cls, templates, field_names):
        super().validate_fields(templates, field_names)
        if field_names & {'content'}:
            cls.check_placeholders(templates)

    @classmethod
    def check_placeholders(cls, templates):
        pool = Pool()
        Party = pool.get('party.party')
        known = set(Party.sms_value_names())
        for template in templates:
            try:
                string.Template(template.content).substitute(
                    dict.fromkeys(placeholders(template.content), ''))
            except ValueError:
                raise TemplateError(gettext(
                        'crm_sms.msg_template_syntax',
                        template=template.rec_name))
            unknown = set(placeholders(template.content)) - known
            if unknown:
                raise TemplateError(gettext(
                        'crm_sms.msg_template_unknown_placeholder',
                        template=template.rec_name,
                        names=', '.join(sorted(unknown)),
                        known=', '.join(sorted(known))))

    @fields.depends('content', 'preview_party', 'kind', 'gateway')
    def on_change_with_preview(self, name=None):
        pool = Pool()
        Party = pool.get('party.party')
        if not self.content:
            return None
        party = self.preview_party
        if party:
            # Read as a Function field without the user's rules: a
            # customer the user may not see shows the sample values
            with check_access(), inactive_records():
                if not Party.search([('id', '=', party.id)]):
                    party = None
        values = (party.sms_values() if party
            else Party.sms_sample_values())
        return self.render(values)

    def render(self, values, gateway=None):
        """The text of the template with values, with the gateway's
        unsubscribe line for marketing"""
        text = string.Template(self.content or '').safe_substitute(
            {k: '' if v is None else v for k, v in values.items()})
        gateway = (gateway or self.gateway
            or Pool().get('sms.gateway').get_default())
        if (self.kind == 'marketing' and gateway
                and gateway.unsubscribe_text
                and gateway.unsubscribe_text not in text):
            text += gateway.unsubscribe_text
        return text

    def params(self, values):
        "The template's values the provider fills in its own template"
        return {name: '' if values.get(name) is None else str(values[name])
            for name in placeholders(self.content)}
