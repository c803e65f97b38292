# This file is part of the CRM suite.
from trytond.pool import Pool, PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def sms_value_names(cls):
        # The link of a satisfaction survey, given by the survey's sending
        return super().sms_value_names() + ['survey_url']

    @classmethod
    def sms_values_many(cls, party_ids):
        # Empty for any other message, so that a template misusing it does
        # not show the placeholder
        result = super().sms_values_many(party_ids)
        for values in result.values():
            values.setdefault('survey_url', None)
        return result

    @classmethod
    def sms_sample_values(cls):
        values = super().sms_sample_values()
        values['survey_url'] = 'https://crm.example.com/crm/crm_service/' \
            'survey/1.1700000000.xxxx'
        return values


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('crm.service.survey.response', 'party'),
            ]


class Erase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def to_erase(self, party_id):
        pool = Pool()
        Answer = pool.get('crm.service.survey.answer')
        # What the customer wrote in a survey may name them; the scores and
        # choices stay for the analysis
        return super().to_erase(party_id) + [
            (Answer, [('response.party', '=', party_id)], False,
                ['text'], [None]),
            ]
