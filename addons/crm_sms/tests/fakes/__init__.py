# This file is part of the CRM suite.
"""SMS providers faked by real HTTP servers on 127.0.0.1: each checks the
request's signature and answers in its provider's format"""
import base64
import datetime as dt
import hmac
import json
import threading
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from trytond.modules.crm_sms.provider import (
    CHINA, aliyun_signature, national, tc3_authorization)


class FakeProvider:
    "A provider on a free loopback port; use as a context manager"
    key_id = 'test-key-id'
    key_secret = 'test-key-secret'

    def __init__(self):
        self.requests = []
        self.sent = []
        self.errors = []
        self.templates = {'SMS_100001', '100001'}
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                fake._handle(self)

            def do_GET(self):
                fake._handle(self)

            def log_message(self, *args):
                pass
        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
            daemon=True)

    @property
    def url(self):
        return 'http://127.0.0.1:%s/' % self.server.server_port

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *args):
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, code, times=1):
        "The next sends answer with the provider's error code"
        self.errors.extend([code] * times)

    def _handle(self, handler):
        length = int(handler.headers.get('Content-Length') or 0)
        body = handler.rfile.read(length)
        with self.lock:
            status, answer = self.answer(handler, body)
        data = json.dumps(answer, ensure_ascii=False).encode()
        handler.send_response(status)
        handler.send_header('Content-Type', 'application/json')
        handler.send_header('Content-Length', str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _pop_error(self):
        return self.errors.pop(0) if self.errors else None

    def push_reports(self, url, delivered=True):
        "Push the delivery reports to the suite's callback at url"
        return self.post(url, self.report_body(delivered))

    def push_reply(self, url, phone, content):
        return self.post(url, self.reply_body(phone, content))

    @staticmethod
    def post(url, body):
        "Push body (JSON) to the suite's callback; return its answer"
        request = urllib.request.Request(url,
            json.dumps(body, ensure_ascii=False).encode(),
            {'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())


def valid_mobile(phone):
    phone = national(phone or '')
    return len(phone) == 11 and phone.isdigit() and phone.startswith('1')


class FakeAliyun(FakeProvider):
    """Dysmsapi 2017-05-25: SendSms, SendBatchSms and QuerySendDetails, RPC
    signature. A batch with one bad number is refused whole, the strictest
    reading of the API's documentation."""
    messages = {
        'isv.BUSINESS_LIMIT_CONTROL': '触发号码天级流控Permits:10',
        'isv.MOBILE_NUMBER_ILLEGAL': '非法手机号',
        'isv.SMS_TEMPLATE_ILLEGAL': '模板不合法',
        'isv.INVALID_JSON_PARAM': 'JSON参数不合法',
        }

    def answer(self, handler, body):
        query = urllib.parse.urlsplit(handler.path).query
        params = dict(urllib.parse.parse_qsl(query))
        params.update(urllib.parse.parse_qsl(body.decode()))
        self.requests.append(params)
        request_id = str(uuid.uuid4()).upper()
        signature = params.pop('Signature', '')
        expected = aliyun_signature(handler.command, params,
            self.key_secret)
        if (params.get('AccessKeyId') != self.key_id
                or not hmac.compare_digest(signature, expected)):
            return 400, {'RequestId': request_id,
                'Code': 'SignatureDoesNotMatch',
                'Message': 'Specified signature is not matched with our '
                'calculation.'}
        action = params.get('Action')
        if action == 'SendSms':
            return self.send_sms(params, request_id)
        if action == 'SendBatchSms':
            return self.send_batch_sms(params, request_id)
        if action == 'QuerySendDetails':
            return 200, self.query_send_details(params, request_id)
        return 404, {'RequestId': request_id, 'Code': 'InvalidAction',
            'Message': 'Specified api is not found'}

    def send_sms(self, params, request_id):
        return self._send([params], request_id, self._pop_error())

    def send_batch_sms(self, params, request_id):
        error = self._pop_error()
        try:
            phones, signs, values = [
                json.loads(params.get(name) or '[]') for name in [
                    'PhoneNumberJson', 'SignNameJson', 'TemplateParamJson']]
        except ValueError:
            phones = signs = values = []
        if not error and not (0 < len(phones) <= 100
                and len(phones) == len(signs) == len(values)):
            error = 'isv.INVALID_JSON_PARAM'
        return self._send([{'PhoneNumbers': phone, 'SignName': sign,
                    'TemplateCode': params.get('TemplateCode'),
                    'TemplateParam': json.dumps(value),
                    'OutId': params.get('OutId')}
                for phone, sign, value in zip(phones, signs, values)],
            request_id, error)

    def _send(self, batch, request_id, error):
        "Answer for the messages of batch (SendSms' parameters each)"
        if error == 'taken-then-500':
            self._take(*batch)
            return 500, {'RequestId': request_id, 'Code': 'InternalError',
                'Message': 'The request processing has failed due to some '
                'unknown error.'}
        if not error and not all(
                valid_mobile(m.get('PhoneNumbers')) for m in batch):
            error = 'isv.MOBILE_NUMBER_ILLEGAL'
        if not error and any(m.get('TemplateCode') not in self.templates
                for m in batch):
            error = 'isv.SMS_TEMPLATE_ILLEGAL'
        if error:
            return self._error(error, request_id)
        return 200, {'RequestId': request_id, 'Code': 'OK', 'Message': 'OK',
            'BizId': self._take(*batch)}

    def _error(self, error, request_id):
        return 200, {'RequestId': request_id, 'Code': error,
            'Message': self.messages.get(error, error)}

    def _take(self, *messages):
        "Take the messages (SendSms' parameters) under one BizId"
        biz_id = '%s^0' % uuid.uuid4().int
        for params in messages:
            self.sent.append({
                    'phone': params['PhoneNumbers'],
                    'out_id': params.get('OutId'),
                    'biz_id': biz_id,
                    'template': params['TemplateCode'],
                    'params': json.loads(params.get('TemplateParam') or '{}'),
                    'sign': params.get('SignName'),
                    'batch': len(messages) > 1,
                    # QuerySendDetails' SendDate is Beijing's
                    'date': dt.datetime.now(CHINA).date(),
                    })
        return biz_id

    def query_send_details(self, params, request_id):
        "Every message taken on the Beijing date, reported or not"
        day = dt.datetime.strptime(params['SendDate'], '%Y%m%d').date()
        details = [{
                'PhoneNum': s['phone'], 'SendStatus': 3,
                'ErrCode': 'DELIVERED', 'TemplateCode': s['template'],
                'Content': '', 'OutId': s['out_id'],
                'SendDate': s['date'].strftime('%Y-%m-%d 00:00:00'),
                'ReceiveDate': s['date'].strftime('%Y-%m-%d 00:00:01'),
                } for s in self.sent
            if s['phone'] == params.get('PhoneNumber') and s['date'] == day]
        return {'RequestId': request_id, 'Code': 'OK', 'Message': 'OK',
            'TotalCount': len(details),
            'SmsSendDetailDTOs': {'SmsSendDetailDTO': details}}

    def report_body(self, delivered=True):
        "A delivery report of every message sent (SmsReport)"
        now = dt.datetime.now(CHINA).strftime('%Y-%m-%d %H:%M:%S')
        return [{
                    'phone_number': s['phone'], 'send_time': now,
                    'report_time': now, 'success': delivered,
                    'err_code': 'DELIVERED' if delivered else 'MK:0001',
                    'err_msg': '用户接收成功' if delivered else '空号',
                    'sms_size': '1', 'biz_id': s['biz_id'],
                    'out_id': s['out_id'],
                    } for s in self.sent]

    def reply_body(self, phone, content):
        "A customer's reply (SmsUp)"
        return [{
                    'phone_number': phone, 'content': content,
                    'send_time': dt.datetime.now(CHINA).strftime(
                        '%Y-%m-%d %H:%M:%S'),
                    'dest_code': '1234', 'sequence_id': '1234567890',
                    }]


class FakeTencent(FakeProvider):
    "SMS API 2021-01-11: SendSms and PullSmsSendStatusByPhoneNumber, TC3"
    app_id = '1400000001'

    def __init__(self):
        super().__init__()
        # Numbers that unsubscribed at Tencent Cloud (免打扰名单)
        self.unsubscribed = set()

    def answer(self, handler, body):
        headers = handler.headers
        payload = body.decode()
        self.requests.append((dict(headers), payload))
        request_id = str(uuid.uuid4())
        try:
            timestamp = int(headers.get('X-TC-Timestamp'))
        except (TypeError, ValueError):
            timestamp = 0
        expected = tc3_authorization(self.key_id, self.key_secret, 'sms',
            headers.get('Host'), payload, timestamp,
            headers.get('Content-Type'))
        if not hmac.compare_digest(
                headers.get('Authorization') or '', expected):
            return 200, {'Response': {'RequestId': request_id, 'Error': {
                        'Code': 'AuthFailure.SignatureFailure',
                        'Message': 'The provided credentials could not be '
                        'validated. Please check your signature is '
                        'correct.'}}}
        data = json.loads(payload)
        action = headers.get('X-TC-Action')
        if action == 'SendSms':
            return 200, {'Response': self.send_sms(data, request_id)}
        if action == 'PullSmsSendStatusByPhoneNumber':
            return 200, {'Response': self.pull_status(data, request_id)}
        return 200, {'Response': {'RequestId': request_id, 'Error': {
                    'Code': 'InvalidAction', 'Message': action}}}

    def send_sms(self, data, request_id):
        if data.get('SmsSdkAppId') != self.app_id:
            return {'RequestId': request_id, 'Error': {
                    'Code': 'UnauthorizedOperation.SmsSdkAppIdVerifyFail',
                    'Message': 'SmsSdkAppId 校验失败'}}
        statuses = []
        for phone in data.get('PhoneNumberSet') or []:
            error = self._pop_error()
            if not error and not valid_mobile(phone):
                error = 'InvalidParameterValue.IncorrectPhoneNumber'
            if not error and phone in self.unsubscribed:
                error = 'FailedOperation.PhoneNumberInBlacklist'
            if not error and data.get('TemplateId') not in self.templates:
                error = 'FailedOperation.TemplateIncorrectOrUnapproved'
            if error == 'RequestLimitExceeded':
                return {'RequestId': request_id, 'Error': {
                        'Code': error, 'Message': '请求的次数超过了频率限制'}}
            serial = '2433:%s' % uuid.uuid4().int
            status = {'SerialNo': serial if not error else '',
                'PhoneNumber': phone, 'Fee': 0 if error else 1,
                'SessionContext': data.get('SessionContext', ''),
                'Code': error or 'Ok',
                'Message': error or 'send success', 'IsoCode': 'CN'}
            statuses.append(status)
            if not error:
                self.sent.append({
                        'phone': phone, 'serial': serial,
                        'session': data.get('SessionContext'),
                        'template': data.get('TemplateId'),
                        'params': data.get('TemplateParamSet'),
                        'time': int(dt.datetime.now().timestamp()),
                        })
        return {'SendStatusSet': statuses, 'RequestId': request_id}

    def pull_status(self, data, request_id):
        items = [{
                'UserReceiveTime': s['time'], 'CountryCode': '86',
                'SubscriberNumber': national(s['phone']),
                'PhoneNumber': s['phone'], 'SerialNo': s['serial'],
                'ReportStatus': 'SUCCESS', 'Description': '用户短信接收成功',
                'SessionContext': s['session'],
                } for s in self.sent
            if s['phone'] == data.get('PhoneNumber') and s.get('reported')
            and s['time'] >= data.get('BeginTime', 0)]
        return {'PullSmsSendStatusSet': items, 'RequestId': request_id}

    def report_body(self, delivered=True):
        "The delivery reports of the messages sent; pulls list them now"
        now = dt.datetime.now(CHINA).strftime('%Y-%m-%d %H:%M:%S')
        for sent in self.sent:
            sent['reported'] = True
        return [{
                    'user_receive_time': now, 'nationcode': '86',
                    'mobile': national(s['phone']),
                    'report_status': 'SUCCESS' if delivered else 'FAIL',
                    'errmsg': 'DELIVRD' if delivered else 'MK:0001',
                    'description': '用户短信送达成功' if delivered
                    else '用户短信送达失败',
                    'sid': s['serial'],
                    } for s in self.sent]

    def reply_body(self, phone, content):
        return {
                'extend': '', 'mobile': national(phone),
                'nationcode': '86', 'sign': '示例门店', 'text': content,
                'time': int(dt.datetime.now().timestamp()),
                }


class FakeHttpGateway(FakeProvider):
    """A plain HTTP gateway: form fields mobile, content, msgid and
    key; answers {"status": "ok", "id": …}"""

    def answer(self, handler, body):
        params = dict(urllib.parse.parse_qsl(body.decode()))
        self.requests.append(params)
        if params.get('key') != self.key_secret:
            return 401, {'status': 'error', 'message': 'bad key'}
        error = self._pop_error()
        if error:
            return int(error), {'status': 'error', 'message': error}
        message_id = base64.b32encode(uuid.uuid4().bytes).decode()[:10]
        self.sent.append({'phone': params.get('mobile'),
                'text': params.get('content'), 'id': message_id,
                'out_id': params.get('msgid')})
        return 200, {'status': 'ok', 'id': message_id}
