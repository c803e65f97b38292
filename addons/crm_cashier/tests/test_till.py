# This file is part of the CRM suite.
"The till's cash: change, rounding (抹零) and the cashier's limits"
import re
from decimal import Decimal

from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.crm_cashier.exceptions import CashierError
from trytond.modules.crm_cashier.receipt import rmb_capitals
from trytond.modules.crm_cashier.tests.tools import (
    at_till, cashier_user, create_product, new_sale, open_fiscalyear,
    open_shift, pay, pay_form, pdf_objects, rounding_account, setup_shop)
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
            # The limits are those of the user at the till
            user = cashier_user(company, "李收银")
            cashier = user.employee
            cashier.till_rounding_limit = D('0.30')
            cashier.save()
            sale = new_sale(point, None, create_product("面包", '12.37'),
                employee=cashier)

            with at_till(user), self.assertRaises(CashierError) as error:
                pay(sale, cash, 20)
            self.assertIn("0.37", str(error.exception))
            self.assertEqual(Payment.search([]), [])

            cashier.till_rounding_limit = D('0.50')
            cashier.save()
            with at_till(user):
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
            user = cashier_user(company, "李收银")
            cashier = user.employee
            cashier.till_discount_limit = D('0.10')
            cashier.save()
            sale = new_sale(point, card, shampoo, employee=cashier)
            line, = sale.lines
            # The limit is that of the user at the till
            with at_till(user):
                # Saved as the user and context it is read with
                line = Line(line.id)
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

    @with_transaction()
    def test_receipt(self):
        """The receipt shows the sale, its discounts, rounding, payments,
        change, the card after the sale and the total in capitals; it is
        an 80 mm PDF with the Chinese font embedded, and can be reprinted"""
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        Receipt = pool.get('sale.point.sale.receipt', type='report')
        Reprint = pool.get('sale.point.sale.receipt.reprint', type='report')
        company = create_company()
        with set_company(company):
            point, cash, card_method, card, shampoo, cigarettes = (
                setup_shop(company))
            point.rounding = 'drop_jiao'
            point.rounding_account = rounding_account(company)
            point.save()
            cashier = create_employee(company, "李收银")
            points = card.__class__(card.id).points
            sale = new_sale(point, card, shampoo, cigarettes,
                create_product("面包", '13.07'), employee=cashier)
            sale = pay(sale, card_method, 100, '123456')
            sale = pay(sale, cash, 100)
            self.assertEqual(sale.state, 'done')
            # 88 + 50 + 11.50 less 0.50 dropped
            self.assertEqual(sale.total, D(149))
            self.assertEqual(sale.change_amount, D(51))

            # The Pay dialog that finishes the sale prints it
            other = new_sale(point, card, shampoo, employee=cashier)
            _, result = pay_form(other, {'method': cash.id, 'amount': D(100)})
            (action, data), = result['actions']
            self.assertEqual(action['report_name'], Receipt.__name__)
            self.assertEqual((data['model'], data['ids']),
                (other.__name__, [other.id]))

            kind, content, _, name = Receipt.execute([sale.id], {})
            self.assertEqual(kind, 'pdf')
            self.assertTrue(content.startswith(b'%PDF'))
            objects = pdf_objects(content)
            # 80 mm wide, in points, with the CJK font in the file
            self.assertTrue(re.search(rb'/MediaBox \[0 0 226\.77', objects))
            self.assertTrue(b'/FontFile3' in content
                or b'/FontFile' in objects)
            self.assertTrue(b'/Subtype /OpenType' in content)

            def html(report):
                action, = ActionReport.search([
                        ('report_name', '=', report.__name__),
                        ])
                context = report.get_context([sale], {}, {})
                return report.render(action, context)

            receipt = html(Receipt)
            for text in [sale.number, "李收银", "张三", "金卡会员",
                    "洗发水", "壹佰肆拾玖元整", "11.50", "-usd0.50",
                    "usd100.00", "usd51.00"]:
                self.assertIn(text, receipt)
            self.assertNotIn("Reprint", receipt)
            # ¥200 card less ¥100; 2 points a yuan on the ¥149 paid
            self.assertEqual(sale.member_balance_after, D(100))
            self.assertEqual(sale.member_points_after, points + 298)
            after = receipt.split("Card Balance")[1]
            self.assertIn("100.00", after)
            self.assertIn(str(points + 298), after)
            self.assertIn("Reprint", html(Reprint))

    def test_rmb_capitals(self):
        "Amounts in financial capitals"
        for amount, text in [
                (D('123.40'), "壹佰贰拾叁元肆角"),
                (D('0.05'), "伍分"),
                (D('100'), "壹佰元整"),
                (D('-8.5'), "负捌元伍角"),
                ]:
            self.assertEqual(rmb_capitals(amount), text)

    @with_transaction()
    def test_shift_handover(self):
        """A cashier sells only in an open shift of their own; the counted
        cash at the close gives the over/short, booked as a transfer, and
        the handover lists the sales by payment method"""
        pool = Pool()
        Session = pool.get('sale.point.cash.session')
        TransferType = pool.get('sale.point.cash.transfer.type')
        Journal = pool.get('account.journal')
        ActionReport = pool.get('ir.action.report')
        Handover = pool.get(
            'sale.point.cash.session.handover', type='report')
        company = create_company()
        with set_company(company):
            point, cash, card_method, card, shampoo, cigarettes = (
                setup_shop(company))
            first, = Session.search([('point', '=', point.id)])
            first.end_amount = D(0)
            Session.close([first])
            point.over_short_type = TransferType(name="长短款",
                account=rounding_account(company),
                journal=Journal.search([('type', '=', 'cash')])[0])
            point.over_short_type.save()
            point.save()
            li = create_employee(company, "李收银")
            wang = create_employee(company, "王收银")

            # No open shift: no sale
            sale = new_sale(point, card, cigarettes, employee=li)
            with self.assertRaises(CashierError):
                pay(sale, cash, 50)
            self.assertEqual(Pool().get('sale.point.payment').search([]), [])

            shift = open_shift(point, li)
            self.assertEqual(shift.previous_session, first)
            sale = pay(sale, cash, 50)
            other = new_sale(point, card, shampoo, employee=li)
            other = pay(other, card_method, 38, '123456')
            other = pay(other, cash, 100)
            self.assertEqual(other.change_amount, D(50))
            self.assertEqual({sale.shift, other.shift}, {shift})

            # Not on another cashier's shift
            with self.assertRaises(CashierError) as error:
                pay(new_sale(point, card, cigarettes, employee=wang),
                    cash, 50)
            self.assertIn("李收银", str(error.exception))

            shift = Session(shift.id)
            self.assertEqual(shift.cash_expected, D(100))
            self.assertEqual(
                [(m.name, s, r) for m, s, r in shift.handover_lines()],
                [("会员卡", D(38), D(0)), ("现金", D(100), D(0))])
            shift.end_amount = D('98.50')
            Session.close([shift])
            shift = Session(shift.id)
            self.assertEqual(shift.state, 'closed')
            self.assertEqual(shift.over_short, D('-1.50'))
            transfer, = shift.transfers
            self.assertEqual(
                (transfer.type, transfer.amount),
                (point.over_short_type, D('-1.50')))
            self.assertEqual(shift.cash_expected, D(100))

            # A closed shift sells no more
            with self.assertRaises(CashierError):
                pay(new_sale(point, card, cigarettes, employee=li), cash, 50)

            # Reopened, the over/short is counted again at the next close
            Session.open([shift])
            shift = Session(shift.id)
            self.assertEqual((shift.transfers, shift.over_short), ((), None))
            shift.end_amount = D(100)
            Session.close([shift])
            self.assertEqual(Session(shift.id).over_short, D(0))

            kind, content, _, _ = Handover.execute([shift.id], {})
            self.assertEqual(kind, 'pdf')
            self.assertTrue(content.startswith(b'%PDF'))
            action, = ActionReport.search([
                    ('report_name', '=', Handover.__name__)])
            text = Handover.render(action,
                Handover.get_context([Session(shift.id)], {}, {}))
            for value in ["李收银", "会员卡", "usd38.00", "usd100.00"]:
                self.assertIn(value, text)
