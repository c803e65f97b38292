# This file is part of the CRM suite.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError
from trytond.modules.crm_customer.exceptions import RoleAccessError


class ServiceError(UserError):
    pass


# The suite's refusal of a role or of a field only the server sets: the
# shared checks of crm_customer/access.py raise it too
ServiceAccessError = RoleAccessError


class ServiceValidationError(ValidationError):
    pass
