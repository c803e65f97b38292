# This file is part of the CRM suite.
"The refund (退货) of a till sale, whole or line by line"
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.wizard import Button, StateAction, StateView, Wizard


class RefundStart(ModelView):
    __name__ = 'sale.point.sale.refund.start'

    sale = fields.Many2One('sale.point.sale', "Sale", readonly=True)
    lines = fields.One2Many(
        'sale.point.sale.refund.start.line', None, "Lines",
        help="The quantity to refund of each line; 0 keeps it sold.")


class RefundStartLine(ModelView):
    __name__ = 'sale.point.sale.refund.start.line'

    line = fields.Many2One('sale.point.sale.line', "Line", readonly=True)
    product = fields.Many2One('product.product', "Product", readonly=True)
    sold = fields.Float("Sold", readonly=True)
    left = fields.Float("Refundable", readonly=True)
    quantity = fields.Float("Refund", required=True,
        domain=[
            ('quantity', '>=', 0),
            ('quantity', '<=', Eval('left', 0)),
            ])


class Refund(Wizard):
    "Refund lines of a till sale"
    __name__ = 'sale.point.sale.refund'
    start = StateView('sale.point.sale.refund.start',
        'crm_cashier.refund_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Refund", 'refund', 'tryton-ok', default=True),
            ])
    refund = StateAction('sale_point.act_sale_form')

    def default_start(self, fields):
        lines = []
        for line, left in self.record.refundable_quantities().items():
            if left > 0:
                lines.append({
                        'line': line.id,
                        'product': line.product.id,
                        'sold': line.quantity,
                        'left': left,
                        'quantity': left,
                        })
        return {
            'sale': self.record.id,
            'lines': lines,
            }

    def do_refund(self, action):
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        refund = Sale.refund_lines(self.record, {
                line.line: line.quantity for line in self.start.lines})
        action['res_id'] = [refund.id]
        action['views'].reverse()
        return action, {}
