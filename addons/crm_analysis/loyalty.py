# This file is part of the CRM suite.
"""客户忠诚度分析: RFM segments of the members and, month by month, the
repeat-purchase rate and the share of the till's takings members spend"""
from sql import Column, Literal, Null, Union, Window
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import CumeDist, CurrentTimestamp, Extract

from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.crm_membership.configuration import MONEY
from trytond.modules.crm_membership.statistic import period, period_start
from trytond.pool import Pool
from trytond.transaction import Transaction

from .filters import context_periods, member_of_filter

# (R, F, M) high or not: the segment names shops use
SEGMENTS = [
    ('important_value', "Important Value"),
    ('important_development', "Important Development"),
    ('important_keep', "Important Keep"),
    ('important_retain', "Important Retain"),
    ('general_value', "General Value"),
    ('general_development', "General Development"),
    ('general_keep', "General Keep"),
    ('general_retain', "General Retain"),
    ]
SEGMENT_OF = {
    (True, True, True): 'important_value',
    (True, False, True): 'important_development',
    (False, True, True): 'important_keep',
    (False, False, True): 'important_retain',
    (True, True, False): 'general_value',
    (True, False, False): 'general_development',
    (False, True, False): 'general_keep',
    (False, False, False): 'general_retain',
    }
# A score of 4 or 5, the top two fifths, counts as high
HIGH = 4
# The months the nightly snapshot scores
SNAPSHOT_MONTHS = 12


def quintile(column):
    """1 to 5, the fifth of the members column puts the member in, from the
    lowest; equal values get the same score"""
    share = CumeDist(window=Window([], order_by=[column.asc]))
    return Case(*((share <= Literal(i / 5), i) for i in range(1, 5)),
        else_=5)


class RFM(ModelSQL, ModelView):
    """Each member's recency, frequency and spend in the months up to a date,
    scored 1 to 5 in fifths of the members, and the segment they make"""
    __name__ = 'crm.analysis.rfm'
    __string__ = "RFM Segments"

    party = fields.Many2One('party.party', "Member", readonly=True)
    first_visit = fields.Date("First Visit", readonly=True)
    last_visit = fields.Date("Last Visit", readonly=True)
    frequency = fields.Integer("Visits", readonly=True)
    monetary = fields.Numeric("Spent", digits=MONEY, readonly=True)
    r_score = fields.Integer("R", readonly=True,
        help="Recency: 5 for the fifth who came last.")
    f_score = fields.Integer("F", readonly=True,
        help="Frequency: 5 for the fifth who came most often.")
    m_score = fields.Integer("M", readonly=True,
        help="Monetary: 5 for the fifth who spent most.")
    segment = fields.Selection(SEGMENTS, "Segment", readonly=True,
        sort=False)
    days_since = fields.Function(fields.Integer("Days since Visit"),
        'get_days')
    interval = fields.Function(fields.Integer("Days between Visits"),
        'get_days')
    _excel_fields = ['party', 'segment', 'r_score', 'f_score', 'm_score',
        'last_visit', 'days_since', 'frequency', 'interval', 'monetary']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('monetary', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Month = pool.get('crm.membership.member.month')
        Snapshot = pool.get('crm.analysis.rfm.snapshot')
        month = Month.__table__()
        first, last, date = context_periods()
        context = Transaction().context
        # The whole shop as of today: the snapshot the night made, if any
        if (context.get('rfm_snapshot', True)
                and last - first + 1 == SNAPSHOT_MONTHS
                and not any(context.get(k)
                    for k in ['level', 'region', 'salesperson'])
                and Snapshot.current(date)):
            snapshot = Snapshot.__table__()
            return snapshot.select(
                snapshot.party.as_('id'),
                *(Column(snapshot, c).as_(c) for c in [
                        'party', 'first_visit', 'last_visit', 'frequency',
                        'monetary', 'r_score', 'f_score', 'm_score',
                        'segment']),
                where=(snapshot.period == period(date))
                & (snapshot.date == date))
        spend = month.select(
            month.party.as_('party'),
            Min(month.first_visit).as_('first_visit'),
            Max(month.last_visit).as_('last_visit'),
            Sum(month.visits).as_('frequency'),
            Sum(month.amount).as_('monetary'),
            where=(month.period >= first) & (month.period <= last)
            & member_of_filter(month.party),
            group_by=[month.party],
            having=Sum(month.visits) > 0)
        scored = spend.select(
            spend.party, spend.first_visit, spend.last_visit,
            spend.frequency, spend.monetary,
            quintile(spend.last_visit).as_('r_score'),
            quintile(spend.frequency).as_('f_score'),
            quintile(spend.monetary).as_('m_score'))
        scores = [scored.r_score, scored.f_score, scored.m_score]

        def matches(highs):
            return ((s >= HIGH) if h else (s < HIGH)
                for s, h in zip(scores, highs))
        segment = Case(*((r & f & m, name)
                for (r, f, m), name in (
                    (tuple(matches(k)), v) for k, v in SEGMENT_OF.items())))
        return scored.select(
            scored.party.as_('id'),
            scored.party.as_('party'),
            scored.first_visit.as_('first_visit'),
            scored.last_visit.as_('last_visit'),
            scored.frequency.as_('frequency'),
            cls.monetary.sql_cast(scored.monetary).as_('monetary'),
            scored.r_score.as_('r_score'),
            scored.f_score.as_('f_score'),
            scored.m_score.as_('m_score'),
            segment.as_('segment'))

    @classmethod
    def get_days(cls, records, names):
        _, _, date = context_periods()
        result = {n: {} for n in names}
        for record in records:
            if 'days_since' in names:
                result['days_since'][record.id] = (
                    (date - record.last_visit).days
                    if record.last_visit else None)
            if 'interval' in names:
                result['interval'][record.id] = (
                    (record.last_visit - record.first_visit).days
                    // (record.frequency - 1)
                    if record.frequency and record.frequency > 1
                    and record.first_visit else None)
        return result


class Loyalty(ModelSQL, ModelView):
    """Month by month: the members who came, those who came back within the
    month, and the share of the till's takings they spent"""
    __name__ = 'crm.analysis.loyalty'
    __string__ = "Loyalty by Month"

    month = fields.Date("Month", readonly=True)
    members = fields.Integer("Members Served", readonly=True)
    repeat_members = fields.Integer("Came Twice or More", readonly=True)
    visits = fields.Integer("Member Visits", readonly=True)
    member_spend = fields.Numeric("Member Spend", digits=MONEY,
        readonly=True)
    takings = fields.Numeric("Till Takings", digits=MONEY, readonly=True,
        help="What the tills took for done sales, members or not, less "
        "refunds.")
    repeat_rate = fields.Function(fields.Float(
            "Repeat Rate", digits=(1, 4)), 'get_rates')
    member_share = fields.Function(fields.Float(
            "Member Share", digits=(1, 4)), 'get_rates')
    _excel_fields = ['month', 'members', 'repeat_members', 'repeat_rate',
        'visits', 'member_spend', 'takings', 'member_share']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Month = pool.get('crm.membership.member.month')
        Takings = pool.get('sale.point.takings')
        month = Month.__table__()
        takings = Takings.__table__()
        first, last, _ = context_periods()
        company = Transaction().context.get('company') or -1
        # The period per day in a subquery: PostgreSQL matches a GROUP BY
        # expression with its parameters only by the column
        days = takings.select(
            (Extract('YEAR', takings.date) * 12
                + Extract('MONTH', takings.date) - 1).as_('period'),
            takings.amount.as_('amount'),
            where=(takings.company == company)
            & (takings.date >= period_start(first))
            & (takings.date < period_start(last + 1)))
        takings = days.select(
            days.period.as_('period'),
            Sum(days.amount).as_('amount'),
            group_by=[days.period])
        members = month.select(
            month.period.as_('period'),
            Min(month.month).as_('month'),
            Count(month.party, filter_=month.visits > 0).as_('members'),
            Count(month.party, filter_=month.visits > 1).as_(
                'repeat_members'),
            Sum(month.visits).as_('visits'),
            Sum(month.amount).as_('member_spend'),
            where=(month.period >= first) & (month.period <= last)
            & member_of_filter(month.party),
            group_by=[month.period])
        return members.join(takings, 'LEFT',
            condition=takings.period == members.period).select(
                members.period.as_('id'),
                members.month.as_('month'),
                members.members.as_('members'),
                members.repeat_members.as_('repeat_members'),
                members.visits.as_('visits'),
                cls.member_spend.sql_cast(members.member_spend).as_(
                    'member_spend'),
                cls.takings.sql_cast(Coalesce(takings.amount, 0)).as_(
                    'takings'))

    @classmethod
    def get_rates(cls, records, names):
        result = {n: {} for n in names}
        for record in records:
            if 'repeat_rate' in names:
                result['repeat_rate'][record.id] = (
                    record.repeat_members / record.members
                    if record.members else None)
            if 'member_share' in names:
                result['member_share'][record.id] = (
                    float(record.member_spend / record.takings)
                    if record.takings else None)
        return result


class RFMSegment(ModelSQL, ModelView):
    "The members of each RFM segment and what they spent"
    __name__ = 'crm.analysis.rfm.segment'
    __string__ = "RFM Segment Summary"

    segment = fields.Selection(SEGMENTS, "Segment", readonly=True,
        sort=False)
    members = fields.Integer("Members", readonly=True)
    monetary = fields.Numeric("Spent", digits=MONEY, readonly=True)
    _excel_fields = ['segment', 'members', 'monetary']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('monetary', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        RFM = Pool().get('crm.analysis.rfm')
        rfm = RFM.table_query()
        return rfm.select(
            Min(rfm.id).as_('id'),
            rfm.segment.as_('segment'),
            Count(rfm.id).as_('members'),
            cls.monetary.sql_cast(Sum(rfm.monetary)).as_('monetary'),
            group_by=[rfm.segment])


class RFMSnapshot(ModelSQL):
    """Each member's RFM segment as of a day, the 12 months up to it, kept
    by the nightly job: the last day of a month stays as the month's"""
    __name__ = 'crm.analysis.rfm.snapshot'
    __string__ = "RFM Snapshot"

    date = fields.Date("Date", required=True, readonly=True)
    period = fields.Integer("Period", required=True, readonly=True)
    party = fields.Many2One('party.party', "Member", required=True,
        readonly=True, ondelete='CASCADE')
    first_visit = fields.Date("First Visit", readonly=True)
    last_visit = fields.Date("Last Visit", readonly=True)
    frequency = fields.Integer("Visits", readonly=True)
    monetary = fields.Numeric("Spent", digits=MONEY, readonly=True)
    r_score = fields.Integer("R", readonly=True)
    f_score = fields.Integer("F", readonly=True)
    m_score = fields.Integer("M", readonly=True)
    segment = fields.Selection(SEGMENTS, "Segment", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.period, Index.Range()), (t.party, Index.Range())),
                Index(t, (t.party, Index.Range())),
                })

    @classmethod
    def refresh(cls, date=None):
        """Replace the month's rows with the segments as of date (today):
        the cron's job, set-based"""
        pool = Pool()
        RFM = pool.get('crm.analysis.rfm')
        date = date or pool.get('ir.date').today()
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        # The segments of the whole shop, never those of a user's filters
        with Transaction().set_context(date=date, months=SNAPSHOT_MONTHS,
                level=None, region=None, salesperson=None,
                rfm_snapshot=False):
            rfm = RFM.table_query()
        cursor.execute(*table.delete(where=table.period == period(date)))
        columns = ['party', 'first_visit', 'last_visit', 'frequency',
            'monetary', 'r_score', 'f_score', 'm_score', 'segment']
        cursor.execute(*table.insert(
                [table.date, table.period, table.create_uid,
                    table.create_date]
                + [Column(table, c) for c in columns],
                rfm.select(Literal(date), Literal(period(date)),
                    Literal(Transaction().user), CurrentTimestamp(),
                    *(Column(rfm, c) for c in columns))))

    @classmethod
    def current(cls, date):
        "Whether the rows of the month of date were made on date"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.id,
                where=(table.period == period(date)) & (table.date == date),
                limit=1))
        return bool(cursor.fetchone())


class MovementContext(ModelView):
    "The month of the segment movement"
    __name__ = 'crm.analysis.rfm.movement.context'
    __string__ = "Segment Movement Month"

    month = fields.Date("Month", required=True,
        help="Any day of the month; compared with the month before.")

    @classmethod
    def default_month(cls):
        return Pool().get('ir.date').today()


class RFMMovement(ModelSQL, ModelView):
    """How many members went from a segment at the end of the month before
    to a segment at the end of the month (or at the last refresh), from the
    snapshots"""
    __name__ = 'crm.analysis.rfm.movement'
    __string__ = "Segment Movement"

    from_segment = fields.Selection([(None, "")] + SEGMENTS, "From Segment",
        readonly=True, sort=False,
        help="Empty for members who had no visit in the 12 months before.")
    to_segment = fields.Selection([(None, "")] + SEGMENTS, "To Segment",
        readonly=True, sort=False,
        help="Empty for members who have had no visit in the 12 months.")
    members = fields.Integer("Members", readonly=True)
    _excel_fields = ['from_segment', 'to_segment', 'members']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('members', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Snapshot = pool.get('crm.analysis.rfm.snapshot')
        Date = pool.get('ir.date')
        month = Transaction().context.get('month') or Date.today()
        now, before = Snapshot.__table__(), Snapshot.__table__()
        this, last = period(month), period(month) - 1
        moved = (now
            .join(before, 'LEFT', condition=(before.party == now.party)
                & (before.period == last))
            .select(before.segment.as_('from_segment'),
                now.segment.as_('to_segment'), now.party.as_('party'),
                where=now.period == this))
        # The members of the month before gone out of the 12 months
        gone = (before
            .join(now, 'LEFT', condition=(now.party == before.party)
                & (now.period == this))
            .select(before.segment.as_('from_segment'),
                Literal(None).as_('to_segment'), before.party.as_('party'),
                where=(before.period == last) & (now.id == Null)))
        rows = Union(moved, gone, all_=True)
        keys = [rows.from_segment, rows.to_segment]
        return rows.select(
            Min(rows.party).as_('id'),
            rows.from_segment.as_('from_segment'),
            rows.to_segment.as_('to_segment'),
            Count(rows.party).as_('members'),
            group_by=keys)
