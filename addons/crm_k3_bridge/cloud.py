# This file is part of the CRM suite.
"""K3 Cloud (金蝶云星空) through its WebAPI: JSON over HTTP(S) to the
``*.common.kdsvc`` services, a login first and its session cookie after.

What it relies on, from Kingdee's published material:

- 金蝶云星空 WebAPI 接口说明 (open.kingdee.com「API文档」, per form: Save,
  Submit, Audit, ExecuteBillQuery): the request ``{"formid", "data"}``,
  the Save parameters (Model, IsVerifyBaseDataField, NumberSearch …), the
  answer ``Result.ResponseStatus`` (IsSuccess, Errors[].FieldName/Message,
  SuccessEntitys[].Id/Number, MsgCode 1 = 上下文丢失) and ExecuteBillQuery's
  FormId/FieldKeys/FilterString/StartRow/Limit answering rows of values.
- Kingdee's Python WebAPI SDK (k3cloud_webapi_sdk, main.py): the service
  names under Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.
- 登录接口 (vip.kingdee.com, WebAPI 登录 / 第三方系统登录授权): the bodies of
  AuthService.ValidateUser (acctID, username, password, lcid) and
  AuthService.LoginByAppSecret (acctID, username, appId, appSecret, lcid),
  LoginResultType 1 for a success, the kdservice-sessionid and
  ASP.NET_SessionId cookies, and 会话信息已丢失，请重新登录 (MsgCode 1) once
  a session is gone.
- The fields of 销售出库单 SAL_OUTSTOCK (FBillTypeID XSCKD01_SYS, FDate,
  FSaleOrgId, FStockOrgId, FCustomerID, FSalesManID, FNote, SubHeadEntity
  FSettleCurrID, entry FEntity: FMaterialID, FUnitID, FRealQty, FTaxPrice,
  FEntryTaxRate, FDiscount, FAllAmount, FStockID) and of 收款单
  AR_RECEIVEBILL (FBillTypeID SKDLX01_SYS, FDATE, FCONTACTUNITTYPE,
  FCONTACTUNIT, FPAYUNITTYPE, FPAYUNIT, FCURRENCYID, FSETTLECUR, FPAYORGID,
  FSETTLEORGID, FSALEORGID, FREMARK, entry FRECEIVEBILLENTRY: FSETTLETYPEID,
  FPURPOSEID SFKYT01_SYS 销售收款 / SFKYT02_SYS 预收款, FRECTOTALAMOUNTFOR,
  FRECAMOUNTFOR_E) as the forms' JSON templates name them.
"""
import datetime as dt
import http.client
import http.cookies
import json
import re
from decimal import Decimal
import urllib.error
import urllib.request

from . import k3

TIMEOUT = 30
AUTH = 'Kingdee.BOS.WebApi.ServicesStub.AuthService.'
FORM = 'Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.'
# ResponseStatus.MsgCode of a request whose session K3 no longer knows
CONTEXT_LOST = 1
SESSION_COOKIES = {'kdservice-sessionid', 'ASP.NET_SessionId'}
# ExecuteBillQuery answers at most 10000 rows a request
PAGE = 2000

OUTSTOCK_FORM = 'SAL_OUTSTOCK'
RECEIPT_FORM = 'AR_RECEIVEBILL'
OUTSTOCK_TYPE = 'XSCKD01_SYS'       # 标准销售出库单
RECEIPT_TYPE = 'SKDLX01_SYS'        # 销售业务收款单
PURPOSES = {
    k3.RECEIPT: 'SFKYT01_SYS',      # 销售收款
    k3.ADVANCE: 'SFKYT02_SYS',      # 预收款
    }

# The bill's external number travels in the header's remark (FNote of the
# 销售出库单, FREMARK of the 收款单), as MARK + external, then the bill's
# note. The remark is on every bill type of every account without a custom
# field, ExecuteBillQuery filters on it, and K3 keeps numbering its
# documents by its own coding rule (FBillNo set by us would depend on the
# rule allowing manual numbers). MARK tells the suite's documents from those
# keyed in K3; it holds none of LIKE's wildcards.
MARK = 'CRM:'
NOTE_FIELD = {OUTSTOCK_FORM: 'FNote', RECEIPT_FORM: 'FREMARK'}


def remark(bill):
    "The header remark carrying the bill's external number"
    text = MARK + bill.external
    if bill.note:
        text += ' ' + bill.note
    return text


def quote(value):
    "value as a FilterString literal"
    return "'%s'" % str(value).replace("'", "''")


def like_escape(value):
    "value matching itself only in a LIKE pattern of SQL Server"
    return re.sub(r'([%_\[])', r'[\1]', str(value))


def _json_default(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(value)


def response_status(answer):
    """Result.ResponseStatus of an answer; ExecuteBillQuery wraps it as
    [[{"Result": …}]]"""
    while isinstance(answer, list) and len(answer) == 1:
        answer = answer[0]
    if isinstance(answer, dict):
        result = answer.get('Result')
        if isinstance(result, dict):
            status = result.get('ResponseStatus')
            if isinstance(status, dict):
                return status
    return None


def succeeded(status):
    # The published templates write IsSuccess as "true"/"false" too
    return str(status.get('IsSuccess')).lower() == 'true'


def errors_text(status):
    "K3's messages of a refusal, with the field each is about"
    messages = []
    for error in status.get('Errors') or []:
        message = (error.get('Message') or '').strip()
        field = error.get('FieldName')
        if field:
            message = '%s（%s）' % (message, field)
        if message:
            messages.append(message)
    return '；'.join(messages) or '未说明原因（ErrorCode %s）' % (
        status.get('ErrorCode'),)


class CloudTarget(k3.Target):
    """A K3 Cloud account (数据中心) reached at url, the K3Cloud site
    (http://host/k3cloud/). Log in with password, or with app_id and
    app_secret of a 第三方系统登录授权 (LoginByAppSecret)."""

    def __init__(self, url, acct_id, username, password=None, lcid=2052,
            app_id=None, app_secret=None, timeout=TIMEOUT):
        if not password and not (app_id and app_secret):
            raise ValueError('password or app_id and app_secret')
        self.url = url if url.endswith('/') else url + '/'
        self.acct_id = acct_id
        self.username = username
        self.password = password
        self.lcid = lcid
        self.app_id = app_id
        self.app_secret = app_secret
        self.timeout = timeout
        self.cookies = {}

    # HTTP and session
    def _post(self, service, payload):
        "The answer of K3 to payload, decoded; Unreachable if there is none"
        data = json.dumps(payload, ensure_ascii=False,
            default=_json_default).encode('utf-8')
        headers = {'Content-Type': 'application/json; charset=utf-8'}
        if self.cookies:
            headers['Cookie'] = '; '.join(
                '%s=%s' % item for item in self.cookies.items())
        request = urllib.request.Request(
            self.url + service + '.common.kdsvc', data, headers)
        try:
            with urllib.request.urlopen(
                    request, timeout=self.timeout) as response:
                self._keep_cookies(response.headers)
                body = response.read()
        except urllib.error.HTTPError as error:
            raise k3.Unreachable(
                'K3服务器出错（HTTP %s）' % error.code) from error
        except (OSError, http.client.HTTPException) as error:
            # urlopen wraps a time out while connecting in URLError
            reason = getattr(error, 'reason', None) or error
            if isinstance(reason, TimeoutError):
                raise k3.Unreachable(
                    'K3在%s秒内未应答' % self.timeout) from error
            raise k3.Unreachable('无法连接K3（%s）' % reason) from error
        try:
            return json.loads(body, parse_float=Decimal)
        except ValueError as error:
            raise k3.Unreachable('K3的应答无法识别：%s'
                % body[:200].decode('utf-8', 'replace')) from error

    def _keep_cookies(self, headers):
        for header in headers.get_all('Set-Cookie') or []:
            cookie = http.cookies.SimpleCookie()
            try:
                cookie.load(header)
            except http.cookies.CookieError:
                continue
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value

    def login(self):
        self.cookies = {}
        if self.app_id:
            service = 'LoginByAppSecret'
            payload = {'acctID': self.acct_id, 'username': self.username,
                'appId': self.app_id, 'appSecret': self.app_secret,
                'lcid': self.lcid}
        else:
            service = 'ValidateUser'
            payload = {'acctID': self.acct_id, 'username': self.username,
                'password': self.password, 'lcid': self.lcid}
        answer = self._post(AUTH + service, payload)
        if not isinstance(answer, dict):
            answer = {'Message': str(answer)[:200]}
        if answer.get('LoginResultType') != 1:
            message = answer.get('Message') or 'LoginResultType %s' % (
                answer.get('LoginResultType'),)
            self.cookies = {}
            raise k3.Refused('K3登录失败：%s' % message,
                answer=json.dumps(answer, ensure_ascii=False, default=str))
        if not SESSION_COOKIES & set(self.cookies) and answer.get(
                'KDSVCSessionId'):
            self.cookies['kdservice-sessionid'] = answer['KDSVCSessionId']

    def _call(self, operation, payload):
        """The answer of DynamicFormService's operation, logging in first
        when there is no session and once more when K3 lost it"""
        if not self.cookies:
            self.login()
        answer = self._post(FORM + operation, payload)
        status = response_status(answer)
        if status and status.get('MsgCode') == CONTEXT_LOST:
            # K3 did nothing of a request without its session: replay it
            self.login()
            answer = self._post(FORM + operation, payload)
        return answer

    def _operate(self, operation, form, data):
        "(ResponseStatus, answer as text) of a successful operation"
        answer = self._call(operation, {'formid': form, 'data': data})
        text = json.dumps(answer, ensure_ascii=False, default=str)
        status = response_status(answer)
        if status is None:
            raise k3.Unreachable('K3的应答无法识别：%s' % text[:200])
        if not succeeded(status):
            raise k3.Refused('K3拒绝：%s' % errors_text(status), answer=text)
        return status, text

    def query(self, form, fields, filter_string):
        "The rows of ExecuteBillQuery, page after page"
        rows = []
        while True:
            answer = self._call('ExecuteBillQuery', {'data': {
                        'FormId': form,
                        'FieldKeys': ','.join(fields),
                        'FilterString': filter_string,
                        'OrderString': 'FID',
                        'TopRowCount': 0,
                        'StartRow': len(rows),
                        'Limit': PAGE,
                        }})
            status = response_status(answer)
            if status is not None:
                text = json.dumps(answer, ensure_ascii=False, default=str)
                raise k3.Refused('K3拒绝查询：%s' % errors_text(status),
                    answer=text)
            if not isinstance(answer, list) or not all(
                    isinstance(r, list) and len(r) == len(fields)
                    for r in answer):
                raise k3.Unreachable('K3的查询应答无法识别：%s' % json.dumps(
                        answer, ensure_ascii=False, default=str)[:200])
            rows.extend(answer)
            if len(answer) < PAGE:
                return rows

    # The bills
    @staticmethod
    def form(bill):
        if bill.kind == k3.OUTSTOCK:
            return OUTSTOCK_FORM
        if bill.kind in PURPOSES:
            return RECEIPT_FORM
        raise ValueError(bill.kind)

    def model(self, bill):
        "The Save Model of the bill"
        if bill.kind == k3.OUTSTOCK:
            return self._outstock(bill)
        return self._receipt(bill)

    @staticmethod
    def _outstock(bill):
        organisation = {'FNumber': bill.organisation}
        model = {
            'FID': 0,
            'FBillTypeID': {'FNUMBER': OUTSTOCK_TYPE},
            'FDate': bill.date.isoformat(),
            'FSaleOrgId': organisation,
            'FStockOrgId': organisation,
            'FCustomerID': {'FNumber': bill.customer},
            }
        if bill.salesman:
            model['FSalesManID'] = {'FNumber': bill.salesman}
        model['FNote'] = remark(bill)
        model['SubHeadEntity'] = {
            'FSettleCurrID': {'FNumber': bill.currency},
            'FSettleOrgID': organisation,
            'FIsIncludedTax': True,
            }
        model['FEntity'] = [{
                'FMaterialID': {'FNumber': line.material},
                'FUnitID': {'FNumber': line.unit},
                'FRealQty': line.quantity,
                'FTaxPrice': line.price,
                'FEntryTaxRate': line.tax_rate,
                'FDiscount': line.discount,
                'FAllAmount': line.amount,
                'FStockID': {'FNumber': line.warehouse or bill.warehouse},
                } for line in bill.lines]
        return model

    @staticmethod
    def _receipt(bill):
        organisation = {'FNumber': bill.organisation}
        customer = {'FNumber': bill.customer}
        currency = {'FNumber': bill.currency}
        purpose = {'FNumber': PURPOSES[bill.kind]}
        return {
            'FID': 0,
            'FBillTypeID': {'FNumber': RECEIPT_TYPE},
            'FDATE': bill.date.isoformat(),
            'FCONTACTUNITTYPE': 'BD_Customer',
            'FCONTACTUNIT': customer,
            'FPAYUNITTYPE': 'BD_Customer',
            'FPAYUNIT': customer,
            'FCURRENCYID': currency,
            'FSETTLECUR': currency,
            'FPAYORGID': organisation,
            'FSETTLEORGID': organisation,
            'FSALEORGID': organisation,
            'FREMARK': remark(bill),
            'FRECEIVEBILLENTRY': [{
                    'FSETTLETYPEID': {'FNumber': settlement.settle_type},
                    'FPURPOSEID': purpose,
                    'FRECTOTALAMOUNTFOR': settlement.amount,
                    'FRECAMOUNTFOR_E': settlement.amount,
                    } for settlement in bill.settlements],
            }

    def _lookup(self, bill):
        "(number, FDocumentStatus) of the bill's document in K3, or None"
        form = self.form(bill)
        note = NOTE_FIELD[form]
        marked = MARK + bill.external
        rows = self.query(form, ['FBillNo', 'FDocumentStatus'],
            "(%s = %s or %s like %s) and FCancelStatus = 'A'" % (
                note, quote(marked), note,
                quote(like_escape(marked) + ' %')))
        if not rows:
            return None
        # One row per entry: any names the document; an audited one first
        rows.sort(key=lambda r: r[1] != 'C')
        number, status = rows[0]
        return number, status

    def _finish(self, form, number, status, answers):
        """Submit and audit the saved document as far as it still needs;
        return Acknowledged"""
        numbers = {'CreateOrgId': 0, 'Numbers': [number], 'Ids': '',
            'NetworkCtrl': ''}
        # A 创建 or 重新审核 document is submitted; 审核中 waits for Audit
        if status in {'A', 'D'}:
            _, text = self._operate('Submit', form,
                dict(numbers, SelectedPostId=0))
            answers.append(text)
            status = 'B'
        if status == 'B':
            _, text = self._operate('Audit', form,
                dict(numbers, InterationFlags=''))
            answers.append(text)
            status = 'C'
        if status != 'C':
            raise k3.Refused('K3拒绝：单据%s状态为%s，无法提交审核'
                % (number, status))
        return k3.Acknowledged(number, '\n'.join(answers))

    def find(self, bill):
        """The bill's document, submitted and audited now if it was only
        saved (a time out or a crash after Save)"""
        found = self._lookup(bill)
        if not found:
            return None
        number, status = found
        return self._finish(self.form(bill), number, status,
            ['K3已有单据%s（状态%s）' % (number, status)])

    def send(self, bill):
        form = self.form(bill)
        status, text = self._operate('Save', form, {
                'NeedUpDateFields': [],
                'NeedReturnFields': [],
                'IsDeleteEntry': 'true',
                'SubSystemId': '',
                # A number K3 does not know, or forbidden, is refused
                # instead of left empty
                'IsVerifyBaseDataField': 'true',
                'IsEntryBatchFill': 'true',
                'ValidateFlag': 'true',
                'NumberSearch': 'true',
                'InterationFlags': '',
                'Model': self.model(bill),
                })
        entities = status.get('SuccessEntitys') or [{}]
        number = entities[0].get('Number')
        if not number:
            raise k3.Unreachable('K3保存后未返回单据编号：%s' % text[:200])
        return self._finish(form, number, 'A', [text])

    def totals(self, organisation, date):
        """Audited documents of the suite (their remark carries MARK) of
        the organisation dated date"""
        def sent(form, organisation_field, date_field):
            return ' and '.join([
                    '%s.FNumber = %s' % (organisation_field,
                        quote(organisation)),
                    '%s >= %s' % (date_field, quote(date.isoformat())),
                    '%s < %s' % (date_field,
                        quote((date + dt.timedelta(days=1)).isoformat())),
                    '%s like %s' % (NOTE_FIELD[form], quote(MARK + '%')),
                    "FDocumentStatus = 'C'",
                    "FCancelStatus = 'A'",
                    ])
        result = {}
        for material, quantity, amount in self.query(OUTSTOCK_FORM,
                ['FMaterialID.FNumber', 'FRealQty', 'FAllAmount'],
                sent(OUTSTOCK_FORM, 'FStockOrgId', 'FDate')):
            key = ('material', material)
            old_quantity, old_amount = result.get(
                key, (Decimal(0), Decimal(0)))
            result[key] = (old_quantity + Decimal(quantity),
                old_amount + Decimal(amount))
        kinds = {code: kind for kind, code in PURPOSES.items()}
        for settle_type, purpose, amount in self.query(RECEIPT_FORM,
                ['FSETTLETYPEID.FNumber', 'FPURPOSEID.FNumber',
                    'FRECTOTALAMOUNTFOR'],
                sent(RECEIPT_FORM, 'FPAYORGID', 'FDATE')):
            kind = kinds.get(purpose)
            if kind is None:
                continue
            key = ('settle' if kind == k3.RECEIPT else 'advance',
                settle_type)
            result[key] = result.get(key, Decimal(0)) + Decimal(amount)
        return result
