# This file is part of the CRM suite.
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class K3BridgeError(UserError):
    pass


class K3AccessError(AccessError):
    pass


class MappingValidationError(ValidationError):
    pass
