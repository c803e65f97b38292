# This file is part of the CRM suite.
from trytond.model import fields
from trytond.pool import PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    sfa_contacts = fields.One2Many(
        'crm.sfa.contact', 'party', "Contact Records", readonly=True)

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('sfa_contacts')
        return super().copy(parties, default=default)
