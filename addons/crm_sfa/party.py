# This file is part of the CRM suite.
"""The customer's hand-overs, and 防撞单: a salesperson may not create or
take over a customer another salesperson already owns"""
import phonenumbers
from phonenumbers import PhoneNumberType

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from .exceptions import SfaAccessError

# The contact mechanisms a mobile number may be typed in
PHONE_TYPES = ['mobile', 'phone']
MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def _is_mobile(number):
    "Whether the compact number (+8613800138000) is a mobile's"
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(parsed) in MOBILE_TYPES


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    sfa_handovers = fields.Many2Many(
        'crm.sfa.handover-party.party', 'party', 'handover', "Hand-overs",
        readonly=True, filter=[('state', '!=', 'draft')],
        help="The hand-overs of the customer from one salesperson to "
        "another.")

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        # The history is the original's
        default.setdefault('sfa_handovers')
        return super().copy(parties, default=default)

    # 防撞单

    @classmethod
    def _sfa_guarded(cls):
        "Whether the user is refused customers others own"
        User = Pool().get('res.user')
        return bool(Transaction().user) and not User.is_crm_manager()

    @classmethod
    def sfa_check_claim(cls, parties):
        """Refuse to a salesperson, not a manager, the parties another
        employee owns: they may not take them over (a deal on them)"""
        pool = Pool()
        User = pool.get('res.user')
        if not cls._sfa_guarded():
            return
        employees = set(User.get_employees())
        with without_check_access():
            for party in cls.browse([int(p) for p in parties]):
                if party.owner and party.owner.id not in employees:
                    raise SfaAccessError(gettext(
                            'crm_sfa.msg_claim_owned',
                            customer=party.rec_name,
                            owner=party.owner.rec_name))

    @classmethod
    def create(cls, vlist):
        # Before the contact mechanisms are created: crm_customer refuses
        # a mobile of another customer without naming who owns it
        if Transaction().check_access and cls._sfa_guarded():
            default_owner = cls.default_owner()
            for values in vlist:
                owner = values.get('owner', default_owner)
                cls.sfa_check_collision(None, owner,
                    name=values.get('name'),
                    numbers=cls._sfa_new_numbers(
                        values.get('contact_mechanisms')),
                    codes=cls._sfa_new_codes(values.get('identifiers')))
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, parties, values=None, external=False):
        User = Pool().get('res.user')
        if mode == 'write' and external and cls._sfa_guarded():
            if 'owner' in values:
                # Let go of their own customer or take an unowned one
                employees = set(User.get_employees())
                others = [p for p in parties
                    if p.owner and p.owner.id not in employees
                    and p.owner.id != values['owner']]
                cls.sfa_check_claim(others)
            for party in parties:
                cls._sfa_check_write(party, values)
        super().check_modification(
            mode, parties, values=values, external=external)

    @classmethod
    def _sfa_check_write(cls, party, values):
        owner = values.get('owner', party.owner.id if party.owner else None)
        claimed = 'owner' in values
        numbers, codes = set(), set()
        if claimed or 'contact_mechanisms' in values:
            numbers = cls._sfa_new_numbers(values.get('contact_mechanisms'))
            numbers |= {m.value_compact for m in party.contact_mechanisms
                if m.type in PHONE_TYPES and m.value_compact}
        if claimed or 'identifiers' in values:
            codes = cls._sfa_new_codes(values.get('identifiers'))
            codes |= {i.code_compact for i in party.identifiers
                if i.type in cls.tax_identifier_types() and i.code_compact}
        cls.sfa_check_collision(party.id, owner,
            name=(values.get('name', party.name)
                if claimed or 'name' in values else None),
            numbers=numbers, codes=codes)

    @classmethod
    def _sfa_new_numbers(cls, actions):
        "The compact phone numbers the actions of contact_mechanisms give"
        ContactMechanism = Pool().get('party.contact_mechanism')
        numbers = set()
        for action in actions or []:
            if action[0] == 'create':
                vlist = action[1]
            elif action[0] == 'write':
                vlist = [action[-1]]
                if 'type' not in action[-1] and action[1]:
                    with without_check_access():
                        type_ = ContactMechanism(action[1][0]).type
                    vlist = [{'type': type_, **action[-1]}]
            else:
                continue
            for values in vlist:
                type_, value = values.get('type'), values.get('value')
                if type_ in PHONE_TYPES and value:
                    number = ContactMechanism(type=type_).format_value_compact(
                        value, type_)
                    if number:
                        numbers.add(number)
        return numbers

    @classmethod
    def _sfa_new_codes(cls, actions):
        "The compact tax identifiers the actions of identifiers give"
        Identifier = Pool().get('party.identifier')
        codes = set()
        for action in actions or []:
            if action[0] != 'create':
                continue
            for values in action[1]:
                if (values.get('type') in cls.tax_identifier_types()
                        and values.get('code')):
                    # As the identifier stores it
                    values = Identifier.preprocess_values('create', {
                            'type': values['type'],
                            'code': values['code'],
                            })
                    codes.add(values['code_compact'])
        return codes

    @classmethod
    def sfa_check_collision(cls, party_id, owner, name=None, numbers=(),
            codes=()):
        """Refuse a party of owner with the name, a mobile of numbers or a
        tax identifier of codes of a party another employee owns"""
        pool = Pool()
        ContactMechanism = pool.get('party.contact_mechanism')
        Identifier = pool.get('party.identifier')
        if owner is None:
            # Nobody claims it
            return
        owner = int(owner)
        others = [
            ('owner', '!=', None),
            ('owner', '!=', owner),
            ]
        if party_id is not None:
            others.append(('id', '!=', party_id))
        # The other customer may be one the user cannot see
        with without_check_access():
            if name:
                found = cls.search([('name', '=', name)] + others, limit=1)
                if found:
                    cls._sfa_refuse(found[0], 'msg_claim_same_name')
            numbers = [n for n in numbers if _is_mobile(n)]
            if numbers:
                found = ContactMechanism.search([
                        ('type', 'in', PHONE_TYPES),
                        ('value_compact', 'in', numbers),
                        ('party', 'where', others),
                        ], limit=1)
                if found:
                    cls._sfa_refuse(found[0].party, 'msg_claim_same_mobile')
            if codes:
                found = Identifier.search([
                        ('type', 'in', cls.tax_identifier_types()),
                        ('code_compact', 'in', list(codes)),
                        ('party', 'where', others),
                        ], limit=1)
                if found:
                    cls._sfa_refuse(
                        found[0].party, 'msg_claim_same_identifier')

    @classmethod
    def _sfa_refuse(cls, other, message):
        raise SfaAccessError(gettext('crm_sfa.' + message,
                customer=other.name or other.rec_name,
                owner=other.owner.rec_name))


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('crm.sfa.contact', 'party'),
            ('crm.sfa.task', 'party'),
            ('crm.sfa.appointment', 'party'),
            ('crm.sfa.handover-party.party', 'party'),
            ]


class Erase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def to_erase(self, party_id):
        pool = Pool()
        Contact = pool.get('crm.sfa.contact')
        # What was said with the customer; the content is required
        return super().to_erase(party_id) + [
            (Contact, [('party', '=', party_id)], True,
                ['content', 'result', 'next_action'],
                ['****', None, None]),
            ]
