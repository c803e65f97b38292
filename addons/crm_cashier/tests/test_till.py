# This file is part of the CRM suite.
"The till's cash: change, rounding (抹零) and the cashier's limits"
from decimal import Decimal

from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.crm_cashier.exceptions import CashierError
from trytond.modules.crm_cashier.tests.tools import (
    create_product, new_sale, open_fiscalyear, pay, rounding_account,
    setup_shop)
from trytond.modules.crm_customer.tests.tools import ModuleDatabaseTestCase
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

D = Decimal


class TillTestCase(ModuleDatabaseTestCase):
    "Test the cash side of the till"
    module = 'crm_cashier'

    @with_transaction()
    def test_cash_change(self):
        """Cash over what is due keeps the due amount in the drawer and
        records what was received and the change"""
        pool = Pool()
        Session = pool.get('sale.point.cash.session')
        company = create_company()
        with set_company(company):
            point, cash, _, card, shampoo, cigarettes = setup_shop(company)
            sale = new_sale(point, card, shampoo, cigarettes)
            self.assertEqual(sale.total, D(138))

            sale = pay(sale, cash, 200)

            self.assertEqual(sale.state, 'done')
            payment, = sale.payments
            self.assertEqual(
                (payment.amount, payment.cash_received, payment.change),
                (D(138), D(200), D(62)))
            self.assertEqual(sale.change_amount, D(62))
            session, = Session.search([('point', '=', point.id)])
            self.assertEqual(session.balance, D(138))

    @with_transaction()
    def test_rounding_modes(self):
        """Each rounding mode of the till rounds the total, is paid and
        posted to the rounding account"""
        pool = Pool()
        Point = pool.get('sale.point')
        Sale = pool.get('sale.point.sale')
        company = create_company()
        with set_company(company):
            open_fiscalyear(company)
            point, cash, *_ = setup_shop(company)
            point.rounding_account = rounding_account(company)
            point.save()
            odd = create_product("面包", '12.37')
            even = create_product("蛋糕", '12.57')
            # Not subtests: taking a lock restarts the whole test
            for mode, product, price, rounding in [
                    ('none', odd, D('12.37'), D(0)),
                    ('drop_fen', odd, D('12.37'), D('-0.07')),
                    ('drop_jiao', odd, D('12.37'), D('-0.37')),
                    ('half_jiao', odd, D('12.37'), D('0.03')),
                    ('half_yuan', odd, D('12.37'), D('-0.37')),
                    ('half_yuan', even, D('12.57'), D('0.43')),
                    ]:
                Point.write([point], {'rounding': mode})
                sale = new_sale(point, None, product)
                sale = pay(sale, cash, 20)

                self.assertEqual(sale.state, 'done', mode)
                self.assertEqual(sale.rounding_amount, rounding, mode)
                self.assertEqual(sale.total, price + rounding)
                self.assertEqual(sale.payments[0].amount, sale.total)
                self.assertEqual(sale.change_amount, 20 - sale.total)

                Sale.post([sale])
                sale = Sale(sale.id)
                posted = sum((x.debit - x.credit)
                    for x in sale.move.lines
                    if x.account == point.rounding_account)
                self.assertEqual(posted, -rounding, mode)

    @with_transaction()
    def test_rounding_limit(self):
        """Rounding by more than the cashier's limit is refused and the
        sale is left unpaid"""
        pool = Pool()
        Payment = pool.get('sale.point.payment')
        company = create_company()
        with set_company(company):
            point, cash, *_ = setup_shop(company)
            point.rounding = 'drop_jiao'
            point.rounding_account = rounding_account(company)
            point.save()
            cashier = create_employee(company, "李收银")
            cashier.till_rounding_limit = D('0.30')
            cashier.save()
            sale = new_sale(point, None, create_product("面包", '12.37'),
                employee=cashier)

            with self.assertRaises(CashierError) as error:
                pay(sale, cash, 20)
            self.assertIn("0.37", str(error.exception))
            self.assertEqual(Payment.search([]), [])

            cashier.till_rounding_limit = D('0.50')
            cashier.save()
            sale = pay(sale, cash, 20)
            self.assertEqual(sale.total, D(12))
            self.assertEqual(sale.state, 'done')

    @with_transaction()
    def test_line_discount_limit(self):
        """A cashier's line discount is applied on top of the member's
        within the cashier's limit; a price not the product's is refused"""
        pool = Pool()
        Line = pool.get('sale.point.sale.line')
        company = create_company()
        with set_company(company):
            point, _, _, card, shampoo, _ = setup_shop(company)
            cashier = create_employee(company, "李收银")
            cashier.till_discount_limit = D('0.10')
            cashier.save()
            sale = new_sale(point, card, shampoo, employee=cashier)
            line, = sale.lines

            line.manual_discount = D('0.05')
            line.on_change_manual_discount()
            line.save()
            # 100 less the member's 12 %, less 5 %
            self.assertEqual(line.unit_price, D('83.6'))
            self.assertEqual(line.discount_amount, D('16.40'))

            line.manual_discount = D('0.20')
            line.on_change_manual_discount()
            with self.assertRaises(CashierError) as error:
                line.save()
            self.assertIn("李收银", str(error.exception))

            line = Line(line.id)
            for price in [D('1'), D('88')]:
                with self.assertRaises(CashierError):
                    Line.write([line], {
                            'manual_discount': D('0.05'),
                            'unit_list_price': price,
                            'unit_gross_price': price,
                            })
            Line.write([line], {
                    'manual_discount': D('0.05'),
                    'unit_list_price': D('83.6'),
                    'unit_gross_price': D('83.6'),
                    })
