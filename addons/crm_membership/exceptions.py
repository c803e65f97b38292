# This file is part of the CRM suite.
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class CardError(UserError):
    "A card cannot do what was asked: state, expiry, balance, limits"
    pass


class CardAccessError(AccessError):
    "What the user's role or the client may not do to a card"
    pass


class PinError(UserError):
    pass


class LedgerError(AccessError):
    pass


class CardValidationError(ValidationError):
    pass
