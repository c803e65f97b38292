"""Customer import: the 客户导入 wizard's path beside Tryton's import_data,
on the same rows, in the same run.

    .venv/bin/python bench/import_customers.py [--rows 100000]
        [--backend sqlite --backend postgresql]

Writes an .xlsx of new customers (name, mobile, gender, birthday, province,
city), imports it through the wizard's checker and writer into one database
and the same rows through import_data into another, and prints rows/s of
each. Goal: at least 5 times import_data; 100k rows in 2 minutes or less on
PostgreSQL. import_data slows down as a table grows and takes hours on 100k
rows, so it runs on the first --import-data-rows rows (default 10000) of
the same file; pass --import-data-rows 0 for all of them.
"""
import argparse
import datetime as dt
import io
import random
import time

import openpyxl

import common

CITIES = [("广东省", "深圳市"), ("广东省", "广州市"), ("江苏省", "南京市"),
    ("湖北省", "武汉市"), ("浙江省", "杭州市"), ("四川省", "成都市")]


def rows(count, seed=2026):
    from search_customers import GIVEN, SURNAMES
    rng = random.Random(seed)
    for i in range(count):
        province, city = rng.choice(CITIES)
        yield [rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            '13%09d' % i, rng.choice(["男", "女"]),
            dt.date(1960, 1, 1) + dt.timedelta(days=rng.randint(0, 15000)),
            province, city]


def workbook(count):
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["客户名称", "手机", "性别", "生日", "省份", "城市"])
    for row in rows(count):
        sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def chinese(pool):
    from trytond.transaction import Transaction
    Lang = pool.get('ir.lang')
    zh_cn, = Lang.search([('code', '=', 'zh_CN')])
    Lang.load_translations([zh_cn])
    return Transaction().set_context(language='zh_CN')


def wizard_path(db, data):
    from trytond.modules.crm_customer.customer_excel import CustomerImporter
    with common.transaction(db) as (pool, transaction):
        with chinese(pool):
            started = time.perf_counter()
            importer = CustomerImporter(data)
            assert not importer.errors, importer.messages[:5]
            created, _ = importer.save()
            return created, time.perf_counter() - started


def import_data(db, count):
    with common.transaction(db) as (pool, transaction):
        with chinese(pool):
            Party = pool.get('party.party')
            data = []
            for name, mobile, gender, birthday, province, city in rows(count):
                data.append([name, 'mobile', mobile,
                        'male' if gender == "男" else 'female',
                        birthday.isoformat(), province, city])
            started = time.perf_counter()
            created = Party.import_data(['name', 'contact_mechanisms/type',
                    'contact_mechanisms/value', 'gender', 'birthday',
                    'province', 'city'], data)
            assert created == count, created
            return count, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rows', type=int, default=100_000)
    parser.add_argument('--import-data-rows', type=int, default=10_000)
    parser.add_argument('--backend', action='append',
        choices=['sqlite', 'postgresql'])
    args = parser.parse_args()
    sample = min(args.import_data_rows or args.rows, args.rows)
    for backend in common.each_backend(args.backend):
        data = workbook(args.rows)
        print(f"{args.rows} rows, {len(data) / 1e6:.1f} MB of .xlsx")
        results = {}
        for path in ['wizard', 'import_data']:
            db = common.database(backend, f'bench_import_{path}')
            try:
                if path == 'wizard':
                    count, seconds = wizard_path(db, data)
                else:
                    count, seconds = import_data(db, sample)
            finally:
                db.drop()
            results[path] = count / seconds
            print(f"{backend:<10} {path:<12} {count} rows in "
                f"{seconds:7.1f} s  {count / seconds:8.0f} rows/s")
        print(f"{backend:<10} wizard / import_data: "
            f"{results['wizard'] / results['import_data']:.1f}x")


if __name__ == '__main__':
    main()
