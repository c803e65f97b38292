# This file is part of the CRM suite.
"""Contact records: today's list in Shanghai time, recording from it, the
history on the customer, the morning reminder"""
import datetime as dt
from types import SimpleNamespace
from unittest.mock import patch

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import set_company
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user)
from trytond.modules.crm_sfa.tests.tools import create_customer, create_team
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

# 01:30 on 7 December in Shanghai, still the 6th in UTC
INSTANT = dt.datetime(2026, 12, 6, 17, 30, tzinfo=dt.timezone.utc)
TODAY = dt.date(2026, 12, 7)


class FrozenDatetime(dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return INSTANT.astimezone(tz) if tz else INSTANT.replace(tzinfo=None)


def frozen_today():
    "ir.date.today() at INSTANT"
    return patch('trytond.ir.date.datetime',
        SimpleNamespace(datetime=FrozenDatetime))


def contact(party, user, next_date, **values):
    Contact = Pool().get('crm.sfa.contact')
    record = Contact(party=party, employee=user.employee,
        date=dt.datetime(2026, 12, 1, 10), kind='visit',
        content="拜访", next_date=next_date, next_action="回访", **values)
    record.save()
    return record


class ContactTestCase(ModuleDatabaseTestCase):
    "Contact records"
    module = 'crm_sfa'

    @with_transaction()
    def test_due_list_in_shanghai_time(self):
        "Due today or overdue, in the company's time zone, own only"
        pool = Pool()
        Contact = pool.get('crm.sfa.contact')
        team = create_team()
        team.company.timezone = 'Asia/Shanghai'
        team.company.save()
        with set_company(team.company):
            a = create_customer("客户甲", team.zhang)
            b = create_customer("客户乙", team.zhang)
            c = create_customer("客户丙", team.zhang)
            d = create_customer("客户丁", team.li)
            due_today = contact(a, team.zhang, TODAY)
            overdue = contact(b, team.zhang, TODAY - dt.timedelta(days=3))
            contact(c, team.zhang, TODAY + dt.timedelta(days=1))
            others = contact(d, team.li, TODAY)
            with frozen_today():
                with as_user(team.zhang):
                    self.assertEqual(
                        Contact.search([('due', '=', True)],
                            order=[('next_date', 'ASC')]),
                        [overdue, due_today])
                    self.assertTrue(overdue.is_late())
                    self.assertFalse(due_today.is_late())
                with as_user(team.manager):
                    self.assertEqual(
                        len(Contact.search([('due', '=', True)])), 3)
                self.assertIn(others, Contact.search([('due', '=', True)]))

    @with_transaction()
    def test_record_from_the_list(self):
        """The wizard of a due contact records the visit with its next
        date; the earlier one is settled; the customer shows both"""
        pool = Pool()
        Contact = pool.get('crm.sfa.contact')
        Record = pool.get('crm.sfa.contact.record', type='wizard')
        Party = pool.get('party.party')
        team = create_team()
        with set_company(team.company):
            customer = create_customer("客户甲", team.zhang)
            due = contact(customer, team.zhang, dt.date(2026, 1, 1))
            with as_user(team.zhang):
                with Transaction().set_context(
                        active_model='crm.sfa.contact', active_id=due.id,
                        active_ids=[due.id]):
                    session_id, _, _ = Record.create()
                    record = Record(session_id)
                    defaults = record.default_start(None)
                    self.assertEqual(defaults['party'], customer.id)
                    record.start.party = customer
                    record.start.opportunity = None
                    record.start.kind = 'call'
                    record.start.content = "电话确认需求"
                    record.start.result = "约下周见面"
                    record.start.next_date = dt.date(2026, 1, 8)
                    record.start.next_action = "上门演示"
                    self.assertEqual(record.transition_save(), 'end')
                new, = Contact.search([('kind', '=', 'call')])
                self.assertEqual(new.employee, team.zhang.employee)
                # The flag is the server's
                with self.assertRaises(AccessError):
                    Contact.write([new], {'next_done': True})
            self.assertTrue(Contact(due.id).next_done)
            self.assertFalse(new.next_done)
            self.assertEqual(Party(customer.id).sfa_contacts, (new, due))
            # 李四 cannot record in 张三's name nor on his contact
            with as_user(team.li):
                with self.assertRaises(AccessError):
                    Contact.create([{'party': customer.id,
                                'employee': team.zhang.employee.id,
                                'kind': 'visit', 'content': "x",
                                'date': dt.datetime.now()}])

    @with_transaction()
    def test_morning_reminder(self):
        "Each salesperson gets one notification of their due customers"
        pool = Pool()
        Contact = pool.get('crm.sfa.contact')
        Notification = pool.get('res.notification')
        team = create_team()
        with set_company(team.company):
            a = create_customer("客户甲", team.zhang)
            b = create_customer("客户乙", team.zhang)
            contact(a, team.zhang, dt.date(2026, 1, 1))
            contact(b, team.zhang, dt.date(2026, 1, 2))
            contact(create_customer("客户丙", team.li), team.li,
                dt.date(2999, 1, 1))
            Contact.remind_due()
            notification, = Notification.search([])
            self.assertEqual(notification.user, team.zhang)
            self.assertIn('2', notification.label)
            self.assertIn("客户甲", notification.description)
            self.assertEqual(notification.model, 'crm.sfa.contact')
