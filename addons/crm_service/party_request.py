# This file is part of the CRM suite.
from trytond.pool import Pool, PoolMeta


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('crm.service.request', 'customer'),
            ]


class Erase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def to_erase(self, party_id):
        pool = Pool()
        Request = pool.get('crm.service.request')
        # The contact and phone copied on the requests are the customer's
        return super().to_erase(party_id) + [
            (Request, [('customer', '=', party_id)], True,
                ['contact', 'phone'], [None, None]),
            ]
