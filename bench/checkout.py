"""Member checkouts at N tills at once over JSON-RPC, as the web client
makes them, beside cash sales without a member run the same way, on the
suite and on a database of Tryton's sale_point alone.

    .venv/bin/python bench/checkout.py [--tills 20] [--sales 10]
        [--pause 10] [--workers 4] [--rounds 1] [--backend postgresql]

Each till sells to its own member 3 lines, paid from the member card and
the rest in cash with change in one round of the Pay wizard (open, the form
with the card part, close) as the web client does; the cash sales sell the
same 3 lines paid in cash, on the suite's database and on one of stock
sale_point (its own tills, products and cashiers). Each till makes one
sale before the clock starts. Between two sales a till waits about
--pause seconds (from half to one and a half times, at random), the time
its cashier takes to ring up the next customer; --pause 0 gives what the
server can do at most. The tills are spread over --workers trytond
processes, as behind a load balancer; each till is run by its own
cashier, logged in as the web client does. Prints the p50/p95 of a whole
checkout, the sales per second and the CPU time a sale takes in the
trytond processes and in PostgreSQL's, of each kind; and the member
checkout's ratios to each cash sale. With --rounds N the three kinds run
in turn N times and their figures are pooled. Goal: p95 <= 300 ms at 20 tills and
<= 1.3 times the stock sale.
"""
import argparse
import random
import threading
import time
from decimal import Decimal

import common

PRODUCTS = [("洗发水", '68'), ("护发素", '58'), ("洗剪吹", '38')]
PASSWORD = 'cashier2026'


def decimal(value):
    return {'__class__': 'Decimal', 'decimal': str(value)}


def setup(db, tills, stock=False):
    """A company with its chart, tills each with a cashier and the
    cashier's open shift, the products and a member card a till: return
    ids; stock, of Tryton's sale_point alone (no member)"""

    def create(pool):
        # Imported once trytond is configured for db: importing it sets
        # its backend
        from trytond.modules.account.tests import (
            create_chart, get_fiscalyear)
        from trytond.modules.company.tests import create_company, set_company
        from trytond.modules.crm_cashier.tests.tools import (
            create_method, create_product)
        from trytond.modules.crm_membership.tests.tools import (
            create_card_type, issue_card)
        Account = pool.get('account.account')
        Employee = pool.get('company.employee')
        FiscalYear = pool.get('account.fiscalyear')
        Journal = pool.get('account.journal')
        Location = pool.get('stock.location')
        ModelData = pool.get('ir.model.data')
        Party = pool.get('party.party')
        POS = pool.get('sale.point')
        Sequence = pool.get('ir.sequence.strict')
        Shift = pool.get('sale.point.cash.session')
        SequenceType = pool.get('ir.sequence.type')
        User = pool.get('res.user')
        company = create_company()
        admin, = User.search([('login', '=', 'admin')])
        User.write([admin], {
                'companies': [('add', [company.id])],
                'company': company.id,
                })
        with set_company(company):
            create_chart(company)
            fiscalyear = get_fiscalyear(company)
            fiscalyear.save()
            FiscalYear.create_period([fiscalyear])
            cash_account, = Account.search([('code', '=', '1.1.1')])
            journal, = Journal.search([('type', '=', 'revenue')], limit=1)
            sequence_type, = SequenceType.search(
                [('name', '=', "POS")], limit=1)
            storage, = Location.search([('code', '=', 'STO')])
            customer, = Location.search([('code', '=', 'CUS')])
            groups = [ModelData.get_id(*ref.split('.')) for ref in (
                    ['sale_point.group_sale_point'] if stock else [
                        'crm_customer.group_cashier',
                        'sale_point.group_sale_point'])]
            points, logins = [], []
            for index in range(tills):
                cashier = Employee(company=company,
                    party=Party(name="收银员%02d" % (index + 1)))
                cashier.party.save()
                cashier.save()
                logins.append('cashier%02d' % (index + 1))
                User.create([{
                            'login': logins[-1],
                            'name': cashier.party.name,
                            'password': PASSWORD,
                            'groups': [('add', groups)],
                            'companies': [('add', [company.id])],
                            'company': company.id,
                            'employees': [('add', [cashier.id])],
                            'employee': cashier.id,
                            }])
                point = POS(name="收银台 %02d" % (index + 1), journal=journal,
                    tax_included=True, storage_location=storage,
                    customer_location=customer,
                    sequence=Sequence(name="收银单 %02d" % (index + 1),
                        sequence_type=sequence_type, company=company))
                point.sequence.save()
                point.save()
                # The suite's shift belongs to its cashier
                shift = Shift(point=point,
                    **({} if stock else {'employee': cashier}))
                shift.on_change_point()
                shift.save()
                points.append(point)
            cash = create_method("现金", cash=True)
            products = [create_product(name, price)
                for name, price in PRODUCTS]
            ids = {
                'stock': stock,
                'company': company.id,
                'points': [p.id for p in points],
                'logins': logins,
                'cash': cash.id,
                'products': [(p.id, Decimal(price))
                    for p, (_, price) in zip(products, PRODUCTS)],
                }
            if not stock:
                ids['card_method'] = create_method(
                    "会员卡", member_card=True).id
                card_type = create_card_type(pin_required=False)
                ids['cards'] = []
                for index in range(tills):
                    party = Party(name="会员%02d" % (index + 1))
                    party.save()
                    ids['cards'].append(issue_card(card_type, party=party,
                            amount=Decimal(5000)).id)
            return ids
    return common.run_in_transaction(db, create)


def pay(client, sale, payments):
    """Pay sale through one Pay wizard, as the web client does: each
    payment (method, amount, part from the card) is a round of its form
    until nothing is left"""
    context = dict(client.context, active_model='sale.point.sale',
        active_id=sale, active_ids=[sale])
    session, _, _ = client.call('wizard.sale.point.sale.pay.create',
        context)
    answer = client.call('wizard.sale.point.sale.pay.execute',
        session, {}, 'payment', context)
    for method, amount, card_amount in payments:
        assert answer['view']['state'] == 'payment', answer
        # The form's key of what it takes from the card goes back with it
        values = {'sale': sale, 'method': method, 'amount': decimal(amount)}
        if 'card_key' in answer['view']['defaults']:
            values['card_key'] = answer['view']['defaults']['card_key']
        if card_amount:
            values['card_amount'] = decimal(card_amount)
        answer = client.call('wizard.sale.point.sale.pay.execute', session, {
                'payment': values,
                }, 'pay', context)
    client.call('wizard.sale.point.sale.pay.delete', session, context)


def checkout(client, ids, point, card):
    """One sale of the 3 products; with card, the member pays 100 from it
    and the rest in cash"""
    prices = ['unit_list_price', 'unit_gross_price']
    if not ids['stock']:
        # The suite's line keeps the prices before the discounts
        prices += ['base_list_price', 'base_gross_price']
    lines = [{'product': product, 'quantity': 1,
            **{name: decimal(price) for name in prices}}
        for product, price in ids['products']]
    values = {'point': point, 'lines': [('create', lines)]}
    if card:
        values['card'] = card
    sale, = client.model('sale.point.sale', 'create', [values])
    if ids['stock']:
        # Stock sale_point gives change in a second round of its form: its
        # cheapest sale is paid the exact amount
        cash = sum(price for _, price in ids['products'])
    else:
        # Cash over the total, the till gives change
        cash = Decimal(200)
    pay(client, sale, [(ids['cash'], cash, Decimal(100) if card else None)])
    state, = client.model('sale.point.sale', 'read', [sale], ['state'])
    assert state['state'] == 'done', state


def run(db, ids, sales, member, pause, workers):
    """Every till at once: (latencies, sales per second, CPU seconds per sale
    of trytond and of PostgreSQL)"""
    tills = list(zip(ids['points'],
            ids.get('cards') or [None] * len(ids['points'])))
    durations = []
    errors = []
    with common.server(db, workers) as first:
        clients = [common.Client(first.urls[index % len(first.urls)],
                login, PASSWORD)
            for index, login in enumerate(ids['logins'])]
        barrier = threading.Barrier(len(tills) + 1)

        def till(index):
            client = clients[index]
            point, card = tills[index]
            # A sale of each till before the clock starts: a server that has
            # just started loads its caches
            try:
                checkout(client, ids, point, card if member else None)
            except Exception as exception:
                errors.append(exception)
                barrier.abort()
                return
            barrier.wait()
            # The tills do not all start at the same second
            time.sleep(random.uniform(0, pause))
            for sale in range(sales):
                if sale:
                    time.sleep(random.uniform(0.5, 1.5) * pause)
                started = time.perf_counter()
                try:
                    checkout(client, ids, point, card if member else None)
                except Exception as exception:
                    errors.append(exception)
                    continue
                durations.append(time.perf_counter() - started)
        threads = [threading.Thread(target=till, args=(i,))
            for i in range(len(tills))]
        for thread in threads:
            thread.start()
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            raise SystemExit("a till's first sale failed: %s" % errors[0])
        started = time.perf_counter()
        trytond, postgresql = (
            common.cpu_times(first.pids), common.cpu_times())
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        cpu = (common.cpu_used(trytond, common.cpu_times(first.pids)),
            common.cpu_used(postgresql, common.cpu_times()))
        # Tryton checks a request against every session of its user
        for client in clients:
            client.call('common.db.logout')
    if errors:
        raise SystemExit("%s checkouts failed, first: %s"
            % (len(errors), errors[0]))
    return (durations, len(durations) / elapsed,
        [c / len(durations) for c in cpu])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--tills', type=int, default=20)
    parser.add_argument('--sales', type=int, default=10,
        help="sales per till and per kind")
    parser.add_argument('--pause', type=float, default=10,
        help="seconds a till waits between two sales, on average")
    parser.add_argument('--workers', type=int, default=4,
        help="trytond processes serving the tills")
    parser.add_argument('--rounds', type=int, default=1,
        help="runs of the three kinds, in turn, pooled: a noisy neighbour "
        "of the machine then slows each kind alike")
    parser.add_argument('--backend', action='append',
        choices=['sqlite', 'postgresql'])
    args = parser.parse_args()
    for backend in common.each_backend(args.backend or ['postgresql']):
        databases = []
        try:
            databases.append(common.database(
                    backend, 'bench_checkout_stock', ['sale_point']))
            databases.append(common.database(backend, 'bench_checkout'))
            stock, suite = databases
            stock_ids = setup(stock, args.tills, stock=True)
            ids = setup(suite, args.tills)
            print(f"\n{backend}: {args.tills} tills, {args.sales} sales "
                f"each, {args.pause:g} s between sales, {args.workers} "
                "trytond workers")
            print(f"{'checkout':<28} {'p50':>8} {'p95':>8} {'sales/s':>8}"
                f" {'CPU/sale: trytond':>18} {'PostgreSQL':>10}")
            kinds = [
                ('stock', "cash, stock sale_point", stock, stock_ids, False),
                ('cash', "cash, no member", suite, ids, False),
                ('member', "member card + cash", suite, ids, True)]
            # Per kind: durations, [(sales/s, trytond CPU, PostgreSQL CPU)]
            runs = {k[0]: ([], []) for k in kinds}
            for round_ in range(args.rounds):
                for key, _, db, ids_, member in (
                        kinds[round_ % 3:] + kinds[:round_ % 3]):
                    durations, rate, cpu = run(db, ids_, args.sales,
                        member, args.pause, args.workers)
                    runs[key][0].extend(durations)
                    runs[key][1].append((rate, *cpu))
            results = {}
            for key, name, *_ in kinds:
                durations, figures = runs[key]
                rate, trytond, postgresql = (
                    sum(f[i] for f in figures) / len(figures)
                    for i in range(3))
                p50, p95 = common.percentiles(durations)
                results[key] = p95, trytond + postgresql
                print(f"{name:<28} {p50:>6.0f}ms {p95:>6.0f}ms "
                    f"{rate:>8.1f} {trytond * 1000:>16.0f}ms "
                    f"{postgresql * 1000:>8.0f}ms")
            for key, name in [('stock', "stock sale_point"),
                    ('cash', "cash, no member")]:
                print("member / %s: p95 ratio %.2f, CPU ratio %.2f" % (
                        name, results['member'][0] / results[key][0],
                        results['member'][1] / results[key][1]))
        finally:
            for db in databases:
                db.drop()


if __name__ == '__main__':
    main()
