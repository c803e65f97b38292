# This file is part of the CRM suite.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.party.exceptions import EraseError
from trytond.pool import Pool, PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    member_cards = fields.One2Many(
        'crm.membership.card', 'party', "Member Cards", readonly=True)


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('crm.membership.card', 'party'),
            ]


class Erase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def check_erase(self, party):
        pool = Pool()
        Card = pool.get('crm.membership.card')
        super().check_erase(party)
        cards = Card.search([
                ('party', '=', party.id),
                ('state', 'in', ['active', 'lost', 'frozen', 'expired']),
                ])
        if cards:
            raise EraseError(gettext('crm_membership.msg_erase_card',
                    party=party.rec_name,
                    cards=', '.join(c.number for c in cards)))
