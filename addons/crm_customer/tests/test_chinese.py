# This file is part of the CRM suite.
import datetime as dt
import unittest

from trytond.modules.crm_customer.chinese import (
    id_card_gender, is_id_card, lunar_birthday, lunar_birthday_date,
    lunar_birthday_exists, lunar_birthday_year, mask_id_card, name_pinyin,
    normalize_id_card)

# A woman born on 1 March 1990 and a man born on 15 February 1985, both in
# Beijing
ID_WOMAN = '11010519900301068X'
ID_MAN = '110105198502150017'


class IdCardTestCase(unittest.TestCase):
    "Test the resident identity card numbers"

    def test_normalize(self):
        "Spaces go and the check letter is upper case"
        for typed in ['11010519900301068x', ' 110105 19900301 068x ',
                ID_WOMAN]:
            self.assertEqual(normalize_id_card(typed), ID_WOMAN)
        for empty in [None, '']:
            self.assertEqual(normalize_id_card(empty), empty)

    def test_valid(self):
        "A number is valid with its check digit, birth date and place"
        self.assertTrue(is_id_card(ID_WOMAN))
        self.assertTrue(is_id_card(ID_MAN))
        self.assertTrue(is_id_card(normalize_id_card('11010519900301068x')))
        self.assertTrue(is_id_card('11010519900301068x'))
        for number in [
                '',
                '110105198502150016',  # wrong check digit
                '110105198502300012',  # 30 February
                '11010519900301068',  # 17 digits
                '110105 19900301068X',  # not normalised
                '11010519900301068Y',
                ]:
            self.assertFalse(is_id_card(number), number)

    def test_fifteen_digits_refused(self):
        "The first-generation numbers of 15 digits are not supported"
        self.assertFalse(is_id_card('110105900301068'))

    def test_gender(self):
        "The 17th digit is odd for men and even for women"
        self.assertEqual(id_card_gender(ID_MAN), 'male')
        self.assertEqual(id_card_gender(ID_WOMAN), 'female')

    def test_mask(self):
        "Only the region's start and the last four characters show"
        self.assertEqual(mask_id_card(ID_WOMAN), '110***********068X')
        self.assertEqual(mask_id_card('1234567'), '1234567')
        self.assertIsNone(mask_id_card(None))


class LunarBirthdayTestCase(unittest.TestCase):
    "Test the lunar birthdays"

    def test_lunar_birthday(self):
        "The lunar month, day and leap flag of a solar date"
        self.assertEqual(lunar_birthday(dt.date(1990, 5, 1)), (4, 7, False))
        # 2023 has a leap second month
        self.assertEqual(lunar_birthday(dt.date(2023, 3, 1)), (2, 10, False))
        self.assertEqual(lunar_birthday(dt.date(2023, 3, 31)), (2, 10, True))

    def test_lunar_birthday_year(self):
        "The lunar year ends on the eve of the Spring Festival"
        self.assertEqual(lunar_birthday_year(dt.date(2026, 2, 16)), 2025)
        self.assertEqual(lunar_birthday_year(dt.date(2026, 2, 17)), 2026)

    def test_lunar_birthday_date(self):
        """Without its leap month in the year, a birthday falls in the
        month; without its 30th, on the 29th"""
        for (year, month, day, leap), date in [
                # 2023 has a leap second month, 2024 none
                ((2023, 2, 10, True), dt.date(2023, 3, 31)),
                ((2023, 2, 10, False), dt.date(2023, 3, 1)),
                ((2024, 2, 10, True), dt.date(2024, 3, 19)),
                # The 12th month of lunar year 2025 has 29 days
                ((2025, 12, 30, False), dt.date(2026, 2, 16)),
                ((2025, 12, 29, False), dt.date(2026, 2, 16)),
                ]:
            self.assertEqual(
                lunar_birthday_date(year, month, day, leap), date,
                (year, month, day, leap))

    def test_lunar_birthday_date_out_of_range(self):
        "The calendar ends with lunar year 2099"
        self.assertIsNone(lunar_birthday_date(2100, 1, 1, False))

    def test_lunar_birthday_exists(self):
        "A leap month or a 30th is in some years only"
        self.assertTrue(lunar_birthday_exists(2, 10, True, 2023))
        self.assertFalse(lunar_birthday_exists(2, 10, True, 2024))
        self.assertFalse(lunar_birthday_exists(12, 30, False, 2025))
        self.assertTrue(lunar_birthday_exists(2, 30, False, 2023))
        # Without a year, in any year of the calendar
        self.assertTrue(lunar_birthday_exists(2, 10, True))
        self.assertFalse(lunar_birthday_exists(1, 10, True))


class PinyinTestCase(unittest.TestCase):
    "Test the pinyin readings of names"

    def test_name_pinyin(self):
        "Full pinyin and initials of every reading of a name"
        self.assertEqual(name_pinyin("张三"), ('zhangsan', 'zs'))
        full, initials = name_pinyin("单田芳")
        self.assertIn('shantianfang', full.split())
        self.assertIn('dantianfang', full.split())
        self.assertIn('stf', initials.split())
        self.assertEqual(name_pinyin("王 Lily"), ('wanglily yulily', 'wl yl'))
        self.assertEqual(name_pinyin(None), (None, None))

    def test_polyphonic_surnames(self):
        "A name is found by the reading of its surname and the common one"
        for name, readings in [
                ("曾小贤", {'zengxiaoxian', 'cengxiaoxian'}),
                ("仇飞", {'qiufei', 'choufei'}),
                ]:
            full, _ = name_pinyin(name)
            self.assertLessEqual(readings, set(full.split()), name)

    def test_many_readings_kept_few(self):
        "A name of many polyphonic characters keeps eight readings"
        full, initials = name_pinyin("单乐曾仇")
        self.assertEqual(len(full.split()), 8)
        self.assertEqual(len(initials.split()), 8)
