# This file is part of the CRM suite.
from trytond.pool import PoolMeta

from .recycle import RecycleMixin


class Party(RecycleMixin, metaclass=PoolMeta):
    __name__ = 'party.party'
