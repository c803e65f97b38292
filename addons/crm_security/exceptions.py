# This file is part of the CRM suite.
from trytond.exceptions import UserError


class SecurityError(UserError):
    pass
