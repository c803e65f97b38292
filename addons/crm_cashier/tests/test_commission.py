# This file is part of the CRM suite.
"Commissions of the staff at the till and the monthly payroll"
import io
from decimal import Decimal

import openpyxl

from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.crm_cashier.tests.tools import (
    create_product, new_sale, pay, setup_shop)
from trytond.modules.crm_customer.tests.tools import ModuleDatabaseTestCase
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

D = Decimal


class CommissionTestCase(ModuleDatabaseTestCase):
    "Test the commissions of the till"
    module = 'crm_cashier'

    @with_transaction()
    def test_commission_plans_refund_and_payroll(self):
        """A fixed amount per service, a percentage in tiers of the month's
        total; a refund takes the commission back; the payroll adds the
        base pay and exports to Excel"""
        pool = Pool()
        Agent = pool.get('commission.agent')
        Commission = pool.get('commission')
        Plan = pool.get('commission.plan')
        Sale = pool.get('sale.point.sale')
        Payroll = pool.get('commission.payroll')
        Excel = pool.get('crm.membership.report.excel', type='report')
        company = create_company()
        with set_company(company):
            point, cash, _, card, shampoo, _ = setup_shop(company)
            haircut = create_product("洗剪吹", 60, type='service')
            perm = create_product("烫发", 1000, type='service')
            plan, = Plan.create([{
                        'name': "发型师提成",
                        'commission_product': create_product(
                            "提成", 0, type='service').id,
                        'lines': [('create', [{
                                        'product': haircut.id,
                                        'formula': 'quantity * 10',
                                        }, {
                                        'formula': "amount * ("
                                        "Decimal('0.03') if month_total < 1000"
                                        " else Decimal('0.05'))",
                                        }])],
                        }])
            stylist = create_employee(company, "王发型师")
            stylist.base_pay = D(3000)
            stylist.save()
            clerk = create_employee(company, "赵店员")
            clerk.base_pay = D(2500)
            clerk.save()
            Agent(party=stylist.party, plan=plan, currency=company.currency,
                company=company).save()

            def sell(*products, quantity=1):
                sale = new_sale(point, card, *products)
                for line in sale.lines:
                    line.staff = stylist
                    line.quantity = quantity
                sale.lines = sale.lines
                sale.save()
                sale = Sale(sale.id)
                return pay(sale, cash, sale.total)

            first = sell(haircut, shampoo)
            # 10 for the haircut, 3 % of the 88 of shampoo
            self.assertEqual(
                sorted(c.amount for x in first.lines for c in x.commissions),
                [D('2.64'), D(10)])
            second = sell(perm)
            # 52.80 + 88 so far this month: still 3 %
            self.assertEqual(second.lines[0].commissions[0].amount,
                D('26.40'))
            third = sell(shampoo, quantity=2)
            # Over 1000 this month: 5 %
            self.assertEqual(third.lines[0].commissions[0].amount, D('8.80'))

            refund = Sale.refund_lines(third, {third.lines[0]: 1})
            reversal, = refund.lines[0].commissions
            self.assertEqual(reversal.amount, D('-4.40'))
            refund = Sale.refund_lines(Sale(third.id), {third.lines[0]: 1})
            self.assertEqual(refund.lines[0].commissions[0].amount,
                D('-4.40'))
            self.assertEqual(sum(c.amount for c in Commission.search([])),
                D('10') + D('2.64') + D('26.40'))

            with Transaction().set_context(month=first.date):
                payrolls = Payroll.search([])
                self.assertEqual(
                    sorted((p.employee.party.name, p.base_pay, p.commission,
                            p.total) for p in payrolls),
                    [("王发型师", D(3000), D('39.04'), D('3039.04')),
                        ("赵店员", D(2500), D(0), D(2500))])
                stylist_pay, = [p for p in payrolls if p.employee == stylist]
                self.assertEqual(len(stylist_pay.commissions), 6)

                kind, content, _, _ = Excel.execute(
                    [p.id for p in payrolls], {'model': Payroll.__name__})
            self.assertEqual(kind, 'xlsx')
            sheet = openpyxl.load_workbook(io.BytesIO(content)).active
            rows = list(sheet.iter_rows(values_only=True))
            self.assertEqual(len(rows), 3)
            self.assertIn("王发型师", [r[1] for r in rows])
