# This file is part of the CRM suite.
import datetime as dt
from functools import cached_property

from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.protocols.wrappers import Request
from trytond.transaction import Transaction, without_check_access

RESULTS = [
    ('success', "Logged in"),
    ('failed', "Wrong login or password"),
    ('sms_sent', "SMS code sent"),
    ('sms_wrong', "Wrong SMS code"),
    ('sms_failed', "SMS code not sent"),
    ('password_change', "New password asked"),
    ('locked', "Account locked"),
    ('address', "Address not allowed"),
    ('no_mobile', "No mobile for the SMS code"),
    ('rate_limited', "Too many tries"),
    ]
# The results that count towards the SMS code and the lock
FAILURES = ['failed', 'sms_wrong']

_request_context = Request.context.func


def _context_with_client(request):
    # Tryton passes the request's address to the login but not its client;
    # the login log records both
    context = _request_context(request)
    context['user_agent'] = (request.headers.get('User-Agent') or '')[:200]
    return context


Request.context = cached_property(_context_with_client)
Request.context.__set_name__(Request, 'context')


class Login(ModelSQL, ModelView):
    __name__ = 'crm.security.login'
    __string__ = "Login Log"

    login = fields.Char("Login", readonly=True)
    user = fields.Many2One('res.user', "User", readonly=True,
        ondelete='SET NULL')
    date = fields.Timestamp("Time", readonly=True)
    ip_address = fields.Char("Address", readonly=True)
    client = fields.Char("Client", readonly=True)
    result = fields.Selection(RESULTS, "Result", readonly=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        table = cls.__table__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._sql_indexes.update({
                Index(table,
                    (table.login, Index.Equality()),
                    (table.date, Index.Range())),
                Index(table, (table.date, Index.Range())),
                })

    @classmethod
    def record(cls, login, result, user=None):
        "Log a try at logging in, whoever the transaction's user"
        request = Transaction().context.get('_request') or {}
        with without_check_access(), Transaction().set_user(0):
            cls.create([{
                        'login': (login or '')[:512],
                        'user': user,
                        'date': dt.datetime.now(),
                        'ip_address': request.get('remote_addr'),
                        'client': request.get('user_agent'),
                        'result': result,
                        }])

    @classmethod
    def failures(cls, login, since):
        "How many failed logins of login since the date"
        with without_check_access():
            return cls.search_count([
                    ('login', '=', login),
                    ('date', '>=', since),
                    ('result', 'in', FAILURES),
                    ])

    @classmethod
    def purge(cls):
        "Delete the entries older than the settings keep"
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        days = Configuration(1).login_log_days
        with without_check_access():
            cls.delete(cls.search([
                        ('date', '<',
                            dt.datetime.now() - dt.timedelta(days=days)),
                        ]))
