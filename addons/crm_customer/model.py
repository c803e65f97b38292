# This file is part of the CRM suite.
from trytond.model import fields
from trytond.model.fields.field import order_method
from trytond.pool import Pool
from trytond.transaction import Transaction


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


class OnChangeAccessMixin:
    """A client's on_change names a record and the records of its values,
    which the server reads with its own rights: the user must be able to
    read them, as a read of them would require.
    _on_change_readable lists the Many2One fields checked with the record"""
    __slots__ = ()
    _on_change_readable = ()

    def check_on_change_access(self):
        if not Transaction().check_access:
            return
        pool = Pool()
        checks = [(self.__class__, self.id)]
        for name in self._on_change_readable:
            value = self._values._get(name) if self._values else None
            if value is not None:
                Target = pool.get(self._fields[name].model_name)
                checks.append((Target, getattr(value, 'id', value)))
        for Model, id_ in checks:
            if id_ is not None and id_ >= 0:
                # Raises the access or record rule error of a read
                Model.read([id_], ['id'])

    def on_change(self, fieldnames):
        self.check_on_change_access()
        return super().on_change(fieldnames)

    def on_change_with(self, fieldnames):
        self.check_on_change_access()
        return super().on_change_with(fieldnames)

    def on_change_notify(self):
        self.check_on_change_access()
        return super().on_change_notify()
