# This file is part of the CRM suite.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    # The shop's today (its company's time zone), whatever the clock of the
    # till's browser
    sold_today = fields.Function(fields.Boolean("Sold Today"),
        'get_sold_today', searcher='search_sold_today')

    @classmethod
    def get_sold_today(cls, sales, name):
        today = Pool().get('ir.date').today()
        return {s.id: s.date == today for s in sales}

    @classmethod
    def search_sold_today(cls, name, clause):
        _, operator, value = clause[:3]
        today = Pool().get('ir.date').today()
        if (operator == '=') == bool(value):
            return [('date', '=', today)]
        return [('date', '!=', today)]
