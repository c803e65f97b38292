# This file is part of the CRM suite.
"Bulk sending (群发) to the customers of a saved filter"
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval, PYSONDecoder
from trytond.transaction import Transaction

from .exceptions import SendError


class Bulk(Workflow, ModelSQL, ModelView):
    __name__ = 'sms.bulk'
    __string__ = "SMS Bulk Sending"
    _states = {'readonly': Eval('state') != 'draft'}

    name = fields.Char("Name", required=True, states=_states)
    customer_filter = fields.Many2One('ir.ui.view_search', "Customer Filter",
        required=True, ondelete='RESTRICT',
        domain=[('model', '=', 'party.party')], states=_states,
        help="A filter saved on the customers' list.")
    template = fields.Many2One('sms.template', "Template", required=True,
        domain=[('kind', '=', 'marketing')], states=_states,
        help="A marketing template: a bulk sending goes only to customers "
        "who agreed to marketing messages.")
    recipients = fields.Function(fields.Integer("Recipients",
            help="The customers of the filter the message may go to: with "
            "a mobile, and for marketing their consent."),
        'on_change_with_recipients')
    estimated_cost = fields.Function(fields.Numeric("Estimated Cost",
            digits=(16, 4)), 'on_change_with_estimated_cost')
    queued = fields.Integer("Queued", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('sent', "Sent"),
            ], "State", required=True, readonly=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._transitions |= {('draft', 'sent')}
        cls._buttons.update({
                'send': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    def _party_domain(self):
        Party = Pool().get('party.party')
        domain = PYSONDecoder().decode(self.customer_filter.domain or '[]')
        return [domain, Party.sms_recipient_domain(self.template.kind)]

    def party_ids(self):
        "The ids of the customers of the filter a message may go to"
        pool = Pool()
        Party = pool.get('party.party')
        cursor = Transaction().connection.cursor()
        cursor.execute(*Party.search(self._party_domain(),
                order=[('id', 'ASC')], query=True))
        return [i for i, in cursor]

    @fields.depends('customer_filter', 'template')
    def on_change_with_recipients(self, name=None):
        Party = Pool().get('party.party')
        if not self.customer_filter or not self.template:
            return None
        return Party.search_count(self._party_domain())

    @fields.depends('customer_filter', 'template',
        methods=['on_change_with_recipients'])
    def on_change_with_estimated_cost(self, name=None):
        Gateway = Pool().get('sms.gateway')
        count = self.on_change_with_recipients()
        if count is None:
            return None
        gateway = self.template.gateway or Gateway.get_default()
        return (gateway.cost if gateway else 0) * count * parts(
            self.template.content or '')

    @classmethod
    @ModelView.button
    @Workflow.transition('sent')
    def send(cls, bulks):
        Message = Pool().get('sms.message')
        for bulk in bulks:
            if bulk.template.kind != 'marketing':
                raise SendError(gettext('crm_sms.msg_bulk_marketing_only',
                        bulk=bulk.rec_name))
            parties = bulk.party_ids()
            if not parties:
                raise SendError(gettext('crm_sms.msg_bulk_nobody',
                        bulk=bulk.rec_name))
            bulk.queued = len(Message.send_many(parties, bulk.template,
                    origin=bulk))
        cls.save(bulks)


def parts(text):
    """The billed parts of a message: 70 characters alone, 67 each when
    split (China's providers)"""
    length = len(text)
    return 1 if length <= 70 else -(-length // 67)
