# This file is part of the CRM suite.
"""What the recycle bin and the operation log add to member cards, when
memberships are activated"""
from trytond.i18n import gettext
from trytond.model import DeactivableMixin
from trytond.modules.crm_membership.exceptions import CardAccessError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from .exceptions import RecycleError
from .recycle import RecycleMixin


# RecycleMixin first: after DeactivableMixin, which brings Model, it would
# come after ModelSQL.delete in the class's order and never run
class Card(RecycleMixin, DeactivableMixin, metaclass=PoolMeta):
    __name__ = 'crm.membership.card'

    @classmethod
    def check_modification(cls, mode, cards, values=None, external=False):
        super().check_modification(
            mode, cards, values=values, external=external)
        # A card is hidden by the recycle bin only: a client that could
        # deactivate it would hide a card with money
        if external and (
                (mode == 'write' and 'active' in values)
                or (mode == 'create' and not all(c.active for c in cards))):
            raise CardAccessError(gettext(
                    'crm_membership.msg_card_server_field',
                    card=cards[0].rec_name, **cls.__names__('active')))

    @classmethod
    def delete(cls, cards):
        # Whoever deletes it, by any path: the bin's purge included
        with without_check_access():
            balances = cls.get_balances(cards, ['balance', 'points'])
            for card in cards:
                balance = balances['balance'].get(card.id) or 0
                points = balances['points'].get(card.id) or 0
                counts = sum(p.remaining or 0 for p in card.packages)
                if balance or points or counts:
                    raise RecycleError(gettext(
                            'crm_security.msg_recycle_card_money',
                            card=card.rec_name, balance=balance,
                            points=points, counts=counts))
        super().delete(cards)


class CardMigrate(metaclass=PoolMeta):
    __name__ = 'crm.membership.card.migrate'

    def transition_import_(self):
        # Run from the menu, the migration has no record for Tryton to log
        # it on: it is logged on the cards it creates
        Card = Pool().get('crm.membership.card')
        created = Transaction().create_records[Card.__name__]
        count = len(created)
        state = super().transition_import_()
        Card.log(Card.browse(created[count:]), 'wizard',
            '%s:import_' % self.__name__)
        return state
