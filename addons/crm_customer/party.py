# This file is part of the CRM suite.
from trytond.model import Index, fields
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
    def _code_sequence(cls, **pattern):
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        return (Configuration(1).customer_sequence
            or super()._code_sequence(**pattern))
