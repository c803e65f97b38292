# This file is part of the CRM suite.
"""What memberships add: the card's placeholders, the visits at the till,
and the reminders of cards and points about to expire"""
import datetime as dt
from collections import defaultdict

from sql import Null
from sql.aggregate import Sum
from sql.conditionals import Coalesce

from trytond import backend
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .party import _date

EXPIRIES = ['card_expiry', 'points_expiry']


class Greeting(metaclass=PoolMeta):
    __name__ = 'sms.greeting'

    days_before = fields.Integer("Days Before",
        domain=['OR', ('days_before', '=', None), ('days_before', '>=', 0)],
        states={
            'required': Eval('occasion').in_(EXPIRIES),
            'invisible': ~Eval('occasion').in_(EXPIRIES),
            },
        help="The members get the message when their active card or their "
        "points expire within this many days, once per expiry date.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.occasion.selection.extend([
                ('card_expiry', "Card Expiry"),
                ('points_expiry', "Points Expiry"),
                ])

    def send(self, today):
        if self.occasion == 'card_expiry':
            return self._send_card_expiry(today)
        if self.occasion == 'points_expiry':
            return self._send_points_expiry(today)
        return super().send(today)

    def _send_card_expiry(self, today):
        """The members whose active card expires within the days, once per
        greeting and expiry date (two cards of a day, one message)"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Message = pool.get('sms.message')
        last = today + dt.timedelta(days=self.days_before)
        by_expiry = defaultdict(set)
        for card in Card.search([
                    ('state', '=', 'active'),
                    ('party', '!=', None),
                    ('expiry', '>=', today),
                    ('expiry', '<=', last),
                    ]):
            by_expiry[card.expiry].add(card.party.id)
        messages = []
        for expiry, party_ids in sorted(by_expiry.items()):
            messages += Message.send_many(sorted(party_ids), self.template,
                values={'expiry': expiry.strftime('%Y-%m-%d')},
                origin=self,
                occasion='card_expiry:%s:%s' % (self.id, expiry.isoformat()))
        return messages

    def _send_points_expiry(self, today):
        """The members with points of their active cards expiring within
        the days, with how many, once per greeting and expiry date"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        PointLine = pool.get('crm.membership.point.line')
        Message = pool.get('sms.message')
        last = today + dt.timedelta(days=self.days_before)
        line = PointLine.__table__()
        taken = PointLine.__table__()
        card = Card.__table__()
        cursor = Transaction().connection.cursor()
        # The points left of each earning, as PointLine.open_earnings
        # counts them, for all cards at once
        left = line.points + Coalesce(taken.select(Sum(taken.points),
                where=taken.earning == line.id), 0)
        earning = line.select(line.card, line.expiry, left.as_('left'),
            where=(line.points > 0) & (line.earning == Null)
            & (line.expiry >= today) & (line.expiry <= last))
        cursor.execute(*earning.join(card,
                condition=earning.card == card.id).select(
                card.party, earning.expiry, Sum(earning.left),
                where=(card.state == 'active') & (card.party != Null)
                & (earning.left > 0),
                group_by=[card.party, earning.expiry]))
        groups = defaultdict(list)
        for party_id, expiry, points in cursor:
            groups[_date(expiry), int(points)].append(party_id)
        messages = []
        for (expiry, points), party_ids in sorted(groups.items()):
            messages += Message.send_many(party_ids, self.template,
                values={
                    'expiry': expiry.strftime('%Y-%m-%d'),
                    'points_expiring': points,
                    },
                origin=self,
                occasion='points_expiry:%s:%s' % (
                    self.id, expiry.isoformat()))
        return messages


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def last_purchase_queries(cls):
        "Visits at the till count as purchases"
        Month = Pool().get('crm.membership.member.month')
        month = Month.__table__()
        return super().last_purchase_queries() + [
            month.select(month.party.as_('party'),
                month.last_visit.as_('date'),
                where=month.last_visit != Null)]

    @classmethod
    def sms_value_names(cls):
        return super().sms_value_names() + [
            'card', 'level', 'balance', 'points', 'expiry',
            'points_expiring']

    @classmethod
    def sms_values_many(cls, party_ids):
        pool = Pool()
        Card = pool.get('crm.membership.card')
        result = super().sms_values_many(party_ids)
        for values in result.values():
            # Only a points expiry reminder says how many
            values.setdefault('points_expiring', '')
        best = {}
        for sub_ids in grouped_slice(
                list(result), backend.MAX_QUERY_PARAMS):
            for card in Card.search([
                        ('party', 'in', list(sub_ids)),
                        ('state', '=', 'active'),
                        ]):
                # The card with the most value speaks for the member
                other = best.get(card.party.id)
                if not other or (card.balance or 0, card.id) > (
                        other.balance or 0, other.id):
                    best[card.party.id] = card
        for party_id, card in best.items():
            result[party_id].update({
                    'card': card.number,
                    'level': card.level.rec_name if card.level else None,
                    'balance': card.balance,
                    'points': card.points,
                    'expiry': (card.expiry.strftime('%Y-%m-%d')
                        if card.expiry else None),
                    })
        return result

    @classmethod
    def sms_sample_values(cls):
        values = super().sms_sample_values()
        values.update({
                'card': "880000000001",
                'level': "金卡",
                'balance': "1280.00",
                'points': 3560,
                'expiry': "2027-12-31",
                'points_expiring': 200,
                })
        return values
