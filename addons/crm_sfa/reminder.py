# This file is part of the CRM suite.
"""The sales force's daily reminders: repurchases, warranties ending, and
the staff's advance notice of their customers' birthdays and holidays
(提前提醒); a log keeps each reminder to once"""
import datetime as dt
import logging
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from sql import Literal, Null
from sql.aggregate import Count

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.modules.crm_sms.greeting import birthday_parties, holiday_starts
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .exceptions import SfaAccessError
from .notify import notify
from .purchase import purchases, sql_date

logger = logging.getLogger(__name__)


class Reminder(ModelSQL, ModelView):
    "A reminder sent, by its key: none goes twice"
    __name__ = 'crm.sfa.reminder'
    __string__ = "Sales Force Reminder"

    key = fields.Char("Key", required=True, readonly=True)
    kind = fields.Selection([
            ('repurchase', "Repurchase"),
            ('warranty', "Warranty Expiry"),
            ('birthday', "Birthdays Ahead"),
            ('holiday', "Holiday Ahead"),
            ], "Kind", required=True, readonly=True)
    date = fields.Date("Date", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('key_unique', Unique(t, t.key), 'crm_sfa.msg_reminder_unique'),
            ]
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def write(cls, *args):
        raise SfaAccessError(gettext('crm_sfa.msg_reminder_append_only'))

    @classmethod
    def delete(cls, reminders):
        raise SfaAccessError(gettext('crm_sfa.msg_reminder_append_only'))

    @classmethod
    def pending(cls, keys):
        "The keys not logged yet"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        keys = set(keys)
        for sub_keys in grouped_slice(list(keys), backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(table.key,
                    where=table.key.in_(list(sub_keys))))
            keys.difference_update(k for k, in cursor)
        return sorted(keys)

    @classmethod
    def log(cls, kind, keys, date):
        with without_check_access():
            cls.create([{'key': k, 'kind': kind, 'date': date}
                    for k in keys])

    @classmethod
    def run(cls):
        "Cron, each morning: every reminder due today"
        pool = Pool()
        Date = pool.get('ir.date')
        Repurchase = pool.get('crm.sfa.repurchase')
        today = Date.today()
        Repurchase.remind(today)
        cls.remind_warranties(today)
        cls.remind_birthdays(today)
        cls.remind_holidays(today)

    @classmethod
    def remind_warranties(cls, today):
        """The purchases of a product with a warranty that ends within the
        configured days: the SMS template to the customer, a notification
        to the owner, once per customer, product and purchase day"""
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Message = pool.get('sms.message')
        Party = pool.get('party.party')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        Lang = pool.get('ir.lang')
        configuration = Configuration(1)
        days = configuration.sfa_warranty_days
        if days is None:
            return []
        last = today + dt.timedelta(days=days)
        product = Product.__table__()
        template = Template.__table__()
        cursor = Transaction().connection.cursor()
        due = []
        cursor.execute(*template.select(template.warranty_months,
                where=template.warranty_months > 0,
                group_by=[template.warranty_months]))
        for months, in cursor.fetchall():
            period = relativedelta(months=months)
            # Adding months clips to the month's end: a few days more,
            # then the exact end below
            purchase = purchases()
            cursor.execute(*purchase
                .join(product, condition=purchase.product == product.id)
                .join(template, condition=product.template == template.id)
                .select(purchase.party, purchase.product, purchase.date,
                    where=(template.warranty_months == months)
                    & (purchase.date >= today - period - dt.timedelta(3))
                    & (purchase.date <= last - period + dt.timedelta(3))))
            for party, product_id, date in cursor.fetchall():
                end = sql_date(date) + period
                if today <= end <= last:
                    due.append((party, product_id, end,
                            'warranty:%s:%s:%s' % (
                                party, product_id, sql_date(date))))
        pending = set(cls.pending(k for *_, k in due))
        due = [d for d in due if d[-1] in pending]
        lang = Lang.get()
        sms_template = configuration.sfa_warranty_sms_template
        by_product = defaultdict(list)
        by_owner = defaultdict(list)
        with without_check_access():
            for party_id, product_id, end, _ in due:
                by_product[product_id, end].append(party_id)
                party = Party(party_id)
                if party.owner:
                    by_owner[party.owner].append(
                        (party, Product(product_id), end))
            if sms_template:
                for (product_id, end), party_ids in by_product.items():
                    Message.send_many(party_ids, sms_template,
                        values={
                            'product': Product(product_id).rec_name,
                            'due_date': lang.strftime(end),
                            },
                        occasion='warranty:%s:%s' % (
                            product_id, end.isoformat()))
            for owner, owned in by_owner.items():
                notify([owner],
                    gettext('crm_sfa.msg_warranty_due',
                        count=len(owned), days=days),
                    '、'.join('%s %s %s' % (p.rec_name, r.rec_name,
                            lang.strftime(e)) for p, r, e in owned[:5]),
                    records=sorted({p for p, _, _ in owned}, key=int))
        cls.log('warranty', [k for *_, k in due], today)
        return due

    @classmethod
    def remind_birthdays(cls, today):
        """Each owner is told of their customers whose birthday, solar or
        lunar, is in the configured days, once a day"""
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Party = pool.get('party.party')
        Lang = pool.get('ir.lang')
        days = Configuration(1).sfa_birthday_days
        if days is None:
            return []
        day = today + dt.timedelta(days=days)
        solar, lunar = birthday_parties(day)
        lang = Lang.get()
        by_owner = defaultdict(list)
        with without_check_access():
            for party in Party.browse(sorted(solar + lunar)):
                if party.owner:
                    by_owner[party.owner].append(party)
            keys = {o: 'birthday:%s:%s' % (day.isoformat(), o.id)
                for o in by_owner}
            pending = set(cls.pending(keys.values()))
            owners = [o for o in by_owner if keys[o] in pending]
            for owner in owners:
                parties = by_owner[owner]
                notify([owner],
                    gettext('crm_sfa.msg_birthdays_ahead',
                        count=len(parties), date=lang.strftime(day)),
                    '、'.join(p.rec_name for p in parties[:10]),
                    records=parties)
        cls.log('birthday', [keys[o] for o in owners], today)
        return owners

    @classmethod
    def remind_holidays(cls, today):
        """Each owner is told, the configured days before a statutory
        holiday starts, of the holiday and how many customers they have"""
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Employee = pool.get('company.employee')
        Greeting = pool.get('sms.greeting')
        Party = pool.get('party.party')
        Lang = pool.get('ir.lang')
        days = Configuration(1).sfa_holiday_days
        if days is None:
            return []
        day = today + dt.timedelta(days=days)
        try:
            holiday = holiday_starts(day)
        except NotImplementedError as error:
            # chinese_calendar knows only the years it was released for
            logger.error(gettext('crm_sms.msg_holiday_year_unknown',
                    year=day.year, error=error))
            return []
        if not holiday:
            return []
        party = Party.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*party.select(party.owner, Count(Literal(1)),
                where=(party.owner != Null) & (party.active == Literal(True)),
                group_by=[party.owner]))
        counts = dict(cursor)
        keys = {e: 'holiday:%s:%s:%s' % (holiday, day.isoformat(), e)
            for e in counts}
        pending = set(cls.pending(keys.values()))
        owners = [e for e in counts if keys[e] in pending]
        name = dict(Greeting.fields_get(['holiday'])['holiday']['selection'])
        lang = Lang.get()
        for employee_id in owners:
            notify([Employee(employee_id)],
                gettext('crm_sfa.msg_holiday_ahead',
                    holiday=name.get(holiday, holiday),
                    date=lang.strftime(day), count=counts[employee_id]))
        cls.log('holiday', [keys[e] for e in owners], today)
        return owners
