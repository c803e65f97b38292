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
        if external and mode in {'create', 'write'} and (
                mode == 'create' or 'owner' in values):
            cls.check_owner_assignment(parties)

    @classmethod
    def check_owner_assignment(cls, parties):
        "Only managers hand a customer over to another salesperson"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        groups = set(User.get_groups())
        if groups & {
                ModelData.get_id('crm_customer', 'group_sales_manager'),
                ModelData.get_id('crm_customer', 'group_crm_admin'),
                }:
            return
        if ModelData.get_id('crm_customer', 'group_salesperson') not in groups:
            return
        employees = set(User.get_employees())
        for party in parties:
            if party.owner and party.owner.id not in employees:
                raise AccessError(gettext(
                        'crm_customer.msg_owner_assignment_forbidden',
                        customer=party.rec_name,
                        owner=party.owner.rec_name))

    @classmethod
    def _code_sequence(cls, **pattern):
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        return (Configuration(1).customer_sequence
            or super()._code_sequence(**pattern))
