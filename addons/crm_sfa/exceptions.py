# This file is part of the CRM suite.
from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import AccessError, ValidationError


class SfaError(UserError):
    pass


class SfaAccessError(AccessError):
    pass


class SfaValidationError(ValidationError):
    pass


class SfaWarning(UserWarning):
    pass
