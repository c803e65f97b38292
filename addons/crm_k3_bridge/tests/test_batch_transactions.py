# This file is part of the CRM suite.
"""Exports from several transactions: the cron twice, two exports at once,
a server that dies after K3 answered. The data are committed for the other
transactions to see them: this class has a database of its own."""
import datetime as dt
from zoneinfo import ZoneInfo

from trytond import backend
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_cashier.tests.tools import pay
from trytond.modules.crm_customer.tests.tools import ModuleDatabaseTestCase
from trytond.modules.crm_k3_bridge.tests.fakes import FakeK3Cloud
from trytond.modules.crm_k3_bridge.tests.test_export import sale_on
from trytond.modules.crm_k3_bridge.tests.tools import configure, mapped_shop
from trytond.modules.crm_membership.tests.tools import at_once, request
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, with_transaction
from trytond.transaction import Transaction, TransactionError


def died(function):
    """Run function as a request whose server dies once it is done, before
    its commit"""
    extras = {}
    while True:
        with Transaction(new=True).start(DB_NAME, 0, **extras) \
                as transaction:
            try:
                return function()
            except TransactionError as error:
                error.fix(extras)
            finally:
                transaction.rollback()


class BatchTransactionsTestCase(ModuleDatabaseTestCase):
    "Test exports to K3 from concurrent and failing transactions"
    module = 'crm_k3_bridge'

    _shop = None

    def _day(self, k3cloud, days_ago):
        """Two committed sales of the day days ago at the shop the tests of
        the class share, sent to k3cloud; return the day and the shop"""
        pool = Pool()
        Date = pool.get('ir.date')
        POS = pool.get('sale.point')
        Method = pool.get('sale.point.payment.method')
        Product = pool.get('product.product')
        cls = self.__class__
        if cls._shop is None:
            company = create_company()
            with set_company(company):
                point, cash, _, _, shampoo, cigarettes = mapped_shop(company)
            # Kept once committed: a lock may start the test again
            Transaction().commit()
            cls._shop = (company.id, point.id, cash.id, shampoo.id,
                cigarettes.id)
        company, point, cash, shampoo, cigarettes = cls._shop
        day = Date.today() - dt.timedelta(days=days_ago)
        with set_company(pool.get('company.company')(company)):
            configure(k3cloud)
            for products in [(shampoo,), (shampoo, cigarettes)]:
                sale = sale_on(day, POS(point), None,
                    *Product.browse(products))
                pay(sale, Method(cash), sale.total)
        Transaction().commit()
        return day, point

    def _batches(self, date, point):
        Batch = Pool().get('crm.k3.batch')
        with Transaction().new_transaction():
            return [(b.state, len(b.documents), len(b.lines))
                for b in Batch.search([
                        ('date', '=', date), ('point', '=', point)])]

    @with_transaction()
    def test_cron_twice(self):
        "The cron run twice sends the day once"
        Batch = Pool().get('crm.k3.batch')
        with FakeK3Cloud() as k3cloud:
            yesterday, point = self._day(k3cloud, 1)
            now = dt.datetime.combine(yesterday + dt.timedelta(days=1),
                dt.time(12), tzinfo=ZoneInfo('Asia/Shanghai'))
            for _ in range(2):
                self.assertIsNone(request(Batch.export_scheduled, now))
            self.assertEqual(self._batches(yesterday, point), [('done', 2, 5)])
            self.assertEqual(k3cloud.calls['Save'], 2)
            self.assertEqual(len(k3cloud.documents), 2)

    @with_transaction()
    def test_two_exports_at_once(self):
        """Two exports of the same day at once make one batch and send it
        once: the second waits, then finds it done, or gives up"""
        Batch = Pool().get('crm.k3.batch')
        with FakeK3Cloud() as k3cloud:
            yesterday, point = self._day(k3cloud, 2)
            POS = Pool().get('sale.point')
            results = at_once(lambda _: [b.state
                    for b in Batch.export_days([yesterday], [POS(point)])],
                range(2))
            for result in results:
                if not isinstance(result, list):
                    self.assertIsInstance(result,
                        backend.DatabaseOperationalError, msg=results)
            self.assertIn(['done'], results)
            self.assertEqual(self._batches(yesterday, point), [('done', 2, 5)])
            self.assertEqual(k3cloud.calls['Save'], 2)

    @with_transaction()
    def test_death_after_answer(self):
        """K3 took the documents but the server died before its commit: the
        next export finds them in K3 and records their numbers"""
        Batch = Pool().get('crm.k3.batch')
        with FakeK3Cloud() as k3cloud:
            yesterday, point = self._day(k3cloud, 3)
            POS = Pool().get('sale.point')
            request(lambda: Batch.build(yesterday, [POS(point)]))

            def send_and_die():
                batch, = Batch.search([
                        ('date', '=', yesterday), ('point', '=', point)])
                Batch.send([batch])
                self.assertEqual(Batch(batch.id).state, 'done')
            died(send_and_die)
            self.assertEqual(
                self._batches(yesterday, point), [('draft', 2, 5)])
            self.assertEqual(len(k3cloud.documents), 2)

            def send():
                Batch.send(Batch.search([
                            ('date', '=', yesterday), ('point', '=', point)]))
            request(send)
            self.assertEqual(self._batches(yesterday, point), [('done', 2, 5)])
            self.assertEqual(k3cloud.calls['Save'], 2)
            with Transaction().new_transaction():
                batch, = Batch.search([
                        ('date', '=', yesterday), ('point', '=', point)])
                self.assertEqual(sorted(d.number for d in batch.documents),
                    sorted(d['Number'] for d in k3cloud.documents))


