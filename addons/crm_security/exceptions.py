# This file is part of the CRM suite.
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class SecurityError(UserError):
    pass


class NetworkError(ValidationError):
    pass


class RecycleError(UserError):
    pass


class RecycleAccessError(AccessError):
    pass


class BackupAccessError(AccessError):
    pass


class AuditLogError(AccessError):
    pass
