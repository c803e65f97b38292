# This file is part of the CRM suite.
"A shop mapped to the fake K3 Cloud, with a day of sales"
from contextlib import contextmanager
from decimal import Decimal

from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_cashier.tests.tools import pay, setup_shop, new_sale
from trytond.modules.crm_k3_bridge.tests.fakes import FakeK3Cloud
from trytond.pool import Pool

D = Decimal


def configure(k3cloud, **values):
    "Send to the fake K3 Cloud k3cloud"
    Configuration = Pool().get('crm.k3.configuration')
    config = Configuration(1)
    config.target = 'cloud'
    config.cloud_url = k3cloud.url
    config.cloud_acct_id = FakeK3Cloud.acct_id
    config.cloud_username = FakeK3Cloud.username
    config.cloud_password = FakeK3Cloud.password
    config.timeout = 2
    for name, value in values.items():
        setattr(config, name, value)
    config.save()
    return config


def mapped_shop(company):
    """setup_shop's till, products and methods mapped to the fake's
    numbers; return (point, cash, card method, card, shampoo, cigarettes)"""
    Mapping = Pool().get('crm.k3.mapping')
    shop = setup_shop(company)
    point, cash, card_method, card, shampoo, cigarettes = shop
    Mapping.create([
            {'kind': 'point', 'point': point.id, 'number': '100',
                'warehouse': 'CK001'},
            {'kind': 'product', 'product': shampoo.id, 'number': 'WL0001',
                'unit': 'Pcs', 'tax_rate': D(13)},
            {'kind': 'product', 'product': cigarettes.id,
                'number': 'WL0002', 'unit': 'Pcs', 'tax_rate': D(13)},
            {'kind': 'method', 'method': cash.id, 'number': 'JSFS01_SYS'},
            {'kind': 'method', 'method': card_method.id,
                'number': 'JSFS32_SYS'},
            ])
    return shop


@contextmanager
def k3_shop(**config):
    """A new company's shop mapped to a fake K3 Cloud configured with
    config; yield the fake, the company and mapped_shop's records"""
    company = create_company()
    with set_company(company), FakeK3Cloud() as k3cloud:
        configure(k3cloud, **config)
        yield k3cloud, company, mapped_shop(company)


def cash_sale(point, cash, *products):
    "A walk-in sale of one of each product, paid in cash"
    sale = new_sale(point, None, *products)
    return pay(sale, cash, sale.total)
