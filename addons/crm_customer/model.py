# This file is part of the CRM suite.


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
