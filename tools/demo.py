"""Demo data of the CRM suite: a hair-and-beauty shop with a retail counter.

Deterministic: the same code gives the same shop, staff and customers, so
tests can rely on it. Loaded by `make run` on a new database.
"""
import datetime as dt
import random
from decimal import Decimal

import shop

SEED = 20261123
PASSWORD = 'demo2026'

DEPARTMENTS = [
    # code, name, parent code
    ('MD', "门店", None),
    ('XS', "销售部", 'MD'),
    ('SY', "前台收银", 'MD'),
    ('SH', "售后服务", 'MD'),
    ]

STAFF = [
    # login, name, department, role groups, extra core groups
    ('admin', "管理员", 'MD', [], []),
    ('manager', "王丽", 'MD', ['group_sales_manager'],
        ['product.group_product_admin', 'sale_point.group_sale_point',
            'commission.group_commission_admin']),
    ('sales1', "张伟", 'XS', ['group_salesperson'], []),
    ('sales2', "李娜", 'XS', ['group_salesperson'], []),
    ('cashier1', "陈静", 'SY', ['group_cashier'], []),
    ('cashier2', "刘洋", 'SY', ['group_cashier'], []),
    ('service', "赵敏", 'MD', ['group_service'], []),
    ('tech1', "孙强", 'SH', ['crm_service.group_technician'], []),
    ('tech2', "周杰", 'SH', ['crm_service.group_technician'], []),
    ]
ROLE_NAMES = {
    None: "系统管理员",
    'group_sales_manager': "店长 (销售经理)",
    'group_salesperson': "销售员",
    'group_cashier': "收银员",
    'group_service': "客服",
    'crm_service.group_technician': "技术员",
    }
SALESPEOPLE = ['sales1', 'sales2']
# 王丽 manages 销售部 too: the salespeople's approvals go to her
MANAGER_OF = {'MD': 'manager', 'XS': 'manager', 'SH': 'manager'}

CATEGORIES = ["美发服务", "美容护理", "洗护用品", "日用零售"]

PRODUCTS = [
    # name, category, type, gross price
    ("洗剪吹", "美发服务", 'service', '38'),
    ("男士精剪", "美发服务", 'service', '58'),
    ("儿童理发", "美发服务", 'service', '28'),
    ("烫发", "美发服务", 'service', '298'),
    ("染发", "美发服务", 'service', '268'),
    ("深层护发", "美发服务", 'service', '128'),
    ("头皮护理", "美发服务", 'service', '168'),
    ("面部清洁", "美容护理", 'service', '98'),
    ("补水面膜护理", "美容护理", 'service', '158'),
    ("肩颈按摩", "美容护理", 'service', '128'),
    ("精油SPA", "美容护理", 'service', '388'),
    ("美甲", "美容护理", 'service', '88'),
    ("美睫", "美容护理", 'service', '198'),
    ("修眉", "美容护理", 'service', '30'),
    ("足疗", "美容护理", 'service', '118'),
    ("洗发水", "洗护用品", 'goods', '68'),
    ("护发素", "洗护用品", 'goods', '58'),
    ("发蜡", "洗护用品", 'goods', '45'),
    ("面膜（5片装）", "洗护用品", 'goods', '99'),
    ("洁面乳", "洗护用品", 'goods', '79'),
    ("卸妆水", "洗护用品", 'goods', '89'),
    ("身体乳", "洗护用品", 'goods', '69'),
    ("护手霜", "洗护用品", 'goods', '29'),
    ("矿泉水", "日用零售", 'goods', '3'),
    ("纸巾", "日用零售", 'goods', '5'),
    ("梳子", "日用零售", 'goods', '15'),
    ("发圈", "日用零售", 'goods', '10'),
    ("香皂", "日用零售", 'goods', '12'),
    ("负离子吹风机", "日用零售", 'goods', '299'),
    ("口香糖", "日用零售", 'goods', '6'),
    ]

PAYMENT_METHODS = [
    # name, cash, what it takes from the member card, reference required
    ("现金", True, None, False),
    ("银行卡", False, None, True),
    ("微信", False, None, True),
    ("支付宝", False, None, True),
    ("会员卡", False, 'member_card', False),
    ("积分", False, 'member_points', False),
    ("次卡", False, 'member_package', False),
    ]
# Technicians earn commissions but do not log in
TECHNICIANS = [("周师傅", '4500'), ("吴技师", '4000')]
BASE_PAY = {'cashier1': '3800', 'cashier2': '3600', 'sales1': '4200',
    'sales2': '4200', 'manager': '6800', 'service': '3800'}
# The largest manual discount at the till; the others may give none
TILL_DISCOUNT_LIMITS = {'cashier1': '0.10', 'cashier2': '0.10',
    'manager': '0.30'}
# Chinese names of the accounts of the chart the shop uses
ACCOUNT_NAMES = {'cash': "库存现金", 'receivable': "应收账款",
    'payable': "应付账款", 'revenue': "主营业务收入", 'expense': "管理费用",
    'tax': "应交税费"}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
    "袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟"
    "熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国"
    "文斌宇浩凯婷雪琳晨欣怡佳慧颖倩嘉俊峰志新海燕梅晶瑶鑫宁博思雨萱子轩")
MOBILE_PREFIXES = ['134', '135', '136', '137', '138', '139', '150', '151',
    '152', '157', '158', '159', '182', '183', '187', '188', '130', '131',
    '132', '155', '156', '185', '186', '133', '153', '180', '181', '189',
    '177', '199']
CUSTOMERS = 200


def customer_rows(count=CUSTOMERS, seed=SEED):
    "Yield (name, mobile, salesperson login or None) for the demo customers"
    rng = random.Random(seed)
    # Customers share no name with the staff: a same name asks the user
    names = {name for _, name, *_ in STAFF}
    mobiles = set()
    index = owned = 0
    while index < count:
        name = rng.choice(SURNAMES) + ''.join(
            rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2])))
        mobile = '+86' + rng.choice(MOBILE_PREFIXES) + '%08d' % rng.randrange(
            10 ** 8)
        if name in names or mobile in mobiles:
            continue
        names.add(name)
        mobiles.add(mobile)
        # One customer in ten is nobody's yet: a walk-in at the counter.
        if index % 10 == 9:
            owner = None
        else:
            owner = SALESPEOPLE[owned % len(SALESPEOPLE)]
            owned += 1
        yield name, mobile, owner
        index += 1


def load(database):
    "Load the demo data into a database with the suite activated"
    from proteus import Model
    from proteus import config as pconfig
    config = pconfig.set_trytond(database.name,
        config_file=database.config_files)
    company = shop.create_company("示例门店")
    config._context = Model.get('res.user').get_preferences(True, {})
    _accounting(config, company)
    shop.party_language()
    departments = _departments(company)
    employees = _staff(config, company, departments)
    categories = _products(config)
    _sale_point(config, company)
    _customers(employees)
    _membership(database)
    _till(database, {k: e.id for k, e in employees.items()})
    _sms()
    _service(database, {k: e.id for k, e in employees.items()})
    _k3(database, employees['cashier1'].id)
    _sfa(database, {k: e.id for k, e in employees.items()})
    _sfa_management(database, {k: e.id for k, e in employees.items()})
    shop.user_languages()
    _close_config_wizard(config)
    return categories


def _accounting(config, company):
    "A minimal chart of accounts and this year's fiscal year"
    from proteus import Model
    from trytond.modules.account.tests.tools import (
        create_chart, create_fiscalyear, create_tax, get_accounts)
    from trytond.modules.account_invoice.tests.tools import (
        set_fiscalyear_invoice_sequences)
    create_chart(company)
    today = dt.date.today()
    fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear(
            company, (dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))))
    fiscalyear.name = "%s 年度" % today.year
    fiscalyear.click('create_period')
    accounts = get_accounts(company)
    for key, name in ACCOUNT_NAMES.items():
        accounts[key].name = name
        accounts[key].save()
    tax = create_tax(Decimal('0.03'), company)
    tax.name = tax.description = "增值税 3%"
    tax.save()
    Category = Model.get('product.category')
    category = Category(name="主营业务", accounting=True)
    category.account_revenue = accounts['revenue']
    category.account_expense = accounts['expense']
    category.customer_taxes.append(tax)
    category.save()


def _departments(company):
    from proteus import Model
    Department = Model.get('company.department')
    departments = {}
    for code, name, parent in DEPARTMENTS:
        department = Department(name=name, code=code, company=company)
        if parent:
            department.parent = departments[parent]
        department.save()
        departments[code] = department
    return departments


def _staff(config, company, departments):
    from proteus import Model
    Party = Model.get('party.party')
    Employee = Model.get('company.employee')
    User = Model.get('res.user')
    Group = Model.get('res.group')
    ModelData = Model.get('ir.model.data')
    employees = {}
    for login, name, department, roles, core_groups in STAFF:
        party = Party(name=name)
        party.save()
        employee = Employee(party=party, company=company,
            department=departments[department])
        employee.save()
        employees[login] = employee
        if login == 'admin':
            user, = User.find([('login', '=', 'admin')])
        else:
            # The demo's passwords are known: no change asked at login
            user = User(login=login, name=name, password=PASSWORD,
                password_change=False)
        for ref in [r if '.' in r else 'crm_customer.' + r
                for r in roles] + core_groups:
            module, fs_id = ref.split('.')
            user.groups.append(Group(ModelData.get_id(module, fs_id, {})))
        if company not in user.companies:
            user.companies.append(company)
        user.company = company
        user.employees.append(employee)
        user.employee = employee
        user.save()
    for code, login in MANAGER_OF.items():
        department = departments[code]
        department.manager = employees[login]
        department.save()
    return employees


def _products(config):
    from proteus import Model
    Category = Model.get('product.category')
    Template = Model.get('product.template')
    Uom = Model.get('product.uom')
    ModelData = Model.get('ir.model.data')
    account_category, = Category.find([('accounting', '=', True)])
    unit = Uom(ModelData.get_id('product', 'uom_unit', {}))
    categories = {}
    for name in CATEGORIES:
        category = Category(name=name)
        category.save()
        categories[name] = category
    templates = []
    for index, (name, category, type_, price) in enumerate(PRODUCTS, 1):
        template = Template(name=name, type=type_, default_uom=unit,
            salable=True, account_category=account_category)
        template.categories.append(Category(categories[category].id))
        template.gross_price = Decimal(price)
        template.code = 'SP%03d' % index
        templates.append(template)
    Template.save(templates)
    return categories


def _sale_point(config, company):
    from proteus import Model
    from trytond.modules.account.tests.tools import get_accounts
    Account = Model.get('account.account')
    Journal = Model.get('account.journal')
    Location = Model.get('stock.location')
    POS = Model.get('sale.point')
    PaymentMethod = Model.get('sale.point.payment.method')
    SequenceStrict = Model.get('ir.sequence.strict')
    SequenceType = Model.get('ir.sequence.type')
    ModelData = Model.get('ir.model.data')
    accounts = get_accounts(company)
    journal, = Journal.find([('type', '=', 'revenue')], limit=1)
    pos = POS(name="前台收银台", journal=journal)
    sequence = SequenceStrict(name="收银单", company=company, prefix='POS',
        padding=6, sequence_type=SequenceType(
            ModelData.get_id('sale_point', 'sequence_type_sale', {})))
    sequence.save()
    pos.sequence = sequence
    pos.storage_location, = Location.find([('code', '=', 'STO')])
    pos.customer_location, = Location.find([('code', '=', 'CUS')])
    pos.save()
    for name, cash, member, reference in PAYMENT_METHODS:
        if cash:
            account = accounts['cash']
        else:
            account, = accounts['cash'].duplicate(default={'name': name})
            account.name = name
            account.save()
        method = PaymentMethod(name=name, account=Account(account.id),
            cash=cash, reference_required=reference)
        if member:
            setattr(method, member, True)
        method.save()
    rounding, = accounts['expense'].duplicate(default={'name': "抹零"})
    over_short, = accounts['expense'].duplicate(default={'name': "现金长短款"})
    cash_journal, = Journal.find([('type', '=', 'cash')], limit=1)
    TransferType = Model.get('sale.point.cash.transfer.type')
    pos.rounding = 'drop_fen'
    pos.rounding_account = Account(rounding.id)
    pos.over_short_type = TransferType(name="长短款",
        account=Account(over_short.id), journal=cash_journal)
    pos.over_short_type.save()
    pos.save()


# Districts of Shenzhen the demo shop's customers live in
DISTRICTS = ['440305', '440304', '440303', '440306', '440307']
OCCUPATIONS = ["教师", "医生", "工程师", "个体经营", "公务员", "设计师", "会计",
    "学生", "退休", "销售"]


def _customers(employees):
    from proteus import Model
    from stdnum.cn import ric
    Party = Model.get('party.party')
    Region = Model.get('crm.region')
    districts = Region.find([('code', 'in', DISTRICTS)])
    options = {}
    for field, model in [('customer_type', 'crm.customer.type'),
            ('customer_class', 'crm.customer.class'),
            ('customer_level', 'crm.customer.level'),
            ('source', 'crm.customer.source')]:
        options[field] = Model.get(model).find([])
    # Its own generator: the names and mobiles above stay as they are
    rng = random.Random(SEED + 1)
    parties = []
    for index, (name, mobile, owner) in enumerate(customer_rows()):
        party = Party(name=name)
        party.owner = employees[owner] if owner else None
        party.contact_mechanisms.new(type='mobile', value=mobile)
        party.gender = rng.choice(['male', 'female'])
        party.birthday = dt.date(rng.randint(1955, 2004), rng.randint(1, 12),
            rng.randint(1, 28))
        if index % 5 == 0:
            party.birthday_calendar = 'lunar'
        if index % 4 == 0:
            serial = '%s%03d' % (party.birthday.strftime('%Y%m%d'),
                rng.randrange(0, 999, 2) + (party.gender == 'male'))
            # The place code must have existed in the year of birth
            for place in ['440305', '440303', '440301', '440300']:
                number = place + serial + '0'
                number = number[:-1] + ric.calc_check_digit(number)
                if ric.is_valid(number):
                    party.id_card_number = number
                    break
        if districts:
            district = rng.choice(districts)
            party.province = district.parent.parent
            party.city = district.parent
            party.district = district
        party.occupation = rng.choice(OCCUPATIONS)
        party.customer_class = options['customer_class'][
            0 if index % 10 > 2 else (1 if index % 10 > 0 else 2)]
        party.customer_type = rng.choice(options['customer_type'])
        party.customer_level = rng.choice(options['customer_level'])
        party.source = rng.choice(options['source'])
        if rng.random() < 0.7:
            party.sms_consent = True
            party.sms_consent_date = dt.date.today() - dt.timedelta(
                days=rng.randint(0, 700))
        parties.append(party)
    Party.save(parties)


LEVELS = [
    # name, discount, points per yuan, spend to reach, window in months
    ("普通会员", '0', '1', '0', 0),
    ("银卡会员", '0.05', '1.5', '1000', 0),
    ("金卡会员", '0.12', '2', '3000', 12),
    ]
CARD_TYPES = [
    # name, kind, price, validity months, PIN, registered, bonus tiers
    ("储值卡", 'stored_value', '500', 0, True, True,
        [('1000', '100'), ('2000', '300')]),
    ("不记名储值卡", 'stored_value', '200', 0, False, False, []),
    ("洗剪吹十次卡", 'count', '300', 12, False, True, []),
    ("会员折扣卡", 'discount', '0', 0, False, True, []),
    ]
DEMO_PIN = '123456'


def _membership(database):
    """Levels, card types and cards for the first customers, with some
    months of spend, payments and points; in one server transaction, as
    the till would write them"""
    from dateutil.relativedelta import relativedelta

    from trytond.pool import Pool
    from trytond.transaction import Transaction
    rng = random.Random(SEED + 2)
    # The entry points lock the cards and parties they change: take the
    # tables at once, as nobody else uses the new database
    with Transaction().start(database.name, 0, _lock_tables=[
                'crm_membership_card', 'party_party']) as transaction:
        pool = Pool()
        Level = pool.get('crm.membership.level')
        CardType = pool.get('crm.membership.card.type')
        Bonus = pool.get('crm.membership.card.type.bonus')
        Card = pool.get('crm.membership.card')
        Category = pool.get('product.category')
        Product = pool.get('product.product')
        Party = pool.get('party.party')
        today = dt.date.today()
        retail = Category.search([('name', '=', "日用零售")])
        Level.save([Level(name=name, sequence=index,
                    discount_rate=Decimal(discount),
                    points_per_yuan=Decimal(points),
                    upgrade_amount=Decimal(spend), window_months=window,
                    excluded_categories=retail)
                for index, (name, discount, points, spend, window)
                in enumerate(LEVELS, 1)])
        service, = Product.search([('name', '=', "洗剪吹")])
        types = {}
        for name, kind, price, months, pin, registered, bonuses in (
                CARD_TYPES):
            card_type = CardType(name=name, kind=kind, price=Decimal(price),
                validity='months' if months else 'none',
                validity_months=months or None, pin_required=pin,
                registered=registered,
                bonuses=[Bonus(amount=Decimal(a), bonus=Decimal(b))
                    for a, b in bonuses])
            if kind == 'count':
                card_type.service = service
                card_type.service_quantity = 10
            card_type.save()
            types[name] = card_type
        names = [name for name, _, _ in customer_rows()][:40]
        parties = sorted(Party.search([('name', 'in', names)]),
            key=lambda p: names.index(p.name))
        cards = []
        for index, party in enumerate(parties):
            name = ["储值卡", "储值卡", "洗剪吹十次卡", "会员折扣卡"][index % 4]
            card = Card(party=party, type=types[name])
            card.save()
            Card.do_issue([card], pin=DEMO_PIN if types[name].pin_required
                else None)
            cards.append(card)
        anonymous = Card(type=types["不记名储值卡"])
        anonymous.save()
        Card.do_issue([anonymous])
        for card in cards:
            card = Card(card.id)
            for months in range(6, -1, -1):
                if rng.random() < 0.4:
                    continue
                date = today - relativedelta(months=months,
                    days=rng.randint(0, 20))
                date = max(date, today - relativedelta(months=6))
                amount = Decimal(rng.choice([38, 58, 98, 168, 298, 468]))
                # Past sales count on their date, as the till counts a sale
                Party.record_spend(card.party, amount, date=date)
                if card.type.kind == 'stored_value' and card.balance >= amount:
                    Card.debit(card, amount, pin=DEMO_PIN, spend=False)
                if card.type.kind == 'count':
                    Card.use_package(card.packages[0], spend=False)
                Card.earn_points(card, int(amount), date=date)
            if rng.random() < 0.3 and card.type.kind == 'stored_value':
                Card.top_up(card, Decimal(rng.choice([1000, 2000])))
        Card.report_lost([cards[5]])
        Card.do_reissue(Card(cards[9].id))
        transaction.commit()


def _till(database, employees):
    """Pay and commission of the staff, a plan for the technicians, the
    first cashier's shift and today's first sales, as the till makes them"""
    from trytond.modules.crm_cashier.tests.tools import (
        create_product, open_shift, pay)
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(database.name, 0, _lock_tables=[
                'crm_membership_card', 'party_party',
                'ir_sequence_strict']) as transaction:
        pool = Pool()
        Agent = pool.get('commission.agent')
        Card = pool.get('crm.membership.card')
        Category = pool.get('product.category')
        Company = pool.get('company.company')
        Complaint = pool.get('sale.complaint')
        ComplaintType = pool.get('sale.complaint.type')
        Employee = pool.get('company.employee')
        Method = pool.get('sale.point.payment.method')
        Model = pool.get('ir.model')
        Note = pool.get('ir.note')
        Party = pool.get('party.party')
        Plan = pool.get('commission.plan')
        POS = pool.get('sale.point')
        Product = pool.get('product.product')
        Sale = pool.get('sale.point.sale')
        Line = pool.get('sale.point.sale.line')
        company, = Company.search([])
        with Transaction().set_context(company=company.id):
            for login, pay_ in BASE_PAY.items():
                Employee.write([Employee(employees[login])],
                    {'base_pay': Decimal(pay_)})
            for login, limit in TILL_DISCOUNT_LIMITS.items():
                Employee.write([Employee(employees[login])],
                    {'till_discount_limit': Decimal(limit)})
            hair, = Category.search([('name', '=', "美发服务")])
            commission_product = create_product("员工提成", 0, type='service')
            commission_product.template.salable = False
            commission_product.template.save()
            plan, = Plan.create([{
                        'name': "技师提成",
                        'commission_product': commission_product.id,
                        'lines': [('create', [{
                                        'category': hair.id,
                                        'formula': "amount * ("
                                        "Decimal('0.10') if month_total < 5000"
                                        " else Decimal('0.15'))",
                                        }, {
                                        'formula': 'quantity * 5',
                                        }])],
                        }])
            technicians = []
            for name, pay_ in TECHNICIANS:
                party = Party(name=name)
                party.save()
                technician = Employee(party=party, company=company,
                    base_pay=Decimal(pay_))
                technician.save()
                technicians.append(technician)
                Agent(party=party, plan=plan, company=company,
                    currency=company.currency).save()
            # A gold member who has just loaded her card
            loaded, = Card.search([('number', '=', '880000000002')])
            Party.record_spend(loaded.party, Decimal(3200),
                date=dt.date.today() - dt.timedelta(days=30))
            Card.top_up(loaded, Decimal(1000))
            # What the till shows the cashier when she swipes that card
            Note.create([{
                        'resource': str(loaded.party),
                        'message': "提醒：对染发剂过敏，勿推荐染发",
                        }])
            sale_model, = Model.search([('name', '=', 'sale.sale')])
            complaint_type, = ComplaintType.create([{
                        'name': "服务投诉",
                        'origin': sale_model.id,
                        }])
            complaint, = Complaint.create([{
                        'customer': loaded.party.id,
                        'company': company.id,
                        'type': complaint_type.id,
                        'date': dt.date.today() - dt.timedelta(days=3),
                        'description': "上次烫发等候一个多小时",
                        }])
            point, = POS.search([])
            cashier = Employee(employees['cashier1'])
            open_shift(point, cashier)
            methods = {m.name: m for m in Method.search([])}
            products = {p.name: p for p in Product.search([])}
            card = next(c for c in Card.search([
                        ('type.name', '=', "储值卡"),
                        ('state', '=', 'active'),
                        ], order=[('id', 'ASC')]) if c.balance >= 100)
            for products_, staff, paid in [
                    (["洗剪吹", "洗发水"], technicians[0],
                        [("会员卡", 50, DEMO_PIN, None),
                            ("现金", 100, None, None)]),
                    (["烫发", "护发素"], technicians[1],
                        [("微信", 356, None, '4200001234202611')]),
                    (["矿泉水", "纸巾"], None, [("现金", 10, None, None)]),
                    ]:
                sale = Sale(point=point, employee=cashier,
                    card=card if paid[0][0] == "会员卡" else None)
                sale.on_change_card()
                lines = []
                for name in products_:
                    line = Line(sale=sale, product=products[name],
                        quantity=1, staff=staff)
                    line.on_change_product()
                    lines.append(line)
                sale.lines = lines
                sale.save()
                for method, amount, pin, reference in paid:
                    sale = pay(Sale(sale.id), methods[method], amount, pin,
                        reference)
        transaction.commit()


def _sms():
    """Templates, greetings and reminders on the log-only gateway a new
    database starts with"""
    from proteus import Model
    Template = Model.get('sms.template')
    Greeting = Model.get('sms.greeting')
    templates = {}
    for key, name, kind, content in [
            ('birthday', "生日祝福", 'marketing',
                "${name}您好，示例门店祝您生日快乐！生日当月到店消费享八八折。"),
            ('holiday', "节日问候", 'marketing',
                "${name}您好，示例门店祝您节日快乐，阖家幸福！"),
            ('inactive', "回店邀请", 'marketing',
                "${name}您好，好久不见！本周到店消费赠送深层护发一次。"),
            ('top_up', "充值通知", 'service',
                "${name}您好，您的会员卡${card}余额${balance}元，"
                "积分${points}。"),
            ]:
        template = Template(name=name, kind=kind, content=content)
        template.save()
        templates[key] = template
    for name, occasion, values in [
            ("生日祝福", 'birthday', {'template': 'birthday', 'hour': 9}),
            ("春节问候", 'holiday', {'template': 'holiday', 'hour': 10,
                    'holiday': 'Spring Festival'}),
            ("中秋问候", 'holiday', {'template': 'holiday', 'hour': 10,
                    'holiday': 'Mid-autumn Festival'}),
            ("国庆问候", 'holiday', {'template': 'holiday', 'hour': 10,
                    'holiday': 'National Day'}),
            ("店庆", 'date', {'template': 'holiday', 'hour': 10,
                    'month': 6, 'day': 18}),
            ("60天未消费", 'inactivity', {'template': 'inactive',
                    'hour': 11, 'days': 60}),
            ]:
        values['template'] = templates[values['template']]
        Greeting(name=name, occasion=occasion, **values).save()


def _service(database, employees):
    """Customer service: complaint categories and their routing, the
    technicians' table, knowledge articles, satisfaction surveys, a
    suggestion, a service request in hand, the churn candidates of the
    night; the complaint of the till is judged and routed"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(database.name, 0,
            _lock_tables=['crm_configuration']) as transaction:
        pool = Pool()
        Article = pool.get('crm.service.knowledge.article')
        Category = pool.get('crm.service.complaint.category')
        Churn = pool.get('crm.service.churn')
        Company = pool.get('company.company')
        Complaint = pool.get('sale.complaint')
        Configuration = pool.get('crm.configuration')
        Department = pool.get('company.department')
        Employee = pool.get('company.employee')
        ModelData = pool.get('ir.model.data')
        Party = pool.get('party.party')
        Product = pool.get('product.product')
        ProductCategory = pool.get('product.category')
        Request = pool.get('crm.service.request')
        Suggestion = pool.get('crm.service.suggestion')
        SuggestionKind = pool.get('crm.service.suggestion.kind')
        Survey = pool.get('crm.service.survey')
        Technician = pool.get('crm.service.technician')
        Template = pool.get('sms.template')
        company, = Company.search([])
        with Transaction().set_context(company=company.id):
            departments = {d.code: d for d in Department.search([])}
            staff = {k: Employee(v) for k, v in employees.items()}
            attitude, quality, _ = Category.create([{
                        'name': "服务态度", 'due_days': 3,
                        'department': departments['MD'].id,
                        'employee': staff['service'].id,
                        'approval_threshold': Decimal(200),
                        }, {
                        'name': "商品质量", 'due_days': 5,
                        'department': departments['SH'].id,
                        'employee': staff['tech1'].id,
                        'approval_threshold': Decimal(300),
                        }, {
                        'name': "收银差错", 'due_days': 1,
                        'department': departments['SY'].id,
                        'employee': staff['manager'].id,
                        'approval_threshold': Decimal(100),
                        }])
            complaint, = Complaint.search([])
            complaint.category = attitude
            complaint.channel = 'counter'
            complaint.founded = 'founded'
            complaint.judgement = "高峰时段预约过满，等候属实"
            complaint.save()
            Complaint.route([complaint])

            retail, = ProductCategory.search([('name', '=', "日用零售")])
            care, = ProductCategory.search([('name', '=', "洗护用品")])
            Technician.create([
                    {'employee': staff['tech1'].id, 'category': retail.id},
                    {'employee': staff['tech1'].id, 'category': care.id},
                    {'employee': staff['tech2'].id, 'category': None},
                    ])
            dryer, = Product.search([('name', '=', "负离子吹风机")])
            customer = Party.search([('owner', '=', staff['sales1'].id)],
                order=[('id', 'ASC')], limit=1)[0]
            request, = Request.create([{
                        'company': company.id,
                        'customer': customer.id,
                        'product': dryer.id,
                        'type': 'in_store',
                        'fault': "吹风机使用时有焦味，风力变小",
                        }])
            Request.assign([request])

            answers = ModelData.get_id(
                'crm_service', 'knowledge_category_standard_answer')
            products = ModelData.get_id(
                'crm_service', 'knowledge_category_product')
            Article.create([{
                        'kind': 'qa', 'title': "积分怎么兑换？",
                        'answer': "会员消费每满1元积1分，到前台出示会员卡即可"
                        "用积分兑换洗护用品，100积分抵1元。",
                        'category': answers,
                        'keywords': "积分 兑换 礼品",
                        }, {
                        'kind': 'qa', 'title': "营业时间是几点到几点？",
                        'answer': "每天上午9:30至晚上9:30营业，节假日照常营业。",
                        'category': answers,
                        'keywords': "营业 时间 几点 开门",
                        }, {
                        'kind': 'qa', 'title': "会员卡丢了怎么办？",
                        'answer': "请本人带身份证到前台挂失补卡，"
                        "余额和积分转到新卡，补卡工本费10元。",
                        'category': answers,
                        'keywords': "挂失 补卡 丢失",
                        }, {
                        'kind': 'article', 'title': "烫发后的护理要点",
                        'content': "烫发后48小时内不要洗头；使用护发素"
                        "和弹力素保持卷度；避免高温吹风，吹风机用中低档。",
                        'category': products,
                        'keywords': "烫发 护理",
                        }, {
                        'kind': 'article', 'title': "负离子吹风机保修政策",
                        'content': "负离子吹风机自购买之日起一年内免费保修，"
                        "焦味、风力变小多为进风口堵塞，先清理滤网。",
                        'category': products,
                        'keywords': "吹风机 保修 维修",
                        }])

            Survey.create([{
                        'name': "投诉处理满意度", 'trigger': 'complaint',
                        'questions': [('create', [{
                                        'sequence': 1, 'kind': 'score',
                                        'text': "您对投诉处理结果的满意程度",
                                        'required': True,
                                        }, {
                                        'sequence': 2, 'kind': 'choice',
                                        'text': "处理速度",
                                        'options': "很快\n一般\n太慢",
                                        'required': True,
                                        }, {
                                        'sequence': 3, 'kind': 'text',
                                        'text': "您的其他意见",
                                        }])],
                        }, {
                        'name': "售后服务满意度",
                        'trigger': 'service_request',
                        'questions': [('create', [{
                                        'sequence': 1, 'kind': 'score',
                                        'text': "您对技术员服务的满意程度",
                                        'required': True,
                                        }])],
                        }, {
                        'name': "到店消费满意度", 'trigger': 'sale',
                        'sampling_rate': 10,
                        'questions': [('create', [{
                                        'sequence': 1, 'kind': 'score',
                                        'text': "您对本次服务的满意程度",
                                        'required': True,
                                        }])],
                        }])

            price, = SuggestionKind.search([('name', '=', "价格标准")])
            Suggestion.create([{
                        'kind': price.id, 'suggester': customer.id,
                        'content': "希望会员日的折扣也能用于洗护用品",
                        }])
            # The customer hears when a complaint is closed
            template, = Template.create([{
                        'name': "投诉结案通知", 'kind': 'service',
                        'content': "${name}您好，您反映的问题已处理完毕，"
                        "感谢您的宝贵意见。",
                        }])
            Configuration.write([Configuration(1)],
                {'complaint_sms_template': template.id})
            Churn.run_nightly()
        transaction.commit()


# 销售管理: the largest discount off the list price each salesperson quotes
# without approval
SFA_DISCOUNT_LIMITS = {'sales1': '0.10', 'sales2': '0.20'}
SFA_DEALS = [
    # salesperson, index among their customers, description, stage
    # (its sequence: 10 初步接触 … 40 商务谈判, 50 won, 60 lost), expected
    # close ('this' month, 'next' month, 'last' month), products and
    # quantities
    ('sales1', 0, "烫染套餐（两人）", 30, 'this', [("烫发", 2), ("染发", 2)]),
    ('sales1', 1, "年度美容护理卡", 10, 'next', [("精油SPA", 6)]),
    ('sales1', 2, "婚礼跟妆及美甲美睫", 40, 'this',
        [("美甲", 3), ("美睫", 3), ("面部清洁", 3)]),
    ('sales1', 3, "洗护用品团购", 50, 'last', [("洗发水", 10), ("护发素", 10)]),
    ('sales1', 4, "头皮护理疗程", 60, 'last', [("头皮护理", 5)]),
    ('sales2', 0, "公司年会造型", 20, 'this', [("洗剪吹", 12), ("修眉", 12)]),
    ('sales2', 1, "负离子吹风机采购", 30, 'next', [("负离子吹风机", 5)]),
    ('sales2', 2, "足疗肩颈套餐", 50, 'last', [("足疗", 4), ("肩颈按摩", 4)]),
    ]
SFA_CONTACTS = [
    # salesperson, index among their customers, days ago, kind, content,
    # result, days to the next contact from today (None: none), next action
    ('sales1', 0, 10, 'visit', "到店咨询烫染套餐，想和朋友一起做",
        "有意向，要比较价格", -5, "电话介绍套餐优惠"),
    ('sales1', 0, 5, 'call', "电话介绍两人烫染套餐的优惠",
        "客户考虑中", 0, "确认套餐报价和到店时间"),
    ('sales1', 1, 7, 'wechat', "微信发送年度护理卡介绍",
        "客户回复稍后再看", 0, "电话跟进年度护理卡"),
    ('sales1', 2, 9, 'visit', "客户到店试妆，对效果满意",
        "对比了另一家婚纱店的报价", -3, "发送婚礼跟妆方案"),
    ('sales1', 5, 2, 'return_visit', "烫发后回访，客户满意",
        None, 30, "提醒做深层护发"),
    ('sales2', 0, 4, 'call', "联系公司行政，了解年会人数和时间",
        "约30人，月底前定", 0, "发送年会造型报价"),
    ('sales2', 1, 3, 'visit', "客户来店试用负离子吹风机", "满意",
        7, "确认采购数量"),
    ]
SFA_COMPETITORS = [
    # salesperson, index among their customers, name, offer, strengths,
    # weaknesses
    ('sales1', 2, "薇薇婚纱造型", '1200', "婚纱照一条龙服务",
        "跟妆师经验少"),
    ('sales1', 2, "丽人美甲工作室", '450', "价格低", "只做美甲美睫"),
    ('sales2', 1, "电器城", '1350', "价格便宜", "不提供使用指导和保修服务"),
    ]


def _sfa(database, employees):
    """销售管理: the salespeople's quoting limits, their deals at each
    stage with this month's and next month's expected closes, a won and a
    lost one of last month, contact records with today's and an overdue
    next contact, competitors"""
    from dateutil.relativedelta import relativedelta

    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(database.name, 0) as transaction:
        pool = Pool()
        Company = pool.get('company.company')
        Competitor = pool.get('crm.sfa.competitor')
        Contact = pool.get('crm.sfa.contact')
        Employee = pool.get('company.employee')
        Opportunity = pool.get('sale.opportunity')
        Party = pool.get('party.party')
        Product = pool.get('product.product')
        Stage = pool.get('crm.sfa.stage')
        company, = Company.search([])
        with Transaction().set_context(company=company.id):
            today = pool.get('ir.date').today()
            for login, limit in SFA_DISCOUNT_LIMITS.items():
                Employee.write([Employee(employees[login])],
                    {'sfa_discount_limit': Decimal(limit)})
            customers = {}
            for login in SFA_DISCOUNT_LIMITS:
                names = [n for n, _, o in customer_rows() if o == login][:6]
                parties = {p.name: p for p in Party.search(
                        [('name', 'in', names)])}
                customers[login] = [parties[n] for n in names]
            # The customers quoted have an address to invoice
            for party in {customers[login][index]
                    for login, index, *_ in SFA_DEALS}:
                if not party.addresses:
                    Party.write([party], {'addresses': [('create', [{
                                        'street': "南山区科技园", }])]})
            stages = {s.sequence: s for s in Stage.search([])}
            products = {p.name: p for p in Product.search([])}
            prices = {name: Decimal(price) for name, *_, price in PRODUCTS}
            end_of_month = today + relativedelta(day=31)
            closes = {
                'this': end_of_month,
                'next': today + relativedelta(months=1, day=15),
                'last': today + relativedelta(months=-1, day=20),
                }
            deals = {}
            for login, index, description, sequence, close, lines in (
                    SFA_DEALS):
                stage = stages[sequence]
                # A deal opens at an open stage: its outcome comes later
                opened = stage if stage.kind == 'open' else stages[40]
                party = customers[login][index]
                deal, = Opportunity.create([{
                            'company': company.id,
                            'party': party.id,
                            'employee': employees[login],
                            'description': description,
                            'start_date': (
                                closes[close] - dt.timedelta(days=40)
                                if close == 'last'
                                else today - dt.timedelta(days=12)),
                            'end_date': closes[close],
                            'amount': sum(prices[n] * q for n, q in lines),
                            'stage': opened.id,
                            'conversion_probability': opened.probability,
                            'lines': [('create', [{
                                            'product': products[n].id,
                                            'quantity': q,
                                            'unit': (
                                                products[n].default_uom.id),
                                            } for n, q in lines])],
                            }])
                if sequence >= 20:
                    Opportunity.opportunity([deal])
                if stage.kind in {'won', 'lost'}:
                    # Closed last month: as the outcome would set it then
                    Opportunity.write([deal], {
                            'state': stage.kind,
                            'end_date': closes[close],
                            'stage': stage.id,
                            'conversion_probability': stage.probability,
                            })
                deals[login, index] = deal
            for login, index, ago, kind, content, result, after, action in (
                    SFA_CONTACTS):
                date = dt.datetime.combine(today - dt.timedelta(days=ago),
                    dt.time(10, 30))
                Contact.create([{
                            'party': customers[login][index].id,
                            'employee': employees[login],
                            'opportunity': (deals[login, index].id
                                if (login, index) in deals else None),
                            'date': date,
                            'kind': kind,
                            'content': content,
                            'result': result,
                            'next_date': (today + dt.timedelta(days=after)
                                if after is not None else None),
                            'next_action': action,
                            }])
            Competitor.create([{
                        'opportunity': deals[login, index].id,
                        'name': name,
                        'offer': Decimal(offer),
                        'strengths': strengths,
                        'weaknesses': weaknesses,
                        } for login, index, name, offer, strengths, weaknesses
                    in SFA_COMPETITORS])
        transaction.commit()


SFA_TARGETS = {'sales1': ('30000', 5, 20), 'sales2': ('20000', 4, 15)}
SFA_CAMPAIGN = ("双十二会员节", 'promotion', '5000')
SFA_LEADS = [
    # name, company, mobile, description
    ("周先生", "周记茶庄", '13912340001', "想给员工办团体洗护卡"),
    ("吴女士", None, '13912340002', "咨询婚前造型套餐"),
    ("郑先生", "郑氏广告", '13912340003', "年会造型，约 30 人"),
    ]


def _sfa_management(database, employees):
    """销售管理 for the manager: this month's targets of the salespeople
    and of 销售部, a campaign with its leads given out by the shop's
    territory, and a running contract of a deal won last month with one
    instalment partly collected"""
    from dateutil.relativedelta import relativedelta

    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(database.name, 0) as transaction:
        pool = Pool()
        Approval = pool.get('crm.sfa.approval')
        Campaign = pool.get('marketing.campaign')
        Company = pool.get('company.company')
        Contract = pool.get('crm.sfa.contract')
        Department = pool.get('company.department')
        Instalment = pool.get('crm.sfa.contract.instalment')
        Lead = pool.get('crm.sfa.lead')
        Opportunity = pool.get('sale.opportunity')
        Region = pool.get('crm.region')
        Target = pool.get('crm.sfa.target')
        Territory = pool.get('crm.sfa.territory')
        User = pool.get('res.user')
        company, = Company.search([])
        with Transaction().set_context(company=company.id):
            today = pool.get('ir.date').today()
            sales, = Department.search([('name', '=', "销售部")])
            Target.create([{
                        'company': company.id, 'kind': 'employee',
                        'employee': employees[login], 'period': 'month',
                        'year': today.year, 'month': '%02d' % today.month,
                        'amount': Decimal(amount), 'customers': customers,
                        'visits': visits,
                        } for login, (amount, customers, visits)
                    in SFA_TARGETS.items()] + [{
                        'company': company.id, 'kind': 'department',
                        'department': sales.id, 'period': 'month',
                        'year': today.year, 'month': '%02d' % today.month,
                        'amount': Decimal('50000'), 'customers': 9,
                        'visits': 35,
                        }])
            # The shop's city: its leads go to 张伟 and 李娜 in turn
            city, = Region.search([('code', '=', DISTRICTS[0][:4] + '00')])
            Territory.create([{
                        'name': "本市", 'company': company.id,
                        'regions': [('add', [city.id])],
                        'salespeople': [('create', [
                                    {'employee': employees[login]}
                                    for login in SALESPEOPLE])],
                        }])
            name, kind, budget = SFA_CAMPAIGN
            campaign, = Campaign.create([{
                        'name': name, 'kind': kind,
                        'start_date': today - dt.timedelta(days=7),
                        'end_date': today + dt.timedelta(days=7),
                        'budget': Decimal(budget),
                        'owner': employees['manager'],
                        }])
            Lead.create([{
                        'name': name, 'company_name': company_name,
                        'mobile': mobile, 'description': description,
                        'region': city.id, 'campaign': campaign.id,
                        'company': company.id,
                        } for name, company_name, mobile, description
                    in SFA_LEADS])
            deal, = Opportunity.search([
                    ('description', '=', SFA_DEALS[3][2])])
            contract, = Contract.create_from_deals([deal])
            half = (contract.amount / 2).quantize(Decimal('0.01'))
            Contract.write([contract], {'instalments': [('create', [
                                {'due_date': today - dt.timedelta(days=5),
                                    'amount': half},
                                {'due_date': today + relativedelta(months=1),
                                    'amount': contract.amount - half},
                                ])]})
        users = {u.login: u for u in User.search(
                [('login', 'in', ['sales1', 'manager'])])}
        for login, do in [
                ('sales1', lambda: Contract.submit([contract])),
                (None, lambda: Approval.decide(
                        [Contract(contract.id).approval], 'approved')),
                ('manager', lambda: Instalment.collect(
                        Contract(contract.id).instalments[0],
                        Decimal("100.00"), method="transfer")),
                ]:
            user = users[login] if login else None
            with Transaction().set_user(user.id if user else 0), \
                    Transaction().set_context(company=company.id,
                        employee=user.employee.id if user else None):
                do()
        transaction.commit()


# The fake K3 Cloud `make run` starts beside the demo (K3 Cloud's own
# numbers: tests/fakes of crm_k3_bridge knows them with --demo)
K3_FAKE_PORT = 8091
K3_SETTLE_TYPES = {"现金": 'JSFS01_SYS', "银行卡": 'JSFS05_SYS',
    "微信": 'JSFS31_SYS', "支付宝": 'JSFS32_SYS', "会员卡": 'JSFS33_SYS',
    "积分": 'JSFS34_SYS', "次卡": 'JSFS35_SYS'}
# Sold yesterday and not mapped yet: the day waits for it
K3_UNMAPPED = "发蜡"
K3_DAYS = 30


def _k3(database, cashier):
    """The K3 interface on the fake K3 Cloud: every product but one and
    every payment method mapped, and the last 30 days of the shop's till"""
    from trytond.transaction import Transaction, TransactionError
    extras = {}
    while True:
        try:
            with Transaction().start(database.name, 0, **extras) \
                    as transaction:
                _k3_load(cashier)
                transaction.commit()
            return
        except TransactionError as error:
            # Started again with the tables it locks
            error.fix(extras)


def _k3_load(cashier):
    "The K3 mappings and the 30 days of sales, in the current transaction"
    from trytond.modules.crm_cashier.tests.tools import pay
    from trytond.modules.crm_k3_bridge.tests.fakes import FakeK3Cloud
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    rng = random.Random(SEED + 3)
    pool = Pool()
    Company = pool.get('company.company')
    Configuration = pool.get('crm.k3.configuration')
    Mapping = pool.get('crm.k3.mapping')
    Method = pool.get('sale.point.payment.method')
    POS = pool.get('sale.point')
    Product = pool.get('product.product')
    Sale = pool.get('sale.point.sale')
    Line = pool.get('sale.point.sale.line')
    company, = Company.search([])
    with Transaction().set_context(company=company.id):
        # The shop's day, in its time zone
        today = pool.get('ir.date').today()
        Configuration.write([Configuration(1)], {
                'target': 'cloud',
                'cloud_url': 'http://127.0.0.1:%s/k3cloud/' % K3_FAKE_PORT,
                'cloud_acct_id': FakeK3Cloud.acct_id,
                'cloud_username': FakeK3Cloud.username,
                'cloud_password': FakeK3Cloud.password,
                'start_date': today - dt.timedelta(days=K3_DAYS),
                })
        point, = POS.search([])
        products = Product.search([('salable', '=', True)],
            order=[('id', 'ASC')])
        methods = Method.search([], order=[('id', 'ASC')])
        Mapping.create([{'kind': 'point', 'point': point.id,
                    'number': '100', 'warehouse': 'CK001'}]
            + [{'kind': 'product', 'product': p.id,
                    'number': 'WL%04d' % i, 'unit': 'Pcs',
                    'tax_rate': Decimal(13)}
                for i, p in enumerate(products, 1)
                if p.name != K3_UNMAPPED]
            + [{'kind': 'method', 'method': m.id,
                    'number': K3_SETTLE_TYPES[m.name]}
                for m in methods])
        by_name = {p.name: p for p in products}
        goods = [p for p in products
            if p.type == 'goods' and p.name != K3_UNMAPPED]
        paid_by = [m for m in methods if m.name in {
                    "现金", "微信", "支付宝", "银行卡"}]
        for days in range(K3_DAYS, 0, -1):
            date = today - dt.timedelta(days=days)
            for count in range(2):
                sold = rng.sample(goods, 2)
                if days == 1 and count == 0:
                    sold = [by_name[K3_UNMAPPED], sold[0]]
                sale = Sale(point=point, date=date, employee=cashier)
                sale.lines = [Line(sale=sale, product=p, quantity=1)
                    for p in sold]
                for line in sale.lines:
                    line.on_change_product()
                sale.save()
                method = rng.choice(paid_by)
                pay(Sale(sale.id), method, Sale(sale.id).total,
                    reference=(None if method.cash
                        else '%s%08d' % (date.strftime('%Y%m%d'),
                            rng.randrange(10 ** 8))))


def _close_config_wizard(config):
    "The demo is configured: the administrator is not asked to do it again"
    from proteus import Model
    Item = Model.get('ir.module.config_wizard.item')
    items = Item.find([('state', '=', 'open')])
    for item in items:
        item.state = 'done'
    Item.save(items)
