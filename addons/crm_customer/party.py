# This file is part of the CRM suite.
import itertools

from pypinyin import Style, pinyin

from trytond.i18n import gettext
from trytond.model import Index, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import DuplicateMobileError, DuplicateNameWarning


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    owner = fields.Many2One(
        'company.employee', "Owner", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('context', {}).get('company', -1)),
            ],
        help="The salesperson in charge of the customer.")
    name_pinyin = fields.Char("Name Pinyin", readonly=True,
        help="The name in pinyin, every reading of its heteronyms.")
    name_initials = fields.Char("Name Initials", readonly=True,
        help="The initials of the name in pinyin.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.owner, Index.Range())),
                Index(t, (t.name_pinyin, Index.Similarity())),
                Index(t, (t.name_initials, Index.Similarity())),
                })

    @classmethod
    def __register__(cls, module):
        table_h = cls.__table_handler__(module)
        fill_pinyin = not table_h.column_exist('name_pinyin')
        super().__register__(module)
        if fill_pinyin:
            # Customers that existed before the module knew pinyin
            cursor = Transaction().connection.cursor()
            table = cls.__table__()
            cursor.execute(*table.select(table.id, table.name))
            for id_, name in cursor.fetchall():
                full, initials = name_pinyin(name)
                cursor.execute(*table.update(
                        [table.name_pinyin, table.name_initials],
                        [full, initials],
                        where=table.id == id_))

    def compute_fields(self, field_names=None):
        values = super().compute_fields(field_names=field_names)
        if field_names is None or 'name' in field_names:
            values['name_pinyin'], values['name_initials'] = (
                name_pinyin(self.name))
        return values

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = super().search_rec_name(name, clause)
        _, operator, operand, *extra = clause
        if isinstance(operand, str) and operand.strip('%').isascii():
            operand = operand.lower().replace(' ', '')
            domain.extend([
                    ('name_pinyin', operator, operand, *extra),
                    ('name_initials', operator, operand, *extra),
                    ])
        return domain

    @classmethod
    def default_owner(cls):
        "A salesperson owns the customers they create"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        salesperson = ModelData.get_id('crm_customer', 'group_salesperson')
        if salesperson in User.get_groups():
            return Transaction().context.get('employee')

    @classmethod
    def check_modification(cls, mode, parties, values=None, external=False):
        super().check_modification(
            mode, parties, values=values, external=external)
        if not external:
            return
        if mode == 'create' or (mode == 'write' and 'name' in values):
            cls.check_duplicate_name(parties, values)
        if mode == 'create':
            for party in parties:
                cls.check_owner_assignment(party, party.owner)
        elif mode == 'write' and 'owner' in values:
            Employee = Pool().get('company.employee')
            owner = values['owner']
            owner = Employee(owner) if owner is not None else None
            for party in parties:
                cls.check_owner_assignment(party, owner)

    @classmethod
    def check_duplicate_name(cls, parties, values=None):
        "Warn when another customer, seen or not, has the same name"
        pool = Pool()
        Warning = pool.get('res.user.warning')
        for party in parties:
            name = values['name'] if values else party.name
            with without_check_access():
                others = cls.search([
                        ('name', '=', name),
                        ('id', '!=', party.id),
                        ], limit=1)
            if others:
                other, = others
                key = 'crm_customer.duplicate_name.%s' % name
                if Warning.check(key):
                    raise DuplicateNameWarning(key, gettext(
                            'crm_customer.msg_duplicate_name',
                            name=name, code=other.code))

    @classmethod
    def check_owner_assignment(cls, party, owner):
        """Staff may take a customer for themselves or let it go; only
        managers hand it to someone else"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        if not owner or owner.id in User.get_employees():
            return
        if set(User.get_groups()) & {
                ModelData.get_id('crm_customer', 'group_sales_manager'),
                ModelData.get_id('crm_customer', 'group_crm_admin'),
                }:
            return
        raise AccessError(gettext(
                'crm_customer.msg_owner_assignment_forbidden',
                customer=party.rec_name,
                owner=owner.rec_name))

    @classmethod
    def _code_sequence(cls, **pattern):
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        return (Configuration(1).customer_sequence
            or super()._code_sequence(**pattern))


class ContactMechanism(metaclass=PoolMeta):
    __name__ = 'party.contact_mechanism'

    def _phone_country_codes(self):
        yield from super()._phone_country_codes()
        # A number typed without +86 is Chinese
        yield 'CN'

    @classmethod
    def validate_fields(cls, mechanisms, field_names):
        super().validate_fields(mechanisms, field_names)
        cls.check_unique_mobile(mechanisms, field_names)

    @classmethod
    def check_unique_mobile(cls, mechanisms, field_names=None):
        "One mobile number belongs to one customer"
        if field_names and not (field_names & {'type', 'value', 'party'}):
            return
        for mechanism in mechanisms:
            if mechanism.type != 'mobile':
                continue
            # Validation comes before the compact value is stored
            number = mechanism.format_value_compact(
                mechanism.value, mechanism.type)
            if not number:
                continue
            # The other customer may be one the user cannot see
            with without_check_access():
                others = cls.search([
                        ('type', '=', 'mobile'),
                        ('value_compact', '=', number),
                        ('party', '!=', mechanism.party.id),
                        ], limit=1)
                if others:
                    other, = others
                    raise DuplicateMobileError(gettext(
                            'crm_customer.msg_mobile_duplicate',
                            mobile=mechanism.value,
                            code=other.party.code))


# Readings kept for a name whose characters have several (多音字)
MAX_READINGS = 8


def name_pinyin(name):
    """Return the full pinyin and the initials of name, each reading
    separated by a space: 单田芳 gives 'shantianfang dantianfang …'"""
    if not name:
        return None, None
    syllables = pinyin(name, style=Style.NORMAL, heteronym=True,
        errors=lambda text: [''.join(c for c in text.lower() if c.isalnum())])
    readings = list(itertools.islice(
            itertools.product(*syllables), MAX_READINGS))
    full = dict.fromkeys(''.join(r) for r in readings)
    initials = dict.fromkeys(''.join(s[0] for s in r if s) for r in readings)
    return ' '.join(full), ' '.join(initials)
