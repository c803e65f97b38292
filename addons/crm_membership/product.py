# This file is part of the CRM suite.
from trytond.model import fields
from trytond.pool import PoolMeta


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'

    redeem_points = fields.Integer("Redeem Points",
        domain=['OR',
            ('redeem_points', '=', None),
            ('redeem_points', '>', 0),
            ],
        help="The points a member pays for one unit as a gift (积分兑换); "
        "empty when it cannot be redeemed.")
