# This file is part of the CRM suite.
"""Territories (区域): the salespeople of regions, who get the new leads and
the new customers without an owner of their regions in turn"""
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields,
    sequence_ordered)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import SfaValidationError


class Territory(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'crm.sfa.territory'
    __string__ = "Territory"

    name = fields.Char("Name", required=True)
    company = fields.Many2One('company.company', "Company", required=True,
        ondelete='CASCADE')
    regions = fields.Many2Many('crm.sfa.territory-crm.region',
        'territory', 'region', "Regions",
        help="A region covers its sub-regions: a province its cities and "
        "districts.")
    salespeople = fields.One2Many('crm.sfa.territory.salesperson',
        'territory', "Salespeople",
        help="They get the new leads and customers in turn, the one "
        "least recently given one first.")
    assignments = fields.Integer("Assignments", readonly=True,
        help="How many leads and customers the territory gave out.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_assignments(cls):
        return 0

    @classmethod
    def copy(cls, territories, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('assignments', 0)
        return super().copy(territories, default=default)

    @classmethod
    def validate_fields(cls, territories, field_names):
        super().validate_fields(territories, field_names)
        if field_names & {'regions', 'active', 'company'}:
            cls.check_overlap(territories)

    @classmethod
    def check_overlap(cls, territories):
        "Refuse a region in two active territories of a company"
        Link = Pool().get('crm.sfa.territory-crm.region')
        for territory in territories:
            if not territory.active or not territory.regions:
                continue
            others = Link.search([
                    ('region', 'in', [r.id for r in territory.regions]),
                    ('territory', '!=', territory.id),
                    ('territory.active', '=', True),
                    ('territory.company', '=', territory.company.id),
                    ], limit=1)
            if others:
                other, = others
                raise SfaValidationError(gettext(
                        'crm_sfa.msg_territory_region_taken',
                        region=other.region.rec_name,
                        territory=other.territory.rec_name))

    @classmethod
    def of_regions(cls, regions):
        """The active territory of the user's company that covers each
        region id of regions, the one of its nearest ancestor first, as a
        dictionary"""
        pool = Pool()
        Region = pool.get('crm.region')
        Link = pool.get('crm.sfa.territory-crm.region')
        company = Transaction().context.get('company')
        chains = {}
        with without_check_access():
            for region in Region.browse(list(set(filter(None, regions)))):
                chain, current = [], region
                while current:
                    chain.append(current.id)
                    current = current.parent
                chains[region.id] = chain
            links = Link.search([
                    ('region', 'in', {i for c in chains.values() for i in c}),
                    ('territory.active', '=', True),
                    ('territory.company', '=', company),
                    ])
        covering = {l.region.id: l.territory for l in links}
        result = {}
        for region, chain in chains.items():
            for ancestor in chain:
                if ancestor in covering:
                    result[region] = covering[ancestor]
                    break
        return result

    def next_salesperson(self):
        """The salesperson of the territory least recently given a lead or
        a customer, now given one; None when it has none"""
        Member = Pool().get('crm.sfa.territory.salesperson')
        # Two leads arriving together wait for each other here
        self.__class__.lock([self])
        with without_check_access():
            territory = self.__class__(self.id)
            members = [m for m in territory.salespeople
                if m.employee.active]
            if not members:
                return None
            member = min(members, key=lambda m: (
                    m.last_assignment or 0, m.sequence or 0, m.id))
            count = (territory.assignments or 0) + 1
            self.__class__.write([territory], {'assignments': count})
            Member.write([member], {'last_assignment': count})
        return member.employee

    @classmethod
    def assign(cls, regions):
        """The salesperson of the territory of each region of regions (the
        region given once per lead or customer), in turn; None where no
        territory covers it"""
        territories = cls.of_regions(regions)
        result = []
        for region in regions:
            territory = territories.get(region)
            result.append(territory.next_salesperson() if territory else None)
        return result


class TerritoryRegion(ModelSQL):
    __name__ = 'crm.sfa.territory-crm.region'
    __string__ = "Territory Region"

    territory = fields.Many2One('crm.sfa.territory', "Territory",
        required=True, ondelete='CASCADE')
    region = fields.Many2One('crm.region', "Region", required=True,
        ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.region, Index.Equality())))


class TerritorySalesperson(sequence_ordered(), ModelSQL, ModelView):
    __name__ = 'crm.sfa.territory.salesperson'
    __string__ = "Territory Salesperson"

    territory = fields.Many2One('crm.sfa.territory', "Territory",
        required=True, ondelete='CASCADE')
    employee = fields.Many2One('company.employee', "Salesperson",
        required=True, ondelete='CASCADE',
        domain=[('company', '=', Eval('_parent_territory', {}).get(
                    'company', -1))],
        depends={'territory'})
    last_assignment = fields.Integer("Last Assignment", readonly=True,
        help="The number of the territory's assignment that last gave the "
        "salesperson a lead or a customer.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('territory_employee_unique', Unique(t, t.territory, t.employee),
                'crm_sfa.msg_territory_salesperson_unique'),
            ]

    @classmethod
    def copy(cls, members, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('last_assignment')
        return super().copy(members, default=default)


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'

    sfa_lead_salesperson = fields.Many2One('company.employee',
        "Default Lead Salesperson", ondelete='RESTRICT',
        domain=[('company', '=', Eval('context', {}).get('company', -1))],
        help="Gets the new leads no territory covers; empty leaves them "
        "unassigned.")


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def create(cls, vlist):
        parties = super().create(vlist)
        cls.assign_territory_owner(parties)
        return parties

    @classmethod
    def assign_territory_owner(cls, parties):
        "Give the customers without an owner to their territory's salespeople"
        Territory = Pool().get('crm.sfa.territory')
        parties = [p for p in parties if not p.owner]
        regions = [(p.district or p.city or p.province) for p in parties]
        pairs = [(p, r.id) for p, r in zip(parties, regions) if r]
        if not pairs:
            return
        owners = Territory.assign([r for _, r in pairs])
        to_write = []
        for (party, _), owner in zip(pairs, owners):
            if owner:
                to_write.extend(([party], {'owner': owner.id}))
        if to_write:
            # The rule gives it, whoever created the customer
            with without_check_access():
                cls.write(*to_write)
