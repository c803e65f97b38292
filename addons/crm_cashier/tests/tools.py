# This file is part of the CRM suite.
"What the cashier's tests set up: a till with its payment methods"
from decimal import Decimal

from trytond.modules.account.tests import create_chart
from trytond.pool import Pool


def create_till(company):
    """A POS selling tax included, with cash and member-card payment
    methods; return (point, cash method, card method)"""
    pool = Pool()
    Account = pool.get('account.account')
    Journal = pool.get('account.journal')
    Location = pool.get('stock.location')
    Method = pool.get('sale.point.payment.method')
    POS = pool.get('sale.point')
    Sequence = pool.get('ir.sequence.strict')
    SequenceType = pool.get('ir.sequence.type')
    create_chart(company)
    cash_account, = Account.search([
            ('company', '=', company.id),
            ('code', '=', '1.1.1'),
            ], limit=1)
    journal, = Journal.search([('type', '=', 'revenue')], limit=1)
    sequence_type, = SequenceType.search([('name', '=', "POS")], limit=1)
    point = POS(name="前台", journal=journal, tax_included=True,
        sequence=Sequence(name="POS", sequence_type=sequence_type,
            company=company),
        storage_location=Location.search([('code', '=', 'STO')])[0],
        customer_location=Location.search([('code', '=', 'CUS')])[0])
    point.sequence.save()
    point.save()
    cash = Method(name="现金", account=cash_account, cash=True)
    card = Method(name="会员卡", account=cash_account, member_card=True)
    Method.save([cash, card])
    return point, cash, card


def create_product(name, price, category=None):
    "A salable product at the gross price, in category"
    pool = Pool()
    Account = pool.get('account.account')
    Category = pool.get('product.category')
    Product = pool.get('product.product')
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    accounting, = Category.search([('name', '=', "收入")]) or [None]
    if not accounting:
        revenue, = Account.search([
                ('type.revenue', '=', True),
                ('closed', '!=', True),
                ], limit=1)
        accounting = Category(name="收入", accounting=True,
            account_revenue=revenue)
        accounting.save()
    unit, = Uom.search([('name', '=', "Unit")])
    template = Template(name=name, default_uom=unit, sale_uom=unit,
        type='goods',
        salable=True, list_price=Decimal(price), gross_price=Decimal(price),
        account_category=accounting,
        categories=[category] if category else [],
        products=[Product()])
    template.save()
    product, = template.products
    return product
