# This file is part of the CRM suite.
"""对账: a shop's days as the suite has them beside what K3 acknowledged,
by material and by settlement type, and the differences"""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sql.conditionals import Coalesce

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.crm_customer.excel import content, workbook
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.report import Report
from trytond.transaction import Transaction, without_check_access

from .batch import day_end
from .exceptions import K3BridgeError

MAX_DAYS = 93
ZERO = Decimal(0)
QUANTITY = Decimal('0.0001')
AMOUNT = Decimal('0.01')
# What a user chooses of a reconciliation; the rest is the server's
USER_FIELDS = {'point', 'from_date', 'to_date'}


class Reconciliation(Workflow, ModelSQL, ModelView):
    "K3 Reconciliation"
    __name__ = 'crm.k3.reconciliation'
    __string__ = "K3 Reconciliation"

    point = fields.Many2One('sale.point', "Shop", required=True,
        states={'readonly': Eval('state') != 'draft'})
    from_date = fields.Date("From", required=True,
        states={'readonly': Eval('state') != 'draft'})
    to_date = fields.Date("To", required=True,
        domain=[('to_date', '>=', Eval('from_date'))],
        states={'readonly': Eval('state') != 'draft'})
    state = fields.Selection([
            ('draft', "Draft"),
            ('done', "Reconciled"),
            ], "State", required=True, readonly=True)
    reconciled_at = fields.DateTime("Reconciled at", readonly=True)
    lines = fields.One2Many('crm.k3.reconciliation.line', 'reconciliation',
        "Lines", readonly=True)
    differences = fields.Integer("Differences", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('from_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('draft', 'done')}
        cls._buttons.update({
                'reconcile': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    def get_rec_name(self, name):
        return '%s %s～%s' % (self.point.rec_name, self.from_date,
            self.to_date)

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        for records, values in zip(actions, actions):
            if Transaction().check_access and set(values) - USER_FIELDS:
                raise K3BridgeError(gettext(
                        'crm_k3_bridge.msg_reconciliation_server_field'))
            for record in records:
                if record.state != 'draft':
                    raise K3BridgeError(gettext(
                            'crm_k3_bridge.msg_reconciliation_done',
                            reconciliation=record.rec_name))
        super().write(*args)

    @classmethod
    def create(cls, vlist):
        if Transaction().check_access:
            vlist = [{k: v for k, v in values.items() if k in USER_FIELDS}
                for values in vlist]
        return super().create(vlist)

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def reconcile(cls, reconciliations):
        pool = Pool()
        Configuration = pool.get('crm.k3.configuration')
        Line = pool.get('crm.k3.reconciliation.line')
        User = pool.get('res.user')
        User.check_k3_finance()
        with without_check_access():
            config = Configuration(1)
            target = config.get_target()
            if target is None:
                raise K3BridgeError(
                    gettext('crm_k3_bridge.msg_export_no_target'))
            lines = []
            for reconciliation in reconciliations:
                days = (reconciliation.to_date
                    - reconciliation.from_date).days + 1
                if days > MAX_DAYS:
                    raise K3BridgeError(gettext(
                            'crm_k3_bridge.msg_export_range', days=MAX_DAYS))
                reconciliation_lines = reconciliation._compare(
                    config, target, days)
                lines.extend(reconciliation_lines)
                reconciliation.differences = len(
                    [l for l in reconciliation_lines
                        if l.get_difference('different')])
                reconciliation.reconciled_at = dt.datetime.now()
            Line.save(lines)
            cls.save(reconciliations)

    def _compare(self, config, target, days):
        pool = Pool()
        Line = pool.get('crm.k3.reconciliation.line')
        Mapping = pool.get('crm.k3.mapping')
        shop = Mapping.numbers('point', [self.point.id]).get(self.point.id)
        if not shop:
            raise K3BridgeError(gettext('crm_k3_bridge.msg_unmapped_point',
                    names=self.point.rec_name))
        lines = []
        for i in range(days):
            date = self.from_date + dt.timedelta(days=i)
            ours, names = suite_totals(config, self.point, date)
            theirs = target.totals(shop.number, date)
            for key in sorted(set(ours) | set(theirs)):
                kind, number = key
                our, their = ours.get(key), theirs.get(key)
                if kind == 'material':
                    our_qty, our_amount = our or (ZERO, ZERO)
                    their_qty, their_amount = their or (ZERO, ZERO)
                else:
                    our_qty = their_qty = None
                    our_amount, their_amount = our or ZERO, their or ZERO
                if our_qty is not None:
                    our_qty, their_qty = (
                        q.quantize(QUANTITY) for q in (our_qty, their_qty))
                our_amount, their_amount = (
                    a.quantize(AMOUNT) for a in (our_amount, their_amount))
                lines.append(Line(reconciliation=self, date=date, kind=kind,
                        number=number, name=names.get(key, ''),
                        suite_quantity=our_qty, suite_amount=our_amount,
                        k3_quantity=their_qty, k3_amount=their_amount))
        return lines


def suite_totals(config, point, date):
    """The shop's day as the suite has it, in K3's numbers: {key: value}
    as Target.totals gives them, and {key: the suite's names}"""
    pool = Pool()
    Sale = pool.get('sale.point.sale')
    SaleLine = pool.get('sale.point.sale.line')
    Payment = pool.get('sale.point.payment')
    Deposit = pool.get('sale.point.card.deposit')
    Mapping = pool.get('crm.k3.mapping')
    totals, names = {}, defaultdict(set)
    if config.start_date and date < config.start_date:
        return totals, {}
    sales = Sale.search([
            ('point', '=', point.id),
            ('date', '=', date),
            ('state', 'in', ['done', 'posted']),
            ])
    sale_lines = SaleLine.search([('sale', 'in', [s.id for s in sales])])
    # K3 WISE is sent the outbound bills only
    if config.target == 'wise':
        payments = deposits = []
    else:
        payments = Payment.search([('sale', 'in', [s.id for s in sales])])
        deposits = Deposit.search([
                ('shift.point', '=', point.id),
                ('create_date', '>=',
                    day_end(point.company, date - dt.timedelta(days=1))),
                ('create_date', '<', day_end(point.company, date)),
                ])
    products = Mapping.numbers('product', [l.product.id for l in sale_lines])
    methods = Mapping.numbers('method',
        [p.method.id for p in payments] + [d.method.id for d in deposits])

    def number(mappings, record):
        mapping = mappings.get(record.id)
        return mapping.number if mapping else gettext(
            'crm_k3_bridge.msg_reconciliation_unmapped', name=record.rec_name)

    quantities = defaultdict(lambda: [ZERO, ZERO])
    for line in sale_lines:
        key = ('material', number(products, line.product))
        quantities[key][0] += Decimal(str(line.quantity))
        quantities[key][1] += line.amount
        names[key].add(line.product.rec_name)
    totals.update({k: tuple(v) for k, v in quantities.items()})
    for kind, records in [('settle', payments), ('advance', deposits)]:
        for record in records:
            key = (kind, number(methods, record.method))
            totals[key] = totals.get(key, ZERO) + record.amount
            names[key].add(record.method.rec_name)
    return totals, {k: '、'.join(sorted(v)) for k, v in names.items()}


class ReconciliationLine(ModelSQL, ModelView):
    "K3 Reconciliation Line"
    __name__ = 'crm.k3.reconciliation.line'
    __string__ = "K3 Reconciliation Line"

    reconciliation = fields.Many2One('crm.k3.reconciliation',
        "Reconciliation", required=True, readonly=True, ondelete='CASCADE')
    date = fields.Date("Day", readonly=True)
    kind = fields.Selection([
            ('material', "Material"),
            ('settle', "Settlement"),
            ('advance', "Advance Receipt"),
            ], "Kind", readonly=True)
    number = fields.Char("K3 Number", readonly=True)
    name = fields.Char("In the Suite", readonly=True)
    suite_quantity = fields.Numeric("Suite Quantity", digits=(16, 4),
        readonly=True)
    suite_amount = fields.Numeric("Suite Amount", digits=(16, 2),
        readonly=True)
    k3_quantity = fields.Numeric("K3 Quantity", digits=(16, 4),
        readonly=True)
    k3_amount = fields.Numeric("K3 Amount", digits=(16, 2), readonly=True)
    quantity_difference = fields.Function(fields.Numeric(
            "Quantity Difference", digits=(16, 4)), 'get_difference')
    amount_difference = fields.Function(fields.Numeric(
            "Amount Difference", digits=(16, 2)), 'get_difference')
    different = fields.Function(fields.Boolean("Different"),
        'get_difference', searcher='search_different')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('kind', 'ASC'), ('number', 'ASC'),
            ('id', 'ASC')]

    def get_difference(self, name):
        quantity = ((self.suite_quantity or ZERO) - (self.k3_quantity or ZERO)
            if self.kind == 'material' else None)
        amount = (self.suite_amount or ZERO) - (self.k3_amount or ZERO)
        if name == 'quantity_difference':
            return quantity
        elif name == 'amount_difference':
            return amount
        return bool(quantity) or bool(amount)

    @classmethod
    def search_different(cls, name, clause):
        table = cls.__table__()
        _, operator, value = clause
        different = ((Coalesce(table.suite_amount, 0)
                != Coalesce(table.k3_amount, 0))
            | (Coalesce(table.suite_quantity, 0)
                != Coalesce(table.k3_quantity, 0)))
        query = table.select(table.id, where=different)
        if (operator == '=') == bool(value):
            return [('id', 'in', query)]
        return [('id', 'not in', query)]


class ReconciliationExcel(Report):
    "The reconciliation's lines as an .xlsx workbook"
    __name__ = 'crm.k3.reconciliation.excel'

    @classmethod
    def execute(cls, ids, data):
        pool = Pool()
        Reconciliation = pool.get('crm.k3.reconciliation')
        Line = pool.get('crm.k3.reconciliation.line')
        reconciliations = Reconciliation.browse(ids)
        kinds = dict(Line.fields_get(['kind'])['kind']['selection'])
        fields_ = Line.fields_get()
        headers = [gettext('crm_k3_bridge.msg_excel_shop')] + [
            fields_[n]['string'] for n in [
                'date', 'kind', 'number', 'name', 'suite_quantity',
                'k3_quantity', 'quantity_difference', 'suite_amount',
                'k3_amount', 'amount_difference']]
        rows = []
        for reconciliation in reconciliations:
            for line in reconciliation.lines:
                rows.append([reconciliation.point.rec_name, line.date,
                        kinds.get(line.kind), line.number, line.name,
                        line.suite_quantity, line.k3_quantity,
                        line.quantity_difference, line.suite_amount,
                        line.k3_amount, line.amount_difference])
        book = workbook(headers, rows,
            gettext('crm_k3_bridge.msg_excel_sheet'))
        return ('xlsx', content(book), False,
            gettext('crm_k3_bridge.msg_excel_filename'))
