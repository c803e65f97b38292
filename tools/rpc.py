"""A JSON-RPC client that talks to trytond as the web client does, for the
benchmarks and the suite tests."""
import base64
import gzip
import json
import urllib.request


class RPCError(RuntimeError):
    "An error answered by trytond: error[0] is its kind, error[1] its args"

    @property
    def kind(self):
        return self.args[0][0]

    @property
    def message(self):
        "The text a user is shown"
        kind, args = self.args[0][:2]
        # A user error is [kind, [message, description, …]], any other
        # [message, description]
        return args[0] if isinstance(args, list) and args else kind


class Client:
    "A JSON-RPC client, as the web client talks to trytond"

    def __init__(self, url, login, password):
        self.url = url
        self.authorization = None
        self.context = {}
        user_id, session = self.call(
            'common.db.login', login, {'password': password}, 'zh_CN')[:2]
        self.user_id = user_id
        self.authorization = 'Session ' + base64.b64encode(
            f'{login}:{user_id}:{session}'.encode()).decode()
        self.context = self.call('model.res.user.get_preferences', True, {})

    def call(self, method, *params):
        # A browser accepts gzip: trytond then sends an answer over 1400
        # bytes compressed in a few chunks, not one chunk per JSON token
        request = urllib.request.Request(self.url, json.dumps({
                    'id': 1, 'method': method, 'params': list(params),
                    }).encode(), {
                'Content-Type': 'application/json',
                'Accept-Encoding': 'gzip',
                })
        if self.authorization:
            request.add_header('Authorization', self.authorization)
        with urllib.request.urlopen(request, timeout=600) as response:
            body = response.read()
            if response.headers.get('Content-Encoding') == 'gzip':
                body = gzip.decompress(body)
            answer = json.loads(body)
        if answer.get('error'):
            raise RPCError(answer['error'])
        return answer['result']

    def model(self, model, method, *params, context=None):
        return self.call(f'model.{model}.{method}', *params,
            {**self.context, **(context or {})})

    def wizard(self, name, action_id, record, states, context=None):
        """Run wizard name on record as the web client does: create it,
        then execute each (state, {view state: values}) of states in turn;
        return the last answer"""
        context = {**self.context, 'active_id': record[1],
            'active_ids': [record[1]], 'active_model': record[0],
            'action_id': action_id, **(context or {})}
        session, start, end = self.call(
            f'wizard.{name}.create', context)
        result = None
        try:
            for state, data in states:
                result = self.call(f'wizard.{name}.execute', session,
                    data, state, context)
        finally:
            self.call(f'wizard.{name}.delete', session, context)
        return result
