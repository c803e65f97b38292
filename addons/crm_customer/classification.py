# This file is part of the CRM suite.
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, sequence_ordered, tree,
    fields)

from .model import CodeSearchMixin


class Industry(CodeSearchMixin, tree(), ModelSQL, ModelView):
    "An industry of GB/T 4754 (国民经济行业分类)"
    __name__ = 'crm.industry'
    __string__ = "Industry"

    code = fields.Char("Code", required=True)
    name = fields.Char("Name", required=True)
    parent = fields.Many2One('crm.industry', "Parent", ondelete='CASCADE')
    children = fields.One2Many('crm.industry', 'parent', "Children")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.code, Index.Equality(cardinality='high'))))
        cls._order.insert(0, ('code', 'ASC'))

    def get_rec_name(self, name):
        return '%s %s' % (self.code, self.name)


class _Option(sequence_ordered(), DeactivableMixin, ModelSQL, ModelView):
    "An entry of a list the shop keeps for its customers"
    name = fields.Char("Name", required=True)


class CustomerType(_Option):
    __name__ = 'crm.customer.type'
    __string__ = "Customer Type"


class CustomerClass(_Option):
    __name__ = 'crm.customer.class'
    __string__ = "Customer Class"


class CustomerLevel(_Option):
    __name__ = 'crm.customer.level'
    __string__ = "Customer Level"


class CustomerSource(_Option):
    __name__ = 'crm.customer.source'
    __string__ = "Customer Source"
