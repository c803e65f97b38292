# This file is part of the CRM suite.
import datetime as dt
import logging
import socket
import uuid
from zoneinfo import ZoneInfo

from sql import Conflict

import trytond.config as config

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, TransactionError

from .bulk import parts
from .exceptions import SendError
from .provider import Result, international, placeholders

logger = logging.getLogger(__name__)

STATES = [
    ('queued', "Queued"),
    ('sending', "Sending"),
    ('sent', "Sent"),
    ('delivered', "Delivered"),
    ('failed', "Failed"),
    ('cancelled', "Cancelled"),
    ]
# A message left in sending longer than this lost its process
STALE_SENDING = dt.timedelta(minutes=5)
# Provider answers shown to users in Chinese
ERRORS = {
    'isv.BUSINESS_LIMIT_CONTROL': 'msg_error_flow_control',
    'isv.DAY_LIMIT_CONTROL': 'msg_error_flow_control',
    'isv.MOBILE_NUMBER_ILLEGAL': 'msg_error_bad_number',
    'isv.SMS_TEMPLATE_ILLEGAL': 'msg_error_bad_template',
    'isv.TEMPLATE_MISSING_PARAMETERS': 'msg_error_bad_template',
    'isv.SMS_SIGNATURE_ILLEGAL': 'msg_error_bad_signature',
    'isv.AMOUNT_NOT_ENOUGH': 'msg_error_no_credit',
    'isv.BLACK_KEY_CONTROL_LIMIT': 'msg_error_forbidden_words',
    'SignatureDoesNotMatch': 'msg_error_credentials',
    'InvalidAccessKeyId.NotFound': 'msg_error_credentials',
    'LimitExceeded.PhoneNumberDailyLimit': 'msg_error_flow_control',
    'LimitExceeded.PhoneNumberThirtySecondLimit': 'msg_error_flow_control',
    'LimitExceeded.PhoneNumberOneHourLimit': 'msg_error_flow_control',
    'LimitExceeded.PhoneNumberSameContentDailyLimit':
        'msg_error_flow_control',
    'RequestLimitExceeded': 'msg_error_flow_control',
    'InvalidParameterValue.IncorrectPhoneNumber': 'msg_error_bad_number',
    'FailedOperation.TemplateIncorrectOrUnapproved':
        'msg_error_bad_template',
    'FailedOperation.SignatureIncorrectOrUnapproved':
        'msg_error_bad_signature',
    'FailedOperation.InsufficientBalanceInSmsPackage': 'msg_error_no_credit',
    'AuthFailure.SignatureFailure': 'msg_error_credentials',
    'AuthFailure.SecretIdNotFound': 'msg_error_credentials',
    'InvalidAccessKeyId.Inactive': 'msg_error_credentials',
    'isv.ACCOUNT_ABNORMAL': 'msg_error_credentials',
    'isv.ACCOUNT_NOT_EXISTS': 'msg_error_credentials',
    'UnauthorizedOperation.SmsSdkAppIdVerifyFail': 'msg_error_credentials',
    'FailedOperation.PhoneNumberInBlacklist': 'msg_error_unsubscribed',
    }
# The provider's word that the customer unsubscribed with it
UNSUBSCRIBED_ERRORS = {'FailedOperation.PhoneNumberInBlacklist'}
# Answers about the account rather than the message: every other message
# would get them too, so they wait for the account to be fixed
ACCOUNT_ERRORS = {code for code, message in ERRORS.items()
    if message in {
        'msg_error_credentials', 'msg_error_no_credit',
        'msg_error_bad_signature'}}


def in_new_transaction(function):
    """Run function in a transaction of its own, committed at once, started
    again with the locks it asks for or after a concurrent update, as the
    server does for a request"""
    extras = {}
    retry = config.getint('database', 'retry')
    while True:
        try:
            with Transaction().new_transaction(**extras) as transaction:
                result = function()
                transaction.commit()
                return result
        except TransactionError as error:
            error.fix(extras)
        except backend.DatabaseOperationalError:
            if not retry:
                raise
            retry -= 1


def _network_result(error):
    "The Result of a request that failed on the network"
    # urllib wraps the socket's error in its reason
    reason = getattr(error, 'reason', error)
    if isinstance(reason, (ConnectionRefusedError, socket.gaierror)):
        # Nothing reached the provider
        return Result('transient', code='network', error=str(error))
    # The request may have gone out before the failure
    return Result('uncertain', code='network', error=str(error))


def browse(Model, ids, size=100):
    """The records of ids browsed in small groups: each record of a group
    checks every id of its group"""
    return [r for sub_ids in grouped_slice(ids, size)
        for r in Model.browse(list(sub_ids))]


def error_text(code, message):
    "The provider's answer in Chinese, with its own words after it"
    if code in ERRORS:
        text = gettext('crm_sms.' + ERRORS[code])
    else:
        text = gettext('crm_sms.msg_error_other')
    return '%s (%s: %s)' % (text, code, message or '')


class Message(Workflow, ModelSQL, ModelView):
    __name__ = 'sms.message'
    __string__ = "SMS Message"

    party = fields.Many2One('party.party', "Customer", ondelete='SET NULL',
        readonly=True)
    phone = fields.Char("Mobile", required=True, readonly=True)
    text = fields.Text("Text", required=True, readonly=True)
    template = fields.Many2One('sms.template', "Template",
        ondelete='RESTRICT', readonly=True)
    values = fields.Dict(None, "Values", readonly=True)
    kind = fields.Selection([
            ('marketing', "Marketing"),
            ('service', "Service"),
            ], "Kind", required=True, readonly=True)
    gateway = fields.Many2One('sms.gateway', "Gateway", required=True,
        ondelete='RESTRICT', readonly=True)
    state = fields.Selection(STATES, "State", required=True, readonly=True,
        sort=False)
    scheduled = fields.DateTime("Send After", required=True, readonly=True,
        help="Quiet hours, the rate limit and retries move it later.")
    attempts = fields.Integer("Attempts", required=True, readonly=True)
    sending_since = fields.DateTime("Sending Since", readonly=True)
    first_attempt = fields.DateTime("First Attempt", readonly=True,
        help="When the provider was first called: where to look for the "
        "message when an answer was lost.")
    out_id = fields.Char("Our Message ID", required=True, readonly=True,
        help="Sent with every request, so that a retry can ask the "
        "provider whether an earlier one was taken.")
    request_id = fields.Char("Request ID", readonly=True,
        help="The id sent with the request that carried the message: its "
        "own, or its batch's when it went with others of its template.")
    single = fields.Boolean("Send Alone", readonly=True,
        help="Set when a batch it was in was refused: it goes alone, so "
        "that the refusal shows on the message it concerns.")
    provider_id = fields.Char("Provider Message ID", readonly=True)
    sent_at = fields.DateTime("Sent At", readonly=True)
    delivered_at = fields.DateTime("Delivered At", readonly=True)
    cost = fields.Numeric("Cost", digits=(16, 4), readonly=True)
    error_code = fields.Char("Error Code", readonly=True)
    error = fields.Text("Error", readonly=True)
    occasion = fields.Char("Occasion", readonly=True,
        help="A greeting's occasion and year: one message per customer "
        "and occasion.")
    dedup_key = fields.Char("Deduplication Key", readonly=True)
    origin = fields.Reference("Origin", selection='get_origins',
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('dedup_key_unique', Unique(t, t.dedup_key),
                'crm_sms.msg_message_duplicate'),
            ('out_id_unique', Unique(t, t.out_id),
                'crm_sms.msg_message_out_id_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.state, Index.Equality()),
                    (t.scheduled, Index.Range())),
                Index(t, (t.provider_id, Index.Equality())),
                Index(t, (t.request_id, Index.Equality())),
                Index(t, (t.gateway, Index.Equality()),
                    (t.sent_at, Index.Range())),
                })
        cls._order = [('scheduled', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('queued', 'sending'),
            ('sending', 'queued'),
            ('sending', 'sent'),
            ('sending', 'failed'),
            ('sending', 'delivered'),
            ('sent', 'delivered'),
            ('sent', 'failed'),
            ('queued', 'cancelled'),
            ('failed', 'queued'),
            }
        cls._buttons.update({
                'cancel': {
                    'invisible': Eval('state') != 'queued',
                    'depends': ['state'],
                    },
                'retry': {
                    'invisible': Eval('state') != 'failed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'queued'

    @classmethod
    def default_single(cls):
        return False

    @classmethod
    def default_attempts(cls):
        return 0

    @classmethod
    def default_kind(cls):
        return 'marketing'

    @classmethod
    def default_out_id(cls):
        return uuid.uuid4().hex

    @classmethod
    def _get_origins(cls):
        return ['party.party', 'sms.bulk', 'sms.greeting']

    @classmethod
    def get_origins(cls):
        IrModel = Pool().get('ir.model')
        return [(None, '')] + [(m, IrModel.get_name(m))
            for m in cls._get_origins()]

    def get_rec_name(self, name):
        return '%s → %s' % (self.text[:20], self.phone)

    @classmethod
    def copy(cls, messages, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('state', cls.default_state())
        default.setdefault('attempts', cls.default_attempts())
        for name in ['sending_since', 'first_attempt', 'provider_id',
                'sent_at', 'delivered_at', 'cost', 'error_code', 'error',
                'occasion', 'dedup_key', 'request_id']:
            default.setdefault(name)
        default.setdefault('single', False)
        # A copy is a message of its own
        default['out_id'] = None
        return super().copy(messages, default=default)

    @classmethod
    def create(cls, vlist):
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            if not values.get('out_id'):
                values['out_id'] = cls.default_out_id()
        return super().create(vlist)

    # ---- when a message may go

    @classmethod
    def quiet_hours(cls):
        "(start, end, timezone) of the hours messages may go"
        Configuration = Pool().get('crm.configuration')
        configuration = Configuration(1)
        return (configuration.sms_send_from or dt.time(8),
            configuration.sms_send_until or dt.time(21),
            ZoneInfo(configuration.sms_timezone or 'Asia/Shanghai'))

    @classmethod
    def next_allowed(cls, when=None):
        """The first moment from when (UTC, naive) outside the quiet
        hours"""
        # Whole seconds: PostgreSQL rounds the fraction, maybe up
        when = (when or dt.datetime.now()).replace(microsecond=0)
        start, end, zone = cls.quiet_hours()
        local = when.replace(tzinfo=dt.timezone.utc).astimezone(zone)
        if start <= local.time().replace(tzinfo=None) < end:
            return when
        day = local.date()
        if local.time().replace(tzinfo=None) >= end:
            day += dt.timedelta(days=1)
        opening = dt.datetime.combine(day, start, tzinfo=zone)
        return opening.astimezone(dt.timezone.utc).replace(tzinfo=None)

    # ---- the entry point

    @classmethod
    def send(cls, party, template, values=None, origin=None, occasion=None,
            gateway=None, phone=None):
        """Queue template for party with values added to the party's own;
        return the message or None when the rules forbid it (no mobile,
        no consent for marketing, unsubscribed, already greeted for
        occasion)"""
        messages = cls.send_many([party], template, values=values,
            origin=origin, occasion=occasion, gateway=gateway,
            phone=phone)
        return messages[0] if messages else None

    @classmethod
    def send_many(cls, parties, template, values=None, origin=None,
            occasion=None, gateway=None, phone=None):
        """Queue template for each party (or party id) the rules allow;
        return the messages. Set-based: a bulk sending queues 100k."""
        pool = Pool()
        Party = pool.get('party.party')
        gateway = gateway or template.gateway or Pool().get(
            'sms.gateway').get_default()
        if not gateway:
            raise SendError(gettext('crm_sms.msg_no_gateway'))
        mobiles = Party.sms_recipients(list(map(int, parties)),
            template.kind)
        if occasion:
            keys = {i: '%s:%s' % (i, occasion) for i in mobiles}
            for key in cls._existing_keys(list(keys.values())):
                del mobiles[int(key.split(':', 1)[0])]
        now = dt.datetime.now()
        scheduled = cls.next_allowed(now)
        user = Transaction().user
        rows = []
        for party_id, party_values in Party.sms_values_many(
                sorted(mobiles)).items():
            party_values.update(values or {})
            rows.append([party_id, phone or mobiles[party_id],
                    template.render(party_values, gateway), template.id,
                    cls.values.sql_format(template.params(party_values)),
                    template.kind, gateway.id, 'queued', scheduled, 0,
                    cls.default_out_id(), occasion,
                    '%s:%s' % (party_id, occasion) if occasion else None,
                    str(origin) if origin else None, user, now])
        messages = browse(cls, cls._insert(rows))
        cls.queue(messages)
        return messages

    @classmethod
    def _existing_keys(cls, keys):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        for sub_keys in grouped_slice(
                keys, backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(table.dedup_key,
                    where=table.dedup_key.in_(list(sub_keys))))
            yield from (k for k, in cursor)

    @classmethod
    def _insert(cls, rows):
        """Insert the rows in batches and return the ids of those inserted:
        the values come from the customers and a checked template, so the
        ORM's checks of each record would only repeat them"""
        transaction = Transaction()
        table = cls.__table__()
        cursor = transaction.connection.cursor()
        columns = [table.party, table.phone, table.text, table.template,
            table.values, table.kind, table.gateway, table.state,
            table.scheduled, table.attempts, table.out_id, table.occasion,
            table.dedup_key, table.origin, table.create_uid,
            table.create_date]
        # A greeting queued at the same time by another process (two cron
        # runs: SQLite does not lock the task) after the check of the keys
        # keeps its message; this one is left out, not failed nor sent
        on_conflict = None
        if transaction.database.has_insert_on_conflict():
            on_conflict = Conflict(table, indexed_columns=[table.dedup_key])
        ids = []
        for index in range(0, len(rows), 1000):
            batch = rows[index:index + 1000]
            cursor.execute(*table.insert(columns, batch,
                    on_conflict=on_conflict))
            cursor.execute(*table.select(table.id,
                    where=table.out_id.in_([r[10] for r in batch])))
            ids.extend(i for i, in cursor)
        return sorted(ids)

    @classmethod
    def queue(cls, messages):
        """Have the queue send the messages due after the commit, in
        batches; without a worker, the queue runs in the request, so only
        a single message goes at once and the cron sends the rest"""
        due = [m for m in messages if m.scheduled <= dt.datetime.now()]
        if len(due) > 1 and not config.getboolean(
                'queue', 'worker', default=False):
            return
        for index in range(0, len(due), 500):
            with Transaction().set_context(queue_name='sms'):
                cls.__queue__.process(due[index:index + 500])

    # ---- sending

    @classmethod
    def send_due(cls):
        """Cron: send what is due, at most a minute's worth per gateway,
        and recover what a dead process left"""
        pool = Pool()
        Gateway = pool.get('sms.gateway')
        now = dt.datetime.now()
        messages = cls.search([
                ('state', '=', 'sending'),
                ('sending_since', '<', now - STALE_SENDING),
                ], order=[('id', 'ASC')])
        for gateway in Gateway.search([('paused', '=', False)]):
            budget = gateway.rate_limit - cls.search_count([
                    ('gateway', '=', gateway.id),
                    ('state', '!=', 'queued'),
                    ('sending_since', '>=', now - dt.timedelta(minutes=1)),
                    ])
            if budget > 0:
                messages += cls.search([
                        ('gateway', '=', gateway.id),
                        ('state', '=', 'queued'),
                        ('scheduled', '<=', now),
                        ], order=[('scheduled', 'ASC'), ('id', 'ASC')],
                    limit=budget)
        cls.process(messages)

    @classmethod
    def process(cls, messages):
        """Send the messages, claimed (sending) and committed before the
        provider is called and the answer written after, in transactions
        of their own, so that a message is never sent twice; those of one
        template go together where the provider takes batches"""
        batches, alone = cls._batches(messages)
        for batch in batches:
            try:
                cls._process_batch([m.id for m in batch])
            except Exception:
                logger.exception("SMS batch %s could not be processed",
                    [m.id for m in batch])
        for message in alone:
            try:
                cls._process_one(message.id)
            except Exception:
                logger.exception("SMS %s could not be processed", message.id)

    @classmethod
    def _batches(cls, messages):
        "(batches, messages to send alone)"
        groups, alone = {}, []
        for message in messages:
            provider = message.gateway.provider
            if (provider.can_batch and message.state == 'queued'
                    and not message.single and message.template
                    and message.template.code):
                groups.setdefault(
                    (message.gateway, message.template), []).append(message)
            else:
                alone.append(message)
        batches = []
        for (gateway, _), group in groups.items():
            size = gateway.provider.batch_size
            for index in range(0, len(group), size):
                batch = group[index:index + size]
                if len(batch) > 1:
                    batches.append(batch)
                else:
                    alone.extend(batch)
        return batches, alone

    @classmethod
    def _process_batch(cls, message_ids):
        def claim():
            # Those another process holds or changed are left to it; a
            # stale one is asked for alone by the cron
            messages = [m for m in cls.browse(cls._lock_claim(message_ids))
                if m.state == 'queued' and m._claim() == 'send']
            if not messages:
                return None, None
            request_id = cls.default_out_id()
            cls.write(messages, {'request_id': request_id})
            first = messages[0]
            provider = first.gateway.provider
            code = first.template.code
            names = placeholders(first.template.content)
            items = [(m.phone,
                    {n: (m.values or {}).get(n, '') for n in names})
                for m in messages]

            def call():
                try:
                    return provider.send_batch(items, code, request_id)
                except OSError as error:
                    return _network_result(error)
            return [m.id for m in messages], call
        ids, call = in_new_transaction(claim)
        if call:
            result = call()
            in_new_transaction(lambda: cls._store_batch_result(ids, result))

    @classmethod
    def _store_batch_result(cls, message_ids, result):
        messages = cls.browse(message_ids)
        if (result.status in {'permanent', 'transient'}
                and result.code not in ACCOUNT_ERRORS):
            # One bad number or one over its limit refuses them all: each
            # goes alone, so that the refusal shows on the message it
            # concerns and the others go
            sending = [m for m in messages if m.state == 'sending']
            for message in sending:
                message.attempts -= 1
                message.single = True
            cls.requeue(sending)
            return
        for message in messages:
            message._store_result(result)

    @classmethod
    def _process_one(cls, message_id):
        def claim():
            if not cls._lock_claim([message_id]):
                # Another process is on it
                return None
            message = cls(message_id)
            action = message._claim()
            # Read now: the provider is called outside any transaction
            return action and message._provider_call(action)
        call = in_new_transaction(claim)
        if call:
            result = call()
            in_new_transaction(lambda: cls(message_id)._store_result(result))

    @classmethod
    def _lock_claim(cls, message_ids):
        """Hold the messages until this transaction ends, so that no other
        process claims them meanwhile; return the ids held, skipping those
        another process holds. The first query of its transaction."""
        transaction = Transaction()
        database = transaction.database
        table = cls.__table__()
        cursor = transaction.connection.cursor()
        if database.has_select_for():
            # Taken before anything is read, so the rows are read as they
            # are now (a row changed since would fail the transaction)
            cursor.execute(*table.select(table.id,
                    where=table.id.in_(message_ids),
                    for_=database.get_select_for_skip_locked()('UPDATE')))
            return sorted(i for i, in cursor)
        # SQLite has no row lock, and the reads before a transaction's
        # first write are outside it: write first to take the database's
        # write lock, so that another process's claim waits for this one
        cursor.execute(*table.update([table.state], [table.state],
                where=table.id.in_(message_ids)))
        return sorted(message_ids)

    def _claim(self):
        """What to do with this message now: 'send', 'find' whether an
        earlier attempt was taken, or None"""
        pool = Pool()
        Party = pool.get('party.party')
        Configuration = pool.get('crm.configuration')
        now = dt.datetime.now()
        if self.state == 'sending':
            if self.sending_since and now - self.sending_since < STALE_SENDING:
                return None
            self.attempts += 1
            if self.attempts > Configuration(1).sms_max_attempts + 3:
                self.error = gettext('crm_sms.msg_error_unknown_outcome')
                self.fail([self])
                return None
            self.sending_since = now
            self.save()
            return 'find'
        if self.state != 'queued' or self.scheduled > now:
            return None
        if self.kind == 'marketing' and (not self.party
                or not Party.sms_recipients([self.party.id], self.kind)):
            # Unsubscribed or no more consent since it was queued
            self.error = gettext('crm_sms.msg_cancelled_no_consent')
            self.cancel([self])
            return None
        allowed = self.next_allowed(now)
        if allowed > now:
            self.scheduled = allowed
            self.save()
            return None
        if self.gateway.paused:
            # Sent by the cron once the gateway is resumed
            return None
        if not self.gateway.active:
            self.scheduled = now + dt.timedelta(minutes=10)
            self.save()
            return None
        sent = self.search_count([
                ('gateway', '=', self.gateway.id),
                ('state', '!=', 'queued'),
                ('sending_since', '>=', now - dt.timedelta(minutes=1)),
                ])
        if sent >= self.gateway.rate_limit:
            self.scheduled = now + dt.timedelta(minutes=1)
            self.save()
            return None
        self.attempts += 1
        self.sending_since = now
        if not self.first_attempt:
            self.first_attempt = now
        self.request_id = self.out_id
        self.start_sending([self])
        return 'send'

    def _provider_call(self, action):
        """A function asking the provider to send the message or whether
        an earlier attempt was taken, returning a Result; a provider that
        cannot tell fails it rather than risk sending it twice"""
        provider = self.gateway.provider
        phone, out_id = self.phone, self.out_id
        # Asked by the id of the request that carried it
        request_id = self.request_id or out_id
        if action == 'send':
            text = self.text
            code = self.template.code if self.template else None
            values = dict(self.values or {})
            if self.template:
                # In the template's order: Tencent's values are a list
                values = {name: values.get(name, '')
                    for name in placeholders(self.template.content)}

            def call():
                try:
                    return provider.send(phone, text, code, values, out_id)
                except OSError as error:
                    return _network_result(error)
            return call
        if not provider.can_find:
            return lambda: Result('unknown')
        since = (self.first_attempt or self.create_date).replace(
            tzinfo=dt.timezone.utc)

        def find():
            try:
                provider_id = provider.find(phone, request_id, since)
            except OSError as error:
                return Result('unknown-retry', code='network',
                    error=str(error))
            if provider_id:
                return Result('sent', provider_id=provider_id)
            if provider.find_proves_absence:
                return Result('resend')
            return Result('unknown')
        return find

    def _store_result(self, result):
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        now = dt.datetime.now()
        if result.status == 'sent' and self.state in {'delivered', 'failed'}:
            # Its delivery report came before this answer was written
            self.provider_id = self.provider_id or result.provider_id
            self.sent_at = self.sent_at or now
            self.cost = self.gateway.cost * (result.fee or parts(self.text))
            self.save()
            return
        if self.state != 'sending':
            return
        # The transition that saves the message; none leaves it sending
        transition = None
        if result.status == 'sent':
            transition = self.mark_sent
            self.provider_id = result.provider_id
            self.sent_at = now
            self.cost = self.gateway.cost * (result.fee or parts(self.text))
            self.error = self.error_code = None
        elif result.status == 'resend':
            # Not taken: sent again under the same id
            transition = self.requeue
            self.scheduled = now.replace(microsecond=0)
        elif result.status in {'unknown-retry', 'uncertain'}:
            # Left sending: once stale, the provider is asked first
            self.error_code = result.code
            self.error = error_text(result.code, result.error)
        elif result.status == 'unknown':
            transition = self.fail
            self.error = gettext('crm_sms.msg_error_unknown_outcome')
        elif result.code in ACCOUNT_ERRORS:
            # Not the message's fault: it waits, not counted as an attempt
            transition = self.requeue
            self.attempts -= 1
            self.error_code = result.code
            self.error = error_text(result.code, result.error)
            self.gateway.pause(self.error)
        else:
            self.error_code = result.code
            self.error = error_text(result.code, result.error)
            configuration = Configuration(1)
            if (result.status == 'transient'
                    and self.attempts < configuration.sms_max_attempts):
                transition = self.requeue
                self.scheduled = now + dt.timedelta(
                    minutes=configuration.sms_retry_minutes
                    * 2 ** (self.attempts - 1))
            else:
                transition = self.fail
        if transition:
            transition([self])
        else:
            self.save()
        if (result.code in UNSUBSCRIBED_ERRORS and self.party
                and self.phone == self.party.sms_mobile):
            self.party.__class__.unsubscribe([self.party])

    # The transitions save what the caller set on the messages with their
    # state, in one write

    @classmethod
    @Workflow.transition('sending')
    def start_sending(cls, messages):
        cls._save_state(messages, 'sending')

    @classmethod
    @Workflow.transition('queued')
    def requeue(cls, messages):
        cls._save_state(messages, 'queued')

    @classmethod
    @Workflow.transition('sent')
    def mark_sent(cls, messages):
        cls._save_state(messages, 'sent')

    @classmethod
    @Workflow.transition('delivered')
    def mark_delivered(cls, messages):
        cls._save_state(messages, 'delivered')

    @classmethod
    @Workflow.transition('failed')
    def fail(cls, messages):
        cls._save_state(messages, 'failed')

    @classmethod
    def _save_state(cls, messages, state):
        for message in messages:
            message.state = state
        cls.save(messages)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, messages):
        cls._save_state(messages, 'cancelled')

    @classmethod
    @ModelView.button
    @Workflow.transition('queued')
    def retry(cls, messages):
        for message in messages:
            if message.provider_id:
                # Taken by the provider once already
                raise SendError(gettext('crm_sms.msg_retry_sent',
                        message=message.rec_name))
        cls.write(messages, {
                'scheduled': dt.datetime.now().replace(microsecond=0),
                'attempts': 0,
                'sending_since': None,
                })
        cls.queue(messages)

    # ---- what providers push back

    @classmethod
    def record_reports(cls, gateway, reports):
        "Mark the messages of the delivery reports delivered or failed"
        for report in reports:
            domain = [('gateway', '=', gateway.id)]
            if report.out_id:
                domain.append(['OR',
                        ('request_id', '=', report.out_id),
                        ('out_id', '=', report.out_id),
                        ])
            elif report.provider_id:
                domain.append(('provider_id', '=', report.provider_id))
            else:
                continue
            domain.append(('state', 'in', ['sent', 'sending']))
            messages = cls.search(domain, order=[('id', 'ASC')])
            if len(messages) > 1:
                # A batch's messages share its id: the number tells them
                phone = international(report.phone or '')
                messages = [m for m in messages if m.phone == phone]
            if not messages:
                continue
            # The first not reported yet: a number may be twice in a batch
            message = messages[0]
            if not message.provider_id:
                message.provider_id = report.provider_id
            if report.delivered:
                message.delivered_at = report.at or dt.datetime.now()
                cls.mark_delivered([message])
            else:
                message.error_code = report.code
                message.error = error_text(report.code, report.error)
                cls.fail([message])


class Reply(ModelSQL, ModelView):
    __name__ = 'sms.reply'
    __string__ = "SMS Reply"

    party = fields.Many2One('party.party', "Customer", ondelete='CASCADE',
        readonly=True)
    phone = fields.Char("Mobile", required=True, readonly=True)
    text = fields.Text("Text", readonly=True)
    received_at = fields.DateTime("Received At", required=True,
        readonly=True)
    gateway = fields.Many2One('sms.gateway', "Gateway", readonly=True,
        ondelete='SET NULL')
    unsubscribe = fields.Boolean("Unsubscribe", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('received_at', 'DESC'), ('id', 'DESC')]

    @classmethod
    def record(cls, gateway, replies):
        """Keep the replies on their customers; an unsubscribe word sets
        the customer's opt-out"""
        pool = Pool()
        Party = pool.get('party.party')
        records = []
        for reply in replies:
            parties = Party.search([('sms_mobile', '=', reply.phone)])
            unsubscribe = is_unsubscribe(reply.text)
            records.append(cls(party=parties[0] if parties else None,
                    phone=reply.phone, text=reply.text,
                    received_at=reply.at or dt.datetime.now(),
                    gateway=gateway, unsubscribe=unsubscribe))
            if unsubscribe and parties:
                Party.unsubscribe(parties)
        cls.save(records)
        return records


UNSUBSCRIBE_WORDS = {'退订', 'T', 'TD', 'R', 'N', '拒收', 'UNSUBSCRIBE'}


def is_unsubscribe(text):
    "退订, T, TD, R … alone, in any case, as providers and carriers use"
    word = (text or '').strip().strip('。.!！ ').upper()
    return word in UNSUBSCRIBE_WORDS
