"""The demo shop as its users reach it over RPC: its data, who sees which
customer, and a main menu in Chinese for every role."""
import re
from xmlrpc.client import Fault
from decimal import Decimal

import pytest
from proteus import Model
from proteus import config as pconfig

import crm_admin
import demo

CHINESE = re.compile(r'[\u4e00-\u9fff]')
LOGINS = [login for login, *_ in demo.STAFF]


def connect(server, database, login):
    password = (crm_admin.ADMIN_PASSWORD if login == 'admin'
        else demo.PASSWORD)
    host = server.split('//', 1)[1]
    return pconfig.set_xmlrpc(
        f'http://{login}:{password}@{host}{database.name}/rpc/')


def search_read(config, model, domain, fields):
    "One call for many records (proteus reads a record's fields lazily)"
    return config.get_proxy(model).search_read(
        domain, 0, None, None, fields, config.context)


def customers(config):
    "The demo customers (the parties with a mobile) with their owner's name"
    return search_read(config, 'party.party',
        [('contact_mechanisms.type', '=', 'mobile')],
        ['code', 'owner.party.name', 'contact_mechanisms'])


def owner_name(party):
    owner = party.get('owner.')
    return owner['party.']['name'] if owner else None


@pytest.mark.parametrize('login', LOGINS)
def test_menu_in_chinese(server, demo_database, login):
    config = connect(server, demo_database, login)
    menus = search_read(config, 'ir.ui.menu', [], ['name', 'complete_name'])
    assert menus
    english = [m['complete_name'] for m in menus
        if not CHINESE.search(m['name'])]
    assert english == []


def test_demo_shop(server, demo_database):
    config = connect(server, demo_database, 'admin')
    Company = Model.get('company.company', config=config)
    company, = Company.find([])
    assert company.party.name == "示例门店"
    assert company.currency.code == 'CNY'
    assert company.timezone == 'Asia/Shanghai'
    FiscalYear = Model.get('account.fiscalyear', config=config)
    fiscalyear, = FiscalYear.find([])
    assert len(fiscalyear.periods) == 12

    Department = Model.get('company.department', config=config)
    assert sorted(d.rec_name for d in Department.find([])) == [
        "门店", "门店 / 前台收银", "门店 / 售后服务", "门店 / 销售部"]
    Template = Model.get('product.template', config=config)
    # The shop's 30 products and services, and the commission product
    assert len(Template.find([('salable', '=', True)])) == 30
    assert len(Template.find([('salable', '=', False)])) == 1
    POS = Model.get('sale.point', config=config)
    pos, = POS.find([])
    Method = Model.get('sale.point.payment.method', config=config)
    methods = {m.name: m for m in Method.find([])}
    assert sorted(methods) == sorted(
        name for name, *_ in demo.PAYMENT_METHODS)
    assert methods["会员卡"].member_card and methods["次卡"].member_package
    assert methods["微信"].reference_required
    assert (pos.rounding, pos.over_short_type.name) == ('drop_fen', "长短款")

    parties = customers(config)
    assert len(parties) == demo.CUSTOMERS
    mobiles = search_read(config, 'party.contact_mechanism',
        [('type', '=', 'mobile')], ['value_compact'])
    assert len(mobiles) == demo.CUSTOMERS
    assert all(re.fullmatch(r'\+861[3-9]\d{9}', m['value_compact'])
        for m in mobiles)
    assert all(p['code'].startswith('KH') for p in parties)
    owners = [owner_name(p) for p in parties]
    assert owners.count("张伟") == owners.count("李娜") == 90
    assert owners.count(None) == 20


@pytest.mark.parametrize('login,owners', [
        ('sales1', {"张伟", None}),
        ('sales2', {"李娜", None}),
        ('manager', {"张伟", "李娜", None}),
        ('cashier1', {"张伟", "李娜", None}),
        ('service', {"张伟", "李娜", None}),
        ])
def test_who_sees_which_customer(server, demo_database, login, owners):
    config = connect(server, demo_database, login)
    parties = customers(config)
    seen = {owner_name(p) for p in parties}
    assert seen == owners
    expected = sum(1 for _, _, owner in demo.customer_rows()
        if owner is None or {'sales1': "张伟", 'sales2': "李娜"}.get(
            owner) in owners)
    assert len(parties) == expected


def test_till_sale_is_posted(server, demo_database):
    """The chart of accounts and fiscal year let a till sale be posted; the
    till sells only in its cashier's open shift and gives change"""
    config = connect(server, demo_database, 'admin')
    POS = Model.get('sale.point', config=config)
    Sale = Model.get('sale.point.sale', config=config)
    Product = Model.get('product.product', config=config)
    Method = Model.get('sale.point.payment.method', config=config)
    Employee = Model.get('company.employee', config=config)
    sale = Sale(point=POS.find([])[0])
    for name in ["洗剪吹", "洗发水"]:
        line = sale.lines.new()
        line.product, = Product.find([('name', '=', name)])
        line.quantity = 1
    sale.save()
    assert sale.total == Decimal('106.00')

    # The open shift is 陈静's, not the administrator's
    payment = sale.click('pay')
    payment.form.method, = Method.find([('name', '=', "现金")])
    payment.form.amount = Decimal('200.00')
    with pytest.raises(Fault, match="陈静"):
        payment.execute('pay')
    sale.employee, = Employee.find([('party.name', '=', "陈静")])
    sale.save()
    payment = sale.click('pay')
    payment.form.method, = Method.find([('name', '=', "现金")])
    payment.form.amount = Decimal('200.00')
    payment.execute('pay')
    sale.reload()
    assert sale.state == 'done'
    assert sale.change_amount == Decimal('94.00')
    sale.click('post')
    assert sale.state == 'posted'
    assert sale.move.state == 'posted'


def test_regions_and_profiles(server, demo_database):
    "The GB/T 2260 regions are loaded; demo customers live in Shenzhen"
    config = connect(server, demo_database, 'admin')
    regions = search_read(config, 'crm.region', [('code', 'in', [
                    '440000', '440300', '440305', '110101'])],
        ['code', 'name', 'parent.code'])
    by_code = {r['code']: r for r in regions}
    assert by_code['440305']['name'] == "南山区"
    assert by_code['440305']['parent.']['code'] == '440300'
    assert by_code['440300']['parent.']['code'] == '440000'
    assert by_code['110101']['name'] == "东城区"
    assert config.get_proxy('crm.region').search_count(
        [('level', '=', 'district')], config.context) > 2800

    parties = search_read(config, 'party.party',
        [('contact_mechanisms.type', '=', 'mobile')],
        ['district.parent.name', 'birthday_calendar', 'id_card_number'])
    assert {p['district.']['parent.']['name'] for p in parties} == {"深圳市"}
    assert any(p['birthday_calendar'] == 'lunar' for p in parties)


@pytest.mark.parametrize('login,masked', [
        ('sales1', True), ('manager', False), ('admin', False)])
def test_id_card_masked(server, demo_database, login, masked):
    "Salespeople read ID card numbers masked, managers and admins in full"
    config = connect(server, demo_database, login)
    # Who reads them masked may not search by them: read, then filter
    parties = [p for p in search_read(config, 'party.party',
            [('contact_mechanisms.type', '=', 'mobile')], ['id_card_number'])
        if p['id_card_number']]
    assert parties
    assert all(('*' in p['id_card_number']) == masked for p in parties)
