# This file is part of the CRM suite.
from decimal import Decimal

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Id

MONEY = (16, 2)


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'

    card_sequence = fields.Many2One(
        'ir.sequence', "Card Sequence", required=True,
        domain=[
            ('sequence_type', '=',
                Id('crm_membership', 'sequence_type_card')),
            ],
        help="Numbers new member cards; digits only suit card readers.")
    registered_balance_limit = fields.Numeric(
        "Registered Card Limit", digits=MONEY, required=True,
        help="The highest balance a registered card may hold.")
    anonymous_balance_limit = fields.Numeric(
        "Anonymous Card Limit", digits=MONEY, required=True,
        help="The highest balance an anonymous card may hold.")
    real_name_amount = fields.Numeric(
        "Real-Name Amount", digits=MONEY, required=True,
        help="A single purchase or top-up from this amount needs a "
        "registered member with an ID card number.")
    bucket_order = fields.Selection([
            ('principal', "Principal First"),
            ('bonus', "Bonus First"),
            ('prorata', "In Proportion"),
            ], "Payment Order", required=True,
        help="Which part of the stored value a payment uses first.")
    point_value = fields.Numeric(
        "Point Value", digits=(16, 4), required=True,
        help="How many yuan one point pays.")
    point_validity = fields.Integer(
        "Point Validity", required=True,
        domain=[('point_validity', '>=', 0)],
        help="Months points stay valid after they are earned; 0 for ever.")
    pin_attempts = fields.Integer(
        "PIN Attempts", required=True,
        domain=[('pin_attempts', '>', 0)],
        help="Wrong PINs in a row that lock a card.")
    pin_lock_minutes = fields.Integer(
        "PIN Lock Minutes", required=True,
        domain=[('pin_lock_minutes', '>=', 0)],
        help="How long a locked card stays locked unless a manager "
        "unlocks it; 0 until a manager does.")

    @classmethod
    def default_card_sequence(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        try:
            return ModelData.get_id('crm_membership', 'sequence_card')
        except KeyError:
            return None

    @classmethod
    def default_registered_balance_limit(cls):
        return Decimal(5000)

    @classmethod
    def default_anonymous_balance_limit(cls):
        return Decimal(1000)

    @classmethod
    def default_real_name_amount(cls):
        return Decimal(10000)

    @classmethod
    def default_bucket_order(cls):
        return 'principal'

    @classmethod
    def default_point_value(cls):
        return Decimal('0.01')

    @classmethod
    def default_point_validity(cls):
        return 12

    @classmethod
    def default_pin_attempts(cls):
        return 3

    @classmethod
    def default_pin_lock_minutes(cls):
        return 30
