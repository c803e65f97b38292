# This file is part of the CRM suite.
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered)

# The kinds a salesperson may pick; won and lost follow the deal's sale or
# its 失败 button
OPEN_KINDS = ['open', 'hold']


class Stage(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    __name__ = 'crm.sfa.stage'
    __string__ = "Deal Stage"

    name = fields.Char("Name", required=True, translate=True)
    kind = fields.Selection([
            ('open', "Open"),
            ('hold', "On Hold"),
            ('won', "Won"),
            ('lost', "Lost"),
            ], "Kind", required=True, sort=False,
        help="Won and lost are reached by the deal's outcome; a "
        "salesperson moves a deal between the open stages and on hold.")
    probability = fields.Float(
        "Probability", digits=(1, 4), required=True,
        domain=[
            ('probability', '>=', 0),
            ('probability', '<=', 1),
            ],
        help="The probability a deal gets when it reaches the stage.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('sequence', 'ASC NULLS FIRST'), ('id', 'ASC')]

    @classmethod
    def default_kind(cls):
        return 'open'

    @classmethod
    def default_probability(cls):
        return 0

    @classmethod
    def of_kind(cls, kind):
        "The first active stage of kind, or None"
        stages = cls.search([('kind', '=', kind)], limit=1)
        return stages[0] if stages else None

    @classmethod
    def first(cls):
        return cls.of_kind('open')
