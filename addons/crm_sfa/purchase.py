# This file is part of the CRM suite.
"""What the customers bought, by product and day: the history repurchase
and warranty reminders learn from"""
import datetime as dt

from sql import Null

from trytond.pool import Pool, PoolMeta


def purchases():
    """A query of the distinct (party, product, date) the customers bought,
    from every source of party.party's product_purchase_queries"""
    Party = Pool().get('party.party')
    queries = Party.product_purchase_queries()
    for query in queries:
        # Two lines of a day are one purchase day
        query.distinct = True
    union = queries[0]
    for query in queries[1:]:
        union |= query
    return union


def sql_date(value):
    "SQLite gives the dates of a union as text"
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def product_purchase_queries(cls):
        """Queries of (party, product, date) of the customers' purchases:
        the lines of done sales; other modules add theirs"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        sale = Sale.__table__()
        line = Line.__table__()
        return [line.join(sale, condition=line.sale == sale.id).select(
                sale.party.as_('party'), line.product.as_('product'),
                sale.sale_date.as_('date'),
                where=(sale.state == 'done') & (line.type == 'line')
                & (line.product != Null) & (line.quantity > 0)
                & (sale.sale_date != Null))]

    @classmethod
    def sms_value_names(cls):
        # product, due_date: of a repurchase or warranty reminder
        return super().sms_value_names() + ['product', 'due_date']

    @classmethod
    def sms_values_many(cls, party_ids):
        "Empty in the messages that are not reminders"
        result = super().sms_values_many(party_ids)
        for values in result.values():
            for name in ['product', 'due_date']:
                values.setdefault(name, '')
        return result

    @classmethod
    def sms_sample_values(cls):
        values = super().sms_sample_values()
        values.update({
                'product': "净水器滤芯",
                'due_date': "2027-03-15",
                })
        return values


class PointSaleParty(metaclass=PoolMeta):
    "The till's done sales of a member are purchases too"
    __name__ = 'party.party'

    @classmethod
    def product_purchase_queries(cls):
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        Line = pool.get('sale.point.sale.line')
        sale = Sale.__table__()
        line = Line.__table__()
        return super().product_purchase_queries() + [
            line.join(sale, condition=line.sale == sale.id).select(
                sale.member.as_('party'), line.product.as_('product'),
                sale.date.as_('date'),
                where=sale.state.in_(['done', 'posted'])
                & (sale.member != Null) & (line.product != Null)
                & (line.quantity > 0))]
