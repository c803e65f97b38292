"""Customer lookups over JSON-RPC, as the search box of the web client
does them, beside the stock rec_name search of Tryton on the same data.

    .venv/bin/python bench/search_customers.py [--rows 100000]
        [--backend sqlite --backend postgresql] [--queries 100]

Generates the customers with set-based inserts, serves the database with
trytond and prints p50/p95 in ms for each kind of lookup. Goal: p95 < 50 ms
at 1M customers on PostgreSQL.
"""
import argparse
import random
import time

import common

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭宁龙林欣佳琪晨阳"
KINDS = ['name', 'code', 'pinyin', 'initials', 'mobile', 'mobile_tail',
    'id_card']


def generate(db, rows, seed=2026):
    "Insert rows customers with a mobile each, one in ten with an ID card"
    from sql.functions import CurrentTimestamp
    from stdnum.cn import ric

    from trytond.modules.crm_customer.chinese import name_pinyin
    rng = random.Random(seed)
    started = time.perf_counter()
    with common.transaction(db) as (pool, transaction):
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        Reading = pool.get('party.party.name_reading')
        party, mechanism = Party.__table__(), Mechanism.__table__()
        cursor = transaction.connection.cursor()
        cursor.execute(*party.select(party.id, order_by=party.id.desc,
                limit=1))
        first = (cursor.fetchone() or (0,))[0] + 1
        # The party of each mobile is set once the parties have their ids
        batch = 5000
        for start in range(0, rows, batch):
            parties, mechanisms = [], []
            for i in range(start, min(rows, start + batch)):
                name = rng.choice(SURNAMES) + ''.join(
                    rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))
                full, initials = name_pinyin(name)
                id_card = None
                if i % 10 == 0:
                    base = '110105%04d%02d%02d%03d' % (
                        rng.randint(1950, 2005), rng.randint(1, 12),
                        rng.randint(1, 28), rng.randint(0, 999))
                    id_card = base + ric.calc_check_digit(base + '0')
                parties.append([name, 'B%07d' % (first + i), first + i,
                        full, initials, id_card, 'solar', True, 0,
                        CurrentTimestamp()])
                mobile = '1%d%09d' % (rng.choice([3, 5, 8]), i)
                mechanisms.append([None, 'mobile',
                        '%s %s %s' % (mobile[:3], mobile[3:7], mobile[7:]),
                        '+86' + mobile, mobile[-4:], True, 0,
                        CurrentTimestamp()])
            cursor.execute(*party.insert([party.name, party.code,
                        party.code_digit, party.name_pinyin,
                        party.name_initials, party.id_card_number,
                        party.birthday_calendar,
                        party.active, party.create_uid, party.create_date],
                    parties))
            cursor.execute(*party.select(party.id, party.code,
                    where=party.code.in_([p[1] for p in parties])))
            ids = dict((c, i) for i, c in cursor)
            Reading.update_parties(list(ids.values()))
            for values, party_values in zip(mechanisms, parties):
                values[0] = ids[party_values[1]]
            cursor.execute(*mechanism.insert([mechanism.party,
                        mechanism.type, mechanism.value,
                        mechanism.value_compact, mechanism.value_tail,
                        mechanism.active, mechanism.create_uid,
                        mechanism.create_date], mechanisms))
    if db.file is None:
        import psycopg
        with psycopg.connect(db.uri.rsplit('/', 1)[0] + '/' + db.name,
                autocommit=True) as conn:
            # As autovacuum does after a bulk load: it also empties the
            # pending lists of the trigram indexes
            conn.execute('VACUUM ANALYZE')
    return time.perf_counter() - started


def samples(db, count, seed=7):
    "Lookups of each kind, taken from customers that exist"
    rng = random.Random(seed)
    with common.transaction(db) as (pool, transaction):
        cursor = transaction.connection.cursor()
        cursor.execute('SELECT p.name, p.code, p.name_pinyin, '
            'p.name_initials, m.value_compact, p.id_card_number '
            'FROM party_party p JOIN party_contact_mechanism m '
            "ON m.party = p.id WHERE p.code LIKE 'B%'")
        rows = cursor.fetchall()
    picked = rng.sample(rows, min(count, len(rows)))
    with_id = [r for r in rows if r[5]]
    return {
        'name': [r[0] for r in picked],
        'code': [r[1] for r in picked],
        'pinyin': [r[2].split()[0] for r in picked],
        'initials': [r[3].split()[0] for r in picked],
        'mobile': [r[4][3:] for r in picked],
        'mobile_tail': [r[4][-4:] for r in picked],
        'id_card': [r[5]
            for r in rng.sample(with_id, min(count, len(with_id)))],
        }


def stock_domain(text):
    "The domain of party.party's own search_rec_name in Tryton"
    operand = '%' + text + '%'
    return ['OR',
        ('code', 'ilike', operand),
        ('identifiers.code', 'ilike', operand),
        ('identifiers.code_compact', 'ilike', operand),
        ('name', 'ilike', operand),
        ('contact_mechanisms.rec_name', 'ilike', operand),
        ]


def measure(client, queries, domain):
    durations, found = [], 0
    for text in queries:
        started = time.perf_counter()
        ids = client.model('party.party', 'search', domain(text), 0, 100,
            None)
        durations.append(time.perf_counter() - started)
        found += bool(ids)
    return common.percentiles(durations), found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rows', type=int, default=100_000)
    parser.add_argument('--queries', type=int, default=100)
    parser.add_argument('--backend', action='append',
        choices=['sqlite', 'postgresql'])
    args = parser.parse_args()
    for backend in common.each_backend(args.backend):
        db = common.database(backend, 'bench_search')
        try:
            seconds = generate(db, args.rows)
            print(f"\n{backend}: {args.rows} customers generated in "
                f"{seconds:.0f} s")
            lookups = samples(db, args.queries)
            print(f"{'lookup':<12} {'suite p50':>10} {'p95':>8} "
                f"{'stock p50':>10} {'p95':>8}  found")
            with common.server(db) as client:
                for kind in KINDS:
                    queries = lookups[kind]
                    (p50, p95), found = measure(client, queries,
                        lambda t: [('rec_name', 'ilike', '%' + t + '%')])
                    (s50, s95), _ = measure(client, queries, stock_domain)
                    print(f"{kind:<12} {p50:>8.1f}ms {p95:>6.1f}ms "
                        f"{s50:>8.1f}ms {s95:>6.1f}ms  "
                        f"{found}/{len(queries)}")
        finally:
            db.drop()


if __name__ == '__main__':
    main()
