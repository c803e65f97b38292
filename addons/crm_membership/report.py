# This file is part of the CRM suite.
"Reports on members and on what the shop owes on its cards"

from sql import Literal
from sql.aggregate import Count, Min, Sum

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.crm_customer.excel import content, workbook
from trytond.pool import Pool
from trytond.report import Report
from trytond.transaction import Transaction

from .configuration import MONEY
from .ledger import CENT, money
from .statistic import period


class SpendChangeContext(ModelView):
    "The month, level and region of the spend change"
    __name__ = 'crm.membership.report.spend_change.context'
    __string__ = "Spend Change Filters"

    month = fields.Date("Month",
        help="Any day of the month; every month when empty.")
    level = fields.Many2One('crm.membership.level', "Member Level")
    region = fields.Many2One('crm.region', "Region",
        help="A province or a city of the members.")

    @classmethod
    def default_month(cls):
        return Pool().get('ir.date').today()


class SpendChangeMixin:
    "The members' months of the spend change's filters"
    __slots__ = ()
    previous = fields.Numeric("Previous Month", digits=MONEY, readonly=True)
    amount = fields.Numeric("Spent", digits=MONEY, readonly=True)
    change = fields.Numeric("Change", digits=MONEY, readonly=True)
    change_rate = fields.Function(fields.Float(
            "Change Rate", digits=(1, 4)), 'get_change_rate')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('change', 'ASC'), ('id', 'ASC')]

    @classmethod
    def _months(cls):
        """The member months joined to their parties, their tables and the
        condition of the context's month, level and region"""
        pool = Pool()
        Month = pool.get('crm.membership.member.month')
        Party = pool.get('party.party')
        month, party = Month.__table__(), Party.__table__()
        context = Transaction().context
        where = Literal(True)
        if context.get('month'):
            # On the month, not its number: the index of the month and the
            # change gives the first rows in their order
            where &= month.month == context['month'].replace(day=1)
        if context.get('level'):
            where &= month.level == context['level']
        if context.get('region'):
            where &= ((party.province == context['region'])
                | (party.city == context['region']))
        tables = month.join(party, condition=party.id == month.party)
        return tables, month, party, where

    def get_change_rate(self, name):
        if self.previous:
            return float((self.amount - self.previous) / self.previous)


class SpendChange(SpendChangeMixin, ModelSQL, ModelView):
    """What each member spent in a month against the month before, with the
    level of their card and their region"""
    __name__ = 'crm.membership.report.spend_change'
    __string__ = "Spend Change"

    party = fields.Many2One('party.party', "Member", readonly=True)
    level = fields.Many2One('crm.membership.level', "Member Level",
        readonly=True,
        help="The level of the member's active card at the month's last "
        "spend.")
    province = fields.Many2One('crm.region', "Province", readonly=True)
    city = fields.Many2One('crm.region', "City", readonly=True)
    month = fields.Date("Month", readonly=True)
    _excel_fields = ['month', 'party', 'level', 'province', 'city',
        'previous', 'amount', 'change', 'change_rate']

    @classmethod
    def table_query(cls):
        tables, month, party, where = cls._months()
        return tables.select(
            month.id.as_('id'),
            month.party.as_('party'),
            month.level.as_('level'),
            party.province.as_('province'),
            party.city.as_('city'),
            month.month.as_('month'),
            month.amount.as_('amount'),
            month.previous.as_('previous'),
            month.change.as_('change'),
            where=where)


class SpendChangeSummary(SpendChangeMixin, ModelSQL, ModelView):
    """The spend change added up by month, level and province: the charts
    of every member, where the list of members shows the first rows"""
    __name__ = 'crm.membership.report.spend_change.summary'
    __string__ = "Spend Change Summary"

    month = fields.Date("Month", readonly=True)
    level = fields.Many2One('crm.membership.level', "Member Level",
        readonly=True,
        help="The level of the members' active cards at the month's last "
        "spend.")
    province = fields.Many2One('crm.region', "Province", readonly=True)
    members = fields.Integer("Members", readonly=True)
    _excel_fields = ['month', 'level', 'province', 'members', 'previous',
        'amount', 'change', 'change_rate']

    @classmethod
    def table_query(cls):
        tables, month, party, where = cls._months()
        # One row a month, level and province: a month of a member is in
        # one only, its first names the row
        return tables.select(
            Min(month.id).as_('id'),
            month.month.as_('month'),
            month.level.as_('level'),
            party.province.as_('province'),
            Count(month.id).as_('members'),
            Sum(month.previous).as_('previous'),
            Sum(month.amount).as_('amount'),
            Sum(month.change).as_('change'),
            where=where,
            group_by=[month.month, month.level, party.province])


class SpendRankingContext(ModelView):
    "Ranking period"
    __name__ = 'crm.membership.report.spend_ranking.context'
    __string__ = "Spend Ranking Period"

    from_date = fields.Date("From Month", required=True)
    to_date = fields.Date("To Month", required=True)

    @classmethod
    def default_from_date(cls):
        return Pool().get('ir.date').today().replace(month=1, day=1)

    @classmethod
    def default_to_date(cls):
        return Pool().get('ir.date').today()


class SpendRanking(ModelSQL, ModelView):
    "Members ranked by what they spent in the months of a period"
    __name__ = 'crm.membership.report.spend_ranking'
    __string__ = "Spend Ranking"

    rank = fields.Function(fields.Integer("Rank"), 'get_rank')
    party = fields.Many2One('party.party', "Member", readonly=True)
    amount = fields.Numeric("Spent", digits=MONEY, readonly=True)
    visits = fields.Integer("Visits", readonly=True)
    average = fields.Function(fields.Numeric(
            "Average Ticket", digits=MONEY), 'get_average')
    _excel_fields = ['rank', 'party', 'amount', 'visits', 'average']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # By rank: the members who spent more come first
        cls._order = [('amount', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Month = pool.get('crm.membership.member.month')
        Date = pool.get('ir.date')
        context = Transaction().context
        today = Date.today()
        from_date = context.get('from_date') or today.replace(
            month=1, day=1)
        to_date = context.get('to_date') or today
        if (from_date.month == 1 and to_date.year == from_date.year
                and (to_date.month == 12
                    or period(to_date) >= period(today))):
            # A whole year so far: its row a member
            Year = pool.get('crm.membership.member.year')
            year = Year.__table__()
            return year.select(
                year.party.as_('id'),
                year.party.as_('party'),
                year.amount.as_('amount'),
                year.visits.as_('visits'),
                where=year.year == from_date.year)
        month = Month.__table__()
        amount = Sum(month.amount)
        return month.select(
            month.party.as_('id'),
            month.party.as_('party'),
            amount.as_('amount'),
            Sum(month.visits).as_('visits'),
            where=(month.period >= period(from_date))
            & (month.period <= period(to_date)),
            group_by=[month.party])

    @classmethod
    def get_rank(cls, rankings, name):
        """1 and one more than the members who spent more: read from the
        rows down to the lowest amount asked for, not over every member"""
        if not rankings:
            return {}
        query = cls.table_query()
        cursor = Transaction().connection.cursor()
        # Cast: SQLite compares a sum with a text parameter as text
        lowest = cls.amount.sql_cast(
            Literal(min(r.amount for r in rankings)))
        cursor.execute(*query.select(query.amount,
                where=query.amount >= lowest,
                order_by=[query.amount.desc]))
        ranks = {}
        for position, (amount,) in enumerate(cursor, 1):
            ranks.setdefault(money(amount), position)
        return {r.id: ranks.get(money(r.amount)) for r in rankings}

    def get_average(self, name):
        if self.visits:
            return (self.amount / self.visits).quantize(CENT)


class LiabilityContext(ModelView):
    "Liability date"
    __name__ = 'crm.membership.report.liability.context'
    __string__ = "Liability Date"

    date = fields.Date("At Date", required=True)

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()


class ValueLiability(ModelSQL, ModelView):
    """The stored value the shop owes its members, by card type: principal
    (paid by them) and bonus (given)"""
    __name__ = 'crm.membership.report.value_liability'
    __string__ = "Stored Value Liability"

    card_type = fields.Many2One('crm.membership.card.type', "Card Type",
        readonly=True)
    cards = fields.Integer("Cards with Balance", readonly=True)
    principal = fields.Numeric("Principal", digits=MONEY, readonly=True)
    bonus = fields.Numeric("Bonus", digits=MONEY, readonly=True)
    total = fields.Numeric("Total", digits=MONEY, readonly=True)
    _excel_fields = ['card_type', 'cards', 'principal', 'bonus', 'total']

    @classmethod
    def table_query(cls):
        pool = Pool()
        Line = pool.get('crm.membership.value.line')
        Card = pool.get('crm.membership.card')
        Date = pool.get('ir.date')
        date = Transaction().context.get('date') or Date.today()
        line, card = Line.__table__(), Card.__table__()
        # Balances per card first, so that the cards are counted once
        balances = line.select(line.card.as_('card'),
            Sum(line.principal).as_('principal'),
            Sum(line.bonus).as_('bonus'),
            where=line.date <= date,
            group_by=[line.card])
        total = balances.principal + balances.bonus
        query = balances.join(card, condition=balances.card == card.id)
        return query.select(
            card.type.as_('id'),
            card.type.as_('card_type'),
            Sum(Literal(1), filter_=total != 0).as_('cards'),
            Sum(balances.principal).as_('principal'),
            Sum(balances.bonus).as_('bonus'),
            Sum(total).as_('total'),
            group_by=[card.type])


class PointLiability(ModelSQL, ModelView):
    "The points members hold, by card type, and what they can pay"
    __name__ = 'crm.membership.report.point_liability'
    __string__ = "Point Liability"

    card_type = fields.Many2One('crm.membership.card.type', "Card Type",
        readonly=True)
    cards = fields.Integer("Cards", readonly=True)
    points = fields.Integer("Points", readonly=True)
    value = fields.Function(fields.Numeric("Value", digits=MONEY),
        'get_value')
    _excel_fields = ['card_type', 'cards', 'points', 'value']

    @classmethod
    def table_query(cls):
        pool = Pool()
        Line = pool.get('crm.membership.point.line')
        Card = pool.get('crm.membership.card')
        Date = pool.get('ir.date')
        date = Transaction().context.get('date') or Date.today()
        line, card = Line.__table__(), Card.__table__()
        return line.join(card, condition=line.card == card.id).select(
            card.type.as_('id'),
            card.type.as_('card_type'),
            Count(line.card, distinct=True).as_('cards'),
            Sum(line.points).as_('points'),
            where=line.date <= date,
            group_by=[card.type])

    def get_value(self, name):
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        value = Configuration(1).point_value * (self.points or 0)
        return value.quantize(CENT)


class ReportExcel(Report):
    "The rows of a membership report as an .xlsx workbook"
    __name__ = 'crm.membership.report.excel'

    @classmethod
    def execute(cls, ids, data):
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        model = data['model']
        Model = pool.get(model)
        action, = ActionReport.search([
                ('report_name', '=', cls.__name__),
                ('model', '=', model),
                ])
        cls.check_access(action, model, ids)
        names = Model._excel_fields
        definitions = Model.fields_get(names)
        book = workbook([definitions[n]['string'] for n in names],
            ([cls._cell(record, n, definitions[n]) for n in names]
                for record in Model.browse(ids)),
            action.name[:31])
        return ('xlsx', content(book), False, action.name)

    @staticmethod
    def _cell(record, name, definition):
        value = getattr(record, name)
        if isinstance(value, ModelSQL):
            return value.rec_name
        if definition['type'] == 'selection':
            return dict(definition['selection']).get(value, value)
        if definition['type'] == 'numeric' and value is not None:
            return float(value)
        return value
