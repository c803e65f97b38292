"""The web client (sao) as Chinese staff see it: log in as sales1, check
the main menu and the customer list are in Chinese; log in as a cashier,
top up a member card in cash, report it lost and re-issue it, then serve a
member from the swipe to the receipt; log in as the shop manager and send a
bulk SMS to the customers of a bookmarked filter; a locked account is
refused with the Chinese message and an idle session asks for the password
again; 客服 records a complaint on a till sale, the manager approves it and
the customer answers the satisfaction survey on a phone. The screenshots of these screens go to var/screenshots, or with
UPDATE_SCREENSHOTS=1 to docs/img, where the module guides show them."""
import datetime as dt
import os
import pathlib
import re
import sqlite3
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect, sync_playwright

import crm_admin
import demo

from trytond.modules.crm_cashier.tests.tools import pdf_objects

ROOT = pathlib.Path(__file__).resolve().parent.parent
IMAGES = (ROOT / 'docs' / 'img' if os.environ.get('UPDATE_SCREENSHOTS')
    else ROOT / 'var' / 'screenshots')
SCREENSHOT = IMAGES / 'customers.png'
SCREENSHOT_FORM = IMAGES / 'customer-form.png'
SCREENSHOT_CARD = IMAGES / 'member-card.png'
SCREENSHOT_TILL = IMAGES / 'till.png'
SCREENSHOT_BULK = IMAGES / 'sms-bulk.png'

LOGIN = 'sales1'
PASSWORD = 'demo2026'
TIMEOUT = 30_000  # ms, for every wait

CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update',
    '--disable-sync',
    ]

CJK = re.compile(r'[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]')
ENGLISH = re.compile(r'^[A-Za-z][A-Za-z &]*$')


@pytest.fixture(scope='module')
def browser(chromium_path):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True,
            args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    # A shop's browsers are in China: the client's today (PYSON Date()) is
    # the shop's
    context = browser.new_context(locale='zh-CN',
        timezone_id='Asia/Shanghai', viewport={'width': 1400, 'height': 900})
    context.set_default_timeout(TIMEOUT)

    # Nothing may leave the loopback server
    def foreign(url):
        return url.startswith(('http:', 'https:', 'ws:', 'wss:')) \
            and not url.startswith(server)
    context.route(foreign, lambda route: route.abort())
    page = context.new_page()
    yield page
    context.close()


def log_in(page, server, database, login, password, board=False):
    """Fill sao's login dialog then its password dialog; the board that
    opens at login is closed unless board"""
    page.goto(server)
    dialog = page.locator('.login-dialog')
    dialog.locator('#login').wait_for(state='visible')
    # sao shows either a select of the databases, a read-only input when
    # the server lists only one, or a free input when it lists none
    database_field = dialog.locator('[name="database"]:visible')
    expect(database_field).to_have_count(1)
    tag = database_field.evaluate('element => element.tagName')
    if tag == 'SELECT':
        database_field.select_option(database)
    elif database_field.get_attribute('readonly') is None:
        database_field.fill(database)
    else:
        expect(database_field).to_have_value(database)
    dialog.locator('#login').fill(login)
    dialog.locator('button[type="submit"]').click()

    password_field = page.locator('#ask-dialog-entry[name="password"]')
    password_field.wait_for(state='visible')
    password_field.fill(password)
    password_field.press('Enter')
    # Logged in once the main menu shows its first entry
    page.locator('#menu table.tree tbody > tr').first.wait_for(
        state='visible')
    # The board of the user's roles opens at login: once it shows, it no
    # longer takes the focus from the tab a test opens next
    try:
        page.locator('.board-action').first.wait_for(
            state='visible', timeout=5000)
    except PlaywrightTimeoutError:
        return
    if not board:
        page.get_by_role('tab', name='工作台').get_by_role(
            'button').first.click()
        expect(page.locator('.board-action')).to_have_count(0)


def many2one(page, locator, text):
    "Type text and pick the first record the completion offers"
    choice = page.locator(
        '.dropdown-completion:visible li.completion', has_text=text).first
    # What is typed while a new record loads is lost: type again
    for attempt in range(5):
        locator.fill('')
        locator.press_sequentially(text, delay=20)
        try:
            choice.wait_for(state='visible', timeout=3000)
            break
        except PlaywrightTimeoutError:
            continue
    choice.click()
    expect(locator).to_have_value(re.compile(re.escape(text)))


def fill_text(page, locator, text):
    """Type text into a form's field and leave it. sao draws the form again
    when a late answer of the server comes in, which resets a text not yet
    left: wait until no call is pending, and type again if it was reset"""
    for attempt in range(5):
        page.wait_for_function('() => !jQuery.active')
        locator.fill(text)
        locator.press('Tab')
        page.wait_for_function('() => !jQuery.active')
        if locator.input_value() == text:
            return
    expect(locator).to_have_value(text)


def menu_row(page, text):
    "The row of the left menu tree whose entry reads exactly text"
    return page.locator('#menu table.tree tbody > tr').filter(
        has=page.locator(f'.column-char[title="{text}"]'))


def open_menu(page, folder, entry):
    "Expand the menu's folder and open its entry"
    menu_row(page, folder).locator('.expander').click()
    row = menu_row(page, entry)
    row.wait_for(state='visible')
    row.locator('.column-char').dblclick()


def top_level_menu_entries(page):
    """The texts of the menu tree's top-level rows (depth 1: their expander
    is not indented)"""
    return page.locator('#menu table.tree tbody > tr').evaluate_all('''
        rows => rows.filter(row => {
            const expander = row.querySelector('.expander img');
            return !expander || !parseFloat(expander.style.marginLeft || 0);
        }).map(row => {
            const entry = row.querySelector('.column-char');
            return entry ? entry.textContent.trim() : '';
        }).filter(text => text)''')


def test_salesperson_sees_chinese_client(page, server, demo_database):
    # 1. Log in as the salesperson 张伟
    log_in(page, server, demo_database.name, LOGIN, PASSWORD)

    # 2. The main menu: 客户管理 and no English top-level entry
    crm_menu = menu_row(page, '客户管理')
    try:
        crm_menu.wait_for(state='visible')
    except PlaywrightTimeoutError:
        pass  # reported with the entries by the assertion below
    entries = top_level_menu_entries(page)
    assert '客户管理' in entries, f"top-level menu entries: {entries}"
    english = [e for e in entries if ENGLISH.match(e)]
    # Checked at the end, so that the customer list is still checked and
    # its screenshot taken while some core menu remains untranslated

    # 3. 客户管理 → 客户 opens the customer list
    crm_menu.locator('.expander').click()
    customers_menu = menu_row(page, '客户')
    customers_menu.wait_for(state='visible')
    customers_menu.locator('.column-char').dblclick()

    tab = page.locator('#tabcontent > .tab-pane.active')
    expect(tab.locator('.tab-form .title').first).to_contain_text('客户')
    table = tab.locator('.content-box table.tree').first
    rows = table.locator('tbody > tr')
    rows.first.wait_for(state='visible')

    # The domain tabs (我的客户 / 未分配 / 全部): under 我的客户 the client
    # hides the salesperson column as the domain fixes it, 全部 shows it
    domain_tabs = tab.locator('.tab-domain a[role="tab"]')
    domain_names = [t.strip() for t in domain_tabs.all_inner_texts()]
    assert all(CJK.search(t) for t in domain_names), (
        f"domain tabs: {domain_names}")
    tab.locator('.tab-domain a[role="tab"]', has_text='全部').click()
    expect(tab.locator('.tab-domain li.active')).to_contain_text('全部')

    headers = table.locator('thead > tr > th:visible')
    owner_header = headers.filter(has_text='负责销售员')
    expect(owner_header).to_have_count(1)
    expect(headers.filter(has_text='客户名称')).to_have_count(1)
    # The rows are redrawn for 全部 once their salesperson cells show
    owner_id = owner_header.get_attribute('id')
    table.locator(f'tbody > tr > td[headers="{owner_id}"]:visible').first\
        .wait_for(state='visible')
    header_texts = [t.strip() for t in headers.all_inner_texts()]
    header_texts = [t for t in header_texts if t]
    assert '客户名称' in header_texts, f"column headers: {header_texts}"
    assert '负责销售员' in header_texts, f"column headers: {header_texts}"
    not_chinese = [t for t in header_texts if not CJK.search(t)]
    assert not not_chinese, (
        f"column headers not in Chinese: {not_chinese} "
        f"(all headers: {header_texts})")

    expect(rows.first.locator('.column-char').first).not_to_have_text('')
    assert rows.count() > 0, "the customer list shows no row"
    # Only his own customers and the unowned ones
    owner_cells = table.locator(
        f'tbody > tr > td[headers="{owner_id}"]:visible')
    owners = {t.strip() for t in owner_cells.all_inner_texts()}
    assert owners <= {'张伟', ''}, f"owners shown to 张伟: {owners}"
    assert '张伟' in owners

    # 4. Screenshot
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # 5. The search box finds his customer by the last four digits of the
    # mobile; the form has the Chinese tabs and the ID card number masked
    name, mobile = next((name, mobile)
        for index, (name, mobile, owner) in enumerate(demo.customer_rows())
        if owner == LOGIN and index % 4 == 0)
    search = tab.locator('.filter-box input').first
    search.fill(mobile[-4:])
    search.press('Enter')
    found = rows.filter(has_text=name)
    expect(found).to_have_count(1)
    found.first.get_by_text(name, exact=True).click()
    tab.locator('button#switch_').first.click()
    form = page.locator('#tabcontent > .tab-pane.active .form')
    for title in ['基本信息', '联系方式', '分类', '消费', '备注']:
        expect(form.locator('.nav-tabs a', has_text=title).first)\
            .to_be_visible()
    id_card = form.locator('[id="id_card_number"] input, '
        'input[name="id_card_number"]').first
    expect(id_card).to_have_value(re.compile(r'^440\*{11}\d{3}[\dX]$'))
    page.screenshot(path=str(SCREENSHOT_FORM), full_page=True)

    # 2 (end). No English top-level menu entry
    assert not english, (
        f"English top-level menu entries: {english} "
        f"(all top-level entries: {entries})")


def test_cashier_tops_up_and_reissues_a_card(page, server, demo_database):
    """收银员 opens the first demo card, tops it up through the 充值 wizard,
    paid in cash into her shift, reports it lost and re-issues it, all in
    Chinese"""
    log_in(page, server, demo_database.name, 'cashier1', PASSWORD)
    menu_row(page, '客户管理').locator('.expander').click()
    membership = menu_row(page, '会员管理')
    membership.wait_for(state='visible')
    membership.locator('.expander').click()
    cards_menu = menu_row(page, '会员卡')
    cards_menu.wait_for(state='visible')
    cards_menu.locator('.column-char').dblclick()

    tab = page.locator('#tabcontent > .tab-pane.active')
    tab.locator('.tab-domain a[role="tab"]', has_text='全部').click()
    expect(tab.locator('.tab-domain li.active')).to_contain_text('全部')
    table = tab.locator('.content-box table.tree').first
    table.locator('tbody > tr').first.wait_for(state='visible')
    headers = [t.strip() for t in table.locator(
            'thead > tr > th:visible').all_inner_texts() if t.strip()]
    assert {'卡号', '会员', '余额', '积分'} <= set(headers), headers
    search = tab.locator('.filter-box input').first
    search.fill('880000000001')
    search.press('Enter')
    row = table.locator('tbody > tr', has_text='880000000001')
    expect(row).to_have_count(1)
    row.get_by_text('880000000001', exact=True).click()
    tab.locator('button#switch_').first.click()
    form = page.locator('#tabcontent > .tab-pane.active .form')

    def value(name):
        return form.locator(f'input[name="{name}"]:visible').first

    def amount(text):
        return float(text.replace(',', '').replace('¥', '').strip() or 0)
    state = form.locator('select[name="state"] option:checked')
    expect(value('number')).to_have_value('880000000001')
    expect(state).to_have_text('正常')
    before = amount(value('balance').input_value())

    # 充值 ¥1,000: the wizard shows the ¥100 bonus of the tier
    form.locator('button', has_text='充值').first.click()
    dialog = page.locator('.modal-dialog:visible').last
    # A number field shows a text input that swaps itself for a number
    # input when it takes the focus (the wizard may give it the focus as it
    # opens): focus the text one if it is still there, type into the other
    amount_input = dialog.locator('input[name="amount"][type="number"]')
    dialog.locator('input[name="amount"][type="text"]').focus()
    expect(amount_input).to_be_visible()
    amount_input.fill('1000')
    amount_input.press('Tab')
    expect(dialog.locator('input[name="bonus"]:visible')).to_have_value(
        re.compile(r'^100(\.00)?$'))
    many2one(page, dialog.locator('input[name="method"]:visible').first,
        '现金')
    dialog.locator('.modal-footer button', has_text='充值').click()
    expect(dialog).to_be_hidden()
    page.wait_for_function(
        '''([selector, expected]) => Array.from(
            document.querySelectorAll(selector)).some(input =>
                input.offsetParent !== null
                && parseFloat(input.value.replace(/,/g, '')) === expected)
        ''', arg=['#tabcontent > .tab-pane.active .form '
            'input[name="balance"]', before + 1100])
    assert form.locator('button', has_text='冻结').first.is_visible()

    # 挂失 then 补卡: the old card is replaced
    form.locator('button', has_text='挂失').first.click()
    expect(state).to_have_text('已挂失')
    form.locator('button', has_text='补卡').first.click()
    dialog = page.locator('.modal-dialog:visible').last
    expect(dialog).to_contain_text('新卡将承接储值余额')
    dialog.locator('.modal-footer button', has_text='补卡').click()
    expect(dialog).to_be_hidden()
    expect(state).to_have_text('已补卡')
    page.screenshot(path=str(SCREENSHOT_CARD), full_page=True)


def test_cashier_serves_a_member(page, server, demo_database):
    """收银员 opens a sale, adds two items, swipes the member's card, which
    re-prices them and shows the member, her reminder and her open
    complaint; pays part from the card with its
    PIN and the rest in cash in one step, sees the change and gets the
    receipt PDF"""
    log_in(page, server, demo_database.name, 'cashier1', PASSWORD)
    open_menu(page, '销售', '收银单')
    tab = page.locator('#tabcontent > .tab-pane.active')
    tab.locator('button#new_').first.click()
    form = tab.locator('.form').first

    def field(name):
        return form.locator(f'[name="{name}"]:visible').first

    def amount(text):
        return float(re.sub(r'[^0-9.\-]', '', text) or 0)

    def fill_number(dialog, name, value):
        # The text input swaps itself for a number input on focus
        number = dialog.locator(f'input[name="{name}"][type="number"]')
        dialog.locator(f'input[name="{name}"][type="text"]').focus()
        expect(number).to_be_visible()
        number.fill(str(value))
        number.press('Tab')

    # The new sale is ready once its defaults are shown
    expect(form.locator('select[name="state"] option:checked')).to_have_text(
        '打开')
    many2one(page, field('point'), '前台收银台')

    def answered(method):
        "Whether a response answers the client's call of method"
        return lambda response: (
            '"method":"%s"' % method in (response.request.post_data or ''))

    lines = form.locator('.form-one2many').first
    # 洗发水 68 + 护发素 58; each line is saved only once the server has
    # priced it, and the sale's total followed before the next one
    for product, price, total in [
            ('洗发水', '68.00', '68.00'), ('护发素', '58.00', '126.00')]:
        # A new line gets its first values (an amount of 0) from the
        # server after it shows: what is typed before that answer is
        # overwritten by it
        with page.expect_response(
                answered('model.sale.point.sale.line.on_change_with')):
            lines.locator('button[title="新建"]').first.click()
        dialog = page.locator('.modal-dialog:visible').last
        many2one(page, dialog.locator('input[name="product"]:visible').first,
            product)
        fill_number(dialog, 'quantity', 1)
        line_amount = dialog.locator('input[name="amount"]:visible').first
        expect(line_amount).to_have_value(price)
        dialog.locator('.modal-footer button#save').click()
        expect(dialog).to_be_hidden()
        expect(field('total')).to_have_value(total)
    rows = lines.locator('table.tree tbody > tr')
    expect(rows).to_have_count(2)

    # The card reader types the number: the gold member's 12 % off
    # re-prices the lines already there
    many2one(page, field('card'), '880000000002')
    expect(field('member')).not_to_have_value('')
    expect(field('member_level')).to_have_value('金卡会员')
    # Her note that says 提醒 and her complaint still open come up with her
    expect(field('member_reminders')).to_have_value(re.compile('对染发剂过敏'))
    expect(field('member_complaints')).to_have_value(
        re.compile(r'服务投诉 上次烫发等候一个多小时'))
    expect(rows.first).to_contain_text('59.84')
    expect(field('total')).to_have_value('110.88')
    assert amount(field('member_balance').input_value()) >= 50
    tab.locator('button#save').first.click()
    expect(field('total')).to_have_value('110.88')

    in_flight = set()
    page.on('request', lambda request: in_flight.add(request))
    page.on('requestfinished', lambda request: in_flight.discard(request))
    page.on('requestfailed', lambda request: in_flight.discard(request))

    def settle():
        "Wait until the client has had no call to the server for 300 ms"
        quiet = 0
        while quiet < 3:
            page.wait_for_timeout(100)
            quiet = 0 if in_flight else quiet + 1

    def pay_sent(request):
        "Whether a request is the Pay dialog's payment"
        data = request.post_data or ''
        return ('"method":"wizard.sale.point.sale.pay.execute"' in data
            and '"pay"' in data)

    # A new payment gets what is left to pay from the server after it
    # shows: what is typed before that answer is overwritten by it
    new_payment_proposed = answered('model.sale.point.payment.on_change')
    with page.expect_response(new_payment_proposed):
        form.locator('button', has_text='收款').first.click()
    dialog = page.locator('.modal-dialog:visible').last
    # The till drops the fen (抹零)
    amount_text = dialog.locator('input[name="amount"][type="text"]')
    expect(amount_text).to_have_value('110.80')
    # 50 from the card with its PIN and the rest in cash, in one step: the
    # card part leaves 60.80 to the cash, the cashier types what was given
    expect(dialog.locator('select[name="method"]')).to_be_visible()
    dialog.locator('select[name="method"]').select_option(label='现金')
    settle()
    fill_number(dialog, 'card_amount', 50)
    settle()
    expect(amount_text).to_have_value('60.80')
    dialog.locator('input[name="pin"]:visible').fill(demo.DEMO_PIN)
    fill_number(dialog, 'amount', 100)
    settle()
    # The form sends back its key of what it takes from the card
    with page.expect_request(pay_sent) as pay_request, \
            page.expect_download() as download:
        dialog.locator('.modal-footer button.btn-primary').click()
    assert re.search(r'"card_key":\s*"[0-9a-f-]{36}"',
        pay_request.value.post_data)
    receipt = ROOT / 'var' / 'browser-receipt.pdf'
    download.value.save_as(receipt)
    content = receipt.read_bytes()
    assert content.startswith(b'%PDF')
    # The sale's receipt on the till's 80 mm paper (226.77 pt), not a blank
    # page of no records
    assert re.search(rb'/MediaBox \[0 0 226\.77', pdf_objects(content))
    # The download dialog closes itself once the file is taken
    expect(page.locator('.modal-dialog:visible')).to_have_count(0,
        timeout=TIMEOUT)
    expect(form.locator('select[name="state"] option:checked')).to_have_text(
        '已完成')
    expect(field('rounding_amount')).to_have_value('-0.08')
    expect(field('change_amount')).to_have_value('39.20')
    expect(page.locator('.modal-backdrop')).to_have_count(0)
    page.screenshot(path=str(SCREENSHOT_TILL), full_page=True)


def test_manager_sends_a_bulk_sms(page, server, demo_database):
    """店长 bookmarks a filter of the customer list, sends a marketing
    message to its customers through 群发 after seeing how many it reaches
    and what it costs, and finds the messages waiting in the outbox"""
    log_in(page, server, demo_database.name, 'manager', PASSWORD)
    open_menu(page, '客户管理', '客户')
    tab = page.locator('#tabcontent > .tab-pane.active')
    table = tab.locator('.content-box table.tree').first
    table.locator('tbody > tr').first.wait_for(state='visible')
    search = tab.locator('.filter-box input').first
    search.fill('王')
    search.press('Enter')
    expect(table.locator('tbody > tr').first).to_contain_text('王')
    tab.locator('button[title="收藏当前筛选器"]').click()
    name = page.locator('#ask-dialog-entry[name="bookmark"]')
    name.fill('王姓客户')
    name.press('Enter')
    expect(tab.locator('button[title="移除书签"]')).to_be_visible()

    open_menu(page, '短信', '群发')
    tab = page.locator('#tabcontent > .tab-pane.active')
    expect(tab.locator('.tab-form .title').first).to_contain_text('群发')
    tab.locator('button#new_').first.click()
    form = tab.locator('.form').first

    def field(name):
        return form.locator(f'[name="{name}"]:visible').first
    expect(form.locator('select[name="state"] option:checked')).to_have_text(
        '草稿')
    field('name').fill('王姓客户节日问候')
    many2one(page, field('template'), '节日问候')
    many2one(page, field('customer_filter'), '王姓客户')
    expect(field('recipients')).not_to_have_value('')
    recipients = int(field('recipients').input_value())
    assert recipients > 0
    expect(field('estimated_cost')).not_to_have_value('')

    form.locator('button', has_text='发送').first.click()
    expect(form.locator('select[name="state"] option:checked')).to_have_text(
        '已发送')
    expect(field('queued')).to_have_value(str(recipients))
    page.screenshot(path=str(SCREENSHOT_BULK), full_page=True)

    menu_row(page, '发件箱').locator('.column-char').dblclick()
    tab = page.locator('#tabcontent > .tab-pane.active')
    expect(tab.locator('.tab-form .title').first).to_contain_text('发件箱')
    rows = tab.locator('.content-box table.tree').first.locator(
        'tbody > tr', has_text='祝您节日快乐')
    expect(rows).to_have_count(recipients)
    expect(rows.first).to_contain_text('待发送')


def test_locked_account_and_idle_session(page, server, demo_database, rpc):
    """A locked account is told so in Chinese, with whom to ask; a session
    idle for longer than the timeout asks for the password again"""
    admin = rpc('admin')
    user, = admin.model('res.user', 'search_read',
        [('login', '=', 'sales2')], 0, None, None, ['id'])
    admin.model('res.user', 'write', [user['id']],
        {'login_locked': '2026-01-01T08:00:00'})
    try:
        page.goto(server)
        dialog = page.locator('.login-dialog')
        dialog.locator('#login').fill('sales2')
        dialog.locator('button[type="submit"]').click()
        password = page.locator('#ask-dialog-entry[name="password"]')
        password.fill(PASSWORD)
        password.press('Enter')
        refused = page.locator('.modal-dialog:visible', has_text='已被锁定')
        expect(refused).to_be_visible()
        expect(refused).to_contain_text('请联系系统管理员')
        # Once the dialog has faded in (Bootstrap's 0.3 s), for the picture
        page.locator('.modal.in', has_text='已被锁定').wait_for()
        page.wait_for_timeout(300)
        IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMAGES / 'login-locked.png'))
    finally:
        admin.model('res.user', 'unlock_login', [user['id']])

    page.goto('about:blank')
    log_in(page, server, demo_database.name, 'sales2', PASSWORD)
    # Half an hour and more without a request
    idle = dt.datetime.now() - dt.timedelta(minutes=31)
    with sqlite3.connect(demo_database.file) as connection:
        connection.execute(
            'UPDATE ir_session SET write_date = ? WHERE create_uid = ?',
            (idle.isoformat(' '), user['id']))
    # The next request (the menu's entries) is refused: sao asks again
    menu_row(page, '客户管理').locator('.expander').click()
    password = page.locator('#ask-dialog-entry[name="password"]')
    password.wait_for(state='visible')
    password.fill(PASSWORD)
    password.press('Enter')
    password.wait_for(state='hidden')
    # Logged in again, the refused request is sent again
    customers = menu_row(page, '客户')
    customers.wait_for(state='visible')
    customers.locator('.column-char').dblclick()
    tab = page.locator('#tabcontent > .tab-pane.active')
    tab.locator('.content-box table.tree tbody > tr').first.wait_for(
        state='visible')


def test_complaint_to_satisfaction(page, server, demo_database, rpc):
    """客服 records a complaint about a till sale, judges and routes it and
    proposes a refund; the shop manager approves it; once it is closed the
    customer answers the survey of the SMS link on a phone, and the
    manager's satisfaction analysis counts the answer"""
    admin = rpc('admin')
    sale, = admin.model('sale.point.sale', 'search_read', [
            ('state', 'in', ['done', 'posted']),
            ('member', '!=', None),
            ], 0, 1, [('id', 'ASC')], ['number', 'member.rec_name'])
    customer = sale['member.']['rec_name']

    # 1. 客服 records the complaint on the till sale
    log_in(page, server, demo_database.name, 'service', PASSWORD)
    menu_row(page, '客户管理').locator('.expander').click()
    open_menu(page, '客户服务', '客户投诉')
    tab = page.locator('#tabcontent > .tab-pane.active')
    tab.locator('button#new_').first.click()
    form = tab.locator('.form').first
    state = form.locator('select[name="state"] option:checked')
    expect(state).to_have_text('草稿')
    form.locator('select[name="type"]').select_option(label='收银小票')
    form.locator('select:not([name])').first.select_option(
        value='sale.point.sale')
    many2one(page, form.locator('input[name="origin"]'), sale['number'])
    # The customer is the till sale's member
    expect(form.locator('input[name="customer"]')).to_have_value(customer)
    many2one(page, form.locator('input[name="category"]'), '服务态度')
    form.locator('textarea[name="judgement"]').fill("收银员结账时态度冷淡，属实")
    form.locator('textarea[name="description"]').fill(
        "结账时收银员不理人，还催我快点")
    # The selections once the changes above are answered: their answers
    # display the record again
    page.wait_for_timeout(500)
    form.locator('select[name="channel"]').select_option(label='柜台')
    form.locator('select[name="founded"]').select_option(label='投诉成立')
    page.wait_for_timeout(500)
    tab.locator('button#save').first.click()
    expect(form.locator('input[name="number"]')).not_to_have_value('')
    form.locator('button', has_text='判定并分派').first.click()
    expect(state).to_have_text('处理中')
    # Routed by the category to its person, 赵敏 herself
    form.locator('a[role="tab"]', has_text='处理').first.click()
    expect(form.locator('input[name="responsible_employee"]')).to_have_value(
        '赵敏')
    form.locator('textarea[name="resolution"]').fill("向客户致歉，退还洗发水差价")
    compensation = form.locator('input[name="compensation"]')
    compensation.first.focus()
    form.locator('input[name="compensation"][type="number"]').fill('50')
    page.wait_for_timeout(500)
    tab.locator('button#save').first.click()
    expect(tab.locator('button#save').first).to_be_disabled()
    form.locator('button', has_text='提交领导批示').first.click()
    expect(state).to_have_text('待审批')
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMAGES / 'complaint.png'), full_page=True)
    number = form.locator('input[name="number"]').input_value()

    # 2. The shop manager approves
    page.goto('about:blank')
    log_in(page, server, demo_database.name, 'manager', PASSWORD)
    menu_row(page, '客户管理').locator('.expander').click()
    open_menu(page, '客户服务', '客户投诉')
    tab = page.locator('#tabcontent > .tab-pane.active')
    table = tab.locator('.content-box table.tree').first
    tab.locator('.tab-domain a[role="tab"]', has_text='待审批').click()
    row = table.locator('tbody > tr', has_text=customer)
    expect(row).to_have_count(1)
    row.first.dblclick()
    form = tab.locator('.form').first
    state = form.locator('select[name="state"] option:checked')
    expect(state).to_have_text('待审批')
    form.locator('button', has_text='批准').first.click()
    expect(state).to_have_text('已批准')

    # 3. 客服 implements and closes it over the client's RPC
    service = rpc('service')
    complaint, = service.model('sale.complaint', 'search',
        [('number', '=', number)], 0, None, None)
    service.model('sale.complaint', 'write', [complaint],
        {'implementation': "已致歉并退还50元"})
    service.model('sale.complaint', 'implement', [complaint])
    service.model('sale.complaint', 'write', [complaint],
        {'summary': "加强收银员服务培训"})
    service.model('sale.complaint', 'process', [complaint])

    # 4. The customer opens the link of the SMS on a phone
    response, = admin.model('crm.service.survey.response', 'search_read',
        [('origin', '=', f'sale.complaint,{complaint}')], 0, None, None,
        ['sms.text', 'state'])
    assert response['state'] == 'sent'
    url = re.search(r'https?://\S+', response['sms.']['text']).group()
    assert url.startswith(server)
    phone = page.context.browser.new_context(locale='zh-CN',
        timezone_id='Asia/Shanghai', viewport={'width': 390, 'height': 844}, is_mobile=True)
    try:
        survey = phone.new_page()
        survey.goto(url)
        expect(survey.locator('h1')).to_contain_text('投诉处理满意度')
        questions = survey.locator('fieldset')
        expect(questions).to_have_count(3)
        questions.nth(0).locator('input[type="radio"][value="5"]').check()
        questions.nth(1).get_by_label('很快').check()
        questions.nth(2).locator('textarea').fill("处理及时，态度诚恳")
        survey.screenshot(path=str(IMAGES / 'survey-page.png'),
            full_page=True)
        survey.get_by_role('button', name='提交').click()
        expect(survey.locator('body')).to_contain_text('感谢您的评价')
    finally:
        phone.close()

    # 5. The manager's satisfaction analysis counts it
    open_menu(page, '分析', '满意度分析')
    tab = page.locator('#tabcontent > .tab-pane.active')
    table = tab.locator('.content-box table.tree').first
    # The row of the question about 赵敏, who handled it (the other suite
    # tests may have answered about others)
    row = table.locator('tbody > tr', has_text='您对投诉处理结果的满意程度').filter(
        has_text='赵敏')
    expect(row).to_have_count(1)
    expect(row).to_contain_text('5')
    page.screenshot(path=str(IMAGES / 'satisfaction.png'), full_page=True)


def test_admin_maps_a_product_and_exports_a_day(page, server, demo_database,
        rpc):
    """The administrator exports yesterday to K3: the shop's month not sent
    yet goes day by day, yesterday waits for the product sold without a
    material; mapped, 重新导出 sends it, and the month reconciles with K3
    to the fen"""
    from trytond.modules.crm_k3_bridge.tests.fakes import FakeK3Cloud
    from trytond.modules.crm_k3_bridge.tests.fakes.__main__ import (
        DEMO_MATERIALS, DEMO_SETTLE_TYPES)
    admin = rpc('admin')
    # The shop's yesterday, in its time zone
    yesterday = (dt.datetime.now(ZoneInfo('Asia/Shanghai')).date()
        - dt.timedelta(days=1))
    with FakeK3Cloud() as k3cloud:
        k3cloud.materials |= DEMO_MATERIALS
        k3cloud.settle_types |= DEMO_SETTLE_TYPES
        admin.model('crm.k3.configuration', 'write', [1],
            {'cloud_url': k3cloud.url})

        log_in(page, server, demo_database.name, 'admin',
            crm_admin.ADMIN_PASSWORD)
        menu_row(page, '客户管理').locator('.expander').click()
        menu_row(page, 'K3接口').locator('.expander').click()
        # Activated once: a double click would start the wizard twice
        menu_row(page, '导出到K3').locator('.column-char').click()
        page.keyboard.press('Enter')
        expect(page.locator('.wizard-dialog:visible')).to_have_count(1)
        dialog = page.locator('.modal-dialog:visible').last
        expect(dialog.locator('input[name="from_date"]')).to_be_visible()
        dialog.locator('.modal-footer button', has_text='导出').click()
        tab = page.locator('#tabcontent > .tab-pane.active')
        # A month of days made and sent
        expect(tab.locator('.tab-form .title').first).to_contain_text(
            '导出批次', timeout=120_000)
        waiting = tab.locator('table.tree tbody > tr', has_text='缺映射')
        expect(waiting).to_have_count(1)
        assert len(k3cloud.by_form('SAL_OUTSTOCK')) == demo.K3_DAYS - 1

        menu_row(page, 'K3映射').locator('.column-char').dblclick()
        tab = page.locator('#tabcontent > .tab-pane.active')
        expect(tab.locator('.tab-form .title').first).to_contain_text(
            'K3映射')
        tab.locator('button#new_').first.click()
        form = tab.locator('.form').first
        form.locator('select[name="kind"]').select_option(label='商品 ↔ 物料')
        many2one(page, form.locator('input[name="product"]'),
            demo.K3_UNMAPPED)
        form.locator('input[name="number"]').fill('WL0099')
        form.locator('input[name="unit"]').fill('Pcs')
        page.wait_for_timeout(500)
        tab.locator('button#save').first.click()
        expect(tab.locator('button#save').first).to_be_disabled()

        menu_row(page, '导出批次').locator('.column-char').dblclick()
        tab = page.locator('#tabcontent > .tab-pane.active')
        row = tab.locator('table.tree tbody > tr', has_text='缺映射')
        row.first.dblclick()
        form = tab.locator('.form').first
        expect(form.locator('input[name="date"]')).to_have_value(
            re.compile(yesterday.strftime('%m.%d|%m-%d|%m/%d')))
        # What it waited for, named
        expect(form.locator('textarea[name="message"]')).to_have_value(
            re.compile(demo.K3_UNMAPPED))
        form.locator('button', has_text='重新导出').first.click()
        page.locator('.modal-dialog:visible').last.locator(
            'button', has_text='确定').click()
        expect(form.locator('select[name="state"] option:checked')
            ).to_have_text('已接受')
        IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMAGES / 'k3-export.png'), full_page=True)

        # K3 has the month as the shop has it
        assert len(k3cloud.by_form('SAL_OUTSTOCK')) == demo.K3_DAYS
        point, = admin.model('sale.point', 'search', [], 0, 1, None)
        first = yesterday - dt.timedelta(days=demo.K3_DAYS - 1)
        reconciliation, = admin.model('crm.k3.reconciliation', 'create', [{
                    'point': point,
                    'from_date': {'__class__': 'date', 'year': first.year,
                        'month': first.month, 'day': first.day},
                    'to_date': {'__class__': 'date', 'year': yesterday.year,
                        'month': yesterday.month, 'day': yesterday.day},
                    }])
        admin.model('crm.k3.reconciliation', 'reconcile', [reconciliation])
        result, = admin.model('crm.k3.reconciliation', 'read',
            [reconciliation], ['differences', 'lines'])
        assert result['differences'] == 0
        assert len(result['lines']) >= 2 * demo.K3_DAYS


def open_menu_path(page, *path):
    """Open the menu entry at the end of path, expanding each folder on the
    way: each name is looked for below the folder before it, as the same
    name (分析) may be in several folders"""
    rows = page.locator('#menu table.tree tbody > tr')
    titles = '''rows => rows.map(row => {
        const entry = row.querySelector('.column-char');
        return entry ? entry.getAttribute('title') : null; })'''
    after = -1
    for depth, name in enumerate(path):
        for attempt in range(TIMEOUT // 200):
            found = [i for i, title in enumerate(rows.evaluate_all(titles))
                if i > after and title == name]
            if found:
                break
            page.wait_for_timeout(200)
        else:
            pytest.fail(f"no menu entry {name!r} in {path}")
        after = found[0]
        row = rows.nth(after)
        if depth < len(path) - 1:
            row.locator('.expander').click()
        else:
            # Activated once: a double click may open the action twice
            row.locator('.column-char').click()
            page.keyboard.press('Enter')


def exactly(text):
    "A has_text pattern of text alone, but for spaces"
    return re.compile(r'^\s*' + re.escape(text) + r'\s*$')


def test_salesperson_visit_quote_approval_funnel(page, server, demo_database,
        rpc):
    """销售管理 from the visit to the funnel: 张伟 finds his customer due
    today in 今日待联系, records the call with the next date; he converts
    her deal to a sale 20 % under the list price, the quote is refused over
    his 10 % limit and he submits it for approval; 王丽, the manager of
    销售部, approves it in 审批 and the sale goes out as a quotation; her
    销售漏斗 shows the deals by stage"""
    admin = rpc('admin')
    zh = {'language': 'zh_CN'}
    # The labels as the client shows them, in Chinese once translated
    # The records of the XML ids (ir.model.data is not read over RPC)
    with sqlite3.connect(demo_database.file) as connection:
        ids = dict(connection.execute(
                "SELECT fs_id, db_id FROM ir_model_data WHERE "
                "module || '.' || fs_id IN (%s)" % ', '.join('?' * 10), [
                    'crm_customer.menu_crm', 'crm_sfa.menu_sfa',
                    'crm_sfa.menu_contact_due',
                    'crm_sfa.menu_opportunity_form',
                    'crm_sfa.menu_approval_form', 'crm_sfa.menu_analysis',
                    'crm_sfa.menu_funnel',
                    'crm_sfa.act_approval_form_domain_1',
                    'crm_sfa.msg_quote_over_limit', 'sale.act_sale_form',
                    ]).fetchall())
    menus = {m['id']: m['name'] for m in admin.model('ir.ui.menu', 'read',
            [v for k, v in ids.items() if k.startswith('menu_')], ['name'],
            context=zh)}
    menu = {k: menus[v] for k, v in ids.items() if k.startswith('menu_')}
    to_approve, = admin.model('ir.action.act_window.domain', 'read',
        [ids['act_approval_form_domain_1']], ['name'], context=zh)
    buttons = {(b['model'], b['name']): b['string'] for b in admin.model(
            'ir.model.button', 'search_read', ['OR',
                [('model', '=', 'crm.sfa.contact'),
                    ('name', '=', 'record_next')],
                [('model', '=', 'sale.opportunity'),
                    ('name', '=', 'convert')],
                [('model', '=', 'sale.sale'),
                    ('name', 'in', ['quote', 'sfa_request_approval'])],
                [('model', '=', 'crm.sfa.approval'),
                    ('name', '=', 'approve')]],
            0, None, None, ['model', 'name', 'string'], context=zh)}
    refusal, = admin.model('ir.message', 'read',
        [ids['msg_quote_over_limit']], ['text'], context=zh)
    date_format, = admin.model('ir.lang', 'search_read',
        [('code', '=', 'zh_CN')], 0, None, None, ['date'])
    employees = {e['party.']['name']: e['id'] for e in admin.model(
            'company.employee', 'search_read', [], 0, None, None,
            ['party.name'])}
    # The demo's customer of 张伟 due today
    customer = next(name for name, _, owner in demo.customer_rows()
        if owner == LOGIN)
    party, = admin.model('party.party', 'search', [('name', '=', customer)],
        0, None, None)
    due, = admin.model('crm.sfa.contact', 'search_read', [
            ('party', '=', party), ('due', '=', True)],
        0, None, None, ['next_date', 'next_done', 'employee', 'next_action',
            'kind', 'opportunity', 'opportunity.rec_name'])
    assert due['employee'] == employees["张伟"] and not due['next_done']

    # 1. 张伟 opens 今日待联系: his customer is there
    log_in(page, server, demo_database.name, LOGIN, PASSWORD)
    open_menu_path(page, menu['menu_crm'], menu['menu_sfa'],
        menu['menu_contact_due'])
    tab = page.locator('#tabcontent > .tab-pane.active')
    expect(tab.locator('.tab-form .title').first).to_contain_text(
        menu['menu_contact_due'], timeout=TIMEOUT)
    table = tab.locator('.content-box table.tree').first
    row = table.locator('tbody > tr', has_text=customer)
    expect(row).to_have_count(1, timeout=TIMEOUT)

    # 记录联系 on its row, once selected (sao's first click on a button of
    # another row selects the row): the call, and when to call again
    row.get_by_text(due['next_action'], exact=True).click()
    expect(row.locator('input[type="checkbox"]').first).to_be_checked(
        timeout=TIMEOUT)
    row.locator('button', has_text=buttons[
            'crm.sfa.contact', 'record_next']).click()
    dialog = page.locator('.modal-dialog:visible').last
    content = "电话确认两人烫染套餐，客户约周六到店，需要报价"
    # What was to be done comes as the content, once the wizard has its
    # values; sao draws the form again when the names of the customer and
    # the deal come in, which resets a text not yet left (so wait for them)
    expect(dialog.locator('textarea[name="content"]')).to_have_value(
        due['next_action'], timeout=TIMEOUT)
    expect(dialog.locator('input[name="party"]').first).to_have_value(
        customer, timeout=TIMEOUT)
    if due['opportunity']:
        expect(dialog.locator('input[name="opportunity"]').first
            ).to_have_value(due['opportunity.']['rec_name'], timeout=TIMEOUT)
    next_date = dt.datetime.now(ZoneInfo('Asia/Shanghai')).date() \
        + dt.timedelta(days=3)
    fill_text(page, dialog.locator('input[name="next_date"]').first,
        next_date.strftime(date_format['date']))
    fill_text(page, dialog.locator('input[name="next_action"]:visible'),
        "周六到店前一天提醒")
    fill_text(page, dialog.locator('textarea[name="content"]'), content)
    IMAGES.mkdir(parents=True, exist_ok=True)
    expect(dialog.locator('textarea[name="content"]')).to_have_value(
        content)
    page.screenshot(path=str(IMAGES / 'sfa-today.png'), full_page=True)
    dialog.locator('.modal-footer button.btn-primary').click()
    expect(dialog).to_be_hidden(timeout=TIMEOUT)
    # Followed up: the customer leaves the list
    expect(row).to_have_count(0, timeout=TIMEOUT)
    # Every contact 张伟 recorded, to show what was saved when it is not
    # what was typed
    recorded = admin.model('crm.sfa.contact', 'search_read', [
            ('create_uid.login', '=', LOGIN)], 0, None, [('id', 'ASC')],
        ['party', 'content', 'employee', 'next_date', 'next_done', 'kind'])
    assert [(r['party'], r['content']) for r in recorded] == [
        (party, content)], recorded
    recorded, = recorded
    assert recorded['employee'] == employees["张伟"]
    assert recorded['next_date'] == {'__class__': 'date',
        'year': next_date.year, 'month': next_date.month,
        'day': next_date.day}
    assert not recorded['next_done']
    earlier, = admin.model('crm.sfa.contact', 'read', [due['id']],
        ['next_done'])
    assert earlier['next_done'], "the due contact is not settled"

    # 2. Her deal becomes a sale
    deal, = admin.model('sale.opportunity', 'search_read', [
            ('party', '=', party), ('state', '=', 'opportunity')],
        0, None, None, ['number'])
    open_menu_path(page, menu['menu_opportunity_form'])
    tab = page.locator('#tabcontent > .tab-pane.active')
    table = tab.locator('.content-box table.tree').first
    row = table.locator('tbody > tr', has_text=customer)
    expect(row).to_have_count(1, timeout=TIMEOUT)
    row.first.dblclick()
    form = tab.locator('.form').first
    expect(form.locator('input[name="party"]')).to_have_value(customer,
        timeout=TIMEOUT)
    tabs = page.locator('#tabcontent > .tab-pane')
    opened = tabs.count()
    form.locator('button').filter(has_text=exactly(buttons[
                'sale.opportunity', 'convert'])).click()
    # The sale's own tab: the deal's title holds the word 销售 too
    expect(tabs).to_have_count(opened + 1, timeout=TIMEOUT)
    sale = None
    for attempt in range(50):
        sales = admin.model('sale.sale', 'search_read', [
                ('origin', '=', f"sale.opportunity,{deal['id']}")],
            0, None, None, ['state', 'lines'])
        if sales:
            sale, = sales
            break
        page.wait_for_timeout(200)
    assert sale and sale['state'] == 'draft', sale
    line, = admin.model('sale.line', 'search_read', [
            ('sale', '=', sale['id'])], 0, 1, [('sequence', 'ASC'),
            ('id', 'ASC')], ['unit_price'])
    # Converted at the list price
    list_price = float(line['unit_price']['decimal'])
    assert list_price > 0
    price = '%.2f' % (list_price * 0.8)

    # The sale opens in its own tab: 20 % off the first line
    sale_action, = admin.model('ir.action.act_window', 'read',
        [ids['act_sale_form']], ['name'], context=zh)
    tab = page.locator('#tabcontent > .tab-pane.active')
    expect(tab.locator('.tab-form .title').first).to_contain_text(
        sale_action['name'], timeout=TIMEOUT)
    form = tab.locator('.form').first
    expect(tab.locator('.form:visible, table.tree tbody > tr:visible').first
        ).to_be_visible(timeout=TIMEOUT)
    if not form.is_visible():
        tab.locator('.content-box table.tree tbody > tr',
            has_text=customer).first.dblclick()
    expect(form.locator('input[name="party"]')).to_have_value(customer,
        timeout=TIMEOUT)
    lines = form.locator('.form-one2many').first
    row = lines.locator('table.tree tbody > tr:not(.more-row)').first
    expect(row).to_be_visible(timeout=TIMEOUT)
    row.dblclick()
    dialog = page.locator('.modal-dialog:visible').last
    number = dialog.locator('input[name="unit_price"][type="number"]')
    text = dialog.locator('input[name="unit_price"][type="text"]')
    # The line is loaded once its price is shown; a focus while the dialog
    # still settles is lost: focus until the number input takes over
    expect(text).not_to_have_value('', timeout=TIMEOUT)
    for attempt in range(20):
        if number.is_visible():
            break
        text.focus()
        page.wait_for_timeout(300)
    expect(number).to_be_visible(timeout=TIMEOUT)
    number.fill(price)
    number.press('Tab')
    page.wait_for_timeout(500)
    dialog.locator('.modal-footer button#save').click()
    expect(dialog).to_be_hidden(timeout=TIMEOUT)
    tab.locator('button#save').first.click()
    expect(tab.locator('button#save').first).to_be_disabled(timeout=TIMEOUT)
    saved, = admin.model('sale.line', 'read', [line['id']], ['unit_price'])
    assert float(saved['unit_price']['decimal']) == float(price)

    # 报价: over his 10 % the quote is refused, in his language
    form.locator('button').filter(has_text=exactly(buttons[
                'sale.sale', 'quote'])).click()
    error = page.locator('.modal-dialog:visible').last
    for part in re.split(r'%\(\w+\)s', refusal['text']):
        if part.strip():
            expect(error).to_contain_text(part.strip(), timeout=TIMEOUT)
    state, = admin.model('sale.sale', 'read', [sale['id']], ['state'])
    assert state['state'] == 'draft'
    error.locator('.modal-footer button').first.click()
    expect(error).to_be_hidden(timeout=TIMEOUT)

    # 提交审批: it goes to 王丽, the manager of 销售部
    form.locator('button').filter(has_text=exactly(buttons[
                'sale.sale', 'sfa_request_approval'])).click()
    approval = None
    for attempt in range(50):
        approvals = admin.model('crm.sfa.approval', 'search_read', [
                ('document', '=', f"sale.sale,{sale['id']}")],
            0, None, None, ['state', 'approver', 'requester', 'discount',
                'kind'])
        if approvals:
            approval, = approvals
            break
        page.wait_for_timeout(200)
    assert approval, "no approval submitted"
    assert approval['state'] == 'submitted'
    assert approval['requester'] == employees["张伟"]
    assert approval['approver'] == employees["王丽"]
    assert approval['kind'] == 'discount'
    assert float(approval['discount']['decimal']) >= 0.19

    # 3. 王丽 approves it from 待我审批
    page.goto('about:blank')
    log_in(page, server, demo_database.name, 'manager', PASSWORD)
    open_menu_path(page, menu['menu_crm'], menu['menu_sfa'],
        menu['menu_approval_form'])
    tab = page.locator('#tabcontent > .tab-pane.active')
    # 待我审批 is the tab it opens on
    expect(tab.locator('.tab-domain li.active')).to_contain_text(
        to_approve['name'], timeout=TIMEOUT)
    table = tab.locator('.content-box table.tree').first
    row = table.locator('tbody > tr', has_text=customer)
    expect(row).to_have_count(1, timeout=TIMEOUT)
    row.first.dblclick()
    form = tab.locator('.form').first
    expect(form.locator('input[name="subject"]')).to_have_value(
        re.compile(re.escape(customer)), timeout=TIMEOUT)
    form.locator('button').filter(has_text=exactly(buttons[
                'crm.sfa.approval', 'approve'])).click()
    for attempt in range(50):
        decided, = admin.model('crm.sfa.approval', 'read', [approval['id']],
            ['state'])
        if decided['state'] != 'submitted':
            break
        page.wait_for_timeout(200)
    assert decided['state'] == 'approved'
    expect(form.locator('button').filter(has_text=exactly(buttons[
                'crm.sfa.approval', 'approve']))).to_be_hidden(timeout=TIMEOUT)
    # The button clicked scrolled the form sideways
    page.evaluate('''() => document.querySelectorAll('#tabcontent *')
        .forEach(element => { element.scrollLeft = 0; })''')
    page.screenshot(path=str(IMAGES / 'sfa-approval.png'), full_page=True)
    # Approved, the sale is quoted
    quoted, = admin.model('sale.sale', 'read', [sale['id']], ['state'])
    assert quoted['state'] == 'quotation'

    # 4. 销售漏斗: a bar for each stage of the deals she sees
    open_menu_path(page, menu['menu_analysis'], menu['menu_funnel'])
    tab = page.locator('#tabcontent > .tab-pane.active')
    expect(tab.locator('.tab-form .title').first).to_contain_text(
        menu['menu_funnel'], timeout=TIMEOUT)
    bars = tab.locator('.bb-chart-bars path')
    expect(bars.first).to_be_attached(timeout=TIMEOUT)
    expect(page.locator('#tabcontent > .tab-pane')).to_have_count(2)
    manager = rpc('manager')
    # As the client asks, with the empty salesperson of the period form
    rows = manager.model('crm.sfa.funnel', 'search_read', [], 0, None, None,
        ['stage.rec_name', 'amount'], context={
            'context_model': 'crm.sfa.funnel.context', 'salesperson': None,
            'department': None, 'from_date': None, 'to_date': None})
    stages = {r['stage.']['rec_name'] for r in rows}
    assert len(stages) >= 3, stages
    ticks = tab.locator('.bb-axis-x .tick text')
    expect(ticks.first).to_be_attached(timeout=TIMEOUT)
    # A long label wraps into lines whose spaces are lost
    shown = {re.sub(r'\s', '', t) for t in ticks.all_text_contents()}
    assert shown - {''} == {re.sub(r'\s', '', s) for s in stages}, (
        shown, stages)
    page.screenshot(path=str(IMAGES / 'sfa-funnel.png'), full_page=True)


def test_manager_puts_a_filter_of_customers_on_a_plan(page, server,
        demo_database, rpc):
    """王丽 saves a filter of the customer list, enables the 新会员关怀 plan
    for its customers from the list's actions, and finds the day-1 thanks
    of the plan waiting in the outbox, one per customer it reaches"""
    admin = rpc('admin')
    plan, = admin.model('crm.sfa.plan', 'search',
        [('name', '=', '新会员关怀')], 0, None, None)
    log_in(page, server, demo_database.name, 'manager', PASSWORD)
    open_menu(page, '客户管理', '客户')
    tab = page.locator('#tabcontent > .tab-pane.active')
    table = tab.locator('.content-box table.tree').first
    table.locator('tbody > tr').first.wait_for(state='visible')
    search = tab.locator('.filter-box input').first
    search.fill('李')
    search.press('Enter')
    expect(table.locator('tbody > tr').first).to_contain_text('李')
    tab.locator('button[title="收藏当前筛选器"]').click()
    name = page.locator('#ask-dialog-entry[name="bookmark"]')
    name.fill('李姓客户')
    name.press('Enter')
    expect(tab.locator('button[title="移除书签"]')).to_be_visible()
    filtered = admin.model('party.party', 'search',
        [('rec_name', 'ilike', '%李%')], 0, None, None)
    assert filtered

    # The list's actions wait for a selected row; the wizard then takes
    # the saved filter's customers instead
    table.locator('tbody > tr').first.locator(
        'input[type="checkbox"]').first.check()
    expect(tab.locator('button#action')).to_be_enabled()
    tab.locator('button#action').click()
    tab.locator('ul[aria-labelledby="action"] a',
        has_text='启用SFA方案').click()
    dialog = page.locator('.modal-dialog:visible').last
    many2one(page, dialog.locator('input[name="plan"]:visible').first,
        '新会员关怀')
    many2one(page, dialog.locator(
            'input[name="customer_filter"]:visible').first, '李姓客户')
    expect(dialog.locator('select[name="start"] option:checked')).to_have_text(
        '今天')
    page.screenshot(path=str(IMAGES / 'sfa-plan.png'), full_page=True)
    dialog.locator('.modal-footer button', has_text='启用').click()
    expect(dialog).to_be_hidden(timeout=TIMEOUT)

    # Every customer of the filter is on the plan; day 1's thanks went at
    # once to those with a mobile (a service message: no consent needed)
    enrolled = admin.model('crm.sfa.plan.enrolment', 'search_read',
        [('plan', '=', plan)], 0, None, None, ['party', 'state'])
    assert sorted(e['party'] for e in enrolled) == sorted(filtered)
    sent = admin.model('crm.sfa.plan.log', 'search_read', [
            ('enrolment.plan', '=', plan), ('message', '!=', None)],
        0, None, None, ['party'])
    assert sent

    open_menu(page, '短信', '发件箱')
    tab = page.locator('#tabcontent > .tab-pane.active')
    expect(tab.locator('.tab-form .title').first).to_contain_text('发件箱')
    rows = tab.locator('.content-box table.tree').first.locator(
        'tbody > tr', has_text='感谢您成为我们的会员')
    expect(rows).to_have_count(len(sent), timeout=TIMEOUT)
    expect(rows.first).to_contain_text('待发送')


BOARDS = {
    'cashier1': ['本班收款', '今日服务会员', '本周生日会员', '密码已锁定的会员卡'],
    'sales1': ['今日待联系', '到期待办', '关怀计划任务', '本月待成交商机',
        '我的目标'],
    'service': ['未结案投诉', '处理中的服务请求', '本周答卷'],
    'manager': ['销售同比', '本月新会员', '本月储值', '待审批', '流失候选',
        '团队排名'],
    }


@pytest.mark.parametrize('login', list(BOARDS))
def test_each_role_starts_on_its_board(page, server, demo_database, rpc,
        login):
    """工作台: each demo role logs in onto its own board, its tiles titled
    in Chinese, each showing its list (the manager's sales as a chart)"""
    if login == 'sales1':
        # A task of 张伟's due today in China, one due tomorrow
        sales = rpc(login)
        employee, = rpc('admin').model('company.employee', 'search',
            [('party.name', '=', "张伟")], 0, None, None)
        today = dt.datetime.now(ZoneInfo('Asia/Shanghai')).date()
        sales.model('crm.sfa.task', 'create', [{
                    'name': name, 'assignee': employee, 'due_date': {
                        '__class__': 'date', 'year': date.year,
                        'month': date.month, 'day': date.day}}
                for name, date in [("今天到期：寄送报价单", today),
                    ("明天到期：确认到店时间", today + dt.timedelta(days=1))]])
    log_in(page, server, demo_database.name, login, PASSWORD, board=True)
    # The board opens by itself at login
    tiles = page.locator('.board-action')
    expect(tiles).to_have_count(len(BOARDS[login]), timeout=TIMEOUT)
    titles = [t.strip() for t in
        page.locator('.board-action > .panel-heading').all_inner_texts()]
    assert titles == BOARDS[login]
    for tile in tiles.all():
        # Each tile shows its list, or its chart, once loaded
        expect(tile.locator('table.tree, .graph').first).to_be_visible(
            timeout=TIMEOUT)
    if login == 'manager':
        expect(tiles.first.locator('.graph svg, .graph canvas').first
            ).to_be_visible(timeout=TIMEOUT)
    if login == 'sales1':
        # 张伟's contacts due
        rows = tiles.first.locator('table.tree tbody > tr:visible')
        expect(rows.first).to_be_visible(timeout=TIMEOUT)
        # 到期待办 holds what is due by the browser's today, not tomorrow's
        tasks = tiles.nth(BOARDS[login].index('到期待办')).locator(
            'table.tree tbody > tr:visible')
        expect(tasks.filter(has_text="今天到期：寄送报价单")).to_have_count(1,
            timeout=TIMEOUT)
        expect(tasks.filter(has_text="明天到期")).to_have_count(0)
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMAGES / f'workbench-{login}.png'),
        full_page=True)
    if login == 'cashier1':
        # The tile lists what its action's domain keeps: today's sales to a
        # member only, not the till's other sales (each row names its
        # member)
        served = tiles.nth(BOARDS[login].index('今日服务会员'))
        rows = served.locator('table.tree tbody > tr:visible')
        expect(rows.filter(has_text="孙俊峰").first).to_be_visible(
            timeout=TIMEOUT)
        headers = [h.strip() for h in
            served.locator('table.tree thead th').all_inner_texts()]
        member = headers.index("会员")
        for row in rows.all():
            assert row.locator("td").nth(member).inner_text().strip()
    if login == 'manager':
        # A row of 本月储值 opens this month's stored value lines of its
        # kind in a tab of its own
        flow = tiles.nth(BOARDS[login].index('本月储值'))
        row = flow.locator('table.tree tbody > tr:visible').first
        expect(row).to_be_visible(timeout=TIMEOUT)
        kind = row.locator('td').first.inner_text().strip()
        row.dblclick()
        tab = page.locator('#tabcontent > .tab-pane.active')
        expect(tab.locator('.tab-form .title').first).to_contain_text(
            "储值明细", timeout=TIMEOUT)
        lines = tab.locator('.content-box table.tree tbody > tr:visible')
        expect(lines.first).to_be_visible(timeout=TIMEOUT)
        expect(lines.first).to_contain_text(kind)

        # 消费能力变化汇总 opens on its chart: this month's members by level
        open_menu_path(page, '客户管理', '会员管理', '报表', '消费能力变化汇总')
        tab = page.locator('#tabcontent > .tab-pane.active')
        expect(tab.locator('.tab-form .title').first).to_contain_text(
            "消费能力变化汇总", timeout=TIMEOUT)
        expect(tab.locator('.graph svg, .graph canvas').first).to_be_visible(
            timeout=TIMEOUT)
        page.screenshot(path=str(IMAGES / 'spend-change-summary.png'),
            full_page=True)
