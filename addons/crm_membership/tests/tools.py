# This file is part of the CRM suite.
"""Card types, levels and cards for the tests of the suite, and tills that
use them from transactions of their own"""
import threading
import time
from decimal import Decimal

import trytond.config as config

from trytond import backend
from trytond.modules.crm_membership.exceptions import CardError, PinError
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction, TransactionError


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


def request(function, *args):
    """Call function(*args) as trytond's dispatcher serves a request:
    started again with the records it locks, retried on a conflict; return
    its result, the card or PIN error it raised or the error of a lock it
    could not take, which the server answers with 503"""
    retry = config.getint('database', 'retry')
    extras, count = {}, 0
    while True:
        if count:
            time.sleep(0.02 * count)
        try:
            transaction = Transaction(new=True).start(DB_NAME, 0, **extras)
        except backend.DatabaseOperationalError as error:
            return error
        with transaction:
            try:
                return function(*args)
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)
            except backend.DatabaseOperationalError:
                if count >= retry:
                    raise
                transaction.rollback()
                count += 1
            except (CardError, PinError) as error:
                transaction.rollback()
                return error


def at_once(function, values):
    """Results of a till for each value calling function(value) together as
    requests (one after the other on SQLite, which serialises writers
    anyway); the committed records are what they share"""
    if backend.name == 'sqlite':
        return [request(function, v) for v in values]
    results = [None] * len(values)
    barrier = threading.Barrier(len(values))

    def run(index):
        barrier.wait()
        try:
            results[index] = request(function, values[index])
        except Exception as e:
            results[index] = e
    threads = [threading.Thread(target=run, args=(i,))
        for i in range(len(values))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
