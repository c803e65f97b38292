# This file is part of the CRM suite.
"""The append-only ledgers of a card: stored value, points and count
packages. Balances are sums of their lines; a correction is a new line."""
import re
from collections import defaultdict
from decimal import Decimal

from sql import Null
from sql.aggregate import Sum
from sql.conditionals import Coalesce

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.model.fields import SQL_OPERATORS
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, TransactionError

from .configuration import MONEY
from .exceptions import LedgerError

ZERO = Decimal(0)
CENT = Decimal('0.01')


def money(value):
    "A sum read from the database (a float on SQLite) in yuan and fen"
    return Decimal(str(value)).quantize(CENT)


class AppendOnlyMixin:
    "Records that are written once and never changed nor deleted"
    __slots__ = ()

    @classmethod
    def write(cls, *args):
        raise LedgerError(gettext('crm_membership.msg_ledger_append_only'))

    @classmethod
    def delete(cls, records):
        if records:
            raise LedgerError(
                gettext('crm_membership.msg_ledger_append_only'))

    @classmethod
    def copy(cls, records, default=None):
        if records:
            raise LedgerError(
                gettext('crm_membership.msg_ledger_append_only'))
        return super().copy(records, default=default)


class LedgerMixin(AppendOnlyMixin, ModelSQL, ModelView):
    "Ledger lines: dated, with their origin and idempotency key"
    __slots__ = ()

    date = fields.Date("Date", required=True, readonly=True)
    origin = fields.Reference(
        "Origin", selection='get_origins', readonly=True,
        help="The sale, top-up or adjustment the line comes from.")
    reason = fields.Char("Reason", readonly=True,
        help="Why a manual adjustment was made.")
    approved_by = fields.Many2One(
        'res.user', "Approved By", readonly=True, ondelete='RESTRICT')
    key = fields.Char("Idempotency Key", readonly=True, strip=False,
        help="The caller's id of the operation: the same key is never "
        "booked twice.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('key_unique', Unique(t, t.key),
                'crm_membership.msg_ledger_key_unique'),
            ]
        # The reports of a month read its lines
        cls._sql_indexes.add(Index(t, (t.date, Index.Range())))
        cls._order.insert(0, ('date', 'DESC'))
        cls._order.insert(1, ('id', 'DESC'))

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def _get_origins(cls):
        "The models a line may come from"
        return ['crm.membership.card', 'sale.sale', 'sale.line']

    @classmethod
    def get_origins(cls):
        pool = Pool()
        IrModel = pool.get('ir.model')
        models = cls._get_origins()
        return [(None, '')] + [(m, IrModel.get_name(m)) for m in models]

    @classmethod
    def by_key(cls, key):
        "The lines already booked under key"
        if not key:
            return []
        escaped = re.sub(r'([\\%_])', r'\\\1', key)
        return cls.search(['OR',
                ('key', '=', key),
                ('key', 'like', escaped + '#%'),
                ], order=[('id', 'ASC')])


class _LocksError(TransactionError):
    "Several locks missing, taken together when the transaction restarts"

    def __init__(self, errors):
        super().__init__()
        self.errors = errors

    def fix(self, extras):
        super().fix(extras)
        for error in self.errors:
            error.fix(extras)


def lock_together(*records):
    """Lock each list of records of one model; Tryton restarts the
    transaction for each lock it does not hold yet, so an operation that
    will lock records of several models asks for all of them before it
    starts working, to be done once instead of once per model"""
    errors = []
    for records_ in records:
        if not records_:
            continue
        try:
            records_[0].__class__.lock(records_)
        except TransactionError as error:
            errors.append(error)
    if errors:
        raise _LocksError(errors)


def line_key(key, index):
    "The key of the index-th line of the operation with key"
    if not key:
        return None
    return key if not index else '%s#%d' % (key, index)


class ValueLine(LedgerMixin):
    "A movement of the stored value of a card, in its two buckets"
    __name__ = 'crm.membership.value.line'
    __string__ = "Stored Value Line"

    card = fields.Many2One(
        'crm.membership.card', "Card", required=True, readonly=True,
        ondelete='RESTRICT')
    kind = fields.Selection([
            ('issue', "Issue"),
            ('top_up', "Top-Up"),
            ('payment', "Payment"),
            ('refund', "Refund"),
            ('transfer', "Transfer"),
            ('cancel', "Card Cancelled"),
            ('adjustment', "Adjustment"),
            ('migration', "Opening Balance"),
            ], "Kind", required=True, readonly=True)
    principal = fields.Numeric(
        "Principal", digits=MONEY, required=True, readonly=True,
        help="The part of the movement in money the customer paid.")
    bonus = fields.Numeric(
        "Bonus", digits=MONEY, required=True, readonly=True,
        help="The part of the movement in value the shop gave.")
    amount = fields.Function(
        fields.Numeric("Amount", digits=MONEY), 'get_amount')
    reversal_of = fields.Many2One(
        'crm.membership.value.line', "Reverses", readonly=True,
        ondelete='RESTRICT',
        domain=[('card', '=', Eval('card', -1))],
        help="The payment a refund gives back.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.card, Index.Range())),
                Index(t, (t.reversal_of, Index.Range()),
                    where=t.reversal_of != Null),
                })

    def get_amount(self, name):
        return self.principal + self.bonus

    @classmethod
    def balances(cls, card_ids):
        "{card id: (principal, bonus)} summed from the lines in the database"
        line = cls.__table__()
        cursor = Transaction().connection.cursor()
        result = {i: (ZERO, ZERO) for i in card_ids}
        for sub_ids in grouped_slice(card_ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*line.select(line.card,
                    Coalesce(Sum(line.principal), 0),
                    Coalesce(Sum(line.bonus), 0),
                    where=SQL_OPERATORS['in'](line.card, sub_ids),
                    group_by=line.card))
            for card, principal, bonus in cursor:
                result[card] = (money(principal), money(bonus))
        return result

    @classmethod
    def refunded(cls, line_ids):
        "{payment line id: (principal, bonus) already given back}"
        line = cls.__table__()
        cursor = Transaction().connection.cursor()
        result = defaultdict(lambda: (ZERO, ZERO))
        for sub_ids in grouped_slice(line_ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*line.select(line.reversal_of,
                    Sum(line.principal), Sum(line.bonus),
                    where=SQL_OPERATORS['in'](line.reversal_of, sub_ids),
                    group_by=line.reversal_of))
            for payment, principal, bonus in cursor:
                result[payment] = (money(principal), money(bonus))
        return result


class PointLine(LedgerMixin):
    """Points earned (with their expiry) or taken; every taking names the
    earning it takes from, so the oldest points go first"""
    __name__ = 'crm.membership.point.line'
    __string__ = "Point Line"

    card = fields.Many2One(
        'crm.membership.card', "Card", required=True, readonly=True,
        ondelete='RESTRICT')
    kind = fields.Selection([
            ('earn', "Earned"),
            ('spend', "Spent"),
            ('redeem', "Redeemed"),
            ('refund', "Refund"),
            ('expire', "Expired"),
            ('transfer', "Transfer"),
            ('cancel', "Card Cancelled"),
            ('adjustment', "Adjustment"),
            ('migration', "Opening Balance"),
            ], "Kind", required=True, readonly=True)
    points = fields.Integer("Points", required=True, readonly=True)
    expiry = fields.Date("Expiry", readonly=True,
        states={'invisible': ~Eval('expiry')},
        help="The day after which the earned points are lost.")
    earning = fields.Many2One(
        'crm.membership.point.line', "Earning", readonly=True,
        ondelete='RESTRICT',
        domain=[('card', '=', Eval('card', -1))],
        help="The earned points this line takes from or gives back to.")
    reversal_of = fields.Many2One(
        'crm.membership.point.line', "Reverses", readonly=True,
        ondelete='RESTRICT',
        domain=[('card', '=', Eval('card', -1))])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.card, Index.Range())),
                Index(t, (t.earning, Index.Range()),
                    where=t.earning != Null),
                Index(t, (t.reversal_of, Index.Range()),
                    where=t.reversal_of != Null),
                })

    @classmethod
    def _get_origins(cls):
        return super()._get_origins() + ['product.product']

    @classmethod
    def balances(cls, card_ids):
        "{card id: points}"
        line = cls.__table__()
        cursor = Transaction().connection.cursor()
        result = {i: 0 for i in card_ids}
        for sub_ids in grouped_slice(card_ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*line.select(line.card,
                    Coalesce(Sum(line.points), 0),
                    where=SQL_OPERATORS['in'](line.card, sub_ids),
                    group_by=line.card))
            result.update((c, int(p)) for c, p in cursor)
        return result

    @classmethod
    def open_earnings(cls, card_id, date=None):
        """[(earning line, points left)] of the card, oldest expiry first;
        those expired before date are left out"""
        line = cls.__table__()
        taken = cls.__table__()
        cursor = Transaction().connection.cursor()
        left = line.points + Coalesce(taken.select(Sum(taken.points),
                where=taken.earning == line.id), 0)
        where = (line.card == card_id) & (line.points > 0)
        where &= line.earning == Null
        if date:
            where &= (line.expiry == Null) | (line.expiry >= date)
        cursor.execute(*line.select(line.id, left,
                where=where & (left > 0),
                order_by=[Coalesce(line.expiry, '9999-12-31').asc,
                    line.id.asc]))
        rows = cursor.fetchall()
        return [(cls(i), int(p)) for i, p in rows]


class Package(AppendOnlyMixin, ModelSQL, ModelView):
    "Counts of a service bought with a card"
    __name__ = 'crm.membership.package'
    __string__ = "Count Package"

    card = fields.Many2One(
        'crm.membership.card', "Card", required=True, readonly=True,
        ondelete='RESTRICT')
    product = fields.Many2One(
        'product.product', "Service", required=True, readonly=True,
        ondelete='RESTRICT', domain=[('type', '=', 'service')])
    quantity = fields.Integer("Counts Bought", required=True, readonly=True)
    remaining = fields.Function(
        fields.Integer("Counts Left"), 'get_remaining')
    expiry = fields.Date("Expiry", readonly=True)
    lines = fields.One2Many(
        'crm.membership.package.line', 'package', "Uses", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.card, Index.Range())))
        cls._order.insert(0, ('expiry', 'ASC NULLS LAST'))

    def get_rec_name(self, name):
        return '%s × %s' % (self.product.rec_name, self.remaining)

    @classmethod
    def get_remaining(cls, packages, name):
        Line = Pool().get('crm.membership.package.line')
        return Line.balances([p.id for p in packages])


class PackageLine(LedgerMixin):
    "Counts added to or used from a package"
    __name__ = 'crm.membership.package.line'
    __string__ = "Count Package Line"

    package = fields.Many2One(
        'crm.membership.package', "Package", required=True, readonly=True,
        ondelete='RESTRICT')
    kind = fields.Selection([
            ('purchase', "Purchase"),
            ('use', "Use"),
            ('refund', "Refund"),
            ('transfer', "Transfer"),
            ('cancel', "Card Cancelled"),
            ('expire', "Expired"),
            ('adjustment', "Adjustment"),
            ('migration', "Opening Balance"),
            ], "Kind", required=True, readonly=True)
    quantity = fields.Integer("Counts", required=True, readonly=True)
    employee = fields.Many2One(
        'company.employee', "Performed By", readonly=True,
        ondelete='RESTRICT')
    reversal_of = fields.Many2One(
        'crm.membership.package.line', "Reverses", readonly=True,
        ondelete='RESTRICT',
        domain=[('package', '=', Eval('package', -1))])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.package, Index.Range())))

    @classmethod
    def balances(cls, package_ids):
        "{package id: counts left}"
        line = cls.__table__()
        cursor = Transaction().connection.cursor()
        result = {i: 0 for i in package_ids}
        size = backend.MAX_QUERY_PARAMS
        for sub_ids in grouped_slice(package_ids, size):
            cursor.execute(*line.select(line.package,
                    Coalesce(Sum(line.quantity), 0),
                    where=SQL_OPERATORS['in'](line.package, sub_ids),
                    group_by=line.package))
            result.update((p, int(q)) for p, q in cursor)
        return result
