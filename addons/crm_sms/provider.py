# This file is part of the CRM suite.
"""The SMS providers' HTTP protocols: signing, sending, asking whether a
message was taken, and reading what they push back. Plain Python: the
gateway model gives each its settings."""
import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import string
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

TIMEOUT = 10
# The providers speak Beijing time
CHINA = ZoneInfo('Asia/Shanghai')


@dataclass
class Result:
    """What a provider said of one message: 'sent', 'transient' (refused
    for now: try again later), 'permanent' (never send it again) or
    'uncertain' (it may have been taken: ask before sending again)"""
    status: str
    provider_id: str = None
    code: str = None
    error: str = None
    fee: int = None


@dataclass
class Report:
    "A delivery report pushed by the provider"
    delivered: bool
    provider_id: str = None
    out_id: str = None
    phone: str = None
    code: str = None
    error: str = None
    at: dt.datetime = None


@dataclass
class Reply:
    "A text a customer sent back"
    phone: str
    text: str
    at: dt.datetime = None
    extra: dict = field(default_factory=dict)


def placeholders(content):
    "The names of the ${name} placeholders of content, in their order"
    names = []
    for match in string.Template.pattern.finditer(content or ''):
        name = match.group('named') or match.group('braced')
        if name and name not in names:
            names.append(name)
    return names


def national(phone):
    "13800138000 from +8613800138000 (providers of mainland numbers)"
    if phone and phone.startswith('+86'):
        return phone[3:]
    return phone


def international(phone, nationcode=None):
    phone = (phone or '').strip()
    if phone.startswith('+'):
        return phone
    if nationcode:
        return '+%s%s' % (nationcode, phone)
    return '+86' + phone


class Provider:
    "The protocol of a kind of gateway"
    callback_answer = {'code': 0, 'msg': 'OK'}
    # find tells whether a message was taken; if not found proves it was
    # not, the message may be sent again
    can_find = False
    find_proves_absence = False

    def __init__(self, settings):
        self.settings = settings

    # Whether many messages of one template go in one request
    can_batch = False
    batch_size = 1

    def send(self, phone, text, template_code, params, out_id):
        raise NotImplementedError

    def send_batch(self, items, template_code, out_id):
        """Send the template to each (phone, params) of items in one
        request under out_id; only for providers with can_batch"""
        raise NotImplementedError

    def find(self, phone, out_id, since):
        """The provider id of the message sent under out_id since that
        date, or None; only for providers with can_find"""
        raise NotImplementedError

    def parse_reports(self, body):
        return []

    def parse_replies(self, body):
        return []

    def _request(self, request):
        "(status, body) of the HTTP request; network errors are transient"
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


def masked(phone):
    "138****8000 from +8613800138000: what a log may show of a number"
    number = national(phone or '')
    if len(number) < 8:
        return '*' * len(number)
    return number[:3] + '*' * (len(number) - 7) + number[-4:]


class LogProvider(Provider):
    """Writes each message to the server log: the default, for development.
    Log files are out of reach of the erasure of a customer: they get the
    message's id and a masked number, the Outbox has the rest."""

    def send(self, phone, text, template_code, params, out_id):
        logger.info("SMS %s to %s: %s characters", out_id, masked(phone),
            len(text))
        return Result('sent', provider_id='log-' + out_id)


# Aliyun's error codes that may succeed later; any other fails at once
ALIYUN_TRANSIENT = {
    'isv.BUSINESS_LIMIT_CONTROL', 'isv.OUT_OF_SERVICE',
    'isp.SYSTEM_ERROR', 'isp.RAM_PERMISSION_DENY', 'Throttling.User',
    'Throttling', 'ServiceUnavailable', 'InternalError',
    'isv.DAY_LIMIT_CONTROL',
    }


def aliyun_percent_encode(value):
    return urllib.parse.quote(str(value), safe='-_.~')


def aliyun_signature(method, params, secret):
    "The RPC signature (HMAC-SHA1, version 1.0) of Aliyun's APIs"
    canonical = '&'.join('%s=%s' % (
            aliyun_percent_encode(k), aliyun_percent_encode(v))
        for k, v in sorted(params.items()))
    to_sign = '&'.join([method, aliyun_percent_encode('/'),
            aliyun_percent_encode(canonical)])
    digest = hmac.new((secret + '&').encode(), to_sign.encode(),
        hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunProvider(Provider):
    "Aliyun SMS (Dysmsapi 2017-05-25)"
    endpoint = 'https://dysmsapi.aliyuncs.com/'
    callback_answer = {'code': 0, 'msg': '接收成功'}
    version = '2017-05-25'
    can_find = True
    # QuerySendDetails lists every message taken, delivered or not yet
    find_proves_absence = True

    def call(self, action, **params):
        settings = self.settings
        params.update({
                'AccessKeyId': settings['key_id'],
                'Action': action,
                'Format': 'JSON',
                'RegionId': settings.get('region') or 'cn-hangzhou',
                'SignatureMethod': 'HMAC-SHA1',
                'SignatureNonce': str(uuid.uuid4()),
                'SignatureVersion': '1.0',
                'Timestamp': dt.datetime.now(dt.timezone.utc).strftime(
                    '%Y-%m-%dT%H:%M:%SZ'),
                'Version': self.version,
                })
        params['Signature'] = aliyun_signature(
            'POST', params, settings['key_secret'])
        request = urllib.request.Request(
            settings.get('endpoint') or self.endpoint,
            urllib.parse.urlencode(params).encode(),
            {'Content-Type': 'application/x-www-form-urlencoded'})
        status, body = self._request(request)
        try:
            answer = json.loads(body)
        except ValueError:
            answer = {'Code': 'HTTP%s' % status, 'Message': body[:200]}
        return status, answer

    can_batch = True
    # SendBatchSms takes at most 100 numbers
    batch_size = 100

    def send(self, phone, text, template_code, params, out_id):
        return self._result(*self.call('SendSms',
                PhoneNumbers=national(phone),
                SignName=self.settings['signature'],
                TemplateCode=template_code,
                TemplateParam=json.dumps(params, ensure_ascii=False),
                OutId=out_id))

    def send_batch(self, items, template_code, out_id):
        return self._result(*self.call('SendBatchSms',
                PhoneNumberJson=json.dumps(
                    [national(phone) for phone, _ in items]),
                SignNameJson=json.dumps(
                    [self.settings['signature']] * len(items),
                    ensure_ascii=False),
                TemplateCode=template_code,
                TemplateParamJson=json.dumps(
                    [params for _, params in items], ensure_ascii=False),
                OutId=out_id))

    @staticmethod
    def _result(status, answer):
        code = answer.get('Code')
        if code == 'OK':
            return Result('sent', provider_id=answer.get('BizId'))
        if status >= 500:
            return Result('uncertain', code=code,
                error=answer.get('Message'))
        return Result('transient' if code in ALIYUN_TRANSIENT
            else 'permanent', code=code, error=answer.get('Message'))

    def find(self, phone, out_id, since):
        day = since.astimezone(CHINA).date()
        today = dt.datetime.now(CHINA).date()
        while day <= today:
            status, answer = self.call('QuerySendDetails',
                PhoneNumber=national(phone),
                SendDate=day.strftime('%Y%m%d'),
                PageSize='50', CurrentPage='1')
            if answer.get('Code') != 'OK':
                raise ConnectionError(answer.get('Message'))
            details = (answer.get('SmsSendDetailDTOs') or {}).get(
                'SmsSendDetailDTO') or []
            for detail in details:
                if detail.get('OutId') == out_id:
                    return detail.get('BizId') or out_id
            day += dt.timedelta(days=1)
        return None

    def parse_reports(self, body):
        reports = []
        for item in json.loads(body):
            reports.append(Report(
                    delivered=bool(item.get('success')),
                    provider_id=item.get('biz_id'),
                    out_id=item.get('out_id'),
                    phone=item.get('phone_number'),
                    code=item.get('err_code'),
                    error=item.get('err_msg'),
                    at=_parse_time(item.get('report_time'))))
        return reports

    def parse_replies(self, body):
        return [Reply(phone=international(item.get('phone_number')),
                text=item.get('content') or '',
                at=_parse_time(item.get('send_time')),
                extra={'sequence_id': item.get('sequence_id')})
            for item in json.loads(body)]


def _parse_time(value):
    "A Beijing time of a provider as naive UTC, as Tryton stores times"
    if not value:
        return None
    for format_ in ['%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S']:
        try:
            local = dt.datetime.strptime(value, format_)
        except ValueError:
            continue
        return local.replace(tzinfo=CHINA).astimezone(
            dt.timezone.utc).replace(tzinfo=None)
    return None


def tc3_authorization(secret_id, secret_key, service, host, payload,
        timestamp, content_type='application/json; charset=utf-8',
        method='POST'):
    "The Authorization header of Tencent Cloud's TC3-HMAC-SHA256"
    date = dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime(
        '%Y-%m-%d')
    canonical_request = '\n'.join([
            method, '/', '',
            'content-type:%s\nhost:%s\n' % (content_type, host),
            'content-type;host',
            hashlib.sha256(payload.encode()).hexdigest()])
    scope = '%s/%s/tc3_request' % (date, service)
    to_sign = '\n'.join(['TC3-HMAC-SHA256', str(timestamp), scope,
            hashlib.sha256(canonical_request.encode()).hexdigest()])

    def sign(key, message):
        return hmac.new(key, message.encode(), hashlib.sha256).digest()
    secret_date = sign(('TC3' + secret_key).encode(), date)
    secret_service = sign(secret_date, service)
    secret_signing = sign(secret_service, 'tc3_request')
    signature = hmac.new(secret_signing, to_sign.encode(),
        hashlib.sha256).hexdigest()
    return ('TC3-HMAC-SHA256 Credential=%s/%s, '
        'SignedHeaders=content-type;host, Signature=%s'
        % (secret_id, scope, signature))


# Tencent's error codes that may succeed later
TENCENT_TRANSIENT_PREFIXES = (
    'LimitExceeded.', 'RequestLimitExceeded', 'InternalError',
    'FailedOperation.FailResolvePacket', 'ResourceUnavailable')
TENCENT_PERMANENT = {'LimitExceeded.AppDailyLimit'}


class TencentProvider(Provider):
    "Tencent Cloud SMS (API 2021-01-11)"
    endpoint = 'https://sms.tencentcloudapi.com/'
    host = 'sms.tencentcloudapi.com'
    version = '2021-01-11'
    callback_answer = {'result': 0, 'errmsg': 'OK'}
    can_find = True

    def call(self, action, payload):
        settings = self.settings
        endpoint = settings.get('endpoint') or self.endpoint
        host = urllib.parse.urlsplit(endpoint).netloc
        body = json.dumps(payload, ensure_ascii=False)
        timestamp = int(dt.datetime.now(dt.timezone.utc).timestamp())
        content_type = 'application/json; charset=utf-8'
        request = urllib.request.Request(endpoint, body.encode(), {
                'Authorization': tc3_authorization(
                    settings['key_id'], settings['key_secret'], 'sms',
                    host, body, timestamp, content_type),
                'Content-Type': content_type,
                'Host': host,
                'X-TC-Action': action,
                'X-TC-Version': self.version,
                'X-TC-Timestamp': str(timestamp),
                'X-TC-Region': settings.get('region') or 'ap-guangzhou',
                })
        status, answer = self._request(request)
        try:
            return status, json.loads(answer).get('Response', {})
        except ValueError:
            return status, {'Error': {
                    'Code': 'HTTP%s' % status, 'Message': answer[:200]}}

    def send(self, phone, text, template_code, params, out_id):
        status, answer = self.call('SendSms', {
                'PhoneNumberSet': [international(phone)],
                'SmsSdkAppId': self.settings['app_id'],
                'SignName': self.settings['signature'],
                'TemplateId': template_code,
                'TemplateParamSet': [str(v) for v in params.values()],
                'SessionContext': out_id,
                })
        error = answer.get('Error')
        if error:
            return self._result(error.get('Code'), error.get('Message'),
                status)
        result, = answer.get('SendStatusSet') or [{}]
        if result.get('Code') == 'Ok':
            return Result('sent', provider_id=result.get('SerialNo'),
                fee=result.get('Fee'))
        return self._result(result.get('Code'), result.get('Message'),
            status)

    def _result(self, code, message, status):
        if status >= 500 or (code or '').startswith('InternalError'):
            return Result('uncertain', code=code, error=message)
        transient = (code not in TENCENT_PERMANENT
            and (code or '').startswith(TENCENT_TRANSIENT_PREFIXES))
        return Result('transient' if transient else 'permanent',
            code=code, error=message)

    def find(self, phone, out_id, since):
        # Only delivery reports are listed, for 7 days: a message taken
        # whose report has not come is not found
        since = max(since, dt.datetime.now(dt.timezone.utc)
            - dt.timedelta(days=7) + dt.timedelta(minutes=1))
        status, answer = self.call('PullSmsSendStatusByPhoneNumber', {
                'BeginTime': int(since.timestamp()),
                'Offset': 0,
                'Limit': 100,
                'PhoneNumber': international(phone),
                'SmsSdkAppId': self.settings['app_id'],
                })
        if answer.get('Error'):
            raise ConnectionError(answer['Error'].get('Message'))
        for item in answer.get('PullSmsSendStatusSet') or []:
            if item.get('SessionContext') == out_id:
                return item.get('SerialNo') or out_id
        return None

    def parse_reports(self, body):
        return [Report(
                delivered=item.get('report_status') == 'SUCCESS',
                provider_id=item.get('sid'),
                phone=international(item.get('mobile'),
                    item.get('nationcode')),
                code=item.get('errmsg'),
                error=item.get('description'),
                at=_parse_time(item.get('user_receive_time')))
            for item in json.loads(body)]

    def parse_replies(self, body):
        items = json.loads(body)
        if isinstance(items, dict):
            items = [items]
        return [Reply(
                phone=international(item.get('mobile'),
                    item.get('nationcode')),
                text=item.get('text') or '',
                at=(dt.datetime.fromtimestamp(item['time'], dt.timezone.utc)
                    .replace(tzinfo=None) if item.get('time') else None),
                extra={'sign': item.get('sign'),
                    'extend': item.get('extend')})
            for item in items]


class HttpProvider(Provider):
    """Any HTTP gateway: a body template with ${phone}, ${text},
    ${out_id} and the template's values, and a success rule (a regular
    expression the answer must match)"""

    def send(self, phone, text, template_code, params, out_id):
        settings = self.settings
        values = dict(params, phone=phone, national=national(phone),
            text=text, out_id=out_id, template=template_code or '')
        method = settings.get('method') or 'POST'
        body = string.Template(settings.get('body') or '').safe_substitute(
            {k: _escape(v, settings.get('content_type'))
                for k, v in values.items()})
        url = settings['endpoint']
        data = None
        if method == 'GET':
            url += ('&' if '?' in url else '?') + body
        else:
            data = body.encode()
        request = urllib.request.Request(url, data, method=method,
            headers={'Content-Type': settings.get('content_type')
                or 'application/x-www-form-urlencoded'})
        status, answer = self._request(request)
        answer = answer.decode('utf-8', 'replace')
        match = re.search(settings.get('success') or r'.', answer)
        if 200 <= status < 300 and match:
            provider_id = match.groupdict().get('id') if match else None
            return Result('sent', provider_id=provider_id or out_id)
        if status >= 500:
            return Result('uncertain', code='HTTP%s' % status,
                error=answer[:200])
        return Result('transient' if status == 429 else 'permanent',
            code='HTTP%s' % status, error=answer[:200])


def _escape(value, content_type):
    value = str(value)
    if content_type and 'json' in content_type:
        return json.dumps(value, ensure_ascii=False)[1:-1]
    return urllib.parse.quote(value)


PROVIDERS = {
    'log': LogProvider,
    'aliyun': AliyunProvider,
    'tencent': TencentProvider,
    'http': HttpProvider,
    }
