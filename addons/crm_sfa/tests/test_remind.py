# This file is part of the CRM suite.
"""Reminders: the repurchase interval learnt from the purchases and its
reminder, warranty ends, the staff's advance notice of birthdays and
holidays; each once, each salesperson seeing only their own"""
import datetime as dt
import json
from decimal import Decimal

from lunardate import LunarDate

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import set_company
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user)
from trytond.modules.crm_sfa.repurchase import learn
from trytond.modules.crm_sfa.tests.tools import (
    create_customer, create_team, undone)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

DAY0 = dt.date(2030, 1, 1)


def days(n):
    return DAY0 + dt.timedelta(days=n)


def create_product(name, warranty_months=None):
    pool = Pool()
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    unit, = Uom.search([('name', '=', 'Unit')])
    template, = Template.create([{
                'name': name, 'type': 'goods', 'salable': True,
                'default_uom': unit.id, 'sale_uom': unit.id,
                'list_price': Decimal(100),
                'warranty_months': warranty_months,
                'products': [('create', [{}])],
                }])
    return template.products[0]


def bought(party, product, *dates, state='done'):
    "Done sales of product to party on dates"
    pool = Pool()
    Sale = pool.get('sale.sale')
    Company = pool.get('company.company')
    company, = Company.search([])
    sales = Sale.create([{
                'company': company.id,
                'party': party.id,
                'invoice_address': party.addresses[0].id,
                'shipment_address': party.addresses[0].id,
                'sale_date': date,
                'lines': [('create', [{
                                'product': product.id,
                                'quantity': 1,
                                'unit': product.default_uom.id,
                                'unit_price': Decimal(100),
                                }])],
                } for date in dates])
    # Done without shipments and invoices: only the state counts here
    sale = Sale.__table__()
    Transaction().connection.cursor().execute(*sale.update(
            [sale.state], [state],
            where=sale.id.in_([s.id for s in sales])))


def sms_template(name, content, kind='service'):
    pool = Pool()
    Gateway = pool.get('sms.gateway')
    Template = pool.get('sms.template')
    gateway, = Gateway.create([{'name': "log", 'kind': 'log'}])
    template, = Template.create([{'name': name, 'kind': kind,
                'gateway': gateway.id, 'content': content}])
    return template


def configure(**values):
    Configuration = Pool().get('crm.configuration')
    configuration = Configuration(1)
    for name, value in values.items():
        setattr(configuration, name, value)
    configuration.save()


class RemindTestCase(ModuleDatabaseTestCase):
    "Repurchase, warranty and advance reminders"
    module = 'crm_sfa'

    @staticmethod
    def notifications(user):
        Notification = Pool().get('res.notification')
        return Notification.search([('user', '=', user.id)],
            order=[('id', 'ASC')])

    def test_learn(self):
        "The interval is the median of the gaps, rounded half up"
        self.assertEqual(learn([days(0), days(30), days(62)]),
            (31, days(93)))
        self.assertEqual(learn([days(0), days(10), days(40), days(50)]),
            (10, days(60)))
        self.assertEqual(learn([days(0), days(7), days(14), days(100)]),
            (7, days(107)))

    @with_transaction()
    def test_repurchase(self):
        """Bought on days 0, 30 and 62: every 31 days, next on day 93; the
        customer and the owner are reminded 3 days before, once; each
        salesperson sees only their customers' rows"""
        pool = Pool()
        Repurchase = pool.get('crm.sfa.repurchase')
        Reminder = pool.get('crm.sfa.reminder')
        Message = pool.get('sms.message')
        team = create_team()
        with set_company(team.company):
            filter_ = create_product("净水器滤芯")
            tea = create_product("龙井茶")
            mine = create_customer("王女士", team.zhang, '+8613900001111')
            other = create_customer("陈先生", team.li, '+8613900002222')
            rare = create_customer("刘先生", team.zhang, '+8613900003333')
            # Two lines of a day are one purchase day
            bought(mine, filter_, days(0), days(30), days(30), days(62))
            bought(mine, tea, days(5))
            bought(mine, tea, days(6), state='cancelled')
            bought(other, tea, days(0), days(20), days(40))
            bought(rare, filter_, days(0), days(30))

            Repurchase.refresh()
            row, = Repurchase.search([('party', '=', mine.id)])
            self.assertEqual((row.product, row.purchase_days, row.last_date,
                    row.interval, row.next_date),
                (filter_, 3, days(62), 31, days(93)))
            self.assertEqual(row.owner, team.zhang.employee)
            others, = Repurchase.search([('party', '=', other.id)])
            self.assertEqual((others.interval, others.next_date),
                (20, days(60)))
            self.assertEqual(Repurchase.search([('party', '=', rare.id)]),
                [])

            # A new purchase changes the row in place
            bought(rare, filter_, days(50))
            bought(mine, filter_, days(90))
            Repurchase.refresh()
            same, = Repurchase.search([('party', '=', mine.id)])
            self.assertEqual(same.id, row.id)
            self.assertEqual((same.purchase_days, same.interval,
                    same.next_date), (4, 30, days(120)))
            self.assertEqual(
                Repurchase.search([('party', '=', rare.id)])[0].interval, 25)

            template = sms_template("复购",
                "${name}您好，您的${product}预计${due_date}需要更换。")
            configure(sfa_repurchase_days=3,
                sfa_repurchase_sms_template=template)
            self.assertEqual(Repurchase.remind(days(116)), [])
            reminded = Repurchase.remind(days(117))
            self.assertEqual(reminded, [same])
            self.assertEqual(Repurchase.remind(days(117)), [])
            self.assertEqual(Repurchase.remind(days(118)), [])
            message, = Message.search([('party', '=', mine.id)])
            self.assertIn("净水器滤芯", message.text)
            self.assertIn("2030", message.text)
            notification, = self.notifications(team.zhang)
            self.assertTrue(notification.label.startswith("1 "))
            self.assertIn("王女士", notification.description)
            self.assertEqual(notification.model, 'crm.sfa.repurchase')
            self.assertEqual(json.loads(notification.records), [same.id])
            self.assertEqual(self.notifications(team.li), [])
            self.assertEqual(len(Reminder.search(
                        [('kind', '=', 'repurchase')])), 1)

            # 张三 sees his customers' rows only, and changes none
            with as_user(team.zhang):
                self.assertEqual(
                    {r.party for r in Repurchase.search([])}, {mine, rare})
                with self.assertRaises(AccessError):
                    Repurchase.read([others.id], ['next_date'])
                self.assertEqual(Repurchase.search(
                        [('party', '=', other.id)]), [])
                for call in [
                        lambda: Repurchase.write([same],
                            {'next_date': days(200)}),
                        lambda: Repurchase.create([{'party': other.id,
                                    'product': tea.id}]),
                        lambda: Repurchase.delete([same]),
                        ]:
                    with self.assertRaises(AccessError), undone():
                        call()
                # Nor the log of the reminders
                with self.assertRaises(AccessError):
                    Reminder.search([])
            with as_user(team.manager):
                self.assertEqual({r.party for r in Repurchase.search([])},
                    {mine, rare, other})
            with self.assertRaises(AccessError), undone():
                Reminder.delete(Reminder.search([]))

    @with_transaction()
    def test_warranty(self):
        """A purchase of a product with a 12-month warranty: the customer
        and the owner are reminded 7 days before it ends, once"""
        pool = Pool()
        Reminder = pool.get('crm.sfa.reminder')
        Message = pool.get('sms.message')
        team = create_team()
        with set_company(team.company):
            heater = create_product("热水器", warranty_months=12)
            tea = create_product("龙井茶")
            party = create_customer("王女士", team.zhang, '+8613900001111')
            bought(party, heater, dt.date(2029, 3, 15))
            bought(party, tea, dt.date(2029, 3, 15))
            template = sms_template("保修",
                "${name}您好，您的${product}保修将于${due_date}到期。")
            configure(sfa_warranty_days=7,
                sfa_warranty_sms_template=template)

            self.assertEqual(
                Reminder.remind_warranties(dt.date(2030, 3, 7)), [])
            due, = Reminder.remind_warranties(dt.date(2030, 3, 8))
            self.assertEqual(due[:3],
                (party.id, heater.id, dt.date(2030, 3, 15)))
            self.assertEqual(
                Reminder.remind_warranties(dt.date(2030, 3, 9)), [])
            # Past its end, nothing more
            self.assertEqual(
                Reminder.remind_warranties(dt.date(2030, 3, 16)), [])
            message, = Message.search([('party', '=', party.id)])
            self.assertIn("热水器", message.text)
            notification, = self.notifications(team.zhang)
            self.assertTrue(notification.label.startswith("1 "))
            self.assertIn(" 7 days", notification.label)
            self.assertIn("热水器", notification.description)
            self.assertEqual(json.loads(notification.records), [party.id])

    @with_transaction()
    def test_birthdays_ahead(self):
        """Each salesperson is told 3 days ahead of their customers'
        birthdays, solar and lunar, once a day"""
        pool = Pool()
        Reminder = pool.get('crm.sfa.reminder')
        team = create_team()
        with set_company(team.company):
            day = dt.date(2030, 3, 11)
            lunar = LunarDate.from_solar_date(day.year, day.month, day.day)
            solar = create_customer("王女士", team.zhang)
            solar.birthday = dt.date(1990, 3, 11)
            solar.save()
            moon = create_customer("陈先生", team.zhang)
            moon.birthday_calendar = 'lunar'
            moon.birthday_lunar_month = lunar.month
            moon.birthday_lunar_day = lunar.day
            moon.save()
            other = create_customer("刘先生", team.li)
            other.birthday = dt.date(1985, 3, 11)
            other.save()
            later = create_customer("赵女士", team.zhang)
            later.birthday = dt.date(1985, 3, 12)
            later.save()
            configure(sfa_birthday_days=3)

            owners = Reminder.remind_birthdays(dt.date(2030, 3, 8))
            self.assertEqual(set(owners),
                {team.zhang.employee, team.li.employee})
            self.assertEqual(Reminder.remind_birthdays(dt.date(2030, 3, 8)),
                [])
            notification, = self.notifications(team.zhang)
            self.assertTrue(notification.label.startswith("2 "))
            self.assertEqual(sorted(json.loads(notification.records)),
                sorted([solar.id, moon.id]))
            notification, = self.notifications(team.li)
            self.assertEqual(json.loads(notification.records), [other.id])

    @with_transaction()
    def test_holiday_ahead(self):
        """3 days before National Day each salesperson hears of it with
        their number of customers, once"""
        pool = Pool()
        Reminder = pool.get('crm.sfa.reminder')
        team = create_team()
        with set_company(team.company):
            for name in ["王女士", "陈先生"]:
                create_customer(name, team.zhang)
            create_customer("刘先生", team.li)
            configure(sfa_holiday_days=3)

            self.assertEqual(
                Reminder.remind_holidays(dt.date(2026, 9, 27)), [])
            self.assertEqual(
                set(Reminder.remind_holidays(dt.date(2026, 9, 28))),
                {team.zhang.employee.id, team.li.employee.id})
            self.assertEqual(
                Reminder.remind_holidays(dt.date(2026, 9, 28)), [])
            notification, = self.notifications(team.zhang)
            self.assertTrue(notification.label.startswith("National Day"))
            self.assertTrue(notification.label.endswith(" 2 customers"))
            notification, = self.notifications(team.li)
            self.assertTrue(notification.label.endswith(" 1 customers"))
            # Without the days, no notice
            configure(sfa_holiday_days=None)
            self.assertEqual(
                Reminder.remind_holidays(dt.date(2026, 9, 28)), [])
