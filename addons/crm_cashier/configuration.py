# This file is part of the CRM suite.
"What the till counts for the member"
from trytond.model import fields
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'

    points_on_bonus = fields.Boolean("Points on Bonus Value",
        help="The part of a sale paid from the bonus (赠送) of a stored "
        "value card earns points too.")

    @classmethod
    def default_points_on_bonus(cls):
        return False
