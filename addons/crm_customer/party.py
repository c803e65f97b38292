# This file is part of the CRM suite.
from trytond.i18n import gettext
from trytond.model import Index, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    owner = fields.Many2One(
        'company.employee', "Owner", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('context', {}).get('company', -1)),
            ],
        help="The salesperson in charge of the customer.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.owner, Index.Range())))

    @classmethod
    def default_owner(cls):
        "A salesperson owns the customers they create"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        salesperson = ModelData.get_id('crm_customer', 'group_salesperson')
        if salesperson in User.get_groups():
            return Transaction().context.get('employee')

    @classmethod
    def check_modification(cls, mode, parties, values=None, external=False):
        super().check_modification(
            mode, parties, values=values, external=external)
        if external and mode == 'create':
            for party in parties:
                cls.check_owner_assignment(party, party.owner)
        elif external and mode == 'write' and 'owner' in values:
            Employee = Pool().get('company.employee')
            owner = values['owner']
            owner = Employee(owner) if owner is not None else None
            for party in parties:
                cls.check_owner_assignment(party, owner)

    @classmethod
    def check_owner_assignment(cls, party, owner):
        """Staff may take a customer for themselves or let it go; only
        managers hand it to someone else"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        if not owner or owner.id in User.get_employees():
            return
        if set(User.get_groups()) & {
                ModelData.get_id('crm_customer', 'group_sales_manager'),
                ModelData.get_id('crm_customer', 'group_crm_admin'),
                }:
            return
        raise AccessError(gettext(
                'crm_customer.msg_owner_assignment_forbidden',
                customer=party.rec_name,
                owner=owner.rec_name))

    @classmethod
    def _code_sequence(cls, **pattern):
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        return (Configuration(1).customer_sequence
            or super()._code_sequence(**pattern))
