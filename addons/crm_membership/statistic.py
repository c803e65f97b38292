# This file is part of the CRM suite.
"""What members spend, kept per member and per month as sales and refunds
come, so that reading it never sums the whole history; the levels follow"""
import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql import Literal
from sql.aggregate import Max, Min, Sum
from sql.conditionals import Coalesce, Greatest, Least
from sql.functions import CurrentTimestamp, Extract

from trytond import backend
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.transaction import Transaction

from .configuration import MONEY
from .ledger import ZERO, money


def as_date(value):
    "A date read from an aggregate (text on SQLite)"
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def period(date):
    "The number of the month of date, one more each month"
    return date.year * 12 + date.month - 1


def update_row(Model, table, columns, values, where):
    """One raw UPDATE of Model's row matching where, without reading it
    first; True when a row was updated, whose model's cached records are
    then dropped as ModelStorage.write does"""
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    cursor.execute(*table.update(
            columns + [table.write_uid, table.write_date],
            values + [transaction.user, CurrentTimestamp()], where=where))
    if not cursor.rowcount:
        return False
    transaction.counter += 1
    for cache in transaction.cache.values():
        cache.pop(Model.__name__, None)
    return True


def period_start(number):
    "The first day of the month of a period number"
    return dt.date(number // 12, number % 12 + 1, 1)


class MemberMonth(ModelSQL, ModelView):
    "What a member spent in a month and in how many visits"
    __name__ = 'crm.membership.member.month'
    __string__ = "Member Monthly Spend"

    party = fields.Many2One('party.party', "Member", required=True,
        readonly=True, ondelete='CASCADE')
    month = fields.Date("Month", required=True, readonly=True)
    period = fields.Integer("Period", required=True, readonly=True)
    amount = fields.Numeric("Spent", digits=MONEY, required=True,
        readonly=True)
    visits = fields.Integer("Visits", required=True, readonly=True)
    first_visit = fields.Date("First Visit", readonly=True)
    last_visit = fields.Date("Last Visit", readonly=True)
    # The month before's amount kept beside it: the spend change of a month
    # is read in its order from an index instead of joining every member
    previous = fields.Numeric("Previous Month", digits=MONEY, required=True,
        readonly=True)
    change = fields.Numeric("Change", digits=MONEY, required=True,
        readonly=True)
    level = fields.Many2One('crm.membership.level', "Member Level",
        readonly=True, ondelete='SET NULL',
        help="The level of the member's active card at the month's last "
        "spend.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('party_period_unique', Unique(t, t.party, t.period),
                'crm_membership.msg_member_month_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.period, Index.Range())),
                Index(t,
                    (t.month, Index.Range(order='DESC')),
                    (t.change, Index.Range()),
                    (t.id, Index.Range())),
                })
        cls._order.insert(0, ('period', 'DESC'))

    @classmethod
    def __register__(cls, module):
        table_h = cls.__table_handler__(module)
        linked = table_h.column_exist('change')
        levelled = table_h.column_exist('level')
        super().__register__(module)
        if not linked:
            cls.refresh_previous()
        if not levelled:
            # The months already spent get the level their members have now
            cls.refresh_levels()

    @staticmethod
    def default_previous():
        return ZERO

    @staticmethod
    def default_change():
        return ZERO

    @classmethod
    def record(cls, party, amount, date, visit=True):
        """Add amount (negative for a refund) spent by party on date, in one
        visit or none; the caller holds the lock of the party"""
        table = cls.__table__()
        amount = Decimal(amount)
        Pool().get('crm.membership.member.year').add(
            party, date.year, amount, 1 if visit else 0)
        number = period(date)
        # Every checkout of a member adds to its month: one UPDATE, and the
        # ORM only for the month's first
        columns = [table.amount, table.change]
        values = [table.amount + amount, table.change + amount]
        if visit:
            columns += [table.visits, table.first_visit, table.last_visit]
            values += [table.visits + 1,
                Least(Coalesce(table.first_visit, date), date),
                Greatest(Coalesce(table.last_visit, date), date)]
        if not update_row(cls, table, columns, values,
                (table.party == party.id) & (table.period == number)):
            # Read without the user's rules: the row is the server's
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(table.amount,
                    where=(table.party == party.id)
                    & (table.period == number - 1)))
            row = cursor.fetchone()
            previous = money(row[0]) if row else ZERO
            cls.create([{
                        'party': party.id,
                        'month': date.replace(day=1),
                        'period': number,
                        'amount': amount,
                        'visits': 1 if visit else 0,
                        'first_visit': date if visit else None,
                        'last_visit': date if visit else None,
                        'previous': previous,
                        'change': amount - previous,
                        }])
        # A sale dated in a month the member already spent after
        update_row(cls, table, [table.previous, table.change],
            [table.previous + amount, table.change - amount],
            (table.party == party.id) & (table.period == number + 1))

    @classmethod
    def set_level(cls, party, date):
        """Keep on the party's month of date the level of its active cards,
        once they follow its spend (in the same transaction)"""
        table = cls.__table__()
        update_row(cls, table, [table.level], [cls._card_level(table)],
            (table.party == party.id) & (table.period == period(date)))

    @classmethod
    def _card_level(cls, table):
        "The highest level, in the levels' order, of table's party's cards"
        pool = Pool()
        card = pool.get('crm.membership.card').__table__()
        level = pool.get('crm.membership.level').__table__()
        # A level without sequence comes first in their order
        return card.join(level, condition=level.id == card.level).select(
            card.level,
            where=(card.party == table.party) & (card.state == 'active'),
            order_by=[Coalesce(level.sequence, -2 ** 31).desc,
                level.id.desc],
            limit=1)

    @classmethod
    def refresh_levels(cls, party_ids=None):
        "Set the months' level (of the parties, all) to their cards' level"
        cls._refresh(lambda table: ([table.level], [cls._card_level(table)]),
            party_ids)

    @classmethod
    def refresh_previous(cls, party_ids=None):
        """Set each month's previous amount and change again from the month
        before (of the parties, all when None), as after a merge"""
        def values(table):
            before = cls.__table__()
            previous = Coalesce(before.select(before.amount,
                    where=(before.party == table.party)
                    & (before.period == table.period - 1)), 0)
            return ([table.previous, table.change],
                [previous, table.amount - previous])
        cls._refresh(values, party_ids)

    @classmethod
    def _refresh(cls, columns_values, party_ids):
        """One UPDATE of the rows of the parties (all when None) with the
        columns and values columns_values(table) gives"""
        table = cls.__table__()
        where = Literal(True)
        if party_ids is not None:
            if not party_ids:
                return
            where = table.party.in_(list(party_ids))
        update_row(cls, table, *columns_values(table), where)

    @classmethod
    def summaries(cls, party_ids, today):
        """{party id: {total, visits, first, last, this_month, last_month}}
        from the monthly rows"""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        result = {p: {
                'total': ZERO, 'visits': 0, 'first': None, 'last': None,
                'this_month': ZERO, 'last_month': ZERO,
                } for p in party_ids}
        cursor.execute(*table.select(table.party,
                Sum(table.amount), Sum(table.visits),
                Min(table.first_visit), Max(table.last_visit),
                where=table.party.in_(list(party_ids)),
                group_by=table.party))
        for party, total, visits, first, last in cursor:
            result[party].update({
                    'total': money(total or 0),
                    'visits': int(visits or 0),
                    'first': as_date(first), 'last': as_date(last),
                    })
        this = period(today)
        for month in cls.search([
                    ('party', 'in', list(party_ids)),
                    ('period', 'in', [this, this - 1]),
                    ]):
            key = 'this_month' if month.period == this else 'last_month'
            result[month.party.id][key] = month.amount
        return result

    @classmethod
    def spent_since(cls, party_ids, since):
        "{party id: amount spent from the month of since}"
        if not party_ids:
            # IN () is a syntax error on PostgreSQL
            return {}
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        where = table.party.in_(list(party_ids))
        if since:
            where &= table.period >= period(since)
        cursor.execute(*table.select(table.party, Sum(table.amount),
                where=where, group_by=table.party))
        result = dict.fromkeys(party_ids, ZERO)
        result.update((p, money(a or 0)) for p, a in cursor)
        return result


class MemberYear(ModelSQL):
    """What a member spent in a calendar year and in how many visits, kept
    with its months: the rankings of a year read a row a member"""
    __name__ = 'crm.membership.member.year'
    __string__ = "Member Yearly Spend"

    party = fields.Many2One('party.party', "Member", required=True,
        readonly=True, ondelete='CASCADE')
    year = fields.Integer("Year", required=True, readonly=True)
    amount = fields.Numeric("Spent", digits=MONEY, required=True,
        readonly=True)
    visits = fields.Integer("Visits", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('party_year_unique', Unique(t, t.party, t.year),
                'crm_membership.msg_member_year_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.year, Index.Equality()), (t.amount, Index.Range())))

    @classmethod
    def __register__(cls, module):
        exists = backend.TableHandler.table_exist(cls._table)
        super().__register__(module)
        if not exists:
            # Activated on a shop whose members already spent
            cls.refresh()

    @classmethod
    def add(cls, party, year, amount, visits):
        """Add to the party's year what MemberMonth.record adds to its
        month, in the same transaction (which holds the party's lock)"""
        table = cls.__table__()
        if not update_row(cls, table, [table.amount, table.visits],
                [table.amount + amount, table.visits + visits],
                (table.party == party.id) & (table.year == year)):
            cls.create([{'party': party.id, 'year': year,
                        'amount': amount, 'visits': visits}])

    @classmethod
    def refresh(cls, party_ids=None):
        "Add the years of the parties (all) up again from their months"
        pool = Pool()
        Month = pool.get('crm.membership.member.month')
        table, month = cls.__table__(), Month.__table__()
        cursor = Transaction().connection.cursor()
        where = Literal(True)
        if party_ids is not None:
            if not party_ids:
                return
            where = month.party.in_(list(party_ids))
            cursor.execute(*table.delete(
                    where=table.party.in_(list(party_ids))))
        else:
            cursor.execute(*table.delete())
        months = month.select(month.party.as_('party'),
            Extract('YEAR', month.month).as_('year'),
            month.amount.as_('amount'), month.visits.as_('visits'),
            where=where)
        cursor.execute(*table.insert(
                [table.create_uid, table.create_date, table.party,
                    table.year, table.amount, table.visits],
                months.select(
                    Literal(Transaction().user), CurrentTimestamp(),
                    months.party, months.year, Sum(months.amount),
                    Sum(months.visits),
                    group_by=[months.party, months.year])))


class LevelChange(ModelSQL, ModelView):
    "A card that went up or down a level"
    __name__ = 'crm.membership.level.change'
    __string__ = "Level Change"

    card = fields.Many2One('crm.membership.card', "Card", required=True,
        readonly=True, ondelete='CASCADE')
    party = fields.Many2One('party.party', "Member", readonly=True,
        ondelete='CASCADE')
    date = fields.Date("Date", required=True, readonly=True)
    from_level = fields.Many2One('crm.membership.level', "From Level",
        readonly=True, ondelete='RESTRICT')
    to_level = fields.Many2One('crm.membership.level', "To Level",
        required=True, readonly=True, ondelete='RESTRICT')
    direction = fields.Selection([
            ('up', "Upgrade"),
            ('down', "Downgrade"),
            ], "Direction", readonly=True)
    spend = fields.Numeric("Spend Counted", digits=MONEY, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.card, Index.Range())))
        cls._order.insert(0, ('date', 'DESC'))
        cls._order.insert(1, ('id', 'DESC'))


def levels_for(parties, today=None, levels=None):
    """{party id: (level, spend)} the level each party's spend reaches: the
    last level, in their order, whose upgrade spend it reaches within the
    level's window; None when no level is reached. levels: the active
    levels in their order, when the caller has them"""
    pool = Pool()
    Level = pool.get('crm.membership.level')
    Month = pool.get('crm.membership.member.month')
    Date = pool.get('ir.date')
    today = today or Date.today()
    ids = [p.id for p in parties]
    if levels is None:
        levels = Level.search([])
    spends = {}
    for window in {x.window_months for x in levels}:
        since = (today - relativedelta(months=window - 1)
            if window else None)
        spends[window] = Month.spent_since(ids, since)
    result = {}
    for party_id in ids:
        reached = None
        for level in levels:
            spend = spends[level.window_months][party_id]
            if spend >= level.upgrade_amount:
                reached = (level, spend)
        result[party_id] = reached
    return result
