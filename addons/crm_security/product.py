# This file is part of the CRM suite.
from trytond.pool import PoolMeta

from .recycle import RecycleMixin


class Template(RecycleMixin, metaclass=PoolMeta):
    __name__ = 'product.template'


class Product(RecycleMixin, metaclass=PoolMeta):
    __name__ = 'product.product'
