# This file is part of the CRM suite.
import datetime as dt
import ipaddress
import pathlib

import trytond.config as config
from trytond.exceptions import LoginException, RateLimitException
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.res.exceptions import PasswordError
from trytond.transaction import Transaction, without_check_access

from .exceptions import NetworkError

# Common passwords refused on top of Tryton's [password] forbidden file:
# one per line, compared whole and without case
FORBIDDEN = pathlib.Path(__file__).with_name('forbidden_passwords.txt')
_forbidden = None


def forbidden_passwords():
    global _forbidden
    if _forbidden is None:
        _forbidden = frozenset(
            line.strip().lower()
            for line in FORBIDDEN.read_text().splitlines()
            if line.strip() and not line.startswith('#'))
    return _forbidden


def parse_networks(text):
    "The networks of a text of addresses and ranges, one per line"
    networks = []
    for line in (text or '').splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            networks.append(ipaddress.ip_network(line, strict=False))
        except ValueError:
            raise NetworkError(gettext(
                    'crm_security.msg_network_invalid', network=line))
    return networks


class NetworksMixin:
    __slots__ = ()
    login_networks = fields.Text("Login Addresses",
        help="The addresses and ranges (such as 192.168.1.0/24) logins "
        "are allowed from, one per line; empty for anywhere.")

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        if 'login_networks' in field_names:
            for record in records:
                parse_networks(record.login_networks)


class Group(NetworksMixin, metaclass=PoolMeta):
    __name__ = 'res.group'


class User(NetworksMixin, metaclass=PoolMeta):
    __name__ = 'res.user'

    login_locked = fields.Timestamp("Login Locked", readonly=True,
        help="Set when the failed logins of a day reach the limit of the "
        "settings; an administrator unlocks the account.")
    login_unlocked = fields.Timestamp("Login Unlocked", readonly=True,
        help="Failed logins before this moment no longer count.")
    password_change = fields.Boolean("Password Change Required",
        help="The user chooses a new password at the next login: set when "
        "someone else gave the password.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'unlock_login': {
                    'invisible': ~Eval('login_locked'),
                    'depends': ['login_locked'],
                    },
                })

    @classmethod
    def default_password_change(cls):
        return False

    @classmethod
    def create(cls, vlist):
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            # A password given by another user is a default one
            if values.get('password') and 'password_change' not in values:
                values['password_change'] = bool(Transaction().user)
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        user = Transaction().user
        actions = iter(args)
        args = []
        for users, values in zip(actions, actions):
            if (values.get('password') and values['password'] != 'x' * 10
                    and 'password_change' not in values):
                own = [u for u in users if user in {0, u.id}]
                others = [u for u in users if user not in {0, u.id}]
                if own:
                    args.extend([own, dict(values, password_change=False)])
                if others:
                    args.extend([others, dict(values, password_change=True)])
            else:
                args.extend([users, values])
        super().write(*args)

    @classmethod
    def validate_password(cls, password, users):
        super().validate_password(password, users)
        if password.strip().lower() in forbidden_passwords():
            raise PasswordError(gettext('crm_security.msg_password_common'))

    @classmethod
    @ModelView.button
    def unlock_login(cls, users):
        with without_check_access():
            cls.write(users, {
                    'login_locked': None,
                    'login_unlocked': dt.datetime.now(),
                    })

    @classmethod
    def _login_administrators(cls, exclude=None):
        "The names of the administrators to ask, for the login messages"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        group = ModelData.get_id('crm_customer', 'group_crm_admin')
        with without_check_access():
            users = cls.search([
                    ('groups', '=', group),
                    ('id', '!=', exclude),
                    ], order=[('id', 'ASC')], limit=3)
        return '、'.join(u.name or u.login for u in users) or 'admin'

    @classmethod
    def _login_refuse(cls, login, user_id, result, message, **values):
        """Log the refused try and tell why in place of the password prompt:
        the web client shows the message of a LoginException"""
        pool = Pool()
        Log = pool.get('crm.security.login')
        Log.record(login, result, user_id)
        raise LoginException('password', gettext(message, login=login,
                admins=cls._login_administrators(exclude=user_id),
                **values), type='password')

    @classmethod
    def _login_failures(cls, login, user_id):
        "The failed logins of the last 24 hours since the last unlock"
        pool = Pool()
        Log = pool.get('crm.security.login')
        since = dt.datetime.now() - dt.timedelta(days=1)
        if user_id:
            unlocked = cls(user_id).login_unlocked
            if unlocked and unlocked > since:
                since = unlocked
        return Log.failures(login, since)

    @classmethod
    def _login_networks(cls, user_id):
        pool = Pool()
        Group = pool.get('res.group')
        with Transaction().set_user(user_id):
            group_ids = cls.get_groups()
        user = cls(user_id)
        networks = parse_networks(user.login_networks)
        for group in Group.browse(group_ids):
            networks.extend(parse_networks(group.login_networks))
        return networks

    @classmethod
    def get_login(cls, login, parameters):
        pool = Pool()
        Lang = pool.get('ir.lang')
        user_id = cls._get_login(login)[0]
        # The web client asks in its browser's language ("zh" for zh-CN),
        # which the server may not have: the prompts and refusals are in
        # the account's own, else in one of the same language
        with without_check_access():
            language = cls(user_id).language if user_id else None
            if not language:
                code = Transaction().language
                languages = Lang.search([
                        ('code', 'like', code.split('_')[0] + '%'),
                        ('translatable', '=', True),
                        ], order=[('code', 'ASC')], limit=1)
                language = languages[0] if languages else None
        with Transaction().set_context(
                language=language.code if language
                else Transaction().language):
            return cls._get_login_checked(login, user_id, parameters)

    @classmethod
    def _get_login_checked(cls, login, user_id, parameters):
        pool = Pool()
        Log = pool.get('crm.security.login')
        if user_id and 'password' in parameters:
            with without_check_access():
                user = cls(user_id)
                if user.login_locked:
                    cls._login_refuse(login, user_id, 'locked',
                        'crm_security.msg_login_locked')
                address, _ = Transaction().remote_address()
                networks = cls._login_networks(user_id)
                if address and networks and not any(
                        address in n for n in networks
                        if n.version == address.version):
                    cls._login_refuse(login, user_id, 'address',
                        'crm_security.msg_login_address', address=address)
        try:
            result = super().get_login(login, parameters)
        except RateLimitException:
            Log.record(login, 'rate_limited', user_id)
            raise
        except LoginException as exception:
            if exception.name == 'sms_code':
                Log.record(login,
                    'sms_wrong' if parameters.get('sms_code') else 'sms_sent',
                    user_id)
                if parameters.get('sms_code'):
                    cls._login_lock_after_failure(login, user_id)
            elif exception.name == 'new_password':
                Log.record(login, 'password_change', user_id)
            raise
        if result:
            Log.record(login, 'success', result)
        elif 'password' in parameters:
            Log.record(login, 'failed', user_id)
            cls._login_lock_after_failure(login, user_id)
        return result

    @classmethod
    def _login_lock_after_failure(cls, login, user_id):
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        if not user_id:
            return
        limit = Configuration(1).login_lock_failures
        if cls._login_failures(login, user_id) >= limit:
            with without_check_access():
                cls.write([cls(user_id)], {'login_locked': dt.datetime.now()})

    @classmethod
    def _login_password(cls, login, parameters):
        user_id = super()._login_password(login, parameters)
        if not user_id:
            return user_id
        with without_check_access():
            user = cls(user_id)
            if user.password_change:
                cls._login_new_password(user, login, parameters)
            if cls._login_needs_sms(user, login):
                return cls._login_sms(login, parameters)
        return user_id

    @classmethod
    def _login_new_password(cls, user, login, parameters):
        "Ask for a new password and set it, as the user would"
        new = parameters.get('new_password')
        message = 'crm_security.msg_login_new_password'
        error = ''
        if new:
            try:
                if new == parameters['password']:
                    raise PasswordError(gettext(
                            'crm_security.msg_password_same'))
                with Transaction().set_user(user.id):
                    cls.validate_password(new, [user])
            except PasswordError as exception:
                message = 'crm_security.msg_login_new_password_again'
                error = exception.message
            else:
                cls.write([user], {
                        'password': new, 'password_change': False})
                return
        raise LoginException('new_password', gettext(message, login=login,
                error=error,
                length=config.getint('password', 'length', default=0)),
            type='password')

    @classmethod
    def _login_needs_sms(cls, user, login):
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        configuration = Configuration(1)
        always = False
        if configuration.login_sms_managers:
            with Transaction().set_user(user.id):
                always = cls.is_crm_manager()
        reachable = bool(user.mobile and cls._login_sms_gateway())
        if always:
            if not reachable:
                cls._login_refuse(login, user.id, 'no_mobile',
                    'crm_security.msg_login_no_mobile')
            return True
        # A code that cannot reach the user is not asked for: the lock
        # after failures still holds
        return bool(configuration.login_sms_failures and reachable
            and cls._login_failures(login, user.id)
            >= configuration.login_sms_failures)

    @classmethod
    def _login_sms_gateway(cls):
        """The gateway of the login codes, None when there is none that
        reaches a phone (the log gateway of a new database does not)"""
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Gateway = pool.get('sms.gateway')
        template = Configuration(1).login_sms_template
        gateway = (template and template.gateway) or Gateway.get_default()
        if gateway and gateway.kind != 'log':
            return gateway


class UserLoginSMSCode(metaclass=PoolMeta):
    __name__ = 'res.user.login.sms_code'

    @classmethod
    def send(cls, user, mobile=None):
        "Send the code through the suite's SMS gateway"
        pool = Pool()
        User = pool.get('res.user')
        Configuration = pool.get('crm.configuration')
        Log = pool.get('crm.security.login')
        if list(cls.get(user)) and not mobile:
            return
        record = cls(user_id=user)
        record.save()
        mobile = mobile or User(user).mobile
        if not mobile:
            return
        template = Configuration(1).login_sms_template
        values = {'code': record.code}
        gateway = User._login_sms_gateway()
        if not gateway:
            return
        if template:
            text = template.render(values, gateway)
            code, params = template.code, template.params(values)
        else:
            text = gettext('crm_security.msg_login_sms', code=record.code)
            code, params = None, values
        try:
            result = gateway.provider.send(
                mobile, text, code, params, 'login-%s' % record.id)
            error = (None if result.status == 'sent'
                else result.error or result.code or result.status)
        except OSError as exception:
            error = str(exception)
        if error:
            # The next try sends a new code
            cls.delete([record])
            login = User(user).login
            Log.record(login, 'sms_failed', user)
            raise LoginException('password', gettext(
                    'crm_security.msg_login_sms_failed', login=login,
                    error=error), type='password')
