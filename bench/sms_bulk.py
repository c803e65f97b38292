"""A bulk sending queued to the log-only gateway, and the selection of the
day's birthdays among all the customers.

    .venv/bin/python bench/sms_bulk.py [--rows 1000000] [--messages 100000]
        [--backend sqlite --backend postgresql]

Generates the customers with set-based inserts (a mobile and consent each,
birthdays spread over the year, one in ten by the lunar calendar), then
times, in one transaction each as the server runs them: the bulk sending's
button queuing one message per customer of a saved filter, and the
birthday greeting's selection and queuing of today's birthdays. Goal: 100k
messages queued in 60 s or less.
"""
import argparse
import datetime as dt
import json
import time

import common
import search_customers

UPDATES = {
    # Birthdays spread over 1950-2004, one customer in ten lunar
    'postgresql': [
        "UPDATE party_party SET sms_consent = TRUE, "
        "sms_consent_date = CURRENT_DATE, "
        "birthday = DATE '1950-01-01' + ((id::bigint * 7919) % 20000)::int "
        "WHERE code LIKE 'B%'",
        "UPDATE party_party SET birthday_calendar = 'lunar', "
        "birthday_lunar_month = 1 + id % 12, "
        "birthday_lunar_day = 1 + id % 29 "
        "WHERE code LIKE 'B%' AND id % 10 = 0",
        ],
    'sqlite': [
        "UPDATE party_party SET sms_consent = 1, "
        "sms_consent_date = date('now'), "
        "birthday = date('1950-01-01', '+' || ((id * 7919) % 20000) "
        "|| ' days') WHERE code LIKE 'B%'",
        "UPDATE party_party SET birthday_calendar = 'lunar', "
        "birthday_lunar_month = 1 + id % 12, "
        "birthday_lunar_day = 1 + id % 29 "
        "WHERE code LIKE 'B%' AND id % 10 = 0",
        ],
    }


def prepare(db, backend):
    "The customers' birthdays and consent, a template and a saved filter"
    with common.transaction(db) as (pool, transaction):
        cursor = transaction.connection.cursor()
        for update in UPDATES[backend]:
            cursor.execute(update)
        Template = pool.get('sms.template')
        Search = pool.get('ir.ui.view_search')
        Greeting = pool.get('sms.greeting')
        template, = Template.create([{
                    'name': "双十一", 'kind': 'marketing',
                    'content': "${name}您好，双十一会员专享全场八折。",
                    }])
        search, = Search.create([{
                    'name': "批量客户", 'model': 'party.party',
                    'domain': json.dumps([['code', 'like', 'B%']]),
                    }])
        greeting, = Greeting.create([{
                    'name': "生日祝福", 'occasion': 'birthday',
                    'template': template.id, 'hour': 0,
                    }])
        result = template.id, search.id, greeting.id
    if db.file is None:
        import psycopg
        with psycopg.connect(db.uri.rsplit('/', 1)[0] + '/' + db.name,
                autocommit=True) as conn:
            # As autovacuum does after the update of every customer
            conn.execute('VACUUM ANALYZE')
    return result


def bulk(db, template, search, messages):
    "Seconds to queue a bulk sending to the first customers of the filter"
    with common.transaction(db) as (pool, transaction):
        Search = pool.get('ir.ui.view_search')
        Bulk = pool.get('sms.bulk')
        cursor = transaction.connection.cursor()
        cursor.execute("SELECT code FROM party_party WHERE code LIKE 'B%' "
            f"ORDER BY id LIMIT 1 OFFSET {messages - 1}")
        last, = cursor.fetchone()
        Search.write([Search(search)], {'domain': json.dumps([
                        ['code', 'like', 'B%'], ['code', '<=', last]])})
        sending, = Bulk.create([{'name': "双十一群发",
                    'customer_filter': search, 'template': template}])
        started = time.perf_counter()
        Bulk.send([sending])
        elapsed = time.perf_counter() - started
        return Bulk(sending.id).queued, elapsed


def birthdays(db, greeting, today):
    "(customers, seconds to select, seconds to select and queue)"
    from trytond.modules.crm_sms.greeting import birthday_parties
    with common.transaction(db) as (pool, transaction):
        Greeting = pool.get('sms.greeting')
        started = time.perf_counter()
        count = sum(map(len, birthday_parties(today)))
        selected = time.perf_counter() - started
        started = time.perf_counter()
        Greeting(greeting).send(today)
        queued = time.perf_counter() - started
        return count, selected, queued


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rows', type=int, default=1000000)
    parser.add_argument('--messages', type=int, default=100000)
    parser.add_argument('--backend', action='append',
        choices=['sqlite', 'postgresql'])
    args = parser.parse_args()
    for backend in common.each_backend(args.backend or ['postgresql']):
        db = common.database(backend, 'bench_sms')
        try:
            print(f"\n{backend}: generating {args.rows} customers…",
                flush=True)
            search_customers.generate(db, args.rows)
            template, search, greeting = prepare(db, backend)
            queued, elapsed = bulk(db, template, search, args.messages)
            print(f"bulk sending: {queued} messages queued in "
                f"{elapsed:.1f} s, {queued / elapsed:,.0f} messages/s")
            today = dt.date.today()
            count, selected, total = birthdays(db, greeting, today)
            print(f"birthdays of {today} among {args.rows} customers: "
                f"{count} selected in {selected * 1000:.0f} ms, "
                f"queued in {total:.1f} s")
        finally:
            db.drop()


if __name__ == '__main__':
    main()
