# This file is part of the CRM suite.
from trytond.model import fields
from trytond.model.fields.field import order_method


class CodeSearchMixin:
    "A record found by its code as well as by its name"
    __slots__ = ()

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            super().search_rec_name(name, clause),
            ('code', operator, operand, *extra),
            ]


class MaskedChar(fields.Char):
    """A Char that the users who may not read it in clear read masked by
    mask(value), and may not search nor sort by either: counting the
    records whose value starts with each digit in turn would give it back
    (see Party.check_masked_search)"""

    def __init__(self, *args, mask, **kwargs):
        super().__init__(*args, **kwargs)
        self.mask = mask

    def convert_domain(self, domain, tables, Model):
        Model.check_masked_search(self.name)
        return super().convert_domain(domain, tables, Model)

    @order_method
    def convert_order(self, name, tables, Model):
        Model.check_masked_search(self.name)
        return super().convert_order(name, tables, Model)
