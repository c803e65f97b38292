# This file is part of the CRM suite.
"Members are reminded of their card and their points about to expire"
import datetime as dt
import itertools

from trytond.modules.crm_customer.tests.tools import ModuleDatabaseTestCase
from trytond.modules.crm_membership.tests.tools import (
    create_card_type, issue_card)
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction

MOBILES = itertools.count(13700000001)
EXPIRY = dt.date(2030, 3, 15)


class SmsExpiryTestCase(ModuleDatabaseTestCase):
    "Card and points expiry reminders"
    module = 'crm_sms'

    @classmethod
    def setUpClass(cls):
        # With memberships, not crm_sms alone
        super(ModuleDatabaseTestCase, cls).setUpClass()
        activate_module(['crm_sms', 'crm_membership'])

    def member(self, name, consent=True, opt_out=False):
        Party = Pool().get('party.party')
        party = Party(name=name, sms_consent=consent,
            sms_consent_date=dt.date.today() if consent else None,
            sms_opt_out=opt_out,
            sms_opt_out_date=dt.date.today() if opt_out else None,
            contact_mechanisms=[{
                    'type': 'mobile', 'value': '+86%s' % next(MOBILES)}],
            addresses=[{}])
        party.save()
        return party

    def greeting(self, occasion, days_before, content):
        pool = Pool()
        Greeting = pool.get('sms.greeting')
        Template = pool.get('sms.template')
        Gateway = pool.get('sms.gateway')
        gateway = Gateway(name="log", kind='log')
        gateway.save()
        template = Template(name=occasion, kind='marketing',
            gateway=gateway, content=content)
        template.save()
        greeting = Greeting(name=occasion, occasion=occasion,
            days_before=days_before, template=template, hour=9)
        greeting.save()
        return greeting

    @with_transaction()
    def test_card_expiry(self):
        """30 days before the active card expires, once per expiry; an
        unsubscribed member gets nothing"""
        card_type = create_card_type("年卡", registered=True,
            validity='date', validity_date=EXPIRY)
        member = self.member("王女士")
        quiet = self.member("陈先生", opt_out=True)
        issue_card(card_type, member)
        issue_card(card_type, quiet)
        greeting = self.greeting('card_expiry', 30,
            "${name}您好，您的会员卡将于${expiry}到期。")

        self.assertEqual(greeting.send(dt.date(2030, 2, 12)), [])
        message, = greeting.send(dt.date(2030, 2, 13))
        self.assertEqual(message.party, member)
        self.assertIn("2030-03-15", message.text)
        self.assertEqual(message.occasion,
            'card_expiry:%s:2030-03-15' % greeting.id)
        self.assertEqual(greeting.send(dt.date(2030, 2, 14)), [])
        self.assertEqual(greeting.send(dt.date(2030, 3, 16)), [])

    @with_transaction()
    def test_points_expiry(self):
        """7 days before earned points expire, the member is told how many
        are left of them, once; an unsubscribed member gets nothing"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Configuration = pool.get('crm.configuration')
        configuration = Configuration(1)
        configuration.point_validity = 12
        configuration.save()
        card_type = create_card_type("积分卡", registered=True,
            validity='none')
        member = self.member("王女士")
        quiet = self.member("陈先生", opt_out=True)
        card = issue_card(card_type, member)
        other = issue_card(card_type, quiet)
        # Valid until 15 March 2030; 100 of them spent, the oldest first
        Card.earn_points(card, 500, date=dt.date(2029, 3, 16))
        Card.earn_points(card, 300, date=dt.date(2029, 6, 1))
        Card.spend_points(card, 100)
        Card.earn_points(other, 200, date=dt.date(2029, 3, 16))
        greeting = self.greeting('points_expiry', 7,
            "${name}您好，您有${points_expiring}积分将于${expiry}过期。")

        self.assertEqual(greeting.send(dt.date(2030, 3, 7)), [])
        message, = greeting.send(dt.date(2030, 3, 8))
        self.assertEqual(message.party, member)
        self.assertIn("400积分", message.text)
        self.assertIn("2030-03-15", message.text)
        self.assertEqual(greeting.send(dt.date(2030, 3, 8)), [])
        self.assertEqual(greeting.send(dt.date(2030, 3, 10)), [])
