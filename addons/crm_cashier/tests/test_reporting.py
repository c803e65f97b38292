# This file is part of the CRM suite.
"The till's reports"
import datetime as dt
from decimal import Decimal

from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_cashier.exceptions import CashierError
from trytond.modules.crm_cashier.tests.tools import (
    create_product, new_sale, pay, setup_shop)
from trytond.modules.crm_customer.tests.tools import ModuleDatabaseTestCase
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

D = Decimal


class ReportingTestCase(ModuleDatabaseTestCase):
    "Test the till's reports"
    module = 'crm_cashier'

    @with_transaction()
    def test_payments_by_day_and_rankings(self):
        """Payments add up by day and method; categories and products are
        ranked by what the tills sold"""
        pool = Pool()
        Category = pool.get('product.category')
        Sale = pool.get('sale.point.sale')
        PaymentReport = pool.get('sale.point.reporting.payment')
        Takings = pool.get('sale.point.takings')
        ProductReport = pool.get('sale.reporting.product')
        CategoryReport = pool.get('sale.reporting.product.category')
        company = create_company()
        with set_company(company):
            point, cash, card_method, card, shampoo, cigarettes = (
                setup_shop(company))
            care = Category(name="洗护")
            care.save()
            conditioner = create_product("护发素", 30, category=care)
            today = pool.get('ir.date').today()
            yesterday = today - dt.timedelta(days=1)

            first = new_sale(point, card, shampoo, conditioner)
            Sale.write([first], {'date': yesterday})
            first = pay(Sale(first.id), card_method, 50, '123456')
            first = pay(first, cash, first.amount_to_pay)
            second = pay(new_sale(point, None, cigarettes, conditioner),
                cash, 100)
            # An open sale counts nowhere
            new_sale(point, None, shampoo)
            self.assertEqual({first.state, second.state}, {'done'})

            with Transaction().set_context(company=company.id,
                    from_date=yesterday, to_date=today):
                rows = PaymentReport.search([])
                self.assertEqual(
                    sorted((r.date, r.method.name, r.number, r.amount)
                        for r in rows),
                    sorted([
                            (yesterday, "会员卡", 1, D(50)),
                            # 88 + 26.40 member prices less 50 by card
                            (yesterday, "现金", 1, D('64.40')),
                            (today, "现金", 1, D(80)),
                            ]))

                # Reopened, the sale leaves its day's takings; done again,
                # it comes back; the rows kept are those counted afresh
                def takings():
                    return sorted((r.date, r.point.id, r.method.id, r.number,
                            r.amount) for r in PaymentReport.search([]))
                kept = takings()
                Sale.open([second])
                self.assertEqual(takings(), [r for r in kept if r[0] != today])
                Sale.process([second])
                self.assertEqual(takings(), kept)
                Takings.rebuild()
                self.assertEqual(takings(), kept)
                # A finished sale stays on its day and till
                with self.assertRaises(CashierError):
                    Sale.write([first], {'date': today})
                self.assertEqual(takings(), kept)

                products = {r.product.name: r.revenue
                    for r in ProductReport.search([])}
                self.assertEqual(products["护发素"], D('56.40'))
                self.assertEqual(products["洗发水"], D(88))
                categories = {r.category.name: r.revenue
                    for r in CategoryReport.search([])}
                self.assertEqual(categories["洗护"], D('56.40'))
                self.assertEqual(categories["烟草"], D(50))
