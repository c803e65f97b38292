# This file is part of the CRM suite.
"What memberships add: the card's placeholders and the visits at the till"
from sql import Null

from trytond.pool import Pool, PoolMeta


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

    def sms_values(self):
        values = super().sms_values()
        cards = [c for c in self.member_cards if c.state == 'active']
        if cards:
            # The card with the most value speaks for the member
            card = max(cards, key=lambda c: (c.balance or 0, c.id))
            values.update({
                    'card': card.number,
                    'level': card.level.rec_name if card.level else None,
                    'balance': card.balance,
                    'points': card.points,
                    'expiry': (card.expiry.strftime('%Y-%m-%d')
                        if card.expiry else None),
                    })
        return values

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
