# This file is part of the CRM suite.
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class ServiceError(UserError):
    pass


class ServiceAccessError(AccessError):
    pass


class ServiceValidationError(ValidationError):
    pass
