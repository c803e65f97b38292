# This file is part of the CRM suite.
from trytond.exceptions import UserWarning
from trytond.model.exceptions import ValidationError


class DuplicateMobileError(ValidationError):
    pass


class DuplicateNameWarning(UserWarning):
    pass
