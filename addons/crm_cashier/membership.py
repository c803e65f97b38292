# This file is part of the CRM suite.
from trytond.pool import PoolMeta


class ValueLine(metaclass=PoolMeta):
    __name__ = 'crm.membership.value.line'

    @classmethod
    def _get_origins(cls):
        return super()._get_origins() + ['sale.point.sale']


class PackageLine(metaclass=PoolMeta):
    __name__ = 'crm.membership.package.line'

    @classmethod
    def _get_origins(cls):
        return super()._get_origins() + ['sale.point.sale']


class PointLine(metaclass=PoolMeta):
    __name__ = 'crm.membership.point.line'

    @classmethod
    def _get_origins(cls):
        return super()._get_origins() + ['sale.point.sale']
