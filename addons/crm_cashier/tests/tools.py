# This file is part of the CRM suite.
"What the cashier's tests set up: a till with its payment methods"
import re
import zlib
from contextlib import contextmanager
from decimal import Decimal

from proteus import Model

from trytond.modules.account.tests import create_chart, get_fiscalyear
from trytond.modules.crm_customer.tests.tools import create_staff
from trytond.modules.crm_membership.tests.tools import (
    create_card_type, issue_card)
from trytond.pool import Pool
from trytond.transaction import Transaction

D = Decimal


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
    open_shift(point)
    return point, cash, card


def open_shift(point, employee=None):
    "Open a shift of employee at point after its last one"
    pool = Pool()
    Session = pool.get('sale.point.cash.session')
    session = Session(point=point, employee=employee)
    session.on_change_point()
    session.save()
    return session


def create_method(name, **values):
    "A payment method of the company's cash account"
    pool = Pool()
    Account = pool.get('account.account')
    Method = pool.get('sale.point.payment.method')
    account, = Account.search([('code', '=', '1.1.1')], limit=1)
    method = Method(name=name, account=account, **values)
    method.save()
    return method


def create_product(name, price, category=None, type='goods'):
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
        type=type,
        salable=True, list_price=Decimal(price), gross_price=Decimal(price),
        account_category=accounting,
        categories=[category] if category else [],
        products=[Product()])
    template.save()
    product, = template.products
    return product


def setup_shop(company):
    """A till, a gold level (12 % off, 2 points a yuan, none off
    tobacco), a member with a ¥200 card and PIN 123456"""
    pool = Pool()
    Category = pool.get('product.category')
    Level = pool.get('crm.membership.level')
    Party = pool.get('party.party')
    tobacco = Category(name="烟草")
    tobacco.save()
    Level.create([{
                'name': "金卡会员", 'discount_rate': D('0.12'),
                'points_per_yuan': D(2),
                'excluded_categories': [('add', [tobacco.id])],
                }])
    point, cash, card_method = create_till(company)
    party = Party(name="张三")
    party.save()
    card = issue_card(create_card_type(pin_required=True), party=party,
        amount=D(200), pin='123456')
    shampoo = create_product("洗发水", 100)
    cigarettes = create_product("香烟", 50, category=tobacco)
    return point, cash, card_method, card, shampoo, cigarettes


def new_sale(point, card, *products, employee=None):
    "An open sale at point with one of each product, for card"
    pool = Pool()
    Sale = pool.get('sale.point.sale')
    Line = pool.get('sale.point.sale.line')
    sale = Sale(point=point, employee=employee)
    sale.card = card
    sale.on_change_card()
    lines = []
    for product in products:
        line = Line(sale=sale, product=product, quantity=1)
        line.on_change_product()
        lines.append(line)
    sale.lines = lines
    sale.save()
    return sale


def open_fiscalyear(company):
    "A fiscal year of this year with its months, to post the sales"
    pool = Pool()
    FiscalYear = pool.get('account.fiscalyear')
    fiscalyear = get_fiscalyear(company)
    fiscalyear.save()
    FiscalYear.create_period([fiscalyear])
    return fiscalyear


def rounding_account(company):
    "The account of the rounding of the tills"
    pool = Pool()
    Account = pool.get('account.account')
    account, = Account.search([
            ('company', '=', company.id),
            ('type.expense', '=', True),
            ('closed', '!=', True),
            ], limit=1)
    return account


def pay(sale, method, amount, pin=None, reference=None, card_amount=None):
    """Pay amount of sale with method, and card_amount from its card,
    through the pay wizard"""
    pool = Pool()
    Sale = pool.get('sale.point.sale')
    Pay = pool.get('sale.point.sale.pay', type='wizard')
    session_id, _, _ = Pay.create()
    wizard = Pay(session_id)
    with Transaction().set_context(
            active_model=Sale.__name__, active_id=sale.id,
            active_ids=[sale.id]):
        wizard.payment.method = method
        wizard.payment.amount = D(amount)
        wizard.payment.pin = pin
        wizard.payment.reference = reference
        wizard.payment.card_amount = (
            D(card_amount) if card_amount is not None else None)
        wizard.transition_pay()
    return Sale(sale.id)


def cashier_user(company, login='cashier'):
    "A user of the 收银员 role, who sells at the till"
    return create_staff(company, login, 'group_cashier')


@contextmanager
def at_till(user):
    "Act as user at the till: as that user, as their current employee"
    with Transaction().set_user(user.id), \
            Transaction().set_context(employee=user.employee.id):
        yield


def load_chinese(config):
    """Load the Chinese of the activated modules: a setup of the scenarios'
    activate_modules, so that the cached database has it (it takes long)"""
    Lang = Model.get('ir.lang', config=config)
    chinese, = Lang.find([('code', '=', 'zh_CN')])
    chinese.click('load_translations')


def pdf_objects(content):
    "The PDF's objects with their compressed streams inflated"
    inflated = [content]
    for stream in re.findall(rb'stream\r?\n(.*?)endstream', content, re.S):
        try:
            inflated.append(zlib.decompress(stream))
        except zlib.error:
            pass
    return b'\n'.join(inflated)


def pay_form(sale, data):
    """Run the Pay dialog of sale once with data over its form's defaults, as
    the web client does; return the defaults of the form it was given and
    what the dialog answered"""
    pool = Pool()
    Sale = pool.get('sale.point.sale')
    Pay = pool.get('sale.point.sale.pay', type='wizard')
    with Transaction().set_context(active_model=Sale.__name__,
            active_id=sale.id, active_ids=[sale.id]):
        session_id, _, _ = Pay.create()
        form = Pay.execute(session_id, {}, 'payment')['view']
        values = {k: v for k, v in form['defaults'].items()
            if not k.endswith('.')}
        values.update(data)
        result = Pay.execute(session_id, {'payment': values}, 'pay')
    return form['defaults'], result
