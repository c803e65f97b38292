# This file is part of the CRM suite.
"""What is Chinese about a customer: the resident identity card number, the
lunar birthday and the pinyin readings of the name.
Plain functions, without the pool, for every module and test to use"""
import functools
import itertools
import re

from lunardate import LunarDate
from pypinyin import Style, pinyin
from stdnum.cn import ric

# An ID card number as typed, once normalised
ID_CARD = re.compile(r'\d{17}[\dXx]')
# Readings kept for a name whose characters have several (多音字)
MAX_READINGS = 8


def normalize_id_card(number):
    return number.strip().replace(' ', '').upper() if number else number


def is_id_card(number):
    "An 18 digit number with its check digit, birth date and place right"
    return bool(ID_CARD.fullmatch(number)) and ric.is_valid(number)


def mask_id_card(number):
    "110105199001011234 becomes 110***********1234"
    if not number or len(number) < 8:
        return number
    return number[:3] + '*' * (len(number) - 7) + number[-4:]


def id_card_gender(number):
    "The 17th digit is odd for men and even for women"
    return 'male' if int(number[16]) % 2 else 'female'


def lunar_birthday(date):
    "Return the lunar month, day and leap flag of a solar date"
    try:
        lunar = LunarDate.from_solar_date(date.year, date.month, date.day)
    except ValueError:
        return None, None, False
    return lunar.month, lunar.day, bool(lunar.is_leap_month)


def lunar_birthday_year(date):
    "The lunar year of a solar date"
    try:
        return LunarDate.from_solar_date(date.year, date.month, date.day).year
    except ValueError:
        return None


def lunar_birthday_date(year, month, day, leap):
    """The solar date of a lunar birthday in the lunar year: without its
    leap month that year it falls in the month, without its 30th on the
    29th; None if the year is out of the calendar's range"""
    for leap_, day_ in [(leap, day), (False, day), (False, min(day, 29))]:
        try:
            return LunarDate(year, month, day_, bool(leap_)).to_solar_date()
        except ValueError:
            continue
    return None


def lunar_birthday_exists(month, day, leap, year=None):
    """Whether the lunar date is in the year, or when the year is unknown
    in one of the years of the calendar: the 30th and the leap months are
    in some years only"""
    years = [year] if year else range(1900, 2100)
    for year in years:
        try:
            LunarDate(year, month, day, bool(leap)).to_solar_date()
        except ValueError:
            continue
        return True
    return False


# Read twice when a customer is imported: for the create, then checked
@functools.lru_cache(maxsize=4096)
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
