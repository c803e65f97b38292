# This file is part of the CRM suite.
from trytond.exceptions import UserError


class CashierError(UserError):
    "The till cannot do what was asked with the member's card"
    pass
