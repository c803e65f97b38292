# This file is part of the CRM suite.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta


class Request(metaclass=PoolMeta):
    __name__ = 'crm.service.request'

    suggested_articles = fields.Function(fields.Many2Many(
            'crm.service.knowledge.article', None, None,
            "Suggested Articles",
            help="Published articles of the knowledge base that match the "
            "fault, best first."),
        'on_change_with_suggested_articles')

    @fields.depends('fault')
    def on_change_with_suggested_articles(self, name=None):
        Article = Pool().get('crm.service.knowledge.article')
        # Any word of the fault: a customer's description rarely has all
        # the words of an article; the best matches come first. The ranked
        # search keeps to what the user may read.
        return [a.id for a in Article.search_text_ranked(
                self.fault, limit=5, match='any')]
