# This file is part of the CRM suite.
"Greetings, reminders and bulk sending queue their messages by themselves"
import datetime as dt
import itertools
import json
from decimal import Decimal
from unittest.mock import patch
from zoneinfo import ZoneInfo

from trytond.model.exceptions import DomainValidationError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_customer.tests.tools import ModuleDatabaseTestCase
from trytond.modules.crm_sms.exceptions import SendError
from trytond.modules.crm_sms.greeting import holiday_starts
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction, check_access

MOBILES = itertools.count(13900000001)


class SmsGreetingTestCase(ModuleDatabaseTestCase):
    "Greetings and bulk sending"
    module = 'crm_sms'

    def setUp(self):
        super().setUp()
        self.names = itertools.count(1)

    def customer(self, consent=True, **values):
        Party = Pool().get('party.party')
        party = Party(name=values.pop('name', "客户%s" % next(self.names)),
            sms_consent=consent,
            sms_consent_date=dt.date.today() if consent else None,
            contact_mechanisms=[{
                    'type': 'mobile', 'value': '+86%s' % next(MOBILES)}],
            addresses=[{}],
            **values)
        party.save()
        return party

    def greeting(self, occasion, **values):
        pool = Pool()
        Greeting = pool.get('sms.greeting')
        Template = pool.get('sms.template')
        Gateway = pool.get('sms.gateway')
        gateway = Gateway(name="log", kind='log')
        gateway.save()
        template = Template(name=occasion, kind='marketing', gateway=gateway,
            content=values.pop('content', "${name}，祝您节日快乐！"))
        template.save()
        greeting = Greeting(name=occasion, occasion=occasion,
            template=template, hour=values.pop('hour', 9), **values)
        greeting.save()
        return greeting

    @staticmethod
    def greeted(messages):
        return sorted(m.party.id for m in messages)

    @with_transaction()
    def test_solar_birthdays(self):
        "The solar birthday is greeted, 29 February on the 28th"
        greeting = self.greeting('birthday')
        today = self.customer(birthday=dt.date(1990, 3, 8))
        self.customer(birthday=dt.date(1990, 3, 9))
        leap = self.customer(birthday=dt.date(1992, 2, 29))
        lunar = self.customer(birthday_calendar='lunar',
            birthday_lunar_month=3, birthday_lunar_day=8)

        self.assertEqual(self.greeted(greeting.send(dt.date(2026, 3, 8))),
            [today.id])
        self.assertEqual(self.greeted(greeting.send(dt.date(2026, 2, 28))),
            [leap.id])
        self.assertEqual(greeting.send(dt.date(2028, 2, 28)), [])
        self.assertEqual(self.greeted(greeting.send(dt.date(2028, 2, 29))),
            [leap.id])
        self.assertNotIn(lunar.id,
            self.greeted(greeting.send(dt.date(2027, 3, 8))))

    @with_transaction()
    def test_lunar_birthdays(self):
        """The lunar birthday is greeted on its solar date of the year; a
        leap month absent that year falls in the month, a 30th absent on
        the 29th"""
        greeting = self.greeting('birthday')
        new_year = self.customer(birthday_calendar='lunar',
            birthday_lunar_month=1, birthday_lunar_day=1)
        leap = self.customer(birthday_calendar='lunar',
            birthday_lunar_month=6, birthday_lunar_day=1,
            birthday_lunar_leap=True)
        thirtieth = self.customer(birthday_calendar='lunar',
            birthday_lunar_month=5, birthday_lunar_day=30)
        solar = self.customer(birthday=dt.date(1980, 2, 17))

        self.assertEqual(self.greeted(greeting.send(dt.date(2026, 2, 17))),
            sorted([new_year.id, solar.id]))
        # 2025 has a leap sixth month, 2026 has not
        self.assertEqual(greeting.send(dt.date(2025, 6, 25)), [])
        self.assertEqual(self.greeted(greeting.send(dt.date(2025, 7, 25))),
            [leap.id])
        self.assertEqual(self.greeted(greeting.send(dt.date(2026, 7, 14))),
            [leap.id])
        # The fifth month of 2026 has 29 days
        self.assertEqual(self.greeted(greeting.send(dt.date(2026, 7, 13))),
            [thirtieth.id])

        # Lunar 11-20 falls twice in 2021 (lunar years 2020 and 2021)
        winter = self.customer(birthday_calendar='lunar',
            birthday_lunar_month=11, birthday_lunar_day=20)
        self.assertEqual(self.greeted(greeting.send(dt.date(2021, 1, 3))),
            [winter.id])
        self.assertEqual(self.greeted(greeting.send(dt.date(2021, 12, 23))),
            [winter.id])
        self.assertEqual(greeting.send(dt.date(2021, 12, 23)), [])

    @with_transaction()
    def test_birthday_once_even_if_run_twice(self):
        """The cron greets each customer once a year, however often it
        runs, and only from the greeting's hour"""
        pool = Pool()
        Greeting = pool.get('sms.greeting')
        Message = pool.get('sms.message')
        today = dt.datetime.now(ZoneInfo('Asia/Shanghai')).date()
        greeting = self.greeting('birthday', hour=0)
        party = self.customer(birthday=today.replace(year=1991)
            if (today.month, today.day) != (2, 29)
            else dt.date(1992, 2, 29))
        later = self.greeting('birthday', hour=23)
        Greeting.run()
        Greeting.run()
        messages = Message.search([('party', '=', party.id)])
        self.assertEqual(len(messages), 1)
        message, = messages
        self.assertEqual(message.origin, greeting)
        self.assertEqual(message.occasion, 'birthday:%s' % today.year)
        # Another greeting of the same occasion does not greet again
        self.assertEqual(later.send(today), [])

    @with_transaction()
    def test_holidays(self):
        "A holiday is greeted on its first day off, once"
        greeting = self.greeting('holiday', holiday='National Day')
        spring = self.greeting('holiday', holiday='Spring Festival')
        party = self.customer()
        self.customer(consent=False)

        self.assertEqual(holiday_starts(dt.date(2026, 10, 1)),
            'National Day')
        self.assertIsNone(holiday_starts(dt.date(2026, 10, 2)))
        self.assertIsNone(holiday_starts(dt.date(2026, 10, 10)))
        self.assertIn(party.id,
            self.greeted(greeting.send(dt.date(2026, 10, 1))))
        self.assertEqual(greeting.send(dt.date(2026, 10, 1)), [])
        self.assertEqual(greeting.send(dt.date(2026, 10, 2)), [])
        self.assertEqual(spring.send(dt.date(2026, 10, 1)), [])
        self.assertEqual(holiday_starts(dt.date(2026, 2, 15)),
            'Spring Festival')

        # New Year's Day 2023 is off from 31 December 2022
        new_year = self.greeting('holiday', holiday="New Year's Day")
        for day in [dt.date(2022, 1, 1), dt.date(2022, 12, 31)]:
            self.assertEqual(holiday_starts(day), "New Year's Day")
            self.assertIn(party.id, self.greeted(new_year.send(day)))

    @with_transaction()
    def test_holiday_year_unknown(self):
        "A year the calendar does not cover is a clear error in the log"
        pool = Pool()
        Greeting = pool.get('sms.greeting')
        self.greeting('holiday', holiday='Spring Festival', hour=0)
        with self.assertRaises(NotImplementedError):
            holiday_starts(dt.date(2040, 1, 1))
        with patch('trytond.modules.crm_sms.greeting.holiday_starts',
                side_effect=NotImplementedError("year 2040")), \
                self.assertLogs('trytond.modules.crm_sms.greeting',
                    'ERROR') as logs:
            Greeting.run()
        self.assertIn("2040", logs.output[0])

    @with_transaction()
    def test_broken_greeting_logged(self):
        "A greeting that fails is in the log, and the others still go"
        pool = Pool()
        Greeting = pool.get('sms.greeting')
        Message = pool.get('sms.message')
        today = dt.datetime.now(ZoneInfo('Asia/Shanghai')).date()
        broken, working = [
            self.greeting('date', month=today.month, day=today.day, hour=0)
            for _ in range(2)]
        party = self.customer()
        send = Greeting.send

        def send_unless_broken(greeting, day):
            if greeting == broken:
                raise ValueError("broken")
            return send(greeting, day)
        with patch.object(Greeting, 'send', send_unless_broken), \
                self.assertLogs('trytond.modules.crm_sms.greeting',
                    'ERROR') as logs:
            Greeting.run()
        self.assertIn("SMS greeting %s failed" % broken.id, logs.output[0])
        messages = Message.search([
                ('party', '=', party.id),
                ('origin', 'in', [str(broken), str(working)]),
                ])
        self.assertEqual([m.origin for m in messages], [working])

    @with_transaction()
    def test_merged_customer_not_greeted_twice(self):
        """A customer merged into another carries its greetings: the other
        is not greeted again for the same occasion"""
        pool = Pool()
        Replace = pool.get('party.replace', type='wizard')
        anniversary = self.greeting('date', month=6, day=18)
        day = dt.date(2026, 6, 18)
        source = self.customer()
        self.assertIn(source.id, self.greeted(anniversary.send(day)))
        destination = self.customer()
        session_id, _, _ = Replace.create()
        replace = Replace(session_id)
        replace.ask.source = source
        replace.ask.destination = destination
        with Transaction().set_context(_skip_warnings=True):
            replace.transition_replace()
        self.assertNotIn(destination.id,
            self.greeted(anniversary.send(day)))
        self.assertIn(destination.id,
            self.greeted(anniversary.send(dt.date(2027, 6, 18))))

    @with_transaction()
    def test_shop_dates(self):
        "The shop's own date, the month's last day for a 31st"
        anniversary = self.greeting('date', month=6, day=18)
        month_end = self.greeting('date', month=4, day=31)
        party = self.customer()
        self.assertIn(party.id,
            self.greeted(anniversary.send(dt.date(2026, 6, 18))))
        self.assertEqual(anniversary.send(dt.date(2026, 6, 19)), [])
        self.assertIn(party.id,
            self.greeted(month_end.send(dt.date(2026, 4, 30))))

    @with_transaction()
    def test_inactivity(self):
        """Customers without a purchase for the days get a message once per
        last purchase; their owner is notified"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Employee = pool.get('company.employee')
        Party = pool.get('party.party')
        User = pool.get('res.user')
        Notification = pool.get('res.notification')
        company = create_company()
        with set_company(company):
            seller = Party(name="销售小李")
            seller.save()
            employee = Employee(party=seller, company=company)
            employee.save()
            user = User(login='xiaoli', employees=[employee],
                employee=employee, companies=[company], company=company)
            user.save()
            greeting = self.greeting('inactivity', days=30,
                content="${name}，好久不见，本周回店有礼。")
            asleep = self.customer(owner=employee)
            recent = self.customer(owner=employee)
            never = self.customer()
            today = dt.date(2026, 11, 30)
            for party, date in [(asleep, dt.date(2026, 10, 1)),
                    (asleep, dt.date(2026, 9, 1)),
                    (recent, dt.date(2026, 11, 20))]:
                sale = Sale(party=party, sale_date=date)
                sale.on_change_party()
                sale.save()
                Sale.write([sale], {'state': 'confirmed'})

            messages = greeting.send(today)
            self.assertEqual(self.greeted(messages), [asleep.id])
            self.assertNotIn(never.id, self.greeted(messages))
            self.assertEqual(greeting.send(today), [])
            Transaction().commit()
            notification, = Notification.search([('user', '=', user.id)])
            self.assertIn("30", notification.label)
            self.assertEqual(json.loads(notification.records), [asleep.id])

            # A new purchase, then a new spell without any
            sale = Sale(party=asleep, sale_date=dt.date(2026, 11, 1))
            sale.on_change_party()
            sale.save()
            Sale.write([sale], {'state': 'confirmed'})
            self.assertEqual(greeting.send(dt.date(2026, 11, 15)), [])
            self.assertEqual(
                self.greeted(greeting.send(dt.date(2026, 12, 1))),
                [asleep.id])

    @with_transaction()
    def test_inactivity_run_twice_at_once(self):
        """Two runs of a greeting at once (two cron processes on SQLite,
        which does not lock the task): the run that checked the keys before
        the other queued them queues nothing and does not fail"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Message = pool.get('sms.message')
        company = create_company()
        with set_company(company):
            greeting = self.greeting('inactivity', days=60)
            asleep = self.customer()
            today = dt.date(2026, 11, 30)
            sale = Sale(party=asleep, sale_date=dt.date(2026, 9, 1))
            sale.on_change_party()
            sale.save()
            Sale.write([sale], {'state': 'confirmed'})

            # Customers other tests of the class left may be greeted too
            self.assertIn(asleep.id, self.greeted(greeting.send(today)))
            # The other run's check saw none of the keys
            with patch.object(Message, '_existing_keys', return_value=[]):
                self.assertEqual(greeting.send(today), [])
            self.assertEqual(
                Message.search_count([('party', '=', asleep.id)]), 1)

    @with_transaction()
    def test_bulk(self):
        """A bulk sending counts the customers of a saved filter it may
        reach, estimates the cost and queues one message each"""
        pool = Pool()
        Bulk = pool.get('sms.bulk')
        Search = pool.get('ir.ui.view_search')
        Template = pool.get('sms.template')
        Gateway = pool.get('sms.gateway')
        Message = pool.get('sms.message')
        gateway = Gateway(name="log", kind='log', cost=Decimal('0.045'))
        gateway.save()
        template = Template(name="双十一", kind='marketing', gateway=gateway,
            content="${name}，双十一会员专享：全场八折，储值满500送80。")
        template.save()
        wang = [self.customer(name="王%s" % i) for i in range(3)]
        self.customer(name="王不同意", consent=False)
        self.customer(name="李四")
        search = Search(name="王姓客户", model='party.party',
            domain=json.dumps([['name', 'ilike', '王%']]))
        search.save()
        bulk = Bulk(name="双十一群发", customer_filter=search,
            template=template)
        self.assertEqual(bulk.on_change_with_recipients(), 3)
        self.assertEqual(bulk.on_change_with_estimated_cost(),
            Decimal('0.135'))
        bulk.save()
        Bulk.send([bulk])
        self.assertEqual(bulk.state, 'sent')
        self.assertEqual(bulk.queued, 3)
        messages = Message.search([('origin', '=', str(bulk))])
        self.assertEqual(sorted(m.party.id for m in messages),
            sorted(p.id for p in wang))

        empty = Search(name="无人", model='party.party',
            domain=json.dumps([['name', '=', '不存在']]))
        empty.save()
        nobody = Bulk(name="空", customer_filter=empty, template=template)
        nobody.save()
        with self.assertRaises(SendError):
            Bulk.send([nobody])
        self.assertEqual(Bulk(nobody.id).state, 'draft')

        # A service template would reach customers who refused marketing
        draft = Bulk(name="草稿", customer_filter=search, template=template)
        draft.save()
        template.kind = 'service'
        template.save()
        service = Bulk(name="服务通知", customer_filter=search,
            template=template)
        with self.assertRaises(DomainValidationError):
            service.save()
        # Nor is one sent that was saved before the template changed kind
        with self.assertRaises(SendError):
            Bulk.send([draft])
        self.assertEqual(Bulk(draft.id).state, 'draft')
        self.assertEqual(Message.search([('origin', '=', str(draft))]), [])

    @with_transaction()
    def test_bulk_filters_own_and_shared(self):
        """A bulk sending's filter is one of the user's own or a shared
        one, never another user's"""
        pool = Pool()
        User = pool.get('res.user')
        Search = pool.get('ir.ui.view_search')
        ModelData = pool.get('ir.model.data')
        group = ModelData.get_id('crm_customer', 'group_sales_manager')
        manager, other = User.create([
                {'login': login, 'groups': [('add', [group])]}
                for login in ['bulk_manager', 'bulk_other']])
        own, others, shared = Search.create([
                {'name': name, 'model': 'party.party', 'domain': '[]',
                    'user': user}
                for name, user in [
                    ("我的", manager.id), ("别人的", other.id),
                    ("共享", None)]])
        ids = [own.id, others.id, shared.id]
        with Transaction().set_user(manager.id), check_access():
            self.assertEqual(
                Search.search([('id', 'in', ids)], order=[('id', 'ASC')]),
                [own, shared])

        # Once a bulk sending names it, whoever reads the sending may
        # read the filter
        Bulk = pool.get('sms.bulk')
        Template = pool.get('sms.template')
        template = Template(name="会员日", kind='marketing',
            content="${name}您好，会员日全场八折。")
        template.save()
        bulk = Bulk(name="别人的群发", customer_filter=others,
            template=template)
        bulk.save()
        with Transaction().set_user(manager.id), check_access():
            self.assertEqual(
                Search.search([('id', 'in', ids)], order=[('id', 'ASC')]),
                [own, others, shared])
            self.assertEqual(Bulk(bulk.id).customer_filter.name, "别人的")
