# This file is part of the CRM suite.
from trytond.pool import PoolMeta


class Party(metaclass=PoolMeta):
    "The placeholders of the SMS sent to the sales staff"
    __name__ = 'party.party'

    @classmethod
    def sms_value_names(cls):
        # count: customers due today (reminder); record, note: the urged
        # deal, task or contact and the manager's note
        return super().sms_value_names() + ['count', 'record', 'note']

    @classmethod
    def sms_values_many(cls, party_ids):
        "Empty in the customers' own messages"
        result = super().sms_values_many(party_ids)
        for values in result.values():
            for name in ['count', 'record', 'note']:
                values.setdefault(name, '')
        return result

    @classmethod
    def sms_sample_values(cls):
        values = super().sms_sample_values()
        values.update({
                'count': 3,
                'record': "杭州某某贸易有限公司 年度采购",
                'note': "请今天内联系客户",
                })
        return values
