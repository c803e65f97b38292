# This file is part of the CRM suite.
"""Repurchase reminders (复购提醒): the interval a customer buys a product
at, learnt from their purchase days, and a reminder before the next"""
import datetime as dt
import statistics
from collections import defaultdict

from sql import Literal
from sql.aggregate import Count

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .notify import notify
from .purchase import purchases, sql_date

# Three purchase days give two gaps: fewer say nothing of a rhythm
MIN_PURCHASE_DAYS = 3


def learn(days):
    """(interval, next date) of the sorted distinct purchase days: the
    median of the gaps between them, rounded half up, after the last"""
    gaps = [(b - a).days for a, b in zip(days, days[1:])]
    interval = int(statistics.median(gaps) + 0.5)
    return interval, days[-1] + dt.timedelta(days=interval)


class Repurchase(ModelSQL, ModelView):
    __name__ = 'crm.sfa.repurchase'
    __string__ = "Repurchase"

    party = fields.Many2One('party.party', "Customer", required=True,
        readonly=True, ondelete='CASCADE')
    product = fields.Many2One('product.product', "Product", required=True,
        readonly=True, ondelete='CASCADE')
    owner = fields.Function(fields.Many2One('company.employee', "Owner"),
        'get_owner', searcher='search_owner')
    purchase_days = fields.Integer("Purchase Days", readonly=True,
        help="The days the customer bought the product on.")
    last_date = fields.Date("Last Purchase", readonly=True)
    interval = fields.Integer("Interval (Days)", readonly=True,
        help="The median of the days between two purchases.")
    next_date = fields.Date("Expected Next Purchase", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.party, Index.Equality()),
                    (t.product, Index.Equality())),
                Index(t, (t.next_date, Index.Range())),
                })
        cls._order = [('next_date', 'ASC'), ('id', 'ASC')]

    def get_owner(self, name):
        return self.party.owner.id if self.party.owner else None

    @classmethod
    def search_owner(cls, name, clause):
        return [('party.owner' + clause[0][len(name):],) + tuple(clause[1:])]

    def get_rec_name(self, name):
        return '%s - %s' % (self.party.rec_name, self.product.rec_name)

    @classmethod
    def refresh(cls):
        """Cron, nightly: learn again the interval of every customer and
        product bought on MIN_PURCHASE_DAYS days or more, in one pass over
        the purchases; rows keep their id while the pair stays"""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        purchase, counted = purchases(), purchases()
        frequent = counted.select(counted.party, counted.product,
            group_by=[counted.party, counted.product],
            having=Count(Literal(1)) >= MIN_PURCHASE_DAYS)
        cursor.execute(*purchase.join(frequent,
                condition=(purchase.party == frequent.party)
                & (purchase.product == frequent.product)).select(
                purchase.party, purchase.product, purchase.date,
                order_by=[purchase.party, purchase.product, purchase.date]))
        learnt = {}
        key, days = None, []
        for party, product, date in cursor:
            if (party, product) != key:
                if key:
                    learnt[key] = days
                key, days = (party, product), []
            days.append(sql_date(date))
        if key:
            learnt[key] = days
        for key, days in learnt.items():
            learnt[key] = (len(days), days[-1]) + learn(days)

        cursor.execute(*table.select(table.id, table.party, table.product,
                table.purchase_days, table.last_date, table.interval,
                table.next_date))
        existing, gone = {}, []
        for i, p, r, n, l, d, x in cursor:
            if (p, r) in existing:
                # Two customers merged: one row of the pair stays
                gone.append(i)
            else:
                existing[p, r] = (i, (n, sql_date(l), d, sql_date(x)))
        now = dt.datetime.now()
        user = Transaction().user
        # A pair bought no more (a cancelled sale) goes
        gone += [i for k, (i, _) in existing.items() if k not in learnt]
        for sub_ids in grouped_slice(gone, backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.delete(where=table.id.in_(list(sub_ids))))
        # Only the pairs bought again since yesterday change
        for key, values in learnt.items():
            if key in existing and existing[key][1] != values:
                cursor.execute(*table.update(
                        [table.purchase_days, table.last_date,
                            table.interval, table.next_date,
                            table.write_uid, table.write_date],
                        list(values) + [user, now],
                        where=table.id == existing[key][0]))
        rows = [list(k) + list(v) + [user, now]
            for k, v in learnt.items() if k not in existing]
        for index in range(0, len(rows), 1000):
            cursor.execute(*table.insert(
                    [table.party, table.product, table.purchase_days,
                        table.last_date, table.interval, table.next_date,
                        table.create_uid, table.create_date],
                    rows[index:index + 1000]))

    @classmethod
    def remind(cls, today):
        """The customers expected to buy again within the configured days:
        the SMS template to each and one notification to each owner, once
        per customer, product and expected date"""
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Message = pool.get('sms.message')
        Reminder = pool.get('crm.sfa.reminder')
        Lang = pool.get('ir.lang')
        configuration = Configuration(1)
        days = configuration.sfa_repurchase_days
        if days is None:
            return []
        lang = Lang.get()
        with without_check_access():
            rows = cls.search([
                    ('next_date', '>=', today),
                    ('next_date', '<=', today + dt.timedelta(days=days)),
                    ])
            keys = {r: 'repurchase:%s:%s:%s' % (
                    r.party.id, r.product.id, r.next_date.isoformat())
                for r in rows}
            pending = set(Reminder.pending(keys.values()))
            rows = [r for r in rows if keys[r] in pending]
            template = configuration.sfa_repurchase_sms_template
            by_product = defaultdict(list)
            by_owner = defaultdict(list)
            for row in rows:
                by_product[row.product, row.next_date].append(row.party)
                if row.party.owner:
                    by_owner[row.party.owner].append(row)
            if template:
                for (product, date), parties in by_product.items():
                    Message.send_many(parties, template,
                        values={
                            'product': product.rec_name,
                            'due_date': lang.strftime(date),
                            },
                        occasion='repurchase:%s:%s' % (
                            product.id, date.isoformat()))
            for owner, owned in by_owner.items():
                notify([owner],
                    gettext('crm_sfa.msg_repurchase_due',
                        count=len(owned), days=days),
                    '、'.join('%s %s %s' % (r.party.rec_name,
                            r.product.rec_name, lang.strftime(r.next_date))
                        for r in owned[:5]),
                    records=owned)
            Reminder.log('repurchase', [keys[r] for r in rows], today)
        return rows


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        # The next refresh merges the pairs the two customers shared
        return super().fields_to_replace() + [
            ('crm.sfa.repurchase', 'party'),
            ]
