# This file is part of the CRM suite.
"""The outbox against fake providers on loopback. Sending commits in
transactions of its own, so each test commits what it sets up and works on
its own customers."""
import datetime as dt
import itertools
import json
from unittest.mock import patch

import trytond.config as config

from trytond import backend
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.crm_customer.tests.tools import ModuleDatabaseTestCase
from trytond.modules.crm_sms.exceptions import TemplateError
from trytond.modules.crm_sms.message import in_new_transaction
from trytond.modules.crm_sms.provider import LogProvider
from trytond.modules.crm_sms.tests.fakes import (
    FakeAliyun, FakeHttpGateway, FakeTencent)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction, TransactionError

MOBILES = itertools.count(13800000001)


def now():
    "Whole seconds, as PostgreSQL stores them (it may round up)"
    return dt.datetime.now().replace(microsecond=0)


class SmsOutboxTestCase(ModuleDatabaseTestCase):
    "Sending SMS through the outbox"
    module = 'crm_sms'

    def configure(self, **values):
        Configuration = Pool().get('crm.configuration')
        values.setdefault('sms_send_from', dt.time(0))
        values.setdefault('sms_send_until', dt.time.max)
        # What a test committed stays for the next ones
        values.setdefault('sms_max_attempts', 5)
        values.setdefault('sms_retry_minutes', 1)
        Configuration.write([Configuration(1)], values)

    def customer(self, consent=True, mobile=None, **values):
        Party = Pool().get('party.party')
        mobile = mobile or '+86%s' % next(MOBILES)
        party = Party(name=values.pop('name', "王芳"), sms_consent=consent,
            sms_consent_date=dt.date.today() if consent else None,
            contact_mechanisms=[{'type': 'mobile', 'value': mobile}],
            **values)
        party.save()
        return party

    def gateway(self, fake, kind, **values):
        Gateway = Pool().get('sms.gateway')
        values.setdefault('signature', "示例门店")
        if fake:
            values.setdefault('endpoint', fake.url)
            values.setdefault('key_id', fake.key_id)
            values.setdefault('key_secret', fake.key_secret)
        gateway = Gateway(name=kind, kind=kind, **values)
        if kind == 'tencent':
            gateway.app_id = fake.app_id
        gateway.save()
        return gateway

    def template(self, gateway=None, kind='marketing', code='SMS_100001',
            content="${name}您好，本周会员日全场八折。"):
        Template = Pool().get('sms.template')
        template = Template(name="会员日", kind=kind, code=code,
            content=content, gateway=gateway)
        template.save()
        return template

    @staticmethod
    def abandon(message, **values):
        """Leave message sending since long ago, as a process that died
        while sending it would"""
        Message = Pool().get('sms.message')
        Message.write([message], dict(values, sending_since=(
                    dt.datetime.now() - dt.timedelta(minutes=10))))

    def process(self, messages=None):
        "Commit, then send as the queue or the cron does"
        Message = Pool().get('sms.message')
        Transaction().commit()
        if messages is None:
            Message.send_due()
        else:
            Message.process(messages)
        # Forget what this transaction read before the sending's own
        Transaction().commit()
        return [Message(m.id) for m in messages] if messages else None

    @with_transaction()
    def test_aliyun_send(self):
        "A message goes to Aliyun signed, with its values, signature and id"
        Message = Pool().get('sms.message')
        self.configure()
        with FakeAliyun() as fake:
            gateway = self.gateway(fake, 'aliyun')
            template = self.template(gateway)
            party = self.customer(name="李娜")
            message = Message.send(party, template)
            self.assertEqual(message.state, 'queued')
            self.assertEqual(message.text, "李娜您好，本周会员日全场八折。")
            message, = self.process([message])

            self.assertEqual(message.state, 'sent')
            sent, = fake.sent
            self.assertEqual(message.provider_id, sent['biz_id'])
            self.assertEqual(sent['out_id'], message.out_id)
            self.assertEqual(sent['phone'], party.sms_mobile[3:])
            self.assertEqual(sent['params'], {'name': "李娜"})
            self.assertEqual(sent['sign'], "示例门店")
            self.assertEqual(message.attempts, 1)

    @with_transaction()
    def test_aliyun_batch(self):
        """Messages of one template go to Aliyun together (SendBatchSms),
        each with its values, under the batch's id; the delivery reports
        find each message by its number"""
        Message = Pool().get('sms.message')
        self.configure()
        with FakeAliyun() as fake:
            gateway = self.gateway(fake, 'aliyun')
            template = self.template(gateway)
            parties = [self.customer(name=name) for name in ["李娜", "赵磊"]]
            other = Message.send(self.customer(name="周杰"),
                self.template(gateway, code='SMS_100001',
                    content="${name}您好，您的积分即将到期。"))
            messages = self.process(
                Message.send_many(parties, template) + [other])
            self.assertEqual([m.state for m in messages], ['sent'] * 3)
            first, second, other = messages
            batch = [s for s in fake.sent if s['batch']]
            self.assertEqual(len(batch), 2)
            self.assertEqual({s['out_id'] for s in batch},
                {first.request_id})
            self.assertEqual(first.request_id, second.request_id)
            self.assertEqual(sorted(s['params']['name'] for s in batch),
                sorted(["李娜", "赵磊"]))
            self.assertEqual(first.provider_id, batch[0]['biz_id'])
            # Alone for its template: SendSms under its own id
            alone, = [s for s in fake.sent if not s['batch']]
            self.assertEqual(alone['out_id'], other.out_id)
            self.assertEqual(other.request_id, other.out_id)

            for reported in batch:
                report = [r for r in fake.report_body(
                            delivered=reported is batch[0])
                    if r['phone_number'] == reported['phone']]
                Message.record_reports(gateway,
                    gateway.provider.parse_reports(_json(report)))
            states = {m.phone: m.state for m in [
                    Message(first.id), Message(second.id)]}
            self.assertEqual(states, {
                    '+86' + batch[0]['phone']: 'delivered',
                    '+86' + batch[1]['phone']: 'failed'})

    @with_transaction()
    def test_aliyun_batch_refused(self):
        """A batch refused for one bad number goes again message by
        message: the good ones are sent, the bad one fails with the
        reason; and a batch whose answer was lost is asked for, not sent
        again"""
        Message = Pool().get('sms.message')
        self.configure()
        with FakeAliyun() as fake:
            gateway = self.gateway(fake, 'aliyun')
            template = self.template(gateway)
            good = Message.send_many(
                [self.customer(), self.customer()], template)
            bad = Message.send(self.customer(), template, phone='+8612345')
            messages = self.process(good + [bad])
            self.assertEqual([m.state for m in messages], ['queued'] * 3)
            self.assertEqual([m.attempts for m in messages], [0] * 3)
            self.assertTrue(all(m.single for m in messages))
            self.assertEqual(fake.sent, [])

            messages = self.process(messages)
            self.assertEqual([m.state for m in messages],
                ['sent', 'sent', 'failed'])
            self.assertEqual(messages[2].error_code,
                'isv.MOBILE_NUMBER_ILLEGAL')
            self.assertEqual(len(fake.sent), 2)
            self.assertFalse(any(s['batch'] for s in fake.sent))

            # One number over its limit refuses them all: each goes alone
            limited = Message.send_many(
                [self.customer(), self.customer()], template)
            fake.fail_next('isv.BUSINESS_LIMIT_CONTROL')
            limited = self.process(limited)
            self.assertEqual([m.state for m in limited], ['queued'] * 2)
            self.assertTrue(all(m.single for m in limited))
            self.assertEqual([m.attempts for m in limited], [0, 0])
            fake.fail_next('isv.BUSINESS_LIMIT_CONTROL')
            limited = self.process(limited)
            self.assertEqual(sorted(m.state for m in limited),
                ['queued', 'sent'])
            self.assertEqual(len(fake.sent), 3)
            fake.sent.pop()

            lost = Message.send_many(
                [self.customer(), self.customer()], template)
            fake.fail_next('taken-then-500')
            lost = self.process(lost)
            self.assertEqual([m.state for m in lost], ['sending'] * 2)
            self.assertEqual(len(fake.sent), 4)
            for message in lost:
                self.abandon(message)
            lost = self.process(lost)
            self.assertEqual([m.state for m in lost], ['sent'] * 2)
            self.assertEqual(len(fake.sent), 4)

    @with_transaction()
    def test_tencent_send(self):
        "A message goes to Tencent Cloud signed with TC3, values in order"
        Message = Pool().get('sms.message')
        self.configure()
        with FakeTencent() as fake:
            gateway = self.gateway(fake, 'tencent')
            template = self.template(gateway, code='100001',
                content="${name}您好，您的客户编号${code}。")
            party = self.customer(name="赵磊")
            message, = self.process([Message.send(party, template)])

            self.assertEqual(message.state, 'sent')
            sent, = fake.sent
            self.assertEqual(sent['params'], ["赵磊", party.code])
            self.assertEqual(sent['session'], message.out_id)
            self.assertEqual(message.provider_id, sent['serial'])

    @with_transaction()
    def test_wrong_credentials(self):
        """A refused access key pauses the gateway: its messages wait, the
        administrators are told in Chinese, and the messages go once the
        key is fixed and the gateway resumed"""
        pool = Pool()
        Message = pool.get('sms.message')
        Gateway = pool.get('sms.gateway')
        Notification = pool.get('res.notification')
        self.configure()
        for Fake, kind, code in [
                (FakeAliyun, 'aliyun', 'SMS_100001'),
                (FakeTencent, 'tencent', '100001')]:
            with Fake() as fake:
                gateway = self.gateway(fake, kind)
                gateway.key_secret = 'wrong'
                gateway.save()
                template = self.template(gateway, code=code)
                first, second = Message.send_many(
                    [self.customer(), self.customer()], template)
                first, = self.process([first])
                self.assertEqual(first.state, 'queued', kind)
                self.assertEqual(first.attempts, 0)
                self.assertIn(first.error_code, {
                        'SignatureDoesNotMatch',
                        'AuthFailure.SignatureFailure'})
                self.assertIn(first.error_code, first.error)
                gateway = Gateway(gateway.id)
                self.assertTrue(gateway.paused)
                self.assertEqual(gateway.pause_reason, first.error)
                notification, = Notification.search([
                        ('model', '=', 'sms.gateway'),
                        ('records', '=', json.dumps([gateway.id])),
                        ])
                self.assertIn(gateway.rec_name, notification.label)

                # The cron leaves the paused gateway's messages waiting
                self.process()
                self.assertEqual(
                    [Message(first.id).state, Message(second.id).state],
                    ['queued', 'queued'])

                gateway.key_secret = fake.key_secret
                gateway.save()
                Gateway.resume([gateway])
                self.process()
                self.assertEqual(
                    [Message(first.id).state, Message(second.id).state],
                    ['sent', 'sent'])
                self.assertEqual(len(fake.sent), 2)
                self.assertFalse(Gateway(gateway.id).paused)

            if kind == 'aliyun':
                # Refused for a batch: the same, once for the gateway
                with Fake() as fake:
                    gateway = self.gateway(fake, kind, key_secret='wrong')
                    batch = self.process(Message.send_many(
                            [self.customer(), self.customer()],
                            self.template(gateway, code=code)))
                    self.assertEqual([m.state for m in batch],
                        ['queued', 'queued'])
                    self.assertEqual([m.attempts for m in batch], [0, 0])
                    self.assertFalse(any(m.single for m in batch))
                    self.assertTrue(Gateway(gateway.id).paused)
                    self.assertEqual(len(Notification.search([
                                    ('model', '=', 'sms.gateway'),
                                    ('records', '=',
                                        json.dumps([gateway.id])),
                                    ])), 1)

    @with_transaction()
    def test_permanent_errors(self):
        "A bad number or template fails at once with the reason in Chinese"
        Message = Pool().get('sms.message')
        self.configure()
        with FakeAliyun() as aliyun, FakeTencent() as tencent:
            for fake, kind, code in [
                    (aliyun, 'aliyun', 'SMS_100001'),
                    (tencent, 'tencent', '100001')]:
                gateway = self.gateway(fake, kind)
                bad_number = Message.send(
                    self.customer(), self.template(gateway, code=code),
                    phone='+8612345')
                bad_template = Message.send(
                    self.customer(), self.template(gateway, code='SMS_0'))
                bad_number, bad_template = self.process(
                    [bad_number, bad_template])
                self.assertEqual(bad_number.state, 'failed')
                self.assertIn(bad_number.error_code, {
                        'isv.MOBILE_NUMBER_ILLEGAL',
                        'InvalidParameterValue.IncorrectPhoneNumber'})
                self.assertEqual(bad_number.attempts, 1)
                self.assertEqual(bad_template.state, 'failed')
                self.assertIn(bad_template.error_code, {
                        'isv.SMS_TEMPLATE_ILLEGAL',
                        'FailedOperation.TemplateIncorrectOrUnapproved'})
                self.assertEqual(fake.sent, [])

    @with_transaction()
    def test_flow_control_retried(self):
        "Flow control is retried later with backoff, then succeeds"
        Message = Pool().get('sms.message')
        self.configure(sms_retry_minutes=2)
        with FakeAliyun() as fake:
            gateway = self.gateway(fake, 'aliyun')
            fake.fail_next('isv.BUSINESS_LIMIT_CONTROL', times=2)
            message = Message.send(self.customer(), self.template(gateway))
            before = dt.datetime.now().replace(microsecond=0)
            message, = self.process([message])
            self.assertEqual(message.state, 'queued')
            self.assertEqual(message.error_code, 'isv.BUSINESS_LIMIT_CONTROL')
            self.assertGreaterEqual(message.scheduled,
                before + dt.timedelta(minutes=2))

            # Not due yet: the cron leaves it
            self.process()
            self.assertEqual(Message(message.id).attempts, 1)

            Message.write([message], {'scheduled': now()})
            message, = self.process([message])
            self.assertEqual(message.state, 'queued')
            self.assertGreaterEqual(message.scheduled,
                before + dt.timedelta(minutes=4))

            Message.write([message], {'scheduled': now()})
            message, = self.process([message])
            self.assertEqual(message.state, 'sent')
            self.assertEqual(message.attempts, 3)
            self.assertIsNone(message.error)
            self.assertEqual(len(fake.sent), 1)

    @with_transaction()
    def test_attempts_exhausted(self):
        "A provider busy beyond the attempts fails the message"
        Message = Pool().get('sms.message')
        self.configure(sms_max_attempts=2)
        with FakeTencent() as fake:
            gateway = self.gateway(fake, 'tencent')
            fake.fail_next('LimitExceeded.PhoneNumberThirtySecondLimit', 5)
            message = Message.send(self.customer(),
                self.template(gateway, code='100001'))
            message, = self.process([message])
            self.assertEqual(message.state, 'queued')
            Message.write([message], {'scheduled': now()})
            message, = self.process([message])
            self.assertEqual(message.state, 'failed')
            self.assertEqual(message.attempts, 2)

    @with_transaction()
    def test_network_error_retried(self):
        "A provider nobody answers for (nothing reached it) is tried again"
        Message = Pool().get('sms.message')
        self.configure()
        with FakeAliyun() as fake:
            gateway = self.gateway(fake, 'aliyun')
        # The fake has stopped: nothing listens on its port
        message = Message.send(self.customer(), self.template(gateway))
        message, = self.process([message])
        self.assertEqual(message.state, 'queued')
        self.assertEqual(message.error_code, 'network')

    @with_transaction()
    def test_crash_after_send_not_resent(self):
        """A process dying between the provider's answer and the commit
        leaves the message sending; the retry asks the provider by our id
        and does not send it again"""
        pool = Pool()
        Message = pool.get('sms.message')
        self.configure()
        for Fake, kind, code in [(FakeAliyun, 'aliyun', 'SMS_100001'),
                (FakeTencent, 'tencent', '100001')]:
            with Fake() as fake:
                gateway = self.gateway(fake, kind)
                message = Message.send(self.customer(),
                    self.template(gateway, code=code))
                Transaction().commit()
                with patch.object(Message, '_store_result',
                        side_effect=SystemExit("killed")):
                    with self.assertRaises(SystemExit):
                        Message._process_one(message.id)
                Transaction().commit()
                message = Message(message.id)
                self.assertEqual(message.state, 'sending')
                self.assertEqual(len(fake.sent), 1)

                # Too recent: another process may still be on it
                self.process()
                self.assertEqual(Message(message.id).state, 'sending')

                self.abandon(message)
                # Tencent lists a message once its report came
                fake.report_body()
                self.process()
                message = Message(message.id)
                self.assertEqual(message.state, 'sent', kind)
                self.assertEqual(len(fake.sent), 1)
                self.assertTrue(message.provider_id)

    @with_transaction()
    def test_answer_lost_asked_first(self):
        """A server error after the provider took the message: it is not
        sent again before the provider is asked"""
        Message = Pool().get('sms.message')
        self.configure()
        with FakeAliyun() as fake:
            gateway = self.gateway(fake, 'aliyun')
            fake.fail_next('taken-then-500')
            message, = self.process([
                    Message.send(self.customer(), self.template(gateway))])
            self.assertEqual(message.state, 'sending')
            self.assertEqual(message.error_code, 'InternalError')
            self.assertEqual(len(fake.sent), 1)
            self.process()
            self.assertEqual(Message(message.id).state, 'sending')

            self.abandon(message)
            self.process()
            message = Message(message.id)
            self.assertEqual(message.state, 'sent')
            self.assertEqual(len(fake.sent), 1)

    @with_transaction()
    def test_tencent_not_found_not_resent(self):
        """Tencent lists only the messages whose report came: one not
        found may have been taken, so it fails rather than goes twice"""
        Message = Pool().get('sms.message')
        self.configure()
        with FakeTencent() as fake:
            gateway = self.gateway(fake, 'tencent')
            message = Message.send(self.customer(),
                self.template(gateway, code='100001'))
            Transaction().commit()
            with patch.object(Message, '_store_result',
                    side_effect=SystemExit("killed")):
                with self.assertRaises(SystemExit):
                    Message._process_one(message.id)
            Transaction().commit()
            self.abandon(message)
            self.process()
            message = Message(message.id)
            self.assertEqual(message.state, 'failed')
            self.assertEqual(len(fake.sent), 1)

    @with_transaction()
    def test_crash_before_send_resent(self):
        "A message the provider never took is sent again under its id"
        Message = Pool().get('sms.message')
        self.configure()
        with FakeAliyun() as fake:
            gateway = self.gateway(fake, 'aliyun')
            message = Message.send(self.customer(), self.template(gateway))
            self.abandon(message, state='sending', attempts=1)
            self.process()
            self.assertEqual(Message(message.id).state, 'queued')
            self.process()
            message = Message(message.id)
            self.assertEqual(message.state, 'sent')
            sent, = fake.sent
            self.assertEqual(sent['out_id'], message.out_id)

    @with_transaction()
    def test_claim_holds_message(self):
        """Claiming a message holds it until the claim is committed: on
        PostgreSQL its row is locked, on SQLite the database's write lock
        is taken before the message is read"""
        Message = Pool().get('sms.message')
        self.configure()
        message = Message.send(
            self.customer(), self.template(self.gateway(None, 'log')))
        Transaction().commit()
        extras = {}
        while True:
            try:
                with Transaction().new_transaction(**extras) as claim:
                    Message._lock_claim([message.id])
                    if backend.name == 'sqlite':
                        self.assertTrue(claim.connection.in_transaction)
                    else:
                        with Transaction().new_transaction() as other, \
                                self.assertRaises(
                                    backend.DatabaseOperationalError):
                            other.database.lock_records(other.connection,
                                Message._table, [message.id])
                    claim.rollback()
                break
            except TransactionError as error:
                error.fix(extras)

    @with_transaction()
    def test_sending_transaction_retried(self):
        "A sending transaction that met a concurrent update is run again"
        calls = []

        def conflict_once():
            calls.append(True)
            if len(calls) == 1:
                raise backend.DatabaseOperationalError("concurrent update")
            return 'done'
        Transaction().commit()
        self.assertEqual(in_new_transaction(conflict_once), 'done')
        self.assertEqual(len(calls), 2)

    @with_transaction()
    def test_http_gateway(self):
        """The HTTP gateway fills its body, reads the id by its success
        rule, retries a server error and cannot tell after a crash"""
        Message = Pool().get('sms.message')
        self.configure()
        with FakeHttpGateway() as fake:
            gateway = self.gateway(fake, 'http', method='POST',
                body=('mobile=${national}&content=${text}&msgid=${out_id}'
                    '&key=%s' % fake.key_secret),
                success=r'"status": "ok", "id": "(?P<id>\w+)"')
            template = self.template(gateway, content="${name}，周年庆满100减20")
            fake.fail_next('429')
            message = Message.send(self.customer(name="周杰"), template)
            message, = self.process([message])
            self.assertEqual(message.state, 'queued')
            Message.write([message], {'scheduled': now()})
            message, = self.process([message])
            self.assertEqual(message.state, 'sent')
            sent, = fake.sent
            self.assertEqual(sent['text'], "周杰，周年庆满100减20")
            self.assertEqual(message.provider_id, sent['id'])

            stuck = Message.send(self.customer(), template)
            self.abandon(stuck, state='sending', attempts=1)
            self.process()
            stuck = Message(stuck.id)
            self.assertEqual(stuck.state, 'failed')
            self.assertEqual(stuck.error_code, None)
            self.assertTrue(stuck.error)
            self.assertEqual(len(fake.sent), 1)

    @with_transaction()
    def test_provider_unsubscribed(self):
        """A number the provider lists as unsubscribed fails its message
        and marks the customer unsubscribed: what waits is cancelled"""
        pool = Pool()
        Message = pool.get('sms.message')
        Party = pool.get('party.party')
        self.configure()
        with FakeTencent() as fake:
            gateway = self.gateway(fake, 'tencent')
            template = self.template(gateway, code='100001')
            party = self.customer()
            fake.unsubscribed.add(party.sms_mobile)
            first, later = [Message.send(party, template) for _ in range(2)]
            first, = self.process([first])
            self.assertEqual(first.state, 'failed')
            self.assertEqual(first.error_code,
                'FailedOperation.PhoneNumberInBlacklist')
            self.assertIn(first.error_code, first.error)
            party = Party(party.id)
            self.assertTrue(party.sms_opt_out)
            self.assertEqual(Message(later.id).state, 'cancelled')
            self.assertEqual(fake.sent, [])

    @with_transaction()
    def test_consent_and_opt_out(self):
        "Marketing needs consent and no opt-out; service messages do not"
        Message = Pool().get('sms.message')
        self.configure()
        gateway = self.gateway(None, 'log')
        marketing = self.template(gateway)
        service = self.template(gateway, kind='service',
            content="${name}，您的会员卡已充值。")
        without = self.customer(consent=False)
        unsubscribed = self.customer(sms_opt_out=True,
            sms_opt_out_date=dt.date.today())
        agreed = self.customer()
        no_mobile = self.customer()
        no_mobile.contact_mechanisms = []
        no_mobile.save()

        self.assertIsNone(Message.send(without, marketing))
        self.assertIsNone(Message.send(unsubscribed, marketing))
        self.assertIsNone(Message.send(no_mobile, service))
        self.assertTrue(Message.send(agreed, marketing))
        self.assertTrue(Message.send(without, service))
        self.assertTrue(Message.send(unsubscribed, service))

        # Queued, then the customer unsubscribes or withdraws consent
        Party = Pool().get('party.party')
        replied, withdrawn = self.customer(), self.customer()
        first = Message.send(replied, marketing)
        second = Message.send(withdrawn, marketing)
        notice = Message.send(replied, service)
        Party.unsubscribe([replied])
        self.assertEqual(Message(first.id).state, 'cancelled')
        self.assertEqual(Message(notice.id).state, 'queued')
        Party.write([withdrawn], {'sms_consent': False})
        second, = self.process([second])
        self.assertEqual(second.state, 'cancelled')
        self.assertTrue(second.error)

    @with_transaction()
    def test_send_hours_checked(self):
        "The sending hours start before they end"
        from trytond.modules.crm_sms.exceptions import SendHoursError
        with self.assertRaises(SendHoursError):
            self.configure(sms_send_from=dt.time(21),
                sms_send_until=dt.time(8))

    @with_transaction()
    def test_erase_cancels_and_copy_queues(self):
        """Erasing a customer cancels what waits for them; a copied
        message is a new one"""
        pool = Pool()
        Message = pool.get('sms.message')
        Erase = pool.get('party.erase', type='wizard')
        self.configure()
        gateway = self.gateway(None, 'log')
        party = self.customer()
        message = Message.send(party, self.template(gateway))
        copy, = Message.copy([message])
        self.assertEqual((copy.state, copy.attempts), ('queued', 0))
        self.assertNotEqual(copy.out_id, message.out_id)
        party.active = False
        party.save()
        session_id, _, _ = Erase.create()
        erase = Erase(session_id)
        erase.ask.party = party
        erase.transition_erase()
        # Erasing writes in SQL, behind this transaction's cache
        Transaction().commit()
        message = Message(message.id)
        self.assertEqual(message.state, 'cancelled')
        self.assertEqual(message.phone, '****')

    @with_transaction()
    def test_erase_blanks_every_copy_of_the_number(self):
        """Erasing a customer blanks the number on their messages and
        replies, and on a reply from it that found no customer; another
        customer's records on a number they share stay"""
        pool = Pool()
        Message = pool.get('sms.message')
        Reply = pool.get('sms.reply')
        Erase = pool.get('party.erase', type='wizard')
        self.configure()
        gateway = self.gateway(None, 'log')
        landline = '+862088880000'
        party, other = self.customer(), self.customer()
        for customer in [party, other]:
            customer.contact_mechanisms += (
                {'type': 'phone', 'value': landline},)
            customer.save()
        mobile = party.sms_mobile
        message = Message.send(party, self.template(gateway))
        Message.write([message], {'error': "号码 %s 无效" % mobile})
        own, before, shared, theirs = Reply.create([
                {'party': party.id, 'phone': mobile, 'text': "好的",
                    'received_at': now()},
                # Before the number was on the customer
                {'party': None, 'phone': mobile, 'text': "退订",
                    'received_at': now()},
                {'party': None, 'phone': landline, 'text': "在吗",
                    'received_at': now()},
                {'party': other.id, 'phone': landline, 'text': "好",
                    'received_at': now()},
                ])
        party.active = False
        party.save()
        session_id, _, _ = Erase.create()
        erase = Erase(session_id)
        erase.ask.party = party
        erase.transition_erase()
        # Erasing writes in SQL, behind this transaction's cache
        Transaction().commit()
        message = Message(message.id)
        self.assertEqual((message.phone, message.text, message.error),
            ('****', '****', None))
        self.assertEqual(
            [(r.phone, r.text) for r in Reply.browse(
                    [own, before, shared])],
            [('****', None)] * 3)
        self.assertEqual(Reply(theirs.id).phone, landline)

    def test_log_gateway_masks_number(self):
        "The log gateway's lines keep no number nor text to erase later"
        with self.assertLogs('trytond.modules.crm_sms.provider',
                'INFO') as logs:
            LogProvider({}).send(
                '+8613800138000', "李娜您好", None, {}, 'abc')
        self.assertIn("138****8000", logs.output[0])
        self.assertNotIn("13800138000", logs.output[0])
        self.assertNotIn("李娜", logs.output[0])

    @with_transaction()
    def test_messages_follow_customers(self):
        """Messages and replies are seen as their customers are: a
        salesperson's own and unowned, a sales manager's departments, the
        administrators all; those without customer managers only"""
        pool = Pool()
        Message = pool.get('sms.message')
        Reply = pool.get('sms.reply')
        User = pool.get('res.user')
        Department = pool.get('company.department')
        ModelData = pool.get('ir.model.data')
        self.configure()
        template = self.template(self.gateway(None, 'log'))
        company = create_company()
        with set_company(company):
            shop = Department(name="门店", code='MD')
            shop.save()
            sales = Department(name="销售部", code='XS', parent=shop)
            sales.save()
            elsewhere = Department(name="分店", code='FD')
            elsewhere.save()
            employees = {}
            for name, department in [('sales1', sales), ('sales2', sales),
                    ('manager', shop), ('stranger', elsewhere)]:
                employee = create_employee(company, name)
                employee.department = department
                employee.save()
                employees[name] = employee
        users = {}
        for login, group in [('sales1', 'group_salesperson'),
                ('manager', 'group_sales_manager'),
                ('admin', 'group_crm_admin'),
                ('service', 'group_service')]:
            employee = employees.get(login)
            users[login], = User.create([{
                        'login': 'sms_' + login,
                        'company': company.id,
                        'companies': [('add', [company.id])],
                        'employees': [('add', [employee.id])]
                        if employee else [],
                        'employee': employee.id if employee else None,
                        'groups': [('add', [ModelData.get_id(
                                        'crm_customer', group)])],
                        }])
        messages, replies = {}, {}
        for key in ['sales1', 'sales2', 'stranger', None]:
            with set_company(company):
                party = self.customer(owner=employees.get(key))
            messages[key] = Message.send(party, template)
            replies[key], = Reply.create([{'party': party.id,
                        'phone': party.sms_mobile, 'received_at': now()}])
        messages['nobody'] = Message.send(self.customer(), template)
        Message.write([messages['nobody']], {'party': None})
        replies['nobody'], = Reply.create([{
                    'phone': '+8613999999999', 'received_at': now()}])

        def seen(login, Model, records):
            # Other tests commit customers and messages of their own
            with Transaction().set_user(users[login].id), \
                    Transaction().set_context(User.get_preferences(
                        context_only=True), _check_access=True):
                return set(Model.search(
                        [('id', 'in', [r.id for r in records.values()])]))

        # Past the threshold (a thousand customers) "party.owner" is a
        # left join, which a record without customer matches
        self.addCleanup(config.set, 'database', 'subquery_threshold',
            config.get('database', 'subquery_threshold'))
        for (Model, records), threshold in itertools.product(
                [(Message, messages), (Reply, replies)], ['1000', '0']):
            config.set('database', 'subquery_threshold', threshold)
            for login, keys in [
                    ('sales1', ['sales1', None]),
                    ('manager', ['sales1', 'sales2', None, 'nobody']),
                    ('admin', list(records)),
                    ('service', list(records)),
                    ]:
                self.assertEqual(seen(login, Model, records),
                    {records[k] for k in keys},
                    (Model.__name__, login, threshold))
            with Transaction().set_user(users['sales1'].id), \
                    Transaction().set_context(User.get_preferences(
                        context_only=True), _check_access=True):
                with self.assertRaises(AccessError):
                    Model.read([records['sales2'].id], ['phone'])
                self.assertEqual(Model.search([
                            ('party', '=', records['sales2'].party.id)]), [])

        # Nor through the preview of a template, a Function field
        template.preview_party = messages['sales2'].party
        template.save()
        for login, name in [('sales1', "张三"), ('admin', "王芳")]:
            with Transaction().set_user(users[login].id), \
                    Transaction().set_context(_check_access=True):
                preview, = template.__class__.read(
                    [template.id], ['preview'])
                self.assertTrue(preview['preview'].startswith(name), login)

    @with_transaction()
    def test_quiet_hours(self):
        "A message due at night waits for the morning, Shanghai time"
        Message = Pool().get('sms.message')
        self.configure(sms_send_from=dt.time(8), sms_send_until=dt.time(21))
        utc = dt.timedelta(hours=8)
        for local, expected in [
                (dt.datetime(2026, 5, 1, 22, 30), dt.datetime(2026, 5, 2, 8)),
                (dt.datetime(2026, 5, 1, 6, 0), dt.datetime(2026, 5, 1, 8)),
                (dt.datetime(2026, 5, 1, 21, 0), dt.datetime(2026, 5, 2, 8)),
                (dt.datetime(2026, 5, 1, 10, 0), dt.datetime(2026, 5, 1, 10)),
                (dt.datetime(2026, 5, 1, 8, 0), dt.datetime(2026, 5, 1, 8)),
                ]:
            self.assertEqual(Message.next_allowed(local - utc),
                expected - utc, local)

        gateway = self.gateway(None, 'log')
        night = dt.datetime.combine(dt.date.today(), dt.time(23)) - utc
        with patch('trytond.modules.crm_sms.message.dt') as mocked:
            mocked.datetime.now.return_value = night
            mocked.datetime.combine = dt.datetime.combine
            mocked.timedelta = dt.timedelta
            mocked.timezone = dt.timezone
            mocked.time = dt.time
            message = Message.send(self.customer(), self.template(gateway))
        self.assertEqual(message.scheduled,
            dt.datetime.combine(dt.date.today() + dt.timedelta(days=1),
                dt.time(8)) - utc)

    @with_transaction()
    def test_rate_limit(self):
        "No more than the gateway's messages per minute; the rest wait"
        Message = Pool().get('sms.message')
        self.configure()
        with FakeAliyun() as fake:
            gateway = self.gateway(fake, 'aliyun', rate_limit=2)
            template = self.template(gateway)
            messages = Message.send_many(
                [self.customer() for _ in range(3)], template)
            messages = self.process(messages)
            self.assertEqual([m.state for m in messages],
                ['sent', 'sent', 'queued'])
            self.assertGreater(messages[2].scheduled, dt.datetime.now())
            self.assertEqual(len(fake.sent), 2)

    @with_transaction()
    def test_reports_and_replies(self):
        """Delivery reports mark messages delivered or failed; a reply is
        kept on its customer and 退订 unsubscribes"""
        pool = Pool()
        Message = pool.get('sms.message')
        Reply = pool.get('sms.reply')
        Party = pool.get('party.party')
        self.configure()
        with FakeAliyun() as aliyun, FakeTencent() as tencent:
            for fake, kind, code, delivered in [
                    (aliyun, 'aliyun', 'SMS_100001', True),
                    (tencent, 'tencent', '100001', False)]:
                gateway = self.gateway(fake, kind)
                party = self.customer()
                message, = self.process([Message.send(
                            party, self.template(gateway, code=code))])
                provider = gateway.provider
                Message.record_reports(gateway, provider.parse_reports(
                        _json(fake.report_body(delivered))))
                message = Message(message.id)
                if delivered:
                    self.assertEqual(message.state, 'delivered')
                    self.assertTrue(message.delivered_at)
                else:
                    self.assertEqual(message.state, 'failed')
                    self.assertEqual(message.error_code, 'MK:0001')

                reply, = Reply.record(gateway, provider.parse_replies(
                        _json(fake.reply_body(party.sms_mobile, "好的"))))
                self.assertEqual(reply.party, party)
                self.assertFalse(Party(party.id).sms_opt_out)
                reply, = Reply.record(gateway, provider.parse_replies(
                        _json(fake.reply_body(party.sms_mobile, "TD"))))
                self.assertTrue(reply.unsubscribe)
                party = Party(party.id)
                self.assertTrue(party.sms_opt_out)
                self.assertEqual(party.sms_opt_out_date, dt.date.today())
                self.assertEqual(len(party.sms_replies), 2)

    @with_transaction()
    def test_occasion_sent_once(self):
        "One message per customer and occasion"
        Message = Pool().get('sms.message')
        self.configure()
        gateway = self.gateway(None, 'log')
        template = self.template(gateway)
        party = self.customer()
        for year, sent in [(2026, True), (2026, False), (2027, True)]:
            message = Message.send(party, template,
                occasion='birthday:%s' % year)
            self.assertEqual(bool(message), sent, year)

    @with_transaction()
    def test_template_placeholders_and_preview(self):
        """Unknown placeholders are refused; the preview fills a customer's
        values and adds the unsubscribe line to marketing"""
        Template = Pool().get('sms.template')
        self.configure()
        gateway = self.gateway(None, 'log', unsubscribe_text="拒收请回复R")
        with self.assertRaises(TemplateError) as context:
            self.template(gateway, content="${name}，您的${bonus}到账")
        self.assertIn("bonus", str(context.exception))
        template = self.template(gateway, content="${name}，会员日八折。")
        template.preview_party = self.customer(name="孙丽")
        self.assertEqual(template.on_change_with_preview(),
            "孙丽，会员日八折。拒收请回复R")
        template = Template(content="${name}好", kind='service',
            gateway=gateway)
        self.assertEqual(template.on_change_with_preview(), "张三好")

    @with_transaction()
    def test_credentials_for_administrators(self):
        "Only administrators see a gateway's keys"
        pool = Pool()
        Gateway = pool.get('sms.gateway')
        User = pool.get('res.user')
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        gateway = self.gateway(None, 'aliyun', key_id='id',
            key_secret='secret')
        manager = User(login='manager', groups=[Group(ModelData.get_id(
                        'crm_customer', 'group_sales_manager'))])
        manager.save()
        with Transaction().set_user(manager.id), \
                Transaction().set_context(_check_access=True):
            self.assertEqual(Gateway.read([gateway.id], ['name'])[0]['name'],
                'aliyun')
            for name in ['key_id', 'key_secret', 'body', 'endpoint',
                    'callback_token', 'callback_report_path']:
                with self.assertRaises(AccessError):
                    Gateway.read([gateway.id], [name])


def _json(body):
    return json.dumps(body, ensure_ascii=False).encode()
