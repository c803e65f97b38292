# This file is part of the CRM suite.
from trytond.pool import Pool, PoolMeta


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('crm.service.churn', 'customer'),
            ('crm.service.suggestion', 'suggester'),
            ]


class Erase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def to_erase(self, party_id):
        pool = Pool()
        Suggestion = pool.get('crm.service.suggestion')
        # The name and phone copied on the suggestions are the customer's
        return super().to_erase(party_id) + [
            (Suggestion, [('suggester', '=', party_id)], True,
                ['suggester_name', 'suggester_phone'],
                [None, None]),
            ]
