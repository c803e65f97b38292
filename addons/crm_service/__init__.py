# This file is part of the CRM suite.
from . import routes

__all__ = [routes]
