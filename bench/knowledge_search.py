"""The knowledge base's Chinese full-text search on PostgreSQL beside a
plain ILIKE search over the same articles, in one process.

    .venv/bin/python bench/knowledge_search.py [--rows 100000]
        [--queries 200]

Generates the articles with set-based inserts: titles and contents of
words drawn from jieba's dictionary (frequent words more often), stored
with their words joined by spaces as the search text, as the save does.
Then, as a 客服 (access rights and record rules applied), times each query
with Article.search_text_ranked (the GIN index, ranked by ts_rank, 10 best)
and with the ORM's ILIKE on the title and content (10 of them, unranked).
Prints p50/p95 in ms of both and their ratio. Goal: p95 < 100 ms.
"""
import argparse
import os
import random
import time

import common


def vocabulary(size, seed=2026):
    """Words of two to four characters of jieba's dictionary, the most
    frequent first"""
    import jieba
    path = os.path.join(os.path.dirname(jieba.__file__), 'dict.txt')
    words = []
    with open(path, encoding='utf-8') as dictionary:
        for line in dictionary:
            word, frequency = line.split()[:2]
            if (2 <= len(word) <= 4
                    and all('\u4e00' <= c <= '\u9fff' for c in word)):
                words.append((int(frequency), word))
    words.sort(reverse=True)
    return [w for _, w in words[:size]]


def generate(db, rows, words):
    """Insert rows articles in one statement per batch: each word is drawn
    with random()^2 over the vocabulary sorted by frequency, so that a
    few words are in many articles and most in few, as in real text"""
    started = time.perf_counter()
    with common.transaction(db) as (pool, transaction):
        Article = pool.get('crm.service.knowledge.article')
        cursor = transaction.connection.cursor()
        batch = 20_000
        for start in range(0, rows, batch):
            cursor.execute(f'''
                WITH w AS (SELECT %s::text[] AS words),
                article AS (
                    SELECT g,
                        ARRAY(SELECT w.words[1 + floor(
                                    power(random(), 2)
                                    * array_length(w.words, 1))::int]
                            FROM generate_series(1, 3)
                            -- Correlated: drawn again for each article
                            WHERE g > 0) AS title,
                        ARRAY(SELECT w.words[1 + floor(
                                    power(random(), 2)
                                    * array_length(w.words, 1))::int]
                            FROM generate_series(1, 40)
                            WHERE g > 0) AS content
                    FROM w, generate_series(%s::int, %s::int) AS g)
                INSERT INTO "{Article._table}" (kind, title, content,
                    published, active, version, edited_at, search_text,
                    create_uid, create_date)
                SELECT CASE WHEN g %% 5 = 0 THEN 'qa' ELSE 'article' END,
                    array_to_string(title, ''), array_to_string(content, ''),
                    TRUE, TRUE, 1, now(), array_to_string(
                        title || title || content, ' '),
                    0, now()
                FROM article''',
                (words, start + 1, min(rows, start + batch)))
            cursor.execute(f'''UPDATE "{Article._table}" SET answer = content
                WHERE kind = 'qa' AND answer IS NULL''')
    import psycopg
    with psycopg.connect(db.uri.rsplit('/', 1)[0] + '/' + db.name,
            autocommit=True) as conn:
        # As autovacuum does after a bulk load: it also empties the pending
        # list of the GIN index
        conn.execute('VACUUM ANALYZE')
    return time.perf_counter() - started


def staff(db):
    "A 客服 user, whose searches go through the access rights and rules"
    with common.transaction(db) as (pool, transaction):
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        user, = User.create([{
                    'login': 'bench_kefu', 'name': "客服",
                    'groups': [('add', [ModelData.get_id(
                                    'crm_customer', 'group_service')])],
                    }])
        return user.id


def queries(words, count, seed=7):
    "One or two words each, drawn as the articles' words are"
    rng = random.Random(seed)

    def word():
        return words[int(rng.random() ** 2 * len(words))]
    return [' '.join(word() for _ in range(rng.choice([1, 1, 2])))
        for _ in range(count)]


def measure(db, user, texts):
    from trytond.transaction import Transaction, check_access

    def ranked(Article, text):
        return Article.search_text_ranked(text, limit=10)

    def ilike(Article, text):
        return Article.search([
                ['OR',
                    ('title', 'ilike', '%' + w + '%'),
                    ('content', 'ilike', '%' + w + '%'),
                    ] for w in text.split()], limit=10)

    results = {}
    with common.transaction(db) as (pool, transaction):
        Article = pool.get('crm.service.knowledge.article')
        with Transaction().set_user(user), check_access():
            for name, search in [('ranked', ranked), ('ilike', ilike)]:
                # The first query warms the caches (jieba's dictionary)
                search(Article, texts[0])
                durations, found = [], 0
                for text in texts:
                    started = time.perf_counter()
                    found += bool(search(Article, text))
                    durations.append(time.perf_counter() - started)
                results[name] = common.percentiles(durations), found
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rows', type=int, default=100_000)
    parser.add_argument('--queries', type=int, default=200)
    parser.add_argument('--vocabulary', type=int, default=20_000)
    parser.add_argument('--keep', action='store_true',
        help="keep the database afterwards")
    args = parser.parse_args()
    db = common.database('postgresql', 'bench_knowledge', ['crm_service'])
    try:
        words = vocabulary(args.vocabulary)
        seconds = generate(db, args.rows, words)
        print(f"\npostgresql: {args.rows} articles generated in "
            f"{seconds:.0f} s")
        user = staff(db)
        results = measure(db, user, queries(words, args.queries))
        print(f"{'search':<10} {'p50':>9} {'p95':>9}  found")
        for name, ((p50, p95), found) in results.items():
            print(f"{name:<10} {p50:>7.1f}ms {p95:>7.1f}ms  "
                f"{found}/{args.queries}")
        (_, ranked95), _ = results['ranked']
        (_, ilike95), _ = results['ilike']
        print(f"p95 ranked / ilike: {ranked95 / ilike95:.2f}")
    finally:
        if not args.keep:
            db.drop()


if __name__ == '__main__':
    main()
