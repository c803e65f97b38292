# This file is part of the CRM suite.
"What a cashier may give away at the till"
from trytond.model import fields
from trytond.pool import PoolMeta

from .sale_point import RATE


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    till_discount_limit = fields.Numeric("Till Discount Limit",
        digits=RATE, domain=['OR',
            ('till_discount_limit', '=', None),
            [('till_discount_limit', '>=', 0),
                ('till_discount_limit', '<=', 1)],
            ],
        help="The largest discount the cashier may give on a line, "
        "on top of the member's; empty for none.")
    till_rounding_limit = fields.Numeric("Till Rounding Limit",
        digits=(16, 2), domain=['OR',
            ('till_rounding_limit', '=', None),
            ('till_rounding_limit', '>=', 0),
            ],
        help="The largest amount the cashier's sale may be rounded by "
        "(抹零); empty for no limit.")
