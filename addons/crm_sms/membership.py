# This file is part of the CRM suite.
"What memberships add: the card's placeholders and the visits at the till"
from sql import Null

from trytond import backend
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice


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
            'card', 'level', 'balance', 'points', 'expiry']

    @classmethod
    def sms_values_many(cls, party_ids):
        pool = Pool()
        Card = pool.get('crm.membership.card')
        result = super().sms_values_many(party_ids)
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
                })
        return values
