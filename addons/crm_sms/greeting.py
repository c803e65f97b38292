# This file is part of the CRM suite.
"""Greetings and reminders the cron sends by themselves: birthdays by the
customer's calendar, holidays, the shop's own dates and inactivity"""
import datetime as dt
import logging

import chinese_calendar
from lunardate import LunarDate
from sql import Literal
from sql.conditionals import Coalesce
from sql.functions import Extract

from trytond import backend
from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.modules.crm_customer.chinese import lunar_birthday_date
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

logger = logging.getLogger(__name__)

HOLIDAYS = [
    ("New Year's Day", "New Year's Day"),
    ('Spring Festival', "Spring Festival"),
    ('Tomb-sweeping Day', "Tomb-sweeping Day"),
    ('Labour Day', "Labour Day"),
    ('Dragon Boat Festival', "Dragon Boat Festival"),
    ('Mid-autumn Festival', "Mid-autumn Festival"),
    ('National Day', "National Day"),
    ]


class Greeting(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'sms.greeting'
    __string__ = "SMS Greeting"

    name = fields.Char("Name", required=True)
    occasion = fields.Selection([
            ('birthday', "Birthday"),
            ('holiday', "Statutory Holiday"),
            ('date', "Shop's Date"),
            ('inactivity', "No Purchase For"),
            ], "Occasion", required=True)
    holiday = fields.Selection([(None, '')] + HOLIDAYS, "Holiday",
        states={
            'required': Eval('occasion') == 'holiday',
            'invisible': Eval('occasion') != 'holiday',
            },
        help="Sent on the first day of the holiday as the State Council "
        "sets it each year.")
    month = fields.Integer("Month",
        domain=['OR', ('month', '=', None),
            [('month', '>=', 1), ('month', '<=', 12)]],
        states={
            'required': Eval('occasion') == 'date',
            'invisible': Eval('occasion') != 'date',
            })
    day = fields.Integer("Day",
        domain=['OR', ('day', '=', None),
            [('day', '>=', 1), ('day', '<=', 31)]],
        states={
            'required': Eval('occasion') == 'date',
            'invisible': Eval('occasion') != 'date',
            })
    days = fields.Integer("Days",
        domain=['OR', ('days', '=', None), ('days', '>', 0)],
        states={
            'required': Eval('occasion') == 'inactivity',
            'invisible': Eval('occasion') != 'inactivity',
            },
        help="Customers whose last purchase is this many days old or more "
        "get the message once, and their owner a notification.")
    customer_level = fields.Many2One('crm.customer.level', "Customer Level",
        states={'invisible': Eval('occasion') != 'inactivity'},
        help="Only customers of this level; empty for all.")
    template = fields.Many2One('sms.template', "Template", required=True)
    hour = fields.Integer("Hour", required=True,
        domain=[('hour', '>=', 0), ('hour', '<=', 23)],
        help="The hour of the day (shop's time) from which it goes out.")

    @classmethod
    def default_occasion(cls):
        return 'birthday'

    @classmethod
    def default_hour(cls):
        return 9

    @classmethod
    def run(cls):
        "Cron: each greeting due at this hour, once per customer"
        pool = Pool()
        Message = pool.get('sms.message')
        _, _, zone = Message.quiet_hours()
        now = dt.datetime.now(dt.timezone.utc).astimezone(zone)
        for greeting in cls.search([('hour', '<=', now.hour)]):
            try:
                greeting.send(now.date())
            except NotImplementedError as error:
                # chinese_calendar knows only the years it was released for
                logger.error(gettext('crm_sms.msg_holiday_year_unknown',
                        year=now.year, error=error))
            except (backend.DatabaseOperationalError,
                    backend.DatabaseIntegrityError,
                    backend.DatabaseDataError):
                # The transaction is lost: the cron runs it all again
                raise
            except Exception:
                # One broken greeting does not keep the others from going
                logger.exception("SMS greeting %s failed", greeting.id)

    def send(self, today):
        "Queue the greeting for its customers of today; return the messages"
        pool = Pool()
        Party = pool.get('party.party')
        Message = pool.get('sms.message')
        if self.occasion == 'inactivity':
            return self._send_inactivity(today)
        if self.occasion == 'birthday':
            solar, lunar = birthday_parties(today)
            # A lunar birthday is once a lunar year, which may see it twice
            # in a solar year and not at all in the next
            lunar_year = LunarDate.from_solar_date(
                today.year, today.month, today.day).year
            return (Message.send_many(solar, self.template, origin=self,
                    occasion='birthday:%s' % today.year)
                + Message.send_many(lunar, self.template, origin=self,
                    occasion='birthday:lunar:%s' % lunar_year))
        occasion = self.occasion_key(today)
        if not occasion:
            return []
        cursor = Transaction().connection.cursor()
        cursor.execute(*Party.search(
                Party.sms_recipient_domain(self.template.kind), query=True))
        return Message.send_many([i for i, in cursor], self.template,
            origin=self, occasion=occasion)

    def occasion_key(self, today):
        """The key of today's holiday or shop's date, one message per
        customer, or None"""
        if self.occasion == 'holiday':
            # By its first day: New Year's Day may start on 31 December
            if holiday_starts(today) == self.holiday:
                return 'holiday:%s:%s' % (self.holiday, today.isoformat())
            return None
        if self.occasion == 'date':
            try:
                day = dt.date(today.year, self.month, self.day)
            except ValueError:
                # 29 February or a 31st in a short month: the month's last
                day = dt.date(today.year, self.month % 12 + 1, 1) \
                    - dt.timedelta(days=1) if self.month != 12 \
                    else dt.date(today.year, 12, 31)
            if day == today:
                return 'date:%s:%s' % (self.id, today.year)
        return None

    def _send_inactivity(self, today):
        """Customers without a purchase for the greeting's days, once per
        last purchase; their owners get a notification"""
        pool = Pool()
        Party = pool.get('party.party')
        Message = pool.get('sms.message')
        User = pool.get('res.user')
        last = Party.last_purchases(today - dt.timedelta(days=self.days),
            customer_level=self.customer_level)
        messages = []
        for date, party_ids in _group_by_date(last).items():
            messages += Message.send_many(party_ids,
                self.template, origin=self,
                occasion='inactivity:%s:%s' % (self.id, date))
        by_owner = {}
        for message in messages:
            if message.party.owner:
                by_owner.setdefault(message.party.owner, []).append(
                    message.party)
        for owner, parties in by_owner.items():
            for user in User.search([('employees', '=', owner.id)]):
                Party.notify_user(parties, None,
                    gettext('crm_sms.msg_inactivity_notification_label',
                        count=len(parties), days=self.days),
                    ', '.join(p.rec_name for p in parties[:10]),
                    user=user.id)
        return messages


def _group_by_date(rows):
    grouped = {}
    for party_id, date in rows:
        grouped.setdefault(date, []).append(party_id)
    return grouped


def holiday_starts(day):
    """The statutory holiday whose days off start on day, or None; raises
    NotImplementedError for a year the installed calendar lacks"""
    on, name = chinese_calendar.get_holiday_detail(day)
    if not on or not name:
        return None
    before = chinese_calendar.get_holiday_detail(day - dt.timedelta(days=1))
    if before == (True, name):
        return None
    return name


def lunar_birthday_keys(today):
    """The (month, day, leap) birthdays that fall on today this lunar
    year, following lunar_birthday_date"""
    try:
        lunar = LunarDate.from_solar_date(today.year, today.month, today.day)
    except ValueError:
        return []
    keys = []
    for day in sorted({lunar.day, 30}):
        for leap in [False, True]:
            if lunar_birthday_date(lunar.year, lunar.month, day, leap) \
                    == today:
                keys.append((lunar.month, day, leap))
    return keys


def birthday_parties(today, last=None):
    """The ids of the customers whose birthday is today (or a day from today
    to last), by the calendar each celebrates, solar and lunar: one query
    over the customers"""
    pool = Pool()
    Party = pool.get('party.party')
    party = Party.__table__()
    cursor = Transaction().connection.cursor()
    where = Literal(False)
    day = today
    while day <= (last or today):
        where |= _birthday_on(party, day)
        day += dt.timedelta(days=1)
    cursor.execute(*party.select(party.id, party.birthday_calendar,
            where=where & (party.active == Literal(True))))
    solar, lunar = [], []
    for party_id, calendar in cursor:
        (lunar if calendar == 'lunar' else solar).append(party_id)
    return solar, lunar


def _birthday_on(party, day):
    "The condition on the party table of a birthday that falls on day"
    solar = [(day.month, day.day)]
    if (day.month, day.day) == (2, 28) and not _leap_year(day.year):
        solar.append((2, 29))
    where = Literal(False)
    for month, day_ in solar:
        where |= ((party.birthday_calendar == 'solar')
            & (Extract('MONTH', party.birthday) == month)
            & (Extract('DAY', party.birthday) == day_))
    for month, day_, leap in lunar_birthday_keys(day):
        where |= ((party.birthday_calendar == 'lunar')
            & (party.birthday_lunar_month == month)
            & (party.birthday_lunar_day == day_)
            & (Coalesce(party.birthday_lunar_leap, False) == leap))
    return where


def _leap_year(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
