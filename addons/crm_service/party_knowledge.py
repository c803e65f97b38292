# This file is part of the CRM suite.
from trytond.pool import PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    # The answer of the knowledge base to a customer's SMS question, given
    # by the sender; empty in every other message
    @classmethod
    def sms_value_names(cls):
        return super().sms_value_names() + ['answer']

    @classmethod
    def sms_values_many(cls, party_ids):
        result = super().sms_values_many(party_ids)
        for values in result.values():
            values.setdefault('answer', '')
        return result

    @classmethod
    def sms_sample_values(cls):
        values = super().sms_sample_values()
        values['answer'] = "会员卡积分可在收银台兑换礼品，100积分抵1元。"
        return values
