# This file is part of the CRM suite.
"""Campaigns (营销活动): Tryton's marketing campaign with its kind, dates,
budget, target customers and channels, and the leads, deals and sales
attributed to it"""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, PYSONDecoder
from trytond.transaction import check_access, without_check_access

from .exceptions import SfaError

# The sales that count as made
SALE_STATES = ['confirmed', 'processing', 'done']
POS_SALE_STATES = ['done', 'posted']
FIGURES = ['lead_count', 'deal_count', 'won_count', 'sales_amount',
    'cost_per_lead', 'return_rate']


class Campaign(metaclass=PoolMeta):
    __name__ = 'marketing.campaign'

    kind = fields.Selection([
            (None, ""),
            ('promotion', "Promotion"),
            ('membership', "Membership Event"),
            ('exhibition', "Exhibition"),
            ('online', "Online"),
            ('other', "Other"),
            ], "Kind")
    start_date = fields.Date("Start Date")
    end_date = fields.Date("End Date",
        domain=['OR',
            ('end_date', '>=', Eval('start_date', None)),
            ('end_date', '=', None),
            ])
    budget = fields.Numeric("Budget", digits=(16, 2),
        domain=['OR', ('budget', '>=', 0), ('budget', '=', None)])
    owner = fields.Many2One('company.employee', "Owner", ondelete='RESTRICT',
        help="The employee in charge of the campaign.")
    target_filter = fields.Many2One('ir.ui.view_search', "Target Customers",
        ondelete='RESTRICT', domain=[('model', '=', 'party.party')],
        help="A filter saved on the customers' list.")
    target_count = fields.Function(fields.Integer("Target Count",
            help="The customers of the filter you may see."),
        'get_target_count')
    sms_template = fields.Many2One('sms.template', "SMS Template",
        ondelete='RESTRICT', domain=[('kind', '=', 'marketing')],
        help="The marketing message a bulk sending of the campaign sends "
        "to its target customers.")
    sms_bulks = fields.One2Many('sms.bulk', 'marketing_campaign',
        "SMS Bulk Sendings", readonly=True)
    events = fields.One2Many('crm.sfa.campaign.event', 'campaign', "Events")
    leads = fields.One2Many('crm.sfa.lead', 'campaign', "Leads")
    lead_count = fields.Function(fields.Integer("Leads"), 'get_figures')
    deal_count = fields.Function(fields.Integer("Deals"), 'get_figures')
    won_count = fields.Function(fields.Integer("Won Deals"), 'get_figures')
    sales_amount = fields.Function(fields.Numeric("Sales", digits=(16, 2),
            help="The sales of the campaign, confirmed or done, taxes "
            "included."),
        'get_figures')
    cost_per_lead = fields.Function(fields.Numeric("Cost per Lead",
            digits=(16, 2), help="The budget divided by the leads."),
        'get_figures')
    return_rate = fields.Function(fields.Numeric("Return", digits=(16, 2),
            help="The sales divided by the budget."),
        'get_figures')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'create_sms_bulk': {
                    'icon': 'tryton-launch',
                    },
                })

    def get_target_count(self, name):
        Party = Pool().get('party.party')
        if not self.target_filter:
            return None
        domain = PYSONDecoder().decode(self.target_filter.domain or '[]')
        # The customers the user may see, as on the customers' list
        with check_access():
            return Party.search_count(domain)

    @classmethod
    def get_figures(cls, campaigns, names):
        """The leads, deals, won deals and sales of the campaigns, whoever
        reads them, and the cost per lead and return on the budget"""
        pool = Pool()
        Lead = pool.get('crm.sfa.lead')
        Opportunity = pool.get('sale.opportunity')
        Sale = pool.get('sale.sale')
        ids = [c.id for c in campaigns]
        result = {n: {i: None for i in ids} for n in FIGURES}
        leads = dict.fromkeys(ids, 0)
        deals = dict.fromkeys(ids, 0)
        won = dict.fromkeys(ids, 0)
        sales = dict.fromkeys(ids, Decimal(0))
        with without_check_access():
            for lead in Lead.search([('campaign', 'in', ids)]):
                leads[lead.campaign.id] += 1
            for deal in Opportunity.search([
                        ('marketing_campaign', 'in', ids),
                        ]):
                deals[deal.marketing_campaign.id] += 1
                if deal.state == 'won':
                    won[deal.marketing_campaign.id] += 1
            for sale in Sale.search([
                        ('marketing_campaign', 'in', ids),
                        ('state', 'in', SALE_STATES),
                        ]):
                sales[sale.marketing_campaign.id] += sale.total_amount or 0
            for sale in cls._pos_sales(ids):
                sales[sale.marketing_campaign.id] += sale.total or 0
        cent = Decimal('0.01')
        for campaign in campaigns:
            id_ = campaign.id
            result['lead_count'][id_] = leads[id_]
            result['deal_count'][id_] = deals[id_]
            result['won_count'][id_] = won[id_]
            result['sales_amount'][id_] = sales[id_].quantize(cent)
            if campaign.budget and leads[id_]:
                result['cost_per_lead'][id_] = (
                    campaign.budget / leads[id_]).quantize(cent)
            if campaign.budget:
                result['return_rate'][id_] = (
                    sales[id_] / campaign.budget).quantize(cent)
        return {n: result[n] for n in names}

    @classmethod
    def _pos_sales(cls, ids):
        "The till's sales of the campaigns, where the till's module is"
        try:
            PosSale = Pool().get('sale.point.sale')
        except KeyError:
            return []
        if 'marketing_campaign' not in PosSale._fields:
            return []
        return PosSale.search([
                ('marketing_campaign', 'in', ids),
                ('state', 'in', POS_SALE_STATES),
                ])

    @classmethod
    def copy(cls, campaigns, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('sms_bulks')
        default.setdefault('leads')
        return super().copy(campaigns, default=default)

    # 群发短信: a draft bulk sending of the campaign to its target
    @classmethod
    @ModelView.button
    def create_sms_bulk(cls, campaigns):
        Bulk = Pool().get('sms.bulk')
        bulks = []
        for campaign in campaigns:
            if not campaign.target_filter or not campaign.sms_template:
                raise SfaError(gettext('crm_sfa.msg_campaign_sms_missing',
                        campaign=campaign.rec_name))
            bulks.append(Bulk(name=campaign.rec_name,
                    customer_filter=campaign.target_filter,
                    template=campaign.sms_template,
                    marketing_campaign=campaign))
        Bulk.save(bulks)


class CampaignEvent(ModelSQL, ModelView):
    __name__ = 'crm.sfa.campaign.event'
    __string__ = "Campaign Event"

    campaign = fields.Many2One('marketing.campaign', "Campaign",
        required=True, ondelete='CASCADE')
    name = fields.Char("Name", required=True)
    date = fields.Date("Date", required=True)
    place = fields.Char("Place")
    attendees = fields.Integer("Attendees",
        domain=['OR', ('attendees', '>=', 0), ('attendees', '=', None)])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('date', 'ASC'))


class SmsBulk(metaclass=PoolMeta):
    __name__ = 'sms.bulk'

    marketing_campaign = fields.Many2One('marketing.campaign', "Campaign",
        ondelete='RESTRICT', states={
            'readonly': Eval('state') != 'draft',
            })
