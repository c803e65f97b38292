# This file is part of the CRM suite.
"""The suite's products, shops, payment methods, employees and members
beside their numbers in K3"""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.pyson import Eval

from .exceptions import MappingValidationError

# The field of each kind of mapping
KINDS = {
    'product': 'product',
    'point': 'point',
    'method': 'method',
    'employee': 'employee',
    'party': 'party',
    }


class Mapping(ModelSQL, ModelView):
    "K3 Mapping"
    __name__ = 'crm.k3.mapping'
    __string__ = "K3 Mapping"

    kind = fields.Selection([
            ('product', "Product ↔ Material"),
            ('point', "Shop ↔ Organisation and Warehouse"),
            ('method', "Payment Method ↔ Settlement Type"),
            ('employee', "Employee ↔ Salesman"),
            ('party', "Member ↔ Customer"),
            ], "Kind", required=True)
    product = fields.Many2One('product.product', "Product",
        ondelete='CASCADE',
        states={'invisible': Eval('kind') != 'product',
            'required': Eval('kind') == 'product'})
    point = fields.Many2One('sale.point', "Shop", ondelete='CASCADE',
        states={'invisible': Eval('kind') != 'point',
            'required': Eval('kind') == 'point'})
    method = fields.Many2One('sale.point.payment.method', "Payment Method",
        ondelete='CASCADE',
        states={'invisible': Eval('kind') != 'method',
            'required': Eval('kind') == 'method'})
    employee = fields.Many2One('company.employee', "Employee",
        ondelete='CASCADE',
        states={'invisible': Eval('kind') != 'employee',
            'required': Eval('kind') == 'employee'})
    party = fields.Many2One('party.party', "Member", ondelete='CASCADE',
        states={'invisible': Eval('kind') != 'party',
            'required': Eval('kind') == 'party'})
    number = fields.Char("K3 Number", required=True,
        help="The number of the material, organisation, settlement type, "
        "salesman or customer in K3.")
    unit = fields.Char("K3 Unit",
        states={'invisible': Eval('kind') != 'product',
            'required': Eval('kind') == 'product'},
        help="The number of the unit in K3, e.g. Pcs.")
    tax_rate = fields.Numeric("Tax Rate (%)", digits=(4, 2),
        domain=['OR', ('tax_rate', '=', None),
            [('tax_rate', '>=', 0), ('tax_rate', '<', 100)]],
        states={'invisible': Eval('kind') != 'product',
            'required': Eval('kind') == 'product'})
    warehouse = fields.Char("K3 Warehouse",
        states={'invisible': Eval('kind') != 'point',
            'required': Eval('kind') == 'point'},
        help="The number of the shop's warehouse in K3.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('product_unique', Unique(t, t.product),
                'crm_k3_bridge.msg_mapping_unique'),
            ('point_unique', Unique(t, t.point),
                'crm_k3_bridge.msg_mapping_unique'),
            ('method_unique', Unique(t, t.method),
                'crm_k3_bridge.msg_mapping_unique'),
            ('employee_unique', Unique(t, t.employee),
                'crm_k3_bridge.msg_mapping_unique'),
            ('party_unique', Unique(t, t.party),
                'crm_k3_bridge.msg_mapping_unique'),
            ]
        cls._order.insert(0, ('kind', 'ASC'))

    @classmethod
    def default_kind(cls):
        return 'product'

    @classmethod
    def default_tax_rate(cls):
        return Decimal(13)

    def get_rec_name(self, name):
        record = getattr(self, KINDS[self.kind])
        return '%s → %s' % (record.rec_name if record else '', self.number)

    @classmethod
    def validate_fields(cls, mappings, field_names):
        super().validate_fields(mappings, field_names)
        for mapping in mappings:
            # Only the kind's own record: another one would be sent for it
            for kind, name in KINDS.items():
                if kind != mapping.kind and getattr(mapping, name):
                    raise MappingValidationError(gettext(
                            'crm_k3_bridge.msg_mapping_other_kind',
                            mapping=mapping.number))
            if not mapping.number.strip():
                raise MappingValidationError(gettext(
                        'crm_k3_bridge.msg_mapping_number',
                        mapping=mapping.rec_name))

    @classmethod
    def numbers(cls, kind, ids):
        "{record id: mapping} of the records of kind that are mapped"
        name = KINDS[kind]
        ids = list(set(ids) - {None})
        result = {}
        for i in range(0, len(ids), 1000):
            for mapping in cls.search([
                        ('kind', '=', kind),
                        (name, 'in', ids[i:i + 1000]),
                        ]):
                result[getattr(mapping, name).id] = mapping
        return result

    @classmethod
    def unmapped(cls, products=(), methods=(), points=()):
        "The names of the products, methods and shops that have no mapping"
        pool = Pool()
        missing = []
        for kind, model, ids in [
                ('point', 'sale.point', points),
                ('product', 'product.product', products),
                ('method', 'sale.point.payment.method', methods),
                ]:
            Model = pool.get(model)
            mapped = cls.numbers(kind, ids)
            names = sorted(r.rec_name
                for r in Model.browse(set(ids) - set(mapped) - {None}))
            if names:
                missing.append(gettext('crm_k3_bridge.msg_unmapped_' + kind,
                        names='、'.join(names)))
        return missing
