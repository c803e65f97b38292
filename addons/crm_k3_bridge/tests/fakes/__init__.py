# This file is part of the CRM suite.
"""K3 Cloud's WebAPI faked by a real HTTP server on 127.0.0.1: the login
services, then Save, Submit, Audit and ExecuteBillQuery of 销售出库单
SAL_OUTSTOCK and 收款单 AR_RECEIVEBILL, with the request and answer shapes
of Kingdee's published WebAPI documentation. The documents stay in memory
for the tests to read back."""
import datetime as dt
import itertools
import json
import re
import sys
import threading
import time
import uuid
from collections import Counter
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

AUTH = 'Kingdee.BOS.WebApi.ServicesStub.AuthService.'
FORM = 'Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.'
SESSION_LOST = '会话信息已丢失，请重新登录'

# What each form knows: header fields, entry key, entry fields and the
# number's prefix, all in lower case as K3's keys are not case sensitive
FORMS = {
    'SAL_OUTSTOCK': {
        'name': '销售出库单',
        'prefix': 'XSCKD',
        'date': 'fdate',
        'note': 'fnote',
        'header': {'fid', 'fbillno', 'fbilltypeid', 'fdate', 'fsaleorgid',
            'fstockorgid', 'fcustomerid', 'fsalesmanid', 'fnote',
            'subheadentity'},
        'sub': {'fsettlecurrid', 'fsettleorgid', 'fisincludedtax'},
        'entry': 'fentity',
        'line': {'fentryid', 'fmaterialid', 'funitid', 'frealqty',
            'ftaxprice', 'fentrytaxrate', 'fdiscount', 'fallamount',
            'fstockid'},
        },
    'AR_RECEIVEBILL': {
        'name': '收款单',
        'prefix': 'SKD',
        'date': 'fdate',
        'note': 'fremark',
        'header': {'fid', 'fbillno', 'fbilltypeid', 'fdate',
            'fcontactunittype', 'fcontactunit', 'fpayunittype', 'fpayunit',
            'fcurrencyid', 'fsettlecur', 'fpayorgid', 'fsettleorgid',
            'fsaleorgid', 'fremark'},
        'sub': set(),
        'entry': 'freceivebillentry',
        'line': {'fentryid', 'fsettletypeid', 'fpurposeid',
            'frectotalamountfor', 'frecamountfor_e'},
        },
    }
# Fields ExecuteBillQuery answers besides those of the Model
STATE_FIELDS = {'fid', 'fbillno', 'fdocumentstatus', 'fcancelstatus'}
BILL_TYPES = {'SAL_OUTSTOCK': {'XSCKD01_SYS'},
    'AR_RECEIVEBILL': {'SKDLX01_SYS'}}
PURPOSES = {'SFKYT01_SYS', 'SFKYT02_SYS'}


def _json_default(value):
    # K3 answers its amounts and quantities as JSON numbers
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def lower_keys(value):
    "value with the keys of its objects in lower case, as K3 reads them"
    if isinstance(value, dict):
        return {k.lower(): lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [lower_keys(v) for v in value]
    return value


def number_of(value):
    "The number of a base data reference {\"FNumber\": …}"
    if isinstance(value, dict):
        value = value.get('fnumber')
    return None if value in (None, '') else str(value)


def status(errors=(), entities=(), msg_code=0, **result):
    "Result.ResponseStatus as K3 answers it"
    success = not errors
    answer = {'ResponseStatus': {
            'IsSuccess': success,
            'Errors': [{'FieldName': field, 'Message': message,
                    'DIndex': 0} for field, message in errors],
            'SuccessEntitys': [dict(e, DIndex=0) for e in entities],
            'SuccessMessages': [],
            'MsgCode': msg_code,
            }}
    if not success:
        answer['ResponseStatus']['ErrorCode'] = 500
    answer.update(result)
    return {'Result': answer}


class FilterError(ValueError):
    pass


TOKEN = re.compile(r"""\s*(?:
    (?P<string>'(?:[^']|'')*')
    |(?P<number>-?\d+(?:\.\d+)?)
    |(?P<op><>|!=|>=|<=|=|>|<|\(|\))
    |(?P<word>[A-Za-z_][\w.]*)
    )""", re.X)


def tokens(text):
    position, result = 0, []
    text = text.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise FilterError(text[position:])
        position = match.end()
        kind = match.lastgroup
        value = match.group(kind)
        if kind == 'string':
            value = value[1:-1].replace("''", "'")
        elif kind == 'number':
            value = Decimal(value)
        elif kind == 'word' and value.lower() in {'and', 'or', 'like'}:
            kind, value = 'op', value.lower()
        result.append((kind, value))
    return result


def like(value, pattern):
    "SQL Server's LIKE: % and _ and [set], case insensitive"
    regex = ''
    rest = pattern
    while rest:
        char, rest = rest[0], rest[1:]
        if char == '%':
            regex += '.*'
        elif char == '_':
            regex += '.'
        elif char == '[' and ']' in rest[1:]:
            end = rest.index(']', 1)
            regex += '[%s]' % re.escape(rest[:end])
            rest = rest[end + 1:]
        else:
            regex += re.escape(char)
    return re.fullmatch(regex, str(value), re.I | re.S) is not None


def compare(value, op, literal):
    if op == 'like':
        return like(value, literal)
    if value is None:
        return False
    if isinstance(literal, Decimal):
        value = Decimal(str(value))
    else:
        value = str(value)
        literal = str(literal)
        if re.fullmatch(r'\d{4}-\d{2}-\d{2}', literal):
            value = value[:10]
        else:
            value, literal = value.casefold(), literal.casefold()
    return {
        '=': value == literal,
        '<>': value != literal,
        '!=': value != literal,
        '>': value > literal,
        '<': value < literal,
        '>=': value >= literal,
        '<=': value <= literal,
        }[op]


def parse_filter(text):
    """A predicate of get(field) for the FilterString text: comparisons of
    a field to a literal, with and, or and parentheses"""
    items = tokens(text)
    position = 0

    def peek():
        return items[position] if position < len(items) else (None, None)

    def take():
        nonlocal position
        item = peek()
        position += 1
        return item

    def expression():
        terms = [term()]
        while peek() == ('op', 'or'):
            take()
            terms.append(term())
        return lambda get: any(t(get) for t in terms)

    def term():
        factors = [factor()]
        while peek() == ('op', 'and'):
            take()
            factors.append(factor())
        return lambda get: all(f(get) for f in factors)

    def factor():
        kind, value = take()
        if (kind, value) == ('op', '('):
            inner = expression()
            if take() != ('op', ')'):
                raise FilterError(text)
            return inner
        if kind != 'word':
            raise FilterError(text)
        field = value
        op_kind, op = take()
        literal_kind, literal = take()
        if op_kind != 'op' or literal_kind not in {'string', 'number'}:
            raise FilterError(text)
        return lambda get: compare(get(field), op, literal)

    if not items:
        return lambda get: True
    predicate = expression()
    if position != len(items):
        raise FilterError(text)
    return predicate


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address):
        # Clients that gave up waiting are what the time outs test
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeK3Cloud:
    """K3 Cloud on a free loopback port; use as a context manager.

    Its base data are sets of numbers a test may change; closed_before, a
    date, closes the periods before it; fail_next() makes the next form
    service call fail; calls counts the calls by service name."""
    acct_id = '65f0a1b2c3d4e5'
    username = 'crm'
    password = 'K3-pass-2052'
    app_id = '265432_crmsuite'
    app_secret = '0f3c5a7e9b1d4c6e8a2b4d6f8a0c2e4b'
    # how long a 'timeout' failure keeps the client waiting
    slow_seconds = 3

    def __init__(self, port=0):
        self.organisations = {'100', '101'}
        self.customers = {'CUST0001', 'RETAIL'}
        self.salesmen = {'EMP001'}
        self.materials = {'WL0001', 'WL0002', 'WL0003'}
        self.units = {'Pcs', 'kg'}
        self.warehouses = {'CK001', 'CK002'}
        self.currencies = {'PRE001'}
        self.settle_types = {'JSFS01_SYS', 'JSFS04_SYS', 'JSFS32_SYS'}
        self.closed_before = None
        self.documents = []
        self.sessions = set()
        self.calls = Counter()
        self.failures = []
        self.lock = threading.Lock()
        self._ids = itertools.count(100001)
        self._numbers = {form: itertools.count(1) for form in FORMS}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                fake._handle(self)

            def log_message(self, *args):
                pass

        self.server = Server(('127.0.0.1', port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
            daemon=True)

    @property
    def url(self):
        return 'http://127.0.0.1:%s/k3cloud/' % self.server.server_port

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *args):
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, kind, service=None):
        """The next call of a form service (or of service) fails:
        'timeout' answers after slow_seconds, 'die_after_save' saves then
        drops the connection without an answer, 'error500' answers an IIS
        error page, 'not_json' a page that is not JSON"""
        if kind == 'die_after_save':
            service = 'Save'
        self.failures.append((kind, service))

    def drop_sessions(self):
        "Forget every session, as K3 does after a restart or idle time"
        with self.lock:
            self.sessions.clear()

    def document(self, number):
        "The document of that K3 number"
        for document in self.documents:
            if document['Number'] == number:
                return document
        raise KeyError(number)

    def by_form(self, form):
        return [d for d in self.documents if d['FormId'] == form]

    # HTTP
    def _handle(self, handler):
        length = int(handler.headers.get('Content-Length') or 0)
        body = handler.rfile.read(length)
        path = handler.path.split('?')[0]
        service = path.rsplit('/', 1)[-1]
        if service.endswith('.common.kdsvc'):
            service = service[:-len('.common.kdsvc')]
        name = service.rsplit('.', 1)[-1]
        failure = None
        with self.lock:
            self.calls[name] += 1
            if service.startswith(FORM) and self.failures:
                kind, only = self.failures[0]
                if only in (None, name):
                    failure = self.failures.pop(0)[0]
        if failure == 'timeout':
            time.sleep(self.slow_seconds)
        if failure == 'error500':
            return self._send(handler, 500, b'<html><body><h1>Server Error '
                b'in \'/K3Cloud\' Application.</h1></body></html>',
                'text/html')
        if failure == 'not_json':
            return self._send(handler, 200,
                b'<html><body>K/3 Cloud</body></html>', 'text/html')
        try:
            payload = json.loads(body or b'{}', parse_float=Decimal)
        except ValueError:
            return self._send(handler, 200, b'response_error:JSON',
                'text/plain')
        cookies = {}
        with self.lock:
            if service.startswith(AUTH):
                answer = self.login(name, payload, cookies)
            elif service.startswith(FORM):
                answer = self.operate(handler, name, payload)
            else:
                return self._send(handler, 404, b'Not Found', 'text/plain')
            if failure == 'die_after_save':
                handler.close_connection = True
                return
        data = json.dumps(answer, ensure_ascii=False,
            default=_json_default).encode('utf-8')
        self._send(handler, 200, data, 'application/json; charset=utf-8',
            cookies)

    @staticmethod
    def _send(handler, code, data, content_type, cookies=None):
        handler.send_response(code)
        handler.send_header('Content-Type', content_type)
        handler.send_header('Content-Length', str(len(data)))
        for name, value in (cookies or {}).items():
            handler.send_header('Set-Cookie',
                '%s=%s; path=/; HttpOnly' % (name, value))
        handler.end_headers()
        handler.wfile.write(data)

    @staticmethod
    def _arguments(payload, names):
        """The named arguments of a service: as properties of the body, or
        the older {"parameters": [...]} in their order"""
        parameters = payload.get('parameters')
        if isinstance(parameters, str):
            parameters = json.loads(parameters, parse_float=Decimal)
        if isinstance(parameters, list):
            return dict(zip(names, parameters))
        lowered = {k.lower(): v for k, v in payload.items()}
        return {name: lowered.get(name.lower()) for name in names}

    # Services
    def login(self, name, payload, cookies):
        if name == 'ValidateUser':
            args = self._arguments(payload,
                ['acctID', 'username', 'password', 'lcid'])
            ok = args['password'] == self.password
            refusal = '用户名或密码错误！'
        elif name == 'LoginByAppSecret':
            args = self._arguments(payload,
                ['acctID', 'username', 'appId', 'appSecret', 'lcid'])
            ok = (args['appId'] == self.app_id
                and args['appSecret'] == self.app_secret)
            refusal = '第三方系统登录授权的应用ID或应用密钥错误，请检查！'
        else:
            return {'LoginResultType': 0, 'Message': '不支持的登录方式',
                'IsSuccessByAPI': False}
        if args['acctID'] != self.acct_id:
            ok, refusal = False, '数据中心不存在或已被禁用！'
        elif args['username'] != self.username:
            ok, refusal = False, '用户名或密码错误！'
        if not ok:
            return {'Message': refusal, 'MessageCode': None,
                'LoginResultType': -1, 'Context': None,
                'KDSVCSessionId': None, 'IsSuccessByAPI': False}
        session = uuid.uuid4().hex
        self.sessions.add(session)
        cookies['kdservice-sessionid'] = session
        cookies['ASP.NET_SessionId'] = uuid.uuid4().hex[:24]
        return {'Message': None, 'MessageCode': 'CheckPasswordPolicy',
            'LoginResultType': 1,
            'Context': {'UserLocale': 'zh-CN', 'LogLocale': 'zh-CN',
                'DBid': self.acct_id, 'DatabaseType': 3,
                'SessionId': session, 'UserId': 100008,
                'UserName': self.username, 'CustomName': 'CRM',
                'DisplayVersion': '8.1.0.20230518'},
            'KDSVCSessionId': session, 'FormId': None,
            'RedirectFormParam': None, 'FormInputObject': None,
            'ErrorStackTrace': None, 'Lcid': 0, 'AccessToken': None,
            'KdAccessResult': None, 'IsSuccessByAPI': True}

    def _session(self, handler):
        cookie = handler.headers.get('Cookie') or ''
        values = dict(part.strip().split('=', 1)
            for part in cookie.split(';') if '=' in part)
        return (values.get('kdservice-sessionid') in self.sessions
            or handler.headers.get('kdservice-sessionid') in self.sessions)

    def operate(self, handler, name, payload):
        if not self._session(handler):
            lost = status([(None, SESSION_LOST)], msg_code=1)
            return [[lost]] if name == 'ExecuteBillQuery' else lost
        if name == 'ExecuteBillQuery':
            args = self._arguments(payload, ['data'])
            return self.execute_bill_query(args['data'])
        args = self._arguments(payload, ['formid', 'data'])
        form, data = args['formid'], args['data']
        if isinstance(data, str):
            data = json.loads(data, parse_float=Decimal)
        if form not in FORMS:
            return status([(None, '业务对象不存在')], msg_code=4)
        data = data or {}
        if name == 'Save':
            return self.save(form, data)
        if name in {'Submit', 'Audit'}:
            return self.change_state(name, form, data)
        return status([(None, '不支持的操作：%s' % name)], msg_code=3)

    def save(self, form, data):
        model = data.get('Model')
        if not isinstance(model, dict):
            return status([(None, '数据包Model为空')], msg_code=8)
        lowered = lower_keys(model)
        if lowered.get('fid') not in (None, 0, '0', ''):
            return status([(None, '不支持修改已有单据')], msg_code=12)
        errors = self.validate(form, lowered)
        if errors:
            return status(errors, msg_code=11, Id='', Number='',
                NeedReturnData=[])
        spec = FORMS[form]
        number = lowered.get('fbillno') or '%s%06d' % (
            spec['prefix'], next(self._numbers[form]))
        if any(d['Number'] == number for d in self.documents):
            return status([('FBillNo', '单据编号“%s”已经存在' % number)],
                msg_code=11, Id='', Number='', NeedReturnData=[])
        document = {'FormId': form, 'Id': next(self._ids),
            'Number': number, 'FDocumentStatus': 'A', 'FCancelStatus': 'A',
            'Model': model, 'saved': dt.datetime.now()}
        self.documents.append(document)
        entity = {'Id': document['Id'], 'Number': number}
        return status(entities=[entity], Id=document['Id'], Number=number,
            NeedReturnData=[{}])

    def validate(self, form, model):
        "[(field, message)] refusing the lower-cased model, K3's way"
        spec = FORMS[form]
        errors = []
        # Stricter than K3, which drops keys it does not know: a misspelt
        # key would be lost there
        for key in model:
            if key not in spec['header'] and key != spec['entry']:
                errors.append((key, '字段%s不存在' % key))
        for key in (model.get('subheadentity') or {}):
            if key not in spec['sub']:
                errors.append((key, '字段%s不存在' % key))
        lines = model.get(spec['entry']) or []
        for line in lines:
            for key in line:
                if key not in spec['line']:
                    errors.append((key, '字段%s不存在' % key))
        if errors:
            return errors

        def known(field, label, values, value, row=None):
            where = '第%s行' % row if row else ''
            if value is None:
                errors.append((field, '%s字段“%s”是必填项' % (where, label)))
            elif value not in values:
                errors.append((field, '%s字段“%s”的值“%s”在系统中不存在'
                        '或未审核' % (where, label, value)))

        bill_type = number_of(model.get('fbilltypeid'))
        if bill_type not in BILL_TYPES[form]:
            errors.append(('FBillTypeID', '单据类型“%s”不存在' % bill_type))
        try:
            date = dt.date.fromisoformat(str(model.get('fdate'))[:10])
        except ValueError:
            date = None
            errors.append(('FDate', '字段“日期”是必填项'))
        if not lines:
            errors.append((spec['entry'], '单据体至少需要一行数据'))
        if form == 'SAL_OUTSTOCK':
            organisation = number_of(model.get('fstockorgid'))
            known('FSaleOrgId', '销售组织', self.organisations,
                number_of(model.get('fsaleorgid')))
            known('FStockOrgId', '发货组织', self.organisations,
                organisation)
            known('FCustomerID', '客户', self.customers,
                number_of(model.get('fcustomerid')))
            if model.get('fsalesmanid') is not None:
                known('FSalesManID', '销售员', self.salesmen,
                    number_of(model.get('fsalesmanid')))
            sub = model.get('subheadentity') or {}
            known('FSettleCurrID', '结算币别', self.currencies,
                number_of(sub.get('fsettlecurrid')))
            for row, line in enumerate(lines, 1):
                known('FMaterialID', '物料编码', self.materials,
                    number_of(line.get('fmaterialid')), row)
                known('FUnitID', '库存单位', self.units,
                    number_of(line.get('funitid')), row)
                known('FStockID', '仓库', self.warehouses,
                    number_of(line.get('fstockid')), row)
                if line.get('frealqty') in (None, 0):
                    errors.append(('FRealQty',
                            '第%s行实发数量不能为0' % row))
            closed = '库存组织“%s”已关账，出库日期%s早于可用日期%s，不允许保存'
        else:
            organisation = number_of(model.get('fpayorgid'))
            known('FPAYORGID', '收款组织', self.organisations, organisation)
            known('FSETTLEORGID', '结算组织', self.organisations,
                number_of(model.get('fsettleorgid')))
            known('FCONTACTUNIT', '往来单位', self.customers,
                number_of(model.get('fcontactunit')))
            known('FCURRENCYID', '币别', self.currencies,
                number_of(model.get('fcurrencyid')))
            for row, line in enumerate(lines, 1):
                known('FSETTLETYPEID', '结算方式', self.settle_types,
                    number_of(line.get('fsettletypeid')), row)
                known('FPURPOSEID', '收款用途', PURPOSES,
                    number_of(line.get('fpurposeid')), row)
            closed = '结算组织“%s”的应收款管理已结账，业务日期%s早于当前期间' \
                '（%s起），不允许保存'
        if (date and self.closed_before and date < self.closed_before):
            errors.append(('FDate', closed % (
                        organisation, date, self.closed_before)))
        return errors

    def change_state(self, operation, form, data):
        spec = FORMS[form]
        numbers = data.get('Numbers') or []
        ids = [i for i in str(data.get('Ids') or '').split(',') if i]
        documents = [d for d in self.by_form(form)
            if d['Number'] in numbers or str(d['Id']) in ids]
        if not documents:
            return status([(None, '未找到单据%s' % (numbers or ids))],
                msg_code=10)
        errors = []
        done = []
        before, after = {'Submit': ('A', 'B'), 'Audit': ('B', 'C')}[
            operation]
        for document in documents:
            state = document['FDocumentStatus']
            described = '单据编号为“%s”的%s' % (
                document['Number'], spec['name'])
            if state == before or (operation == 'Submit' and state == 'D'):
                document['FDocumentStatus'] = after
                done.append({'Id': document['Id'],
                        'Number': document['Number']})
            elif state == 'C':
                errors.append((None, '%s，单据已经审核！' % described))
            elif operation == 'Audit':
                errors.append((None, '%s，单据未提交，不能审核！' % described))
            else:
                errors.append((None, '%s，单据已提交！' % described))
        return status(errors, done, msg_code=11 if errors else 0)

    def execute_bill_query(self, data):
        if isinstance(data, str):
            data = json.loads(data, parse_float=Decimal)
        data = data or {}

        def refused(message, code=9):
            return [[status([(None, message)], msg_code=code)]]
        form = data.get('FormId')
        if form not in FORMS:
            return refused('业务对象不存在', 4)
        spec = FORMS[form]
        keys = [k.strip() for k in str(data.get('FieldKeys') or '').split(
                ',') if k.strip()]
        filter_string = data.get('FilterString') or ''
        if isinstance(filter_string, list):
            # The newer array form is not used by the suite
            if filter_string:
                return refused('过滤条件格式不支持')
            filter_string = ''
        try:
            predicate = parse_filter(filter_string)
        except FilterError:
            return refused('过滤条件“%s”有误' % filter_string)

        def field_of(key):
            "(is it an entry field, lower-cased path) of key"
            base = key.lower().split('.')[0]
            if base in STATE_FIELDS or base in spec['header'] or (
                    base in spec['sub']):
                return False, key.lower()
            if base in spec['line']:
                return True, key.lower()
            raise KeyError(key)
        try:
            fields = [field_of(k) for k in keys]
            filter_fields = {}
            for word in re.findall(r"[A-Za-z_][\w.]*", re.sub(
                        r"'(?:[^']|'')*'", '', filter_string)):
                if word.lower() not in {'and', 'or', 'like'}:
                    filter_fields[word] = field_of(word)
        except KeyError as error:
            return refused('字段“%s”不存在' % error.args[0])
        per_line = any(entry for entry, _ in fields) or any(
            entry for entry, _ in filter_fields.values())
        rows = []
        for document in self.by_form(form):
            header = lower_keys(document['Model'])
            state = {'fid': document['Id'], 'fbillno': document['Number'],
                'fdocumentstatus': document['FDocumentStatus'],
                'fcancelstatus': document['FCancelStatus']}
            lines = (header.get(spec['entry']) or []) if per_line else [{}]
            for line in lines:
                def get(key):
                    path = key.lower().split('.')
                    if path[0] in state:
                        return state[path[0]]
                    source = header
                    if path[0] in spec['line']:
                        source = line
                    elif path[0] in spec['sub']:
                        source = header.get('subheadentity') or {}
                    value = source.get(path[0])
                    for part in path[1:]:
                        value = (value or {}).get(part)
                    if path[0] == spec['date'] and value:
                        value = str(value)[:10] + 'T00:00:00'
                    return value
                if predicate(get):
                    rows.append([get(k) for k in keys])
        # The documents are kept in the order of their FID
        start = int(data.get('StartRow') or 0)
        limit = int(data.get('Limit') or 0) or 10000
        top = int(data.get('TopRowCount') or 0)
        if top:
            rows = rows[:top]
        return rows[start:start + min(limit, 10000)]
