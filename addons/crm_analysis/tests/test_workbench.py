# This file is part of the CRM suite.
"Each role's board, its tiles as each user sees them, and their figures"
import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_cashier.tests.tools import new_sale, pay, setup_shop
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_staff)
from trytond.modules.crm_sfa.tests.tools import undone
from trytond.modules.crm_membership.tests.tools import (
    create_card_type, issue_card)
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder, PYSONEncoder
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction, without_check_access

D = Decimal
ROLES = {
    'cashier': 'group_cashier',
    'sales': 'group_salesperson',
    'service': 'group_service',
    'manager': 'group_sales_manager',
    }


def tile_names(user):
    "The fs_id of the actions on the board of user, in their order"
    ModelData = Pool().get('ir.model.data')
    names = {d.db_id: d.fs_id for d in ModelData.search([
                ('model', '=', 'ir.action.act_window'),
                ('module', '=', 'crm_analysis'),
                ])}
    return [names.get(a.act_window.id) for a in user.dashboard_actions]


def drilled(model, rows):
    "The records the rows open (double-click in the tile)"
    pool = Pool()
    Open = pool.get('crm.analysis.rows.open', type='wizard')
    session_id, _, _ = Open.create()
    with Transaction().set_context(active_model=model,
            active_id=rows[0].id, active_ids=[r.id for r in rows]):
        result = Open.execute(session_id, {}, 'open_')
    (action, _), = result['actions']
    Model = pool.get(action['res_model'])
    return Model.search(PYSONDecoder().decode(action['pyson_domain']))


def tile_records(fs_id):
    """The records of the tile as the current user's client shows them:
    its domain decoded in the user's context"""
    pool = Pool()
    ActWindow = pool.get('ir.action.act_window')
    ModelData = pool.get('ir.model.data')
    action = ActWindow(ModelData.get_id('crm_analysis', fs_id))
    context = dict(Transaction().context)
    context['context'] = dict(context)
    domain = PYSONDecoder(context).decode(
        action.pyson_domain or PYSONEncoder().encode([]))
    Model = pool.get(action.res_model)
    return Model.search(domain)


class WorkbenchTestCase(ModuleDatabaseTestCase):
    "The role boards"
    module = 'crm_analysis'

    @with_transaction()
    def test_role_boards(self):
        """A new user of a role gets its role's tiles and the board at
        login; a board the user arranged stays; restoring brings it back"""
        pool = Pool()
        Action = pool.get('dashboard.action')
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        View = pool.get('ir.ui.view')
        Reset = pool.get('crm.analysis.board.reset', type='wizard')
        company = create_company()
        with set_company(company):
            users = {k: create_staff(company, k, g) for k, g in ROLES.items()}
        self.assertEqual(tile_names(users['cashier']), [
                'act_tile_shift', 'act_tile_members_today',
                'act_tile_birthdays', 'act_tile_pin_locked'])
        self.assertEqual(tile_names(users['sales']), [
                'act_tile_contacts_due', 'act_tile_tasks_due',
                'act_tile_plan_tasks_due', 'act_tile_deals_month',
                'act_tile_target_mine'])
        self.assertEqual(tile_names(users['service']), [
                'act_tile_complaints_open', 'act_tile_requests_open',
                'act_tile_surveys_answered'])
        self.assertEqual(tile_names(users['manager']), [
                'act_tile_sales_comparison', 'act_tile_new_members',
                'act_tile_value_flow', 'act_tile_approvals',
                'act_tile_churn_candidates', 'act_tile_team_ranking'])
        board = pool.get('ir.action.act_window')(
            ModelData.get_id('dashboard', 'act_dashboard')).action
        for user in users.values():
            self.assertIn(board, user.actions)

        # The board's view holds the user's tiles
        sales = users['sales']
        with as_user(sales):
            view_id = View.dashboard_id()
            arch, = [v['arch'] for v in View.read([view_id], ['arch'])]
            for action in sales.dashboard_actions:
                self.assertIn('name="%s"' % action.act_window.id, arch)

            # A salesperson drops a tile and moves another up
            first, second, *_ = User(sales.id).dashboard_actions
            # As the dispatcher runs it: without the access check of res.user
            with without_check_access():
                User.set_preferences({'dashboard_actions': [
                            ('delete', [first.id]),
                            ('write', [second.id], {'sequence': 0}),
                            ]})
        sales = User(sales.id)
        self.assertEqual(tile_names(sales)[0], 'act_tile_tasks_due')
        self.assertEqual(len(sales.dashboard_actions), 4)

        # Made a manager too: what they arranged stays
        User.write([sales], {'groups': [('add', [
                            ModelData.get_id('crm_customer',
                                'group_sales_manager')])]})
        self.assertEqual(len(User(sales.id).dashboard_actions), 4)

        with as_user(sales):
            session_id, _, _ = Reset.create()
            action, = Reset.execute(session_id, {}, 'start')['actions']
        self.assertEqual(action[0]['res_model'], None)
        # Both roles' tiles, each once
        names = tile_names(User(sales.id))
        self.assertEqual(len(names), 11)
        self.assertEqual(set(names), {
                'act_tile_contacts_due', 'act_tile_tasks_due',
                'act_tile_plan_tasks_due', 'act_tile_deals_month',
                'act_tile_target_mine', 'act_tile_sales_comparison',
                'act_tile_new_members', 'act_tile_value_flow',
                'act_tile_approvals', 'act_tile_churn_candidates',
                'act_tile_team_ranking'})
        self.assertEqual(Action.search([
                    ('user', '=', users['cashier'].id)], count=True), 4)

    @with_transaction()
    def test_own_board_only(self):
        """A user reads and arranges no one else's board, over RPC"""
        pool = Pool()
        Action = pool.get('dashboard.action')
        company = create_company()
        with set_company(company):
            sales = create_staff(company, 'sales', 'group_salesperson')
            cashier = create_staff(company, 'cashier', 'group_cashier')
        theirs = cashier.dashboard_actions[0]
        with as_user(sales):
            self.assertEqual(
                {a.user.id for a in Action.search([])}, {sales.id})
            self.assertEqual(Action.search([('user', '=', cashier.id)]), [])
            with self.assertRaises(AccessError):
                Action.write([Action(theirs.id)], {'sequence': 99})
            with self.assertRaises(AccessError):
                Action.delete([Action(theirs.id)])
            with self.assertRaises(AccessError), undone():
                Action.create([{'user': cashier.id,
                            'act_window': theirs.act_window.id}])
        self.assertEqual(Action(theirs.id).sequence, theirs.sequence)
        self.assertEqual(len(pool.get('res.user')(
                    cashier.id).dashboard_actions), 4)

    @with_transaction()
    def test_salesperson_tiles_count_what_they_see(self):
        """A salesperson's tiles count their own contacts, tasks and deals
        only; the shop's figures are out of reach"""
        pool = Pool()
        Contact = pool.get('crm.sfa.contact')
        Opportunity = pool.get('sale.opportunity')
        Party = pool.get('party.party')
        Task = pool.get('crm.sfa.task')
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            zhang = create_staff(company, 'zhang', 'group_salesperson')
            li = create_staff(company, 'li', 'group_salesperson')
            today = Date.today()
            customers = {}
            for user in [zhang, li]:
                party = Party(name="客户" + user.login,
                    owner=user.employee)
                party.save()
                customers[user] = party
                Contact.create([{
                            'party': party.id,
                            'employee': user.employee.id,
                            'date': dt.datetime.now() - dt.timedelta(days=3),
                            'kind': 'call',
                            'content': "回访",
                            'next_date': today - dt.timedelta(days=1),
                            }])
                Task.create([{
                            'name': "送资料",
                            'assignee': user.employee.id,
                            'assigned_by': user.employee.id,
                            'due_date': today,
                            }])
                Opportunity.create([{
                            'party': party.id,
                            'employee': user.employee.id,
                            'description': "年卡",
                            'end_date': today,
                            'company': company.id,
                            }])
            for user, other in [(zhang, li), (li, zhang)]:
                with as_user(user):
                    for tile in ['act_tile_contacts_due', 'act_tile_tasks_due',
                            'act_tile_deals_month']:
                        records = tile_records(tile)
                        self.assertEqual(len(records), 1, tile)
                    contact, = tile_records('act_tile_contacts_due')
                    self.assertEqual(contact.party, customers[user])
                    deal, = tile_records('act_tile_deals_month')
                    self.assertEqual(deal.party, customers[user])
                    # The shop's figures are the manager's
                    for tile in ['act_tile_sales_comparison',
                            'act_tile_value_flow']:
                        with self.assertRaises(AccessError):
                            tile_records(tile)

    @with_transaction()
    def test_cashier_and_manager_figures(self):
        """The shift by payment method, today's members, sales beside last
        year and this month's stored value add up the shop's sales"""
        pool = Pool()
        Date = pool.get('ir.date')
        Sale = pool.get('sale.point.sale')
        Session = pool.get('sale.point.cash.session')
        Comparison = pool.get('crm.analysis.sales_comparison')
        ShiftPayment = pool.get('crm.analysis.shift_payment')
        ValueFlow = pool.get('crm.analysis.value_flow')
        company = create_company()
        with set_company(company):
            cashier = create_staff(company, 'cashier', 'group_cashier')
            manager = create_staff(company, 'manager', 'group_sales_manager')
            # As the demo's shop manager, who reads the tills' sales
            pool.get('res.user').write([manager], {'groups': [('add', [
                            pool.get('ir.model.data').get_id(
                                'sale_point', 'group_sale_point')])]})
            point, cash, card_method, card, shampoo, cigarettes = (
                setup_shop(company))
            session, = Session.search([('point', '=', point.id)])
            Session.write([session], {'employee': cashier.employee.id})
            today = Date.today()
            last_year = today - relativedelta(years=1)

            # Today: a member pays ¥50 by card and the rest in cash, a
            # walk-in pays cash; a year ago today one sale in cash
            first = new_sale(point, card, shampoo)
            first = pay(first, card_method, 50, '123456')
            first = pay(first, cash, first.amount_to_pay)
            second = pay(new_sale(point, None, cigarettes), cash, 50)
            old = new_sale(point, None, cigarettes)
            Sale.write([old], {'date': last_year})
            old = pay(Sale(old.id), cash, 50)
            # Still open: counts nowhere
            new_sale(point, None, shampoo)
            self.assertEqual({first.state, second.state, old.state}, {'done'})
            total = first.total + second.total

            with as_user(cashier):
                rows = ShiftPayment.search([])
                self.assertEqual(
                    sorted((r.method.name, r.number, r.amount) for r in rows),
                    sorted([("会员卡", 1, D(50)),
                            ("现金", 3 if old.shift == session else 2,
                                total - 50 + (
                                    old.total if old.shift == session
                                    else 0))]))
                served, = tile_records('act_tile_members_today')
                self.assertEqual(served, first)
                # A method's row opens the shift's sales it paid
                by_method = {r.method.name: r for r in rows}
                self.assertEqual(drilled(ShiftPayment.__name__,
                        [by_method["会员卡"]]), [first])
                self.assertEqual(set(drilled(ShiftPayment.__name__,
                            [by_method["现金"]])),
                    {first, second} | ({old} if old.shift == session
                        else set()))
            with as_user(manager):
                rows = {r.period: (r.sales, r.amount)
                    for r in Comparison.search([])}
                self.assertEqual(rows['today'], (2, total))
                self.assertEqual(rows['today_last_year'], (1, old.total))
                self.assertEqual(rows['month'], (2, total))
                self.assertEqual(rows['month_last_year'], (1, old.total))
                flow = {r.kind: (r.lines, r.total) for r in ValueFlow.search([])}
                # The card was sold with ¥200 and paid ¥50
                self.assertEqual(flow['issue'], (1, D(200)))
                self.assertEqual(flow['payment'], (1, D(-50)))
                # A period opens its sales, a kind its lines
                periods = {r.period: r for r in Comparison.search([])}
                self.assertEqual(set(drilled(Comparison.__name__,
                            [periods['today']])), {first, second})
                self.assertEqual(drilled(Comparison.__name__,
                        [periods['today_last_year']]), [old])
                kinds = {r.kind: r for r in ValueFlow.search([])}
                line, = drilled(ValueFlow.__name__, [kinds['payment']])
                self.assertEqual((line.kind, line.amount), ('payment', D(-50)))
                # Started on another model, it opens nothing
                Open = pool.get('crm.analysis.rows.open', type='wizard')
                session_id, _, _ = Open.create()
                with Transaction().set_context(active_model='party.party',
                        active_id=card.party.id,
                        active_ids=[card.party.id]):
                    self.assertNotIn('actions',
                        Open.execute(session_id, {}, 'open_'))
            with as_user(cashier):
                for Model in [Comparison, ValueFlow]:
                    with self.assertRaises(AccessError):
                        Model.search([])

    @with_transaction()
    def test_open_complaints(self):
        """未结案投诉 lists the complaints of every open state of the
        shop's process (routed to a department, implemented…), none closed"""
        pool = Pool()
        Complaint = pool.get('sale.complaint')
        ModelData = pool.get('ir.model.data')
        Party = pool.get('party.party')
        from trytond.modules.crm_service.complaint import OPEN_STATES
        company = create_company()
        with set_company(company):
            service = create_staff(company, 'service', 'group_service')
            customer, = Party.create([{'name': "王芳"}])
            category, = pool.get('crm.service.complaint.category').create(
                [{'name': "商品质量", 'due_days': 2,
                        'employee': service.employee.id}])
            complaints = Complaint.create([{
                        'customer': customer.id,
                        'category': category.id,
                        'founded': 'founded',
                        'type': ModelData.get_id(
                            'crm_service', 'complaint_type_till_sale'),
                        'channel': 'phone',
                        'description': state,
                        'state': state,
                        } for state in OPEN_STATES + ['done', 'rejected',
                        'cancelled']])
            with as_user(service):
                self.assertEqual(
                    {c.state for c in tile_records(
                            'act_tile_complaints_open')},
                    set(OPEN_STATES))
                self.assertEqual(len(tile_records(
                            'act_tile_complaints_open')), len(OPEN_STATES))
            self.assertEqual(len(complaints), len(OPEN_STATES) + 3)

    @with_transaction()
    def test_birthdays_and_locked_cards(self):
        """Birthdays of this week by either calendar; cards whose PIN is
        locked by wrong attempts"""
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Date = pool.get('ir.date')
        Party = pool.get('party.party')
        from trytond.modules.crm_customer.chinese import lunar_birthday_date
        from lunardate import LunarDate
        today = Date.today()
        in3 = today + dt.timedelta(days=3)
        in10 = today + dt.timedelta(days=10)
        lunar = LunarDate.fromSolarDate(in3.year, in3.month, in3.day)
        self.assertEqual(lunar_birthday_date(
                lunar.year, lunar.month, lunar.day, lunar.isLeapMonth), in3)
        soon, later, moon = Party.create([{
                    'name': "三天后", 'birthday_calendar': 'solar',
                    'birthday': in3.replace(year=1990)
                    if (in3.month, in3.day) != (2, 29) else None,
                    }, {
                    'name': "十天后", 'birthday_calendar': 'solar',
                    'birthday': in10.replace(year=1990)
                    if (in10.month, in10.day) != (2, 29) else None,
                    }, {
                    'name': "农历", 'birthday_calendar': 'lunar',
                    'birthday_lunar_month': lunar.month,
                    'birthday_lunar_day': lunar.day,
                    'birthday_lunar_leap': lunar.isLeapMonth,
                    }])
        found = Party.search([
                ('next_birthday', '<=', today + dt.timedelta(days=6))])
        self.assertIn(moon, found)
        self.assertNotIn(later, found)
        self.assertEqual(moon.next_birthday, in3)
        if soon.birthday:
            self.assertIn(soon, found)
            self.assertEqual(soon.next_birthday, in3)

        company = create_company()
        with set_company(company):
            card = issue_card(create_card_type(pin_required=True),
                party=soon, amount=D(100), pin='123456')
            other = issue_card(create_card_type(name="次卡2"),
                party=later, amount=D(100))
        self.assertEqual(Card.search([('pin_locked', '=', True)]), [])
        config = pool.get('crm.configuration')(1)
        Failure = pool.get('crm.membership.card.pin_failure')
        Failure.create([{'card': card.id}] * config.pin_attempts)
        self.assertEqual(Card.search([('pin_locked', '=', True)]), [card])
        self.assertIn(other, Card.search([('pin_locked', '=', False)]))
        self.assertNotIn(card, Card.search([('pin_locked', '!=', True)]))
