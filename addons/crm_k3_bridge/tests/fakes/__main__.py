# This file is part of the CRM suite.
"""Run the fake K3 Cloud for a demonstration:
python -m trytond.modules.crm_k3_bridge.tests.fakes --port 8091
[--demo] [--state var/k3-fake.json]"""
import argparse
import datetime as dt
import itertools
import json
import os
from decimal import Decimal

from . import FORMS, FakeK3Cloud, _json_default

# What the demo shop is mapped to (tools/demo.py): a material per product,
# and the settlement types of its payment methods
DEMO_MATERIALS = {'WL%04d' % i for i in range(1, 100)}
DEMO_SETTLE_TYPES = {'JSFS01_SYS', 'JSFS04_SYS', 'JSFS05_SYS', 'JSFS31_SYS',
    'JSFS32_SYS', 'JSFS33_SYS', 'JSFS34_SYS', 'JSFS35_SYS'}


def keep(fake, path):
    """Keep fake's documents in the JSON file path across restarts: read
    them now, write them after each call"""
    if os.path.exists(path):
        with open(path, encoding='utf-8') as file:
            fake.documents[:] = json.load(file, parse_float=Decimal)
        fake._ids = itertools.count(
            max((d['Id'] for d in fake.documents), default=100000) + 1)
        for form in FORMS:
            count = len(fake.by_form(form))
            fake._numbers[form] = itertools.count(count + 1)
    handle = fake._handle

    def handle_and_keep(handler):
        try:
            return handle(handler)
        finally:
            with fake.lock:
                text = json.dumps(fake.documents, ensure_ascii=False,
                    default=_json_default)
            with open(path + '.new', 'w', encoding='utf-8') as file:
                file.write(text)
            os.replace(path + '.new', path)
    fake._handle = handle_and_keep


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--closed-before', type=dt.date.fromisoformat,
        help="refuse documents dated before this day (YYYY-MM-DD)")
    parser.add_argument('--demo', action='store_true',
        help="know the numbers the demo shop is mapped to")
    parser.add_argument('--state', metavar='FILE',
        help="keep the documents in this JSON file across restarts")
    args = parser.parse_args()
    fake = FakeK3Cloud(port=args.port)
    fake.closed_before = args.closed_before
    if args.demo:
        fake.materials |= DEMO_MATERIALS
        fake.settle_types |= DEMO_SETTLE_TYPES
    if args.state:
        keep(fake, args.state)
    print('K3 Cloud fake at %s' % fake.url)
    print('acct_id=%s username=%s password=%s' % (
            fake.acct_id, fake.username, fake.password))
    print('app_id=%s app_secret=%s' % (fake.app_id, fake.app_secret))
    if not args.demo:
        for label, values in [
                ('organisations', fake.organisations),
                ('customers', fake.customers),
                ('salesmen', fake.salesmen),
                ('materials', fake.materials),
                ('units', fake.units),
                ('warehouses', fake.warehouses),
                ('settle types', fake.settle_types)]:
            print('%s: %s' % (label, ', '.join(sorted(values))), flush=True)
    with fake:
        try:
            fake.thread.join()
        except KeyboardInterrupt:
            pass


if __name__ == '__main__':
    main()
