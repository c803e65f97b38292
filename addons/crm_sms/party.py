# This file is part of the CRM suite.
import datetime as dt

from sql import Literal, Null
from sql.aggregate import Max, Min
from sql.conditionals import Coalesce

from trytond import backend
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    sms_opt_out = fields.Boolean("SMS Unsubscribed",
        help="The customer asked for no more marketing messages.")
    sms_opt_out_date = fields.Date("SMS Unsubscribed On",
        states={
            'invisible': ~Eval('sms_opt_out'),
            'required': Bool(Eval('sms_opt_out')),
            })
    sms_mobile = fields.Function(fields.Char("SMS Mobile"),
        'get_sms_mobile', searcher='search_sms_mobile')
    sms_messages = fields.One2Many('sms.message', 'party', "SMS Messages",
        readonly=True)
    sms_replies = fields.One2Many('sms.reply', 'party', "SMS Replies",
        readonly=True)

    @fields.depends('sms_opt_out', 'sms_opt_out_date')
    def on_change_sms_opt_out(self):
        if self.sms_opt_out and not self.sms_opt_out_date:
            self.sms_opt_out_date = Pool().get('ir.date').today()
        elif not self.sms_opt_out:
            self.sms_opt_out_date = None

    @classmethod
    def _sms_mobile_query(cls, party_ids):
        "Query of (party, mobile): the first active mobile of each party"
        pool = Pool()
        ContactMechanism = pool.get('party.contact_mechanism')
        mechanism = ContactMechanism.__table__()
        first = mechanism.select(
            mechanism.party, Min(mechanism.id).as_('id'),
            where=(mechanism.type == 'mobile')
            & (mechanism.active == Literal(True))
            & fields.SQL_OPERATORS['in'](mechanism.party, party_ids),
            group_by=[mechanism.party])
        chosen = ContactMechanism.__table__()
        return first.join(chosen, condition=chosen.id == first.id).select(
            first.party.as_('party'), chosen.value_compact.as_('mobile'))

    @classmethod
    def get_sms_mobile(cls, parties, name):
        cursor = Transaction().connection.cursor()
        result = dict.fromkeys(map(int, parties))
        for sub_ids in grouped_slice(
                list(result), backend.MAX_QUERY_PARAMS):
            query = cls._sms_mobile_query(list(sub_ids))
            cursor.execute(*query.select(query.party, query.mobile))
            result.update(cursor)
        return result

    @classmethod
    def search_sms_mobile(cls, name, clause):
        _, operator, value = clause[:3]
        return [('contact_mechanisms', 'where', [
                    ('type', '=', 'mobile'),
                    ('active', '=', True),
                    ('value_compact', operator, value),
                    ])]

    @classmethod
    def sms_recipients(cls, party_ids, kind):
        """{party id: mobile} of the parties a message of kind may go to:
        a mobile, and for marketing the customer's consent and no
        unsubscription"""
        party = cls.__table__()
        cursor = Transaction().connection.cursor()
        where = party.active == Literal(True)
        if kind == 'marketing':
            where &= ((party.sms_consent == Literal(True))
                & (Coalesce(party.sms_opt_out, False) == Literal(False)))
        result = {}
        for sub_ids in grouped_slice(
                party_ids, backend.MAX_QUERY_PARAMS):
            sub_ids = list(sub_ids)
            mobile = cls._sms_mobile_query(sub_ids)
            cursor.execute(*party.join(mobile,
                    condition=mobile.party == party.id).select(
                    party.id, mobile.mobile,
                    where=where
                    & fields.SQL_OPERATORS['in'](party.id, sub_ids)))
            result.update(cursor)
        return result

    @classmethod
    def sms_recipient_domain(cls, kind):
        "The domain of the customers a message of kind may go to"
        domain = [('sms_mobile', '!=', None)]
        if kind == 'marketing':
            domain += [
                ('sms_consent', '=', True),
                ('sms_opt_out', '!=', True),
                ]
        return domain

    @classmethod
    def last_purchase_queries(cls):
        "Queries of (party, date) of the customers' purchases"
        pool = Pool()
        Sale = pool.get('sale.sale')
        sale = Sale.__table__()
        return [sale.select(sale.party.as_('party'),
                sale.sale_date.as_('date'),
                where=sale.state.in_(['confirmed', 'processing', 'done'])
                & (sale.sale_date != Null))]

    @classmethod
    def last_purchases(cls, before, customer_level=None):
        """[(party, last purchase date)] of the customers whose last
        purchase is on or before the date before"""
        party = cls.__table__()
        queries = cls.last_purchase_queries()
        union = queries[0]
        for query in queries[1:]:
            union |= query
        last = union.select(union.party, Max(union.date).as_('date'),
            group_by=[union.party])
        where = (last.date <= before) & (party.active == Literal(True))
        if customer_level:
            where &= party.customer_level == customer_level.id
        cursor = Transaction().connection.cursor()
        cursor.execute(*last.join(party, condition=party.id == last.party)
            .select(last.party, last.date, where=where))
        return [(p, _date(d)) for p, d in cursor]

    @classmethod
    def sms_value_names(cls):
        "The placeholders templates may use"
        return ['name', 'code', 'customer_level', 'shop', 'date']

    def sms_values(self):
        "The values of the placeholders for this customer"
        return self.sms_values_many([self.id])[self.id]

    @classmethod
    def sms_values_many(cls, party_ids):
        "{party id: values of the placeholders} read for all at once"
        pool = Pool()
        Date = pool.get('ir.date')
        Company = pool.get('company.company')
        company_id = Transaction().context.get('company')
        shop = Company(company_id).rec_name if company_id else None
        date = Date.today().strftime('%Y-%m-%d')
        result = {}
        for sub_ids in grouped_slice(party_ids, 1000):
            for row in cls.read(list(sub_ids),
                    ['name', 'code', 'customer_level.rec_name']):
                result[row['id']] = {
                    'name': row['name'],
                    'code': row['code'],
                    'customer_level': (
                        row['customer_level.']['rec_name']
                        if row.get('customer_level.') else None),
                    'shop': shop,
                    'date': date,
                    }
        return result

    @classmethod
    def sms_sample_values(cls):
        "Values to preview a template without a customer"
        return {
            'name': "张三",
            'code': "C00001",
            'customer_level': "VIP",
            'shop': "示例门店",
            'date': Pool().get('ir.date').today().strftime('%Y-%m-%d'),
            }

    @classmethod
    def unsubscribe(cls, parties):
        """The customers asked for no more marketing messages: those
        waiting are cancelled"""
        pool = Pool()
        Date = pool.get('ir.date')
        Message = pool.get('sms.message')
        to_write = [p for p in parties if not p.sms_opt_out]
        if to_write:
            cls.write(to_write, {
                    'sms_opt_out': True,
                    'sms_opt_out_date': Date.today(),
                    })
        Message.cancel(Message.search([
                    ('party', 'in', [p.id for p in parties]),
                    ('kind', '=', 'marketing'),
                    ('state', '=', 'queued'),
                    ]))


def _date(value):
    "SQLite gives dates of aggregates as text"
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('sms.message', 'party'),
            ('sms.reply', 'party'),
            ('sms.template', 'preview_party'),
            ]

    def transition_replace(self):
        pool = Pool()
        Message = pool.get('sms.message')
        source, destination = self.ask.source, self.ask.destination
        # The destination was greeted for what the source was, unless it
        # has its own greeting for the occasion already
        messages = Message.search([
                ('party', '=', source.id),
                ('dedup_key', '!=', None),
                ])
        keys = {m: '%s:%s' % (destination.id, m.occasion) for m in messages}
        taken = set(Message._existing_keys(list(keys.values())))
        to_write = []
        for message, key in keys.items():
            if key not in taken:
                to_write.extend(([message], {'dedup_key': key}))
        if to_write:
            Message.write(*to_write)
        return super().transition_replace()


class Erase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def transition_erase(self):
        Message = Pool().get('sms.message')
        # What waits would go to an erased number
        Message.cancel(Message.search([
                    ('party', '=', self.ask.party.id),
                    ('state', '=', 'queued'),
                    ]))
        return super().transition_erase()

    def to_erase(self, party_id):
        pool = Pool()
        Party = pool.get('party.party')
        Message = pool.get('sms.message')
        Reply = pool.get('sms.reply')
        to_erase = super().to_erase(party_id)
        # Read now: the contact mechanisms are erased before these run. A
        # reply from a number not yet on the customer and a message whose
        # customer link was lost hold it too; another customer's records
        # on a shared number stay that customer's.
        domain = ['OR',
            ('party', '=', party_id),
            [
                ('party', '=', None),
                ('phone', 'in', self.sms_numbers(party_id)),
                ],
            ]
        to_erase.extend([
                (Party, [('id', '=', party_id)], False,
                    ['sms_opt_out', 'sms_opt_out_date'], [False, None]),
                # Providers may quote the number in their error
                (Message, domain, False,
                    ['phone', 'text', 'values', 'error'],
                    ['****', '****', None, None]),
                (Reply, domain, False,
                    ['phone', 'text'], ['****', None]),
                ])
        return to_erase

    @classmethod
    def sms_numbers(cls, party_id):
        "The numbers of the party's contact mechanisms, old ones included"
        pool = Pool()
        ContactMechanism = pool.get('party.contact_mechanism')
        mechanism = ContactMechanism.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*mechanism.select(
                mechanism.value_compact, mechanism.value,
                where=mechanism.party == party_id))
        return sorted({n for row in cursor for n in row if n})
