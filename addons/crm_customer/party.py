# This file is part of the CRM suite.
import datetime as dt
import functools
import re
from string import ascii_lowercase

import phonenumbers
from phonenumbers import PhoneNumberFormat
from sql import Literal, Union
from sql.aggregate import Min
from sql.conditionals import Coalesce
from sql.functions import Substring
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    Index, Model, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.model.exceptions import AccessError
from trytond.model.multivalue import filter_pattern
from trytond.modules.company.model import CompanyValueMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Date, Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)

from .chinese import (
    ID_CARD, id_card_gender, lunar_birthday, lunar_birthday_exists,
    lunar_birthday_year, mask_id_card, name_pinyin, normalize_id_card)
from .model import MaskedChar, OnChangeAccessMixin
from .exceptions import (
    BirthdayError, DuplicateIdCardError, DuplicateMobileError,
    DuplicateNameWarning, GenderError, IdCardError, PostalCodeError,
    RegionError)

# A spelling that starts the readings of no more parties than this gives
# them by id: PostgreSQL fetches and sorts so few rather than walk the
# parties in name order, which would pass over all those between them
SPELLING_FEW = 1000

EDUCATIONS = [
    (None, ""),
    ('primary', "Primary School"),
    ('junior', "Junior High School"),
    ('senior', "Senior High School"),
    ('vocational', "Secondary Vocational School"),
    ('college', "Junior College"),
    ('bachelor', "Bachelor"),
    ('master', "Master"),
    ('doctor', "Doctorate"),
    ]


class Party(OnChangeAccessMixin, metaclass=PoolMeta):
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
    gender = fields.Selection([
            (None, ""),
            ('male', "Male"),
            ('female', "Female"),
            ], "Gender")
    birthday_calendar = fields.Selection([
            ('solar', "Solar"),
            ('lunar', "Lunar"),
            ], "Birthday Calendar", required=True, sort=False,
        help="The calendar the customer celebrates the birthday by.")
    birthday = fields.Date("Birthday",
        domain=[
            If(Bool(Eval('birthday')),
                ('birthday', '<=', Date()),
                ()),
            ],
        help="The date of birth in the solar calendar.")
    birthday_lunar_month = fields.Integer("Lunar Month",
        domain=[
            If(Eval('birthday_calendar') == 'lunar',
                [('birthday_lunar_month', '>=', 1),
                    ('birthday_lunar_month', '<=', 12)],
                []),
            ],
        states={
            'invisible': Eval('birthday_calendar') != 'lunar',
            'required': Eval('birthday_calendar') == 'lunar',
            })
    birthday_lunar_day = fields.Integer("Lunar Day",
        domain=[
            If(Eval('birthday_calendar') == 'lunar',
                [('birthday_lunar_day', '>=', 1),
                    ('birthday_lunar_day', '<=', 30)],
                []),
            ],
        states={
            'invisible': Eval('birthday_calendar') != 'lunar',
            'required': Eval('birthday_calendar') == 'lunar',
            })
    birthday_lunar_leap = fields.Boolean("Leap Month",
        states={
            'invisible': Eval('birthday_calendar') != 'lunar',
            },
        help="The birthday falls in the leap (闰) month.")
    age = fields.Function(fields.Integer("Age"), 'get_age',
        searcher='search_age')
    id_card_number = MaskedChar("ID Card Number", size=18,
        mask=mask_id_card,
        help="The resident identity card number (身份证).")
    province = fields.Many2One('crm.region', "Province", ondelete='RESTRICT',
        domain=[('level', '=', 'province')])
    city = fields.Many2One('crm.region', "City", ondelete='RESTRICT',
        domain=[
            ('level', '=', 'city'),
            If(Bool(Eval('province')),
                ('parent', '=', Eval('province', -1)),
                ()),
            ])
    district = fields.Many2One('crm.region', "District", ondelete='RESTRICT',
        domain=[
            ('level', '=', 'district'),
            If(Bool(Eval('city')),
                ('parent', '=', Eval('city', -1)),
                If(Bool(Eval('province')),
                    ('parent.parent', '=', Eval('province', -1)),
                    ())),
            ])
    occupation = fields.Char("Occupation", size=50)
    industry = fields.Many2One('crm.industry', "Industry", ondelete='RESTRICT')
    education = fields.Selection(EDUCATIONS, "Education", sort=False)
    customer_type = fields.Many2One(
        'crm.customer.type', "Customer Type", ondelete='RESTRICT')
    customer_class = fields.Many2One(
        'crm.customer.class', "Customer Class", ondelete='RESTRICT')
    customer_level = fields.Many2One(
        'crm.customer.level', "Customer Level", ondelete='RESTRICT')
    credit_rating = fields.Selection([
            (None, ""),
            ('A', "A"),
            ('B', "B"),
            ('C', "C"),
            ('D', "D"),
            ], "Credit Rating", sort=False)
    credit_limit = fields.Numeric("Credit Limit", digits=(16, 2),
        domain=[
            If(Bool(Eval('credit_limit')),
                ('credit_limit', '>=', 0),
                ()),
            ],
        help="The amount the customer may owe.")
    source = fields.Many2One(
        'crm.customer.source', "Source", ondelete='RESTRICT')
    sms_consent = fields.Boolean("SMS Marketing Consent",
        help="The customer agreed to receive marketing messages.")
    sms_consent_date = fields.Date("SMS Consent Date",
        states={
            'invisible': ~Eval('sms_consent'),
            'required': Bool(Eval('sms_consent')),
            })
    remark = fields.Text("Remark", size=4000)
    contact_persons = fields.One2Many(
        'party.contact_person', 'party', "Contact Persons")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Chinese names have no accents, and unaccent() can not be indexed
        cls.name.search_unaccented = False
        cls.name.size = 100
        t = cls.__table__()
        # Char columns that may be empty are searched as COALESCE(c, '');
        # name_pinyin and name_initials have none: the readings' table
        # (party.party.name_reading) serves the search box
        cls._sql_indexes.update({
                Index(t, (t.owner, Index.Range())),
                # The lists in name order, and the parties of a common
                # spelling walked from the first (see _search_spelling)
                Index(t, (Coalesce(t.name, ''), Index.Range()),
                    (t.id, Index.Range())),
                Index(t, (Coalesce(t.name, ''), Index.Similarity(
                            begin=True))),
                Index(t, (t.code_digit, Index.Range())),
                # Tryton compares an optional Char as COALESCE(column, '')
                Index(t, (Coalesce(t.id_card_number, ''), Index.Equality(
                            cardinality='high'))),
                Index(t, (t.birthday, Index.Range())),
                Index(t, (t.province, Index.Range())),
                Index(t, (t.city, Index.Range())),
                Index(t, (t.district, Index.Range())),
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

    @classmethod
    def order_name(cls, tables):
        # As the name is compared in a search, so that one index serves
        # both: a party without a name comes first, as on SQLite
        table, _ = tables[None]
        return [Coalesce(table.name, '')]

    @classmethod
    def on_modification(cls, mode, parties, field_names=None):
        pool = Pool()
        Reading = pool.get('party.party.name_reading')
        super().on_modification(mode, parties, field_names=field_names)
        if mode == 'create' or (mode == 'write' and 'name' in field_names):
            Reading.update_parties(list(map(int, parties)))

    def compute_fields(self, field_names=None):
        values = super().compute_fields(field_names=field_names)
        if field_names is None or 'name' in field_names:
            values['name_pinyin'], values['name_initials'] = (
                name_pinyin(self.name))
        if field_names is None or field_names & {
                'id_card_number', 'birthday', 'gender'}:
            # Whatever saves the customer (the form, an import, a call
            # over RPC), the ID card gives the empty birthday and gender
            number = self.id_card_number
            if number and ric.is_valid(number):
                if not self.birthday:
                    values['birthday'] = ric.get_birth_date(number)
                if not self.gender:
                    values['gender'] = id_card_gender(number)
        # Only what changes, so that a create given the computed columns
        # (an import) does not write them again
        return {k: v for k, v in values.items()
            if getattr(self, k, values) != v}

    @classmethod
    def _multivalue_setter(cls, parties, name, value):
        """Set the company-dependent value of the parties as
        set_multivalue does one party at a time, in one search and one
        create or write: an import creates thousands of parties, each of
        which gets the defaults of a dozen of these fields"""
        Value = cls.multivalue_model(name)
        party_field = next((f for f, field in Value._fields.items()
                if field._type == 'many2one'
                and field.model_name == cls.__name__), None)
        has_one2many = any(field._type == 'one2many'
            and field.model_name == Value.__name__ and not field.filter
            for field in cls._fields.values())
        if (len(parties) < 2 or not party_field or not has_one2many
                or isinstance(value, (list, tuple))
                or name not in Value._fields):
            return super()._multivalue_setter(parties, name, value)
        pattern = {}
        if issubclass(Value, CompanyValueMixin):
            pattern['company'] = Transaction().context.get('company')
        pattern = filter_pattern(pattern, Value)

        def plain(value):
            return value.id if isinstance(value, Model) else value

        held = {}
        with inactive_records():
            for sub in grouped_slice(parties, backend.MAX_QUERY_PARAMS):
                for record in Value.search([
                            (party_field, 'in', [p.id for p in sub]),
                            ]):
                    held.setdefault(
                        getattr(record, party_field).id, []).append(record)
        to_write, to_create = [], []
        # As multivalue_record fills a new value record
        new = {**pattern}
        for oname, ofield in cls._fields.items():
            if (oname != name and isinstance(ofield, fields.MultiValue)
                    and cls.multivalue_model(oname) == Value):
                func = getattr(cls, 'default_%s' % oname, None)
                if func:
                    new[oname] = plain(func(**pattern))
        if value is not None:
            new[name] = value
        for party in parties:
            records = [r for r in held.get(party.id, [])
                if r.match(pattern, match_none=True)]
            if records:
                to_write.extend(r for r in records
                    if plain(getattr(r, name, None)) != value)
            else:
                to_create.append({**new, party_field: party.id})
        if to_write:
            Value.write(to_write, {name: value})
        if to_create:
            Value.create(to_create)

    @classmethod
    def search_rec_name(cls, name, clause):
        """Find by the shape of what is typed, so that each lookup hits one
        indexed column instead of an OR over every one"""
        _, operator, operand, *extra = clause
        if (not isinstance(operand, str)
                or operator not in {'ilike', 'like', '='}):
            return super().search_rec_name(name, clause)
        text = operand.strip('%').strip()
        compact = text.replace(' ', '').replace('-', '')
        if not text:
            return super().search_rec_name(name, clause)
        if ID_CARD.fullmatch(compact):
            return [('id', 'in', cls._parties_by_id_card(compact.upper()))]
        if compact.isdigit():
            # The digits of a customer number are indexed as code_digit;
            # the phones are looked up first, on their indexed columns
            return ['OR',
                ('code_digit', '=', int(compact[-18:])),
                ('id', 'in', cls._parties_by_phone(compact)),
                ]
        if '@' in text:
            return ['OR',
                ('code', operator, operand, *extra),
                ('contact_mechanisms', 'where', [
                        ('type', '=', 'email'),
                        ('value', operator, operand, *extra),
                        ]),
                ]
        if CODE.fullmatch(compact):
            return ['OR',
                ('code', '=', compact.upper()),
                ('code_digit', '=', int(re.sub(r'\D', '', compact)[-18:])),
                ('name', operator, operand, *extra),
                ]
        if compact.isascii() and compact.isalpha() and operator != '=':
            return cls._search_spelling(
                compact.lower(), text if len(text) >= 3 else None)
        # On PostgreSQL a text of three characters or more is found inside
        # the columns by their trigram indexes; a shorter one has no
        # trigram, so it is matched from the start of the name
        if len(text) >= 3:
            return ['OR',
                ('code', operator, operand, *extra),
                ('name', operator, operand, *extra),
                ]
        elif operator == '=' or not operand.startswith('%'):
            return [('name', operator, operand, *extra)]
        return [cls._search_name_start(text, operand, extra)]

    @classmethod
    def _search_spelling(cls, spelling, text=None):
        """The domain of the parties with a reading of their name in pinyin
        or in initials starting with spelling, or whose code or name holds
        text.
        Pinyin is matched from the start of a reading: zs finds 张三, not
        王张森; the readings of a name are separated by spaces.
        When few parties match, they are given by id; when many do, the
        parties are walked in name order from the first that matches,
        which finds the first page at once instead of reading and sorting
        every match (zh starts the readings of one customer in seven)"""
        pool = Pool()
        Reading = pool.get('party.party.name_reading')
        others = []
        if text:
            others = [
                ('code', 'ilike', '%' + text + '%'),
                ('name', 'ilike', '%' + text + '%'),
                ]
        ids = Reading.parties(spelling, SPELLING_FEW)
        if ids is not None:
            return ['OR', ('id', 'in', ids), *others]
        domain = ['OR', *others]
        for name in ['name_pinyin', 'name_initials']:
            domain.append((name, 'like', spelling + '%'))
            domain.append((name, 'like', '% ' + spelling + '%'))
        table = cls.__table__()
        queries = Reading.first_name_queries(spelling)
        if text:
            # Their names, not their least: PostgreSQL would find the least
            # by walking every name in order for the few that hold text
            queries.append(table.select(
                    Coalesce(table.name, '').as_('name'),
                    where=(table.code.ilike('%' + text + '%')
                        | Coalesce(table.name, '').ilike(
                            '%' + text + '%'))))
        # The database compares the names, in its collation
        names = Union(*queries, all_=True)
        cursor = Transaction().connection.cursor()
        cursor.execute(*names.select(Min(names.name)))
        first, = cursor.fetchone()
        return [('name', '>=', first or ''), domain]

    @classmethod
    def _search_name_start(cls, text, operand, extra):
        """The names starting with text, or when none does, those holding
        it (a scan of every name, rarely needed)"""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(Literal(1),
                where=Coalesce(table.name, '').like(text + '%'), limit=1))
        if cursor.fetchone():
            return ('name', 'like', text + '%', *extra)
        return ('name', 'ilike', operand, *extra)

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('id_card_number', None)
        return super().copy(parties, default=default)

    @classmethod
    def _parties_by_id_card(cls, number):
        """The ids of the parties of the ID card number: by SQL, as users
        who read it masked may not search the field"""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        # As Tryton compares an optional Char, so that its index serves
        cursor.execute(*table.select(table.id,
                where=Coalesce(table.id_card_number, '') == number))
        return [p for p, in cursor]

    @classmethod
    def _parties_by_phone(cls, digits, limit=1000):
        "The ids of the parties with a phone ending with or holding digits"
        pool = Pool()
        ContactMechanism = pool.get('party.contact_mechanism')
        mechanism = ContactMechanism.__table__()
        where = (mechanism.type.in_(['mobile', 'phone'])
            & (mechanism.active == Literal(True)))
        if len(digits) == 4:
            where &= mechanism.value_tail == digits
        elif len(digits) == 11 and digits.startswith('1'):
            # A whole Chinese mobile
            where &= mechanism.value_compact == '+86' + digits
        else:
            where &= mechanism.value_compact.like('%' + digits + '%')
        cursor = Transaction().connection.cursor()
        cursor.execute(*mechanism.select(
                mechanism.party, where=where, limit=limit))
        return [p for p, in cursor]

    @classmethod
    def default_birthday_calendar(cls):
        return 'solar'

    @classmethod
    def get_age(cls, parties, name):
        today = Pool().get('ir.date').today()
        return {p.id: age(p.birthday, today) for p in parties}

    @classmethod
    def search_age(cls, name, clause):
        "Turn a condition on the age into one on the indexed birthday"
        _, operator, value = clause[:3]
        today = Pool().get('ir.date').today()
        if value is None:
            return [('birthday', operator, None)]

        def born(years, youngest):
            # The earliest (or latest) birthday of someone aged years today
            year = today.year - years - (0 if youngest else 1)
            day = today if youngest else today + dt.timedelta(days=1)
            try:
                return day.replace(year=year)
            except ValueError:
                return day.replace(year=year, day=28)
        if operator == '=':
            return [('birthday', '>=', born(value, False)),
                ('birthday', '<=', born(value, True))]
        elif operator == '!=':
            return ['OR', ('birthday', '<', born(value, False)),
                ('birthday', '>', born(value, True))]
        elif operator == '>=':
            return [('birthday', '<=', born(value, True))]
        elif operator == '>':
            return [('birthday', '<', born(value, False))]
        elif operator == '<=':
            return [('birthday', '>=', born(value, False))]
        elif operator == '<':
            return [('birthday', '>', born(value, True))]
        elif operator in {'in', 'not in'}:
            domain = ['OR'] + [cls.search_age(name, (name, '=', v))
                for v in value]
            return domain if operator == 'in' else ['NOT', domain]
        return [('id', '=', -1)]

    @fields.depends('id_card_number', 'birthday', 'gender')
    def on_change_id_card_number(self):
        "Read the birthday and gender off the ID card"
        number = normalize_id_card(self.id_card_number)
        if not number or not ric.is_valid(number):
            return
        self.id_card_number = number
        # Others would be refused on save
        self.birthday = ric.get_birth_date(number)
        self.gender = id_card_gender(number)

    @fields.depends('birthday', 'birthday_calendar', 'birthday_lunar_month',
        'birthday_lunar_day', 'birthday_lunar_leap')
    def on_change_birthday(self):
        "A lunar birthday is filled from the date of birth when empty"
        if (self.birthday and self.birthday_calendar == 'lunar'
                and not self.birthday_lunar_month):
            self.birthday_lunar_month, self.birthday_lunar_day, \
                self.birthday_lunar_leap = lunar_birthday(self.birthday)

    @fields.depends(methods=['on_change_birthday'])
    def on_change_birthday_calendar(self):
        self.on_change_birthday()

    @fields.depends('province', 'city', 'district')
    def on_change_province(self):
        if self.city and self.city.parent != self.province:
            self.city = None
        if self.district and self.district.parent.parent != self.province:
            self.district = None

    @fields.depends('province', 'city', 'district')
    def on_change_city(self):
        if self.city:
            self.province = self.city.parent
        if self.district and self.district.parent != self.city:
            self.district = None

    @fields.depends('city', 'district', methods=['on_change_city'])
    def on_change_district(self):
        if self.district:
            self.city = self.district.parent
            self.on_change_city()

    @fields.depends('sms_consent', 'sms_consent_date')
    def on_change_sms_consent(self):
        if self.sms_consent and not self.sms_consent_date:
            self.sms_consent_date = Pool().get('ir.date').today()
        elif not self.sms_consent:
            self.sms_consent_date = None

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('id_card_number'):
            values['id_card_number'] = normalize_id_card(
                values['id_card_number'])
        return values

    @classmethod
    def read(cls, ids, fields_names):
        "Only managers and administrators read ID card numbers in full"
        User = Pool().get('res.user')
        result = super().read(ids, fields_names)
        masked = [n for n in fields_names
            if isinstance(cls._fields.get(n), MaskedChar)]
        if (masked and Transaction().check_access
                and not User.is_crm_manager()):
            for values in result:
                for name in masked:
                    values[name] = cls._fields[name].mask(values[name])
        return result

    def _changed_values(self):
        """An on_change answers with the stored ID number of the record the
        client named, which the user may read only masked; what the client
        sent itself comes back as it was"""
        User = Pool().get('res.user')
        changed = super()._changed_values()
        sent = self._init_values
        if Transaction().check_access and not User.is_crm_manager():
            for name in list(changed):
                field = self._fields.get(name)
                if (isinstance(field, MaskedChar)
                        and not (sent and name in sent)):
                    changed[name] = field.mask(changed[name])
        return changed

    @classmethod
    def check_masked_search(cls, name):
        """Refuse a search or an order on a field the user reads masked,
        even inside the search of another model; the search box finds a
        whole number by itself (search_rec_name)"""
        User = Pool().get('res.user')
        if not User.is_crm_manager():
            raise AccessError(gettext(
                    'crm_customer.msg_search_masked_field',
                    field=cls.fields_get([name])[name]['string']))

    @classmethod
    def validate_fields(cls, parties, field_names):
        super().validate_fields(parties, field_names)
        cls.check_id_card(parties, field_names)
        cls.check_id_card_profile(parties, field_names)
        cls.check_region(parties, field_names)
        cls.check_lunar_birthday(parties, field_names)

    @classmethod
    def check_id_card(cls, parties, field_names=None):
        "ID card numbers are valid and belong to one customer"
        if field_names and 'id_card_number' not in field_names:
            return
        for party in parties:
            number = party.id_card_number
            if not number:
                continue
            try:
                ric.validate(number)
            except StdnumError:
                raise IdCardError(gettext(
                        'crm_customer.msg_id_card_invalid',
                        number=number, customer=party.name))
        for sub_parties in grouped_slice(
                [p for p in parties if p.id_card_number],
                backend.MAX_QUERY_PARAMS):
            sub_parties = list(sub_parties)
            numbers = {p.id_card_number: p for p in sub_parties}
            if len(numbers) < len(sub_parties):
                seen = set()
                for party in sub_parties:
                    if party.id_card_number in seen:
                        raise DuplicateIdCardError(gettext(
                                'crm_customer.msg_id_card_duplicate',
                                number=party.id_card_number,
                                code=party.code or party.name))
                    seen.add(party.id_card_number)
            # As root: the user may read the numbers masked only
            with without_check_access(), Transaction().set_user(0):
                others = cls.search([
                        ('id_card_number', 'in', list(numbers)),
                        ('id', 'not in', [p.id for p in sub_parties]),
                        ], limit=1)
            if others:
                other, = others
                raise DuplicateIdCardError(gettext(
                        'crm_customer.msg_id_card_duplicate',
                        number=other.id_card_number, code=other.code))

    @classmethod
    def check_id_card_profile(cls, parties, field_names=None):
        "The birthday and gender are those the ID card number gives"
        if field_names and not (
                field_names & {'id_card_number', 'birthday', 'gender'}):
            return
        for party in parties:
            number = party.id_card_number
            if not number or not ric.is_valid(number):
                continue
            birthday = ric.get_birth_date(number)
            if party.birthday and party.birthday != birthday:
                raise BirthdayError(gettext(
                        'crm_customer.msg_birthday_id_card',
                        customer=party.name, birthday=party.birthday,
                        expected=birthday))
            if party.gender and party.gender != id_card_gender(number):
                raise GenderError(gettext(
                        'crm_customer.msg_gender_id_card',
                        customer=party.name))

    @classmethod
    def check_region(cls, parties, field_names=None):
        "The city lies in the province, the district in the city"
        if field_names and not (
                field_names & {'province', 'city', 'district'}):
            return
        for party in parties:
            if party.city and party.province and (
                    party.city.parent != party.province):
                raise RegionError(gettext(
                        'crm_customer.msg_city_outside_province',
                        city=party.city.name,
                        province=party.province.name,
                        customer=party.name))
            if party.district and party.city and (
                    party.district.parent != party.city):
                raise RegionError(gettext(
                        'crm_customer.msg_district_outside_city',
                        district=party.district.name,
                        city=party.city.name,
                        customer=party.name))

    @classmethod
    def check_lunar_birthday(cls, parties, field_names=None):
        "A lunar birthday with a known year must exist in that year"
        if field_names and not (field_names & {
                    'birthday', 'birthday_calendar', 'birthday_lunar_month',
                    'birthday_lunar_day', 'birthday_lunar_leap'}):
            return
        for party in parties:
            if (party.birthday_calendar != 'lunar'
                    or not party.birthday_lunar_month
                    or not party.birthday_lunar_day):
                continue
            year = (lunar_birthday_year(party.birthday)
                if party.birthday else None)
            if year is None and not party.birthday_lunar_leap:
                continue
            if not lunar_birthday_exists(party.birthday_lunar_month,
                    party.birthday_lunar_day, party.birthday_lunar_leap,
                    year):
                raise BirthdayError(gettext(
                        'crm_customer.msg_lunar_birthday_invalid',
                        customer=party.name,
                        month=party.birthday_lunar_month,
                        day=party.birthday_lunar_day))

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
        User = Pool().get('res.user')
        if (not owner or owner.id in User.get_employees()
                or User.is_crm_manager()):
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

    value_tail = fields.Char("Last Digits", readonly=True,
        help="The last four digits of a phone number, to find it by them.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.value.size = 200
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.value_tail, Index.Equality())),
                Index(t, (t.value_compact, Index.Equality())),
                })

    def _phone_country_codes(self):
        yield from super()._phone_country_codes()
        # A number typed without +86 is Chinese
        yield 'CN'

    @fields.depends(methods=['_phone_country_codes'])
    def _parse_phonenumber(self, value):
        if not isinstance(value, str):
            return super()._parse_phonenumber(value)
        # The country of a number with its prefix is the prefix's, whatever
        # the addresses; an import parses each number several times
        countries = () if value.startswith('+') else tuple(
            self._phone_country_codes())
        return parse_phone_number(value, countries)

    @fields.depends(methods=['_parse_phonenumber'])
    def format_value(self, value=None, type_=None):
        if type_ in {'phone', 'mobile', 'fax'} and value:
            number = self._parse_phonenumber(value)
            if number and number.country_code == 86:
                # Shown as Chinese people write it: 138 0013 8000
                return phonenumbers.format_number(
                    number, PhoneNumberFormat.NATIONAL)
        return super().format_value(value=value, type_=type_)

    def compute_fields(self, field_names=None):
        values = super().compute_fields(field_names=field_names)
        if field_names is None or field_names & {'type', 'value'}:
            compact = values.get(
                'value_compact', getattr(self, 'value_compact', None)) or ''
            tail = None
            if self.type in {'phone', 'mobile', 'fax'}:
                digits = re.sub(r'\D', '', compact)
                tail = digits[-4:] or None
            if getattr(self, 'value_tail', None) != tail:
                values['value_tail'] = tail
        return values

    @classmethod
    def validate_fields(cls, mechanisms, field_names):
        super().validate_fields(mechanisms, field_names)
        cls.check_unique_mobile(mechanisms, field_names)

    @classmethod
    def check_unique_mobile(cls, mechanisms, field_names=None):
        "One mobile number belongs to one customer"
        if field_names and not (field_names & {'type', 'value', 'party'}):
            return
        numbers = {}
        for mechanism in mechanisms:
            if mechanism.type != 'mobile':
                continue
            # Validation comes before the compact value is stored
            number = mechanism.format_value_compact(
                mechanism.value, mechanism.type)
            if number:
                numbers.setdefault(number, mechanism)
        # In a few queries for an import; the other customer may be one the
        # user cannot see
        with without_check_access():
            for sub in grouped_slice(numbers, backend.MAX_QUERY_PARAMS):
                for other in cls.search([
                            ('type', '=', 'mobile'),
                            ('value_compact', 'in', list(sub)),
                            ]):
                    mechanism = numbers[other.value_compact]
                    if other.party != mechanism.party:
                        raise DuplicateMobileError(gettext(
                                'crm_customer.msg_mobile_duplicate',
                                mobile=mechanism.value,
                                code=other.party.code))


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('party.contact_person', 'party'),
            ]

    def transition_replace(self):
        self.merge_profile()
        return super().transition_replace()

    def merge_profile(self):
        "The kept customer takes the profile fields it lacks"
        pool = Pool()
        Party = pool.get('party.party')
        source, destination = self.ask.source, self.ask.destination
        values = {}
        for name in PROFILE_FIELDS:
            value = getattr(source, name)
            if value in {None, ''} or getattr(destination, name) not in {
                    None, ''}:
                continue
            if isinstance(value, ModelSQL):
                value = value.id
            values[name] = value
        if (source.birthday_calendar == 'lunar'
                and 'birthday_lunar_month' in values):
            values['birthday_calendar'] = 'lunar'
        categories = set(source.categories) - set(destination.categories)
        if categories:
            values['categories'] = [('add', [c.id for c in categories])]
        if source.remark and destination.remark:
            values['remark'] = '\n'.join([destination.remark, source.remark])
        if 'id_card_number' in values:
            # One customer holds a number at a time
            Party.write([source], {'id_card_number': None})
        if values:
            Party.write([destination], values)


class Erase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def to_erase(self, party_id):
        pool = Pool()
        Party = pool.get('party.party')
        ContactMechanism = pool.get('party.contact_mechanism')
        ContactPerson = pool.get('party.contact_person')
        Reading = pool.get('party.party.name_reading')
        Task = pool.get('party.party.import.task')
        # Read before anything is blanked
        with inactive_records():
            numbers = [m.value_compact or m.value
                for m in ContactMechanism.search([
                        ('party', '=', party_id),
                        ('type', 'in', ['phone', 'mobile', 'fax']),
                        ])]
        id_card_number = Party(party_id).id_card_number
        if id_card_number:
            numbers.append(id_card_number)
        to_erase = super().to_erase(party_id)
        columns = ['name_pinyin', 'name_initials', 'birthday_calendar',
            'sms_consent', *PROFILE_FIELDS]
        to_erase.extend([
                (Party, [('id', '=', party_id)], False, columns,
                    [None, None, 'solar', False]
                    + [None] * len(PROFILE_FIELDS)),
                (ContactPerson, [('party', '=', party_id)], True,
                    ['name', 'position', 'phone', 'email', 'birthday',
                        'remark'],
                    ['****', None, None, None, None, None]),
                (Reading, [('party', '=', party_id)], False,
                    ['party_name', 'reading'], [None, '']),
                # The core blanks the value only: the search box finds the
                # customer by these copies of the number
                (ContactMechanism, [('party', '=', party_id)], False,
                    ['value_compact', 'value_tail'], [None, None]),
                # The workbooks that brought the customer in
                (Task, [('id', 'in', Task.holding(numbers))], True,
                    ['file', 'errors'], [None, None]),
                ])
        return to_erase


class Address(metaclass=PoolMeta):
    __name__ = 'party.address'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.street_unstructured.size = 500
        cls.postal_code.size = 20

    @classmethod
    def validate_fields(cls, addresses, field_names):
        super().validate_fields(addresses, field_names)
        cls.check_postal_code(addresses, field_names)

    @classmethod
    def check_postal_code(cls, addresses, field_names=None):
        "Chinese postcodes have six digits"
        if field_names and not (field_names & {'postal_code', 'country'}):
            return
        for address in addresses:
            code = address.postal_code
            if (code and (not address.country or address.country.code == 'CN')
                    and not re.fullmatch(r'\d{6}', code)):
                raise PostalCodeError(gettext(
                        'crm_customer.msg_postal_code_invalid',
                        postal_code=code,
                        customer=address.party.rec_name))


class ContactPerson(sequence_ordered(), ModelSQL, ModelView):
    "A person to talk to at a company customer"
    __name__ = 'party.contact_person'
    __string__ = "Contact Person"

    party = fields.Many2One('party.party', "Customer", required=True,
        ondelete='CASCADE')
    name = fields.Char("Name", required=True, size=100)
    position = fields.Char("Position", size=50)
    phone = fields.Char("Phone", size=30)
    email = fields.Char("Email", size=100)
    birthday = fields.Date("Birthday")
    remark = fields.Char("Remark", size=500)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.party, Index.Range())))

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        ContactMechanism = pool.get('party.contact_mechanism')
        values = super().preprocess_values(mode, values)
        if values.get('phone'):
            values['phone'] = ContactMechanism(
                type='phone').format_value(values['phone'], 'phone')
        return values


# What a merge carries over and an erasure blanks
PROFILE_FIELDS = [
    'gender', 'birthday', 'birthday_lunar_month', 'birthday_lunar_day',
    'birthday_lunar_leap', 'id_card_number', 'province', 'city', 'district',
    'occupation', 'industry', 'education', 'customer_type', 'customer_class',
    'customer_level', 'credit_rating', 'credit_limit', 'source',
    'sms_consent_date', 'remark',
    ]

# A customer number as typed: KH000123, kh123
CODE = re.compile(r'[A-Za-z]{1,4}\d+')


class PartyNameReading(ModelSQL):
    """Party Name Reading

    A reading of a party's name in pinyin or in initials, one per row, with
    the name: the search box counts the parties whose reading starts with
    what is typed and finds the first of them in name order from indexes
    only, without reading the parties"""
    __name__ = 'party.party.name_reading'

    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='CASCADE')
    party_name = fields.Char("Party Name")
    reading = fields.Char("Reading", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.reading, Index.Similarity(begin=True)),
                    (t.party_name, Index.Range()), include=[t.party]),
                Index(t, (Substring(t.reading, 1, 2), Index.Range()),
                    (t.party_name, Index.Range())),
                Index(t, (t.party, Index.Range())),
                })

    @classmethod
    def __register__(cls, module):
        pool = Pool()
        Party = pool.get('party.party')
        fill = not backend.TableHandler.table_exist(cls._table)
        super().__register__(module)
        if fill:
            # The parties of a database that had the module without it
            party = Party.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*party.select(party.id))
            cls.update_parties([i for i, in cursor])

    @classmethod
    def update_parties(cls, party_ids):
        "Write again the readings of the parties from their names"
        pool = Pool()
        Party = pool.get('party.party')
        party, table = Party.__table__(), cls.__table__()
        cursor = Transaction().connection.cursor()
        for sub_ids in grouped_slice(party_ids, backend.MAX_QUERY_PARAMS):
            sub_ids = list(sub_ids)
            cursor.execute(*table.delete(where=table.party.in_(sub_ids)))
            cursor.execute(*party.select(party.id, party.name,
                    party.name_pinyin, party.name_initials,
                    where=party.id.in_(sub_ids)))
            rows = [[id_, name, reading]
                for id_, name, *readings in cursor.fetchall()
                for reading in dict.fromkeys(
                    ' '.join(filter(None, readings)).split())]
            for sub_rows in grouped_slice(
                    rows, backend.MAX_QUERY_PARAMS // 3):
                cursor.execute(*table.insert(
                        [table.party, table.party_name, table.reading],
                        list(sub_rows)))

    @classmethod
    def parties(cls, spelling, size):
        """Return the ids of the parties with a reading starting with
        spelling when there are no more than size of them, else None"""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        # A party may have several matching readings
        cursor.execute(*table.select(table.party,
                where=table.reading.like(spelling + '%'), limit=2 * size))
        rows = cursor.fetchall()
        ids = set(p for p, in rows)
        if len(rows) < 2 * size and len(ids) <= size:
            return sorted(ids)

    @classmethod
    def first_name_queries(cls, spelling):
        """Return the queries whose least name is the first in order of the
        parties with a reading starting with spelling"""
        table = cls.__table__()
        if len(spelling) > 2:
            wheres = [table.reading.like(spelling + '%')]
        else:
            # The names of one start are in order in an index; a letter
            # alone is the least of the starts of two letters it begins
            head = Substring(table.reading, 1, 2)
            wheres = [head == spelling]
            if len(spelling) == 1:
                wheres += [head == spelling + c for c in ascii_lowercase]
        return [table.select(Min(table.party_name).as_('name'), where=w)
            for w in wheres]


@functools.lru_cache(maxsize=10000)
def parse_phone_number(value, countries):
    """As ContactMechanism._parse_phonenumber: the first valid reading of
    value in the countries in turn, else as an international number"""
    for country in countries + (None,):
        try:
            number = phonenumbers.parse(value, country)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number
    return None


def age(birthday, today):
    if not birthday:
        return None
    return today.year - birthday.year - (
        (today.month, today.day) < (birthday.month, birthday.day))
