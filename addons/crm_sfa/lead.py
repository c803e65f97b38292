# This file is part of the CRM suite.
"""Leads (线索): prospects not yet customers, from a campaign, an import or
the form; given to salespeople by territory and converted to a customer and
a deal"""
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.crm_customer.access import (
    check_button_role, refuse_created_server_fields, refuse_server_fields)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import SfaAccessError

# Set by the server: the state and what the conversion created
SERVER_FIELDS = {'state', 'party', 'opportunity'}
CLOSED_STATES = {'converted', 'disqualified'}


class Lead(Workflow, ModelSQL, ModelView):
    __name__ = 'crm.sfa.lead'
    __string__ = "Lead"
    _states = {'readonly': Eval('state').in_(list(CLOSED_STATES))}

    name = fields.Char("Name", required=True, states=_states,
        help="The person to talk to.")
    company_name = fields.Char("Company Name", states=_states,
        help="The prospect's company; the customer is named after it.")
    mobile = fields.Char("Mobile", states=_states)
    phone = fields.Char("Phone", states=_states)
    region = fields.Many2One('crm.region', "Region", ondelete='RESTRICT',
        states=_states,
        help="The province, city or district; it chooses the territory.")
    source = fields.Selection([
            (None, ""),
            ('campaign', "Campaign"),
            ('import', "Import"),
            ('form', "Form"),
            ('other', "Other"),
            ], "Source", states=_states,
        help="Left empty, a lead of a campaign is from the campaign, "
        "another from the form.")
    campaign = fields.Many2One('marketing.campaign', "Campaign",
        ondelete='RESTRICT', states=_states)
    description = fields.Text("Description", states=_states)
    company = fields.Many2One('company.company', "Company", required=True,
        ondelete='CASCADE', states=_states)
    salesperson = fields.Many2One('company.employee', "Salesperson",
        ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states=_states,
        help="Given by the territory of the region; a manager may give "
        "the lead to another.")
    party = fields.Many2One('party.party', "Customer", readonly=True,
        ondelete='RESTRICT',
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    opportunity = fields.Many2One('sale.opportunity', "Deal", readonly=True,
        ondelete='RESTRICT',
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    state = fields.Selection([
            ('new', "New"),
            ('assigned', "Assigned"),
            ('converted', "Converted"),
            ('disqualified', "Disqualified"),
            ], "State", required=True, readonly=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.salesperson, Index.Equality()),
                    (t.state, Index.Equality())),
                Index(t, (t.campaign, Index.Equality())),
                })
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('new', 'assigned'),
            ('assigned', 'new'),
            ('assigned', 'converted'),
            ('new', 'disqualified'),
            ('assigned', 'disqualified'),
            }
        cls._buttons.update({
                'convert': {
                    'invisible': Eval('state') != 'assigned',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'disqualify': {
                    'invisible': ~Eval('state').in_(['new', 'assigned']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'new'

    def get_rec_name(self, name):
        if self.company_name:
            return f'{self.name} ({self.company_name})'
        return self.name

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause[:3]
        bool_op = 'AND' if operator.startswith('!') else 'OR'
        return [bool_op,
            ('name', operator, value),
            ('company_name', operator, value),
            ('mobile', operator, value),
            ]

    @classmethod
    def preprocess_values(cls, mode, values):
        ContactMechanism = Pool().get('party.contact_mechanism')
        values = super().preprocess_values(mode, values)
        for name in ['mobile', 'phone']:
            if values.get(name):
                values[name] = ContactMechanism(type=name).format_value(
                    values[name], name)
        if mode == 'create' and not values.get('source'):
            values['source'] = 'campaign' if values.get('campaign') else 'form'
        return values

    @classmethod
    def check_salesperson(cls, employee, leads=()):
        """Refuse to a salesperson, not a manager, to give a lead to another
        or to take one already given"""
        pool = Pool()
        Employee = pool.get('company.employee')
        User = pool.get('res.user')
        if User.is_crm_manager():
            return
        employees = set(User.get_employees())
        taken = [l for l in leads
            if l.salesperson and l.salesperson.id not in employees]
        if (employee is not None and int(employee) not in employees) or taken:
            with without_check_access():
                name = (Employee(int(employee)).rec_name
                    if employee is not None else '-')
            raise SfaAccessError(gettext(
                    'crm_sfa.msg_lead_assign_refused', employee=name))

    @classmethod
    def create(cls, vlist):
        transaction = Transaction()
        if transaction.user and transaction.check_access:
            refuse_created_server_fields(
                cls, SERVER_FIELDS, vlist, (None, 'new'))
            for values in vlist:
                if values.get('salesperson'):
                    cls.check_salesperson(values['salesperson'])
        leads = super().create(vlist)
        with without_check_access():
            cls.assign_by_rule([l for l in leads if not l.salesperson])
            cls.assign([l for l in leads if l.salesperson])
        return leads

    @classmethod
    def assign_by_rule(cls, leads):
        """Give the leads to the salespeople of their region's territory,
        the others to the default salesperson if there is one"""
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Territory = pool.get('crm.sfa.territory')
        if not leads:
            return
        default = Configuration(1).sfa_lead_salesperson
        located = [l for l in leads if l.region]
        salespeople = dict(zip(located,
                Territory.assign([l.region.id for l in located])))
        to_write = []
        for lead in leads:
            salesperson = salespeople.get(lead) or default
            if salesperson:
                to_write.extend(([lead], {'salesperson': salesperson.id}))
        if to_write:
            cls.write(*to_write)

    @classmethod
    def check_modification(cls, mode, leads, values=None, external=False):
        super().check_modification(
            mode, leads, values=values, external=external)
        if not external:
            return
        if mode == 'write':
            refuse_server_fields(cls, SERVER_FIELDS, values)
            if 'salesperson' in values:
                cls.check_salesperson(values['salesperson'], leads)
        if mode in {'write', 'delete'}:
            for lead in leads:
                if lead.state in CLOSED_STATES:
                    raise SfaAccessError(gettext(
                            'crm_sfa.msg_lead_closed', lead=lead.rec_name))

    @classmethod
    def on_modification(cls, mode, leads, field_names=None):
        super().on_modification(mode, leads, field_names=field_names)
        if mode == 'write' and 'salesperson' in field_names:
            # A manager gives or takes back the lead: its state follows
            with without_check_access():
                cls.assign([l for l in leads
                        if l.salesperson and l.state == 'new'])
                cls.unassign([l for l in leads
                        if not l.salesperson and l.state == 'assigned'])

    @classmethod
    def copy(cls, leads, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('state', 'new')
        default.setdefault('party')
        default.setdefault('opportunity')
        default.setdefault('salesperson')
        return super().copy(leads, default=default)

    @classmethod
    @Workflow.transition('assigned')
    def assign(cls, leads):
        pass

    @classmethod
    @Workflow.transition('new')
    def unassign(cls, leads):
        pass

    def check_handler(self):
        "Refuse the lead to all but its salesperson and the managers"
        User = Pool().get('res.user')
        if (Transaction().user and not User.is_crm_manager()
                and (not self.salesperson
                    or self.salesperson.id not in User.get_employees())):
            raise SfaAccessError(gettext(
                    'crm_sfa.msg_lead_not_yours', lead=self.rec_name))

    # 转化: to a customer and a deal
    @classmethod
    @ModelView.button
    @Workflow.transition('converted')
    def convert(cls, leads):
        check_button_role(cls.__name__, 'convert')
        for lead in leads:
            lead.check_handler()
        for lead in leads:
            lead.party = lead._new_party()
            lead.opportunity = lead._new_opportunity()
        cls.save(leads)

    def _new_party(self):
        """The customer of the lead, owned by its salesperson; 防撞单
        refuses it when another salesperson owns one of its name or
        mobile, whoever converts"""
        pool = Pool()
        Party = pool.get('party.party')
        ContactMechanism = pool.get('party.contact_mechanism')
        name = self.company_name or self.name
        mechanisms = [{'type': t, 'value': getattr(self, t)}
            for t in ['mobile', 'phone'] if getattr(self, t)]
        numbers = {ContactMechanism(type=m['type']).format_value_compact(
                m['value'], m['type']) for m in mechanisms}
        Party.sfa_check_collision(None, self.salesperson.id, name=name,
            numbers=numbers - {None, ''})
        party = Party(name=name, owner=self.salesperson,
            contact_mechanisms=mechanisms)
        region = self.region
        while region:
            setattr(party, region.level, region)
            region = region.parent
        if self.company_name:
            party.contact_persons = [{'name': self.name, 'phone': (
                        self.mobile or self.phone)}]
        party.save()
        return party

    def _new_opportunity(self):
        "The deal of the lead, of its campaign"
        pool = Pool()
        Date = pool.get('ir.date')
        Opportunity = pool.get('sale.opportunity')
        with Transaction().set_context(company=self.company.id):
            today = Date.today()
        opportunity = Opportunity(party=self.party, company=self.company,
            employee=self.salesperson, start_date=today,
            description=self.company_name or self.name,
            comment=self.description,
            marketing_campaign=self.campaign)
        if self.party.contact_persons:
            opportunity.contact_person = self.party.contact_persons[0]
        opportunity.save()
        return opportunity

    # 无效
    @classmethod
    @ModelView.button
    @Workflow.transition('disqualified')
    def disqualify(cls, leads):
        check_button_role(cls.__name__, 'disqualify')
        for lead in leads:
            lead.check_handler()
