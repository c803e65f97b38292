# This file is part of the CRM suite.
from trytond.pool import Pool, PoolMeta


class Reply(metaclass=PoolMeta):
    __name__ = 'sms.reply'

    @classmethod
    def record(cls, gateway, replies):
        "Answer the questions among the replies from the knowledge base"
        Question = Pool().get('crm.service.knowledge.question')
        records = super().record(gateway, replies)
        Question.answer_replies(records)
        return records
