# This file is part of the CRM suite.
"""客户分布: the customers by region, source, type, industry and
salesperson; each graph adds the rows up along one of them"""
from sql import Literal
from sql.aggregate import Count, Min

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool

from .filters import member_filter


def customers_only(party):
    "The condition that leaves out the parties of the companies and staff"
    pool = Pool()
    Company = pool.get('company.company')
    Employee = pool.get('company.employee')
    company, employee = Company.__table__(), Employee.__table__()
    return (~party.id.in_(company.select(company.party))
        & ~party.id.in_(employee.select(employee.party))
        & (party.active == Literal(True)))


class CustomerDistribution(ModelSQL, ModelView):
    "The customers counted by region, source, type, industry and owner"
    __name__ = 'crm.analysis.customer_distribution'
    __string__ = "Customer Distribution"

    province = fields.Many2One('crm.region', "Province", readonly=True)
    city = fields.Many2One('crm.region', "City", readonly=True)
    source = fields.Many2One('crm.customer.source', "Source", readonly=True)
    customer_type = fields.Many2One('crm.customer.type', "Customer Type",
        readonly=True)
    industry = fields.Many2One('crm.industry', "Industry", readonly=True)
    salesperson = fields.Many2One('company.employee', "Salesperson",
        readonly=True)
    customers = fields.Integer("Customers", readonly=True)
    _excel_fields = ['province', 'city', 'source', 'customer_type',
        'industry', 'salesperson', 'customers']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('customers', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        Party = Pool().get('party.party')
        party = Party.__table__()
        keys = [party.province, party.city, party.source,
            party.customer_type, party.industry, party.owner]
        names = ['province', 'city', 'source', 'customer_type', 'industry',
            'salesperson']
        return party.select(
            Min(party.id).as_('id'),
            *(k.as_(n) for k, n in zip(keys, names)),
            Count(party.id).as_('customers'),
            where=customers_only(party) & member_filter(party),
            group_by=keys)
