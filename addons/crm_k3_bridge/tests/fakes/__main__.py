# This file is part of the CRM suite.
"""Run the fake K3 Cloud for a demonstration:
python -m trytond.modules.crm_k3_bridge.tests.fakes --port 8091"""
import argparse
import datetime as dt

from . import FakeK3Cloud


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--closed-before', type=dt.date.fromisoformat,
        help="refuse documents dated before this day (YYYY-MM-DD)")
    args = parser.parse_args()
    fake = FakeK3Cloud(port=args.port)
    fake.closed_before = args.closed_before
    print('K3 Cloud fake at %s' % fake.url)
    print('acct_id=%s username=%s password=%s' % (
            fake.acct_id, fake.username, fake.password))
    print('app_id=%s app_secret=%s' % (fake.app_id, fake.app_secret))
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
