# This file is part of the CRM suite.
"The warranty of a product, whose end the customer is reminded of"
from trytond.model import fields
from trytond.pool import PoolMeta


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'

    warranty_months = fields.Integer("Warranty (Months)",
        domain=['OR',
            ('warranty_months', '=', None),
            ('warranty_months', '>', 0),
            ],
        help="The warranty of a purchase ends this many months after the "
        "purchase day; the customer and their owner are reminded before.")
