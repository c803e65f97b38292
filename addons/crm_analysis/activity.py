# This file is part of the CRM suite.
"""Each salesperson's customers, their contact persons and the follow-ups
recorded in a period"""
import datetime as dt

from sql import Null
from sql.aggregate import Count, Sum
from sql.conditionals import Case, Coalesce

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction

from .distribution import customers_only
from .filters import context_dates


class SalespersonActivity(ModelSQL, ModelView):
    "A salesperson's customers, contact persons and follow-ups"
    __name__ = 'crm.analysis.salesperson'
    __string__ = "Customers per Salesperson"

    salesperson = fields.Many2One('company.employee', "Salesperson",
        readonly=True)
    customers = fields.Integer("Customers", readonly=True)
    contact_persons = fields.Integer("Contact Persons", readonly=True)
    follow_ups = fields.Integer("Follow-ups", readonly=True,
        help="The contact records of the period.")
    visits = fields.Integer("Visits", readonly=True,
        help="The follow-ups that were visits.")
    _excel_fields = ['salesperson', 'customers', 'contact_persons',
        'follow_ups', 'visits']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('follow_ups', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Contact = pool.get('crm.sfa.contact')
        Employee = pool.get('company.employee')
        Party = pool.get('party.party')
        Person = pool.get('party.contact_person')
        contact, employee = Contact.__table__(), Employee.__table__()
        party, person = Party.__table__(), Person.__table__()
        from_date, to_date = context_dates()
        company = Transaction().context.get('company') or -1
        region = Transaction().context.get('region')
        where = customers_only(party) & (party.owner != Null)
        if region:
            where &= (party.province == region) | (party.city == region)
        persons = person.select(person.party.as_('party'),
            Count(person.id).as_('number'), group_by=[person.party])
        customers = (party
            .join(persons, 'LEFT', condition=persons.party == party.id)
            .select(party.owner.as_('employee'),
                Count(party.id).as_('customers'),
                Sum(Coalesce(persons.number, 0)).as_('contact_persons'),
                where=where, group_by=[party.owner]))
        # Times of the contacts: from the first day's start to the end of
        # the last day
        follow_ups = contact.select(
            contact.employee.as_('employee'),
            Count(contact.id).as_('follow_ups'),
            Sum(Case((contact.kind == 'visit', 1), else_=0)).as_('visits'),
            where=(contact.date >= dt.datetime.combine(from_date, dt.time()))
            & (contact.date < dt.datetime.combine(
                    to_date + dt.timedelta(days=1), dt.time())),
            group_by=[contact.employee])
        return (employee
            .join(customers, 'LEFT',
                condition=customers.employee == employee.id)
            .join(follow_ups, 'LEFT',
                condition=follow_ups.employee == employee.id)
            .select(
                employee.id.as_('id'),
                employee.id.as_('salesperson'),
                Coalesce(customers.customers, 0).as_('customers'),
                Coalesce(customers.contact_persons, 0).as_(
                    'contact_persons'),
                Coalesce(follow_ups.follow_ups, 0).as_('follow_ups'),
                Coalesce(follow_ups.visits, 0).as_('visits'),
                where=(employee.company == company)
                & ((customers.customers != Null)
                    | (follow_ups.follow_ups != Null))))
