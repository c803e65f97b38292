# This file is part of the CRM suite.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class SendError(UserError):
    pass


class TemplateError(ValidationError):
    pass


class SendHoursError(ValidationError):
    pass
