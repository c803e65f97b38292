# This file is part of the CRM suite.
from sql.aggregate import Count, Min, Sum

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.crm_membership.configuration import MONEY
from trytond.pool import Pool


class ValueFlow(ModelSQL, ModelView):
    """储值售出与消费: the stored value movements of this month by kind
    (sold, spent, refunded…), principal and bonus"""
    __name__ = 'crm.analysis.value_flow'
    __string__ = "Stored Value this Month"

    kind = fields.Selection('get_kinds', "Kind", readonly=True)
    lines = fields.Integer("Movements", readonly=True)
    principal = fields.Numeric("Principal", digits=MONEY, readonly=True)
    bonus = fields.Numeric("Bonus", digits=MONEY, readonly=True)
    total = fields.Numeric("Total", digits=MONEY, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('total', 'DESC'), ('id', 'ASC')]

    @classmethod
    def get_kinds(cls):
        Line = Pool().get('crm.membership.value.line')
        return Line.fields_get(['kind'])['kind']['selection']

    @classmethod
    def table_query(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        Line = pool.get('crm.membership.value.line')
        line = Line.__table__()
        today = Date.today()
        return line.select(
            Min(line.id).as_('id'),
            line.kind.as_('kind'),
            Count(line.id).as_('lines'),
            Sum(line.principal).as_('principal'),
            Sum(line.bonus).as_('bonus'),
            Sum(line.principal + line.bonus).as_('total'),
            where=(line.date >= today.replace(day=1)) & (line.date <= today),
            group_by=[line.kind])

    @classmethod
    def drill_down(cls, rows):
        "This month's stored value lines of the rows' kinds"
        today = Pool().get('ir.date').today()
        return 'act_drill_value_lines', [
            ('date', '>=', today.replace(day=1)), ('date', '<=', today),
            ('kind', 'in', [r.kind for r in rows])]
