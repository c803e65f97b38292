# This file is part of the CRM suite.
"Card types, levels and cards for the tests of the suite"
from decimal import Decimal

from trytond.pool import Pool


def create_card_type(name="储值卡", kind='stored_value', price=0,
        bonuses=(), **values):
    "A card type; bonuses as [(from amount, bonus)]"
    pool = Pool()
    CardType = pool.get('crm.membership.card.type')
    Bonus = pool.get('crm.membership.card.type.bonus')
    card_type = CardType(name=name, kind=kind, price=Decimal(price),
        bonuses=[Bonus(amount=Decimal(a), bonus=Decimal(b))
            for a, b in bonuses],
        **values)
    card_type.save()
    return card_type


def create_service(name="洗剪吹"):
    pool = Pool()
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    unit, = Uom.search([('symbol', '=', 'u')])
    Product = pool.get('product.product')
    template = Template(name=name, type='service', default_uom=unit,
        products=[Product()])
    template.save()
    product, = template.products
    return product


def issue_card(card_type, party=None, amount=None, pin=None):
    "A card of card_type issued to party, paid amount"
    pool = Pool()
    Card = pool.get('crm.membership.card')
    Party = pool.get('party.party')
    if party is None and card_type.registered:
        party = Party(name="会员")
        party.save()
    card = Card(type=card_type, party=party)
    card.save()
    Card.do_issue([card], amount=amount, pin=pin)
    return Card(card.id)
