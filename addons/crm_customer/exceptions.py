# This file is part of the CRM suite.
from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import AccessError, ValidationError


class DuplicateMobileError(ValidationError):
    pass


class DuplicateNameWarning(UserWarning):
    pass


class IdCardError(ValidationError):
    pass


class DuplicateIdCardError(ValidationError):
    pass


class RegionError(ValidationError):
    pass


class BirthdayError(ValidationError):
    pass


class GenderError(ValidationError):
    pass


class PostalCodeError(ValidationError):
    pass


class CustomerImportError(UserError):
    pass

class RoleAccessError(AccessError):
    pass
