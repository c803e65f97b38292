# This file is part of the CRM suite.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Id


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'

    suggestion_sequence = fields.Many2One(
        'ir.sequence', "Suggestion Sequence", required=True,
        domain=[
            ('sequence_type', '=',
                Id('crm_service', 'sequence_type_suggestion')),
            ],
        help="Numbers new customer suggestions.")
    churn_days = fields.Integer("Churn Days", required=True,
        domain=[('churn_days', '>', 0)],
        help="Members who spent before and have not come for this many days "
        "are proposed as lost, unless their level has days of its own.")

    @classmethod
    def default_suggestion_sequence(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        try:
            return ModelData.get_id('crm_service', 'sequence_suggestion')
        except KeyError:
            return None

    @classmethod
    def default_churn_days(cls):
        return 90
