# This file is part of the CRM suite.
"""The churn and satisfaction analyses of crm_service filtered by the
customers' level, region and salesperson, as the other analyses are"""
from sql import Column
from sql.operators import And

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .filters import CustomerFilterMixin, member_of_filter


class ChurnAnalysisContext(CustomerFilterMixin, metaclass=PoolMeta):
    __name__ = 'crm.service.churn.analysis.context'


class ChurnAnalysis(metaclass=PoolMeta):
    __name__ = 'crm.service.churn.analysis'

    @classmethod
    def table_query(cls):
        pool = Pool()
        Region = pool.get('crm.region')
        query = super().table_query()
        context = Transaction().context
        # The level, region and salesperson the churn record kept when it
        # was confirmed: its rows filtered on them
        where = []
        if context.get('level'):
            where.append(Column(query, 'level') == context['level'])
        if context.get('salesperson'):
            where.append(
                Column(query, 'salesperson') == context['salesperson'])
        if context.get('region'):
            # The record keeps the customer's district, city or province
            regions = Region.search(['OR',
                    ('id', '=', context['region']),
                    ('parent', 'child_of', [context['region']]),
                    ])
            where.append(Column(query, 'region').in_(
                    [r.id for r in regions]))
        if not where:
            return query
        return query.select(
            *(Column(query, c.output_name) for c in query.columns),
            where=And(where))


class SurveyAnalysisContext(CustomerFilterMixin, metaclass=PoolMeta):
    __name__ = 'crm.service.survey.analysis.context'


class SurveyAnalysis(metaclass=PoolMeta):
    __name__ = 'crm.service.survey.analysis'

    @classmethod
    def _customer_filter(cls, party_column):
        return (super()._customer_filter(party_column)
            & member_of_filter(party_column))
