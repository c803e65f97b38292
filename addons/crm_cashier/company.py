# This file is part of the CRM suite.
"What an employee may give away at the till and is paid a month"
from trytond.model import fields
from trytond.pool import PoolMeta

from .member import RATE


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
    base_pay = fields.Numeric("Base Pay", digits=(16, 2),
        domain=['OR',
            ('base_pay', '=', None),
            ('base_pay', '>=', 0),
            ],
        help="The monthly pay before commission.")
    till_rounding_limit = fields.Numeric("Till Rounding Limit",
        digits=(16, 2), domain=['OR',
            ('till_rounding_limit', '=', None),
            ('till_rounding_limit', '>=', 0),
            ],
        help="The largest amount the cashier's sale may be rounded by "
        "(抹零); empty for no limit.")
