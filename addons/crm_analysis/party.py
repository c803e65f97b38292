# This file is part of the CRM suite.
import datetime as dt

from lunardate import LunarDate

from trytond.model import fields
from trytond.modules.crm_customer.chinese import lunar_birthday_date
from trytond.modules.crm_sms.greeting import birthday_parties
from trytond.pool import Pool, PoolMeta

# How far ahead a search for birthdays looks
BIRTHDAY_DAYS = 31


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    next_birthday = fields.Function(fields.Date("Next Birthday",
            help="The next birthday from today, by the calendar the "
            "customer celebrates."),
        'get_next_birthday', searcher='search_next_birthday')

    @classmethod
    def get_next_birthday(cls, parties, name):
        today = Pool().get('ir.date').today()
        return {p.id: p._next_birthday(today) for p in parties}

    def _next_birthday(self, today):
        if self.birthday_calendar == 'lunar':
            if not (self.birthday_lunar_month and self.birthday_lunar_day):
                return None
            try:
                year = LunarDate.from_solar_date(
                    today.year, today.month, today.day).year
            except ValueError:
                return None
            for year_ in [year, year + 1]:
                date = lunar_birthday_date(year_, self.birthday_lunar_month,
                    self.birthday_lunar_day, self.birthday_lunar_leap)
                if date and date >= today:
                    return date
            return None
        if not self.birthday:
            return None
        for year in [today.year, today.year + 1]:
            try:
                date = self.birthday.replace(year=year)
            except ValueError:
                # 29 February is kept on the 28th, as the greetings do
                date = dt.date(year, 2, 28)
            if date >= today:
                return date

    @classmethod
    def search_next_birthday(cls, name, clause):
        "The customers whose birthday falls from today to the date given"
        _, operator, value = clause[:3]
        today = Pool().get('ir.date').today()
        if operator not in {'<=', '<', '='} or not isinstance(value, dt.date):
            return [('id', '=', -1)]
        last = value - dt.timedelta(days=1) if operator == '<' else value
        first = value if operator == '=' else today
        last = min(last, today + dt.timedelta(days=BIRTHDAY_DAYS))
        first = max(first, today)
        if first > last:
            return [('id', '=', -1)]
        solar, lunar = birthday_parties(first, last)
        return [('id', 'in', solar + lunar)]
