# This file is part of the CRM suite.
"""A shop's day sent to K3, exactly once.

A batch is made once per shop and day (unique), with a line for every sale
line, payment and card deposit it carries; each of those can be in one
batch only (unique), so a sale done late or a late refund goes into the
next batch built, never into one already sent. The lines and the
documents' external numbers are committed before anything is sent: a
server that dies after K3 has answered finds the document in K3 by that
number the next time, instead of sending it again."""
import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from itertools import groupby

from sql import Null
from sql.aggregate import Min, Sum

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval, PYSONEncoder
from trytond.tools import grouped_slice
from trytond.tools.timezone import SERVER, ZoneInfo
from trytond.transaction import Transaction, without_check_access

from . import k3
from .exceptions import K3AccessError

STATES = [
    ('draft', "To Export"),
    ('unmapped', "Mapping Missing"),
    ('retry', "To Retry"),
    ('failed', "Failed"),
    ('done', "Accepted"),
    ]
# Days a shop's export catches up at most, when the cron was down
MAX_CATCH_UP = 366
# Records read and written at once
SLICE = 1000
KIND_LETTERS = {k3.OUTSTOCK: 'X', k3.RECEIPT: 'S', k3.ADVANCE: 'Y'}


def browse(Model, ids):
    "The records of ids, read a thousand at a time"
    return [r for sub in grouped_slice(ids, SLICE)
        for r in Model.browse(list(sub))]


def save(Model, records):
    for sub in grouped_slice(records, SLICE):
        Model.save(list(sub))


def money(value):
    "A sum of amounts as the backend gives it, to the fen"
    return Decimal(str(value or 0)).quantize(Decimal('0.01'))


def quantity_of(value):
    return Decimal(str(value or 0)).quantize(Decimal('0.0001'))


def shop_zone(company):
    return ZoneInfo(company.timezone) if company.timezone else SERVER


def day_end(company, date):
    "The first instant after date in the shop's time zone, naive UTC"
    end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(),
        tzinfo=shop_zone(company))
    return end.astimezone(dt.timezone.utc).replace(tzinfo=None)


class Batch(Workflow, ModelSQL, ModelView):
    "K3 Export Batch"
    __name__ = 'crm.k3.batch'
    __string__ = "K3 Export Batch"

    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True)
    point = fields.Many2One('sale.point', "Shop", required=True,
        readonly=True, ondelete='RESTRICT')
    date = fields.Date("Day", required=True, readonly=True)
    target = fields.Selection([
            ('cloud', "K3 Cloud"),
            ('wise', "K3 WISE"),
            ], "K3 Product", readonly=True)
    state = fields.Selection(STATES, "State", required=True, readonly=True,
        sort=False)
    attempts = fields.Integer("Attempts", readonly=True)
    next_try = fields.DateTime("Next Try", readonly=True,
        states={'invisible': Eval('state') != 'retry'})
    exported_at = fields.DateTime("Accepted at", readonly=True)
    message = fields.Text("Message", readonly=True,
        help="K3's answer when it refused, or what is not mapped.")
    documents = fields.One2Many('crm.k3.batch.document', 'batch',
        "Documents", readonly=True)
    lines = fields.One2Many('crm.k3.batch.line', 'batch', "Lines",
        readonly=True)
    currency = fields.Function(fields.Many2One('currency.currency',
            "Currency"), 'get_currency')
    sales_amount = fields.Function(Monetary("Sales",
            currency='currency', digits='currency'), 'get_amounts')
    received_amount = fields.Function(Monetary("Received",
            currency='currency', digits='currency'), 'get_amounts')
    advance_amount = fields.Function(Monetary("Card Top-ups",
            currency='currency', digits='currency'), 'get_amounts')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('day_unique', Unique(t, t.point, t.date),
                'crm_k3_bridge.msg_batch_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.state, Index.Equality())))
        cls._order = [('date', 'DESC'), ('point', 'ASC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'done'),
            ('draft', 'retry'),
            ('draft', 'failed'),
            ('draft', 'unmapped'),
            ('retry', 'done'),
            ('retry', 'failed'),
            ('retry', 'draft'),
            ('failed', 'draft'),
            ('unmapped', 'draft'),
            }
        cls._buttons.update({
                'reexport': {
                    'invisible': ~Eval('state').in_(
                        ['failed', 'unmapped', 'retry']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_attempts(cls):
        return 0

    def get_rec_name(self, name):
        return '%s %s' % (self.point.rec_name, self.date)

    def get_currency(self, name):
        return self.company.currency.id

    @classmethod
    def get_amounts(cls, batches, names):
        pool = Pool()
        Line = pool.get('crm.k3.batch.line')
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        result = {n: {b.id: Decimal(0) for b in batches} for n in names}
        kinds = {'sale': 'sales_amount', 'payment': 'received_amount',
            'deposit': 'advance_amount'}
        for sub in grouped_slice(batches, SLICE):
            cursor.execute(*line.select(
                    line.batch, line.kind, Sum(line.amount),
                    where=line.batch.in_([b.id for b in sub]),
                    group_by=[line.batch, line.kind]))
            for batch, kind, amount in cursor:
                if kinds[kind] in result:
                    result[kinds[kind]][batch] = money(amount)
        return result

    @classmethod
    def delete(cls, batches):
        # What was sent stays on record; a batch never sent may go
        for batch in batches:
            if batch.state != 'unmapped' or batch.lines:
                raise K3AccessError(
                    gettext('crm_k3_bridge.msg_batch_delete'))
        super().delete(batches)

    # Building a day

    @classmethod
    def build(cls, date, points=None):
        """Make the batch of each shop (of the mapped ones when points is
        None) for date with what it has not sent yet. The days since the
        shop's last batch are made first, each with its own sales, and the
        earlier days that waited for their mappings are made again; a day
        already made is left as it is. Return the batches of date."""
        pool = Pool()
        Configuration = pool.get('crm.k3.configuration')
        Mapping = pool.get('crm.k3.mapping')
        POS = pool.get('sale.point')
        config = Configuration(1)
        # Two exports at once would make a day twice: the second waits
        cls.lock()
        if points is None:
            points = POS.browse(
                [m.point.id for m in Mapping.search([('kind', '=', 'point')])])
        if config.start_date and date < config.start_date:
            return []
        for point in points:
            for day in cls._days_to_build(config, point, date):
                batch, = cls.search([
                        ('point', '=', point.id),
                        ('date', '=', day),
                        ], limit=1) or [None]
                if batch is None:
                    batch = cls(point=point, date=day, company=point.company,
                        target=config.target)
                    batch.save()
                elif batch.state == 'unmapped':
                    cls.draft([batch])
                else:
                    continue
                batch._fill(config)
        return cls.search([
                ('date', '=', date),
                ('point', 'in', [p.id for p in points]),
                ])

    @classmethod
    def _days_to_build(cls, config, point, date):
        """The days of point to make up to date, in their order: those that
        wait for a mapping, then those since its last batch"""
        waiting = [b.date for b in cls.search([
                    ('point', '=', point.id),
                    ('state', '=', 'unmapped'),
                    ('date', '<', date),
                    ], order=[('date', 'ASC')])]
        last = cls.search([
                ('point', '=', point.id),
                ('date', '<', date),
                ], order=[('date', 'DESC')], limit=1)
        if last:
            first = last[0].date + dt.timedelta(days=1)
        else:
            first = config.start_date or cls._first_pending(point) or date
        first = max(first, date - dt.timedelta(days=MAX_CATCH_UP))
        days = [first + dt.timedelta(days=i)
            for i in range((date - first).days + 1)] or [date]
        return waiting + [d for d in days if d not in waiting]

    @classmethod
    def _first_pending(cls, point):
        "The day of the shop's first done sale not sent yet"
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        SaleLine = pool.get('sale.point.sale.line')
        Line = pool.get('crm.k3.batch.line')
        sale = Sale.__table__()
        sale_line = SaleLine.__table__()
        batch_line = Line.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*sale
            .join(sale_line, condition=sale_line.sale == sale.id)
            .join(batch_line, 'LEFT',
                condition=batch_line.sale_line == sale_line.id)
            .select(Min(sale.date),
                where=(sale.point == point.id)
                & sale.state.in_(['done', 'posted'])
                & (batch_line.id == Null)))
        first, = cursor.fetchone()
        if isinstance(first, str):
            first = dt.date.fromisoformat(first)
        return first

    def _pending_sources(self, config):
        "The ids of the sale lines, payments and deposits not sent yet"
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        SaleLine = pool.get('sale.point.sale.line')
        Payment = pool.get('sale.point.payment')
        Deposit = pool.get('sale.point.card.deposit')
        Session = pool.get('sale.point.cash.session')
        Line = pool.get('crm.k3.batch.line')
        cursor = Transaction().connection.cursor()
        sale = Sale.__table__()
        batch_line = Line.__table__()

        where = ((sale.point == self.point.id)
            & (sale.date <= self.date)
            & sale.state.in_(['done', 'posted']))
        if config.start_date:
            where &= sale.date >= config.start_date
        # The sales of a day that waits for its mapping wait with it
        waiting = [b.date for b in self.search([
                    ('point', '=', self.point.id),
                    ('state', '=', 'unmapped'),
                    ('id', '!=', self.id),
                    ])]
        if waiting:
            where &= ~sale.date.in_(waiting)
        result = {}
        for kind, Model in [('sale_line', SaleLine), ('payment', Payment)]:
            table = Model.__table__()
            cursor.execute(*table
                .join(sale, condition=table.sale == sale.id)
                .join(batch_line, 'LEFT',
                    condition=getattr(batch_line, kind) == table.id)
                .select(table.id,
                    where=where & (getattr(batch_line, 'id') == Null),
                    order_by=[table.id]))
            result[kind] = [i for i, in cursor]

        deposit = Deposit.__table__()
        session = Session.__table__()
        where = ((session.point == self.point.id)
            & (deposit.create_date < day_end(self.company, self.date))
            & (batch_line.id == Null))
        if config.start_date:
            where &= deposit.create_date >= day_end(
                self.company, config.start_date - dt.timedelta(days=1))
        cursor.execute(*deposit
            .join(session, condition=deposit.shift == session.id)
            .join(batch_line, 'LEFT',
                condition=batch_line.deposit == deposit.id)
            .select(deposit.id, where=where, order_by=[deposit.id]))
        result['deposit'] = [i for i, in cursor]
        return result

    def _fill(self, config):
        """Give the batch its lines and documents, or leave it waiting for
        the mappings it lacks"""
        pool = Pool()
        SaleLine = pool.get('sale.point.sale.line')
        Payment = pool.get('sale.point.payment')
        Deposit = pool.get('sale.point.card.deposit')
        Mapping = pool.get('crm.k3.mapping')
        Line = pool.get('crm.k3.batch.line')
        Document = pool.get('crm.k3.batch.document')

        sources = self._pending_sources(config)
        sale_lines = browse(SaleLine, sources['sale_line'])
        # K3 WISE takes the outbound bills only: its receipts are entered
        # in its 应收款管理
        if config.target == 'wise':
            payments = deposits = []
        else:
            payments = browse(Payment, sources['payment'])
            deposits = browse(Deposit, sources['deposit'])
        missing = Mapping.unmapped(
            products=[l.product.id for l in sale_lines],
            methods=[p.method.id for p in payments]
            + [d.method.id for d in deposits],
            points=[self.point.id])
        if missing:
            self.message = '\n'.join(missing)
            self.save()
            self.block([self])
            return

        parties = Mapping.numbers('party',
            [l.sale.member.id for l in sale_lines if l.sale.member]
            + [p.sale.member.id for p in payments if p.sale.member]
            + [d.card.party.id for d in deposits if d.card.party])
        employees = Mapping.numbers('employee',
            [l.sale.employee.id for l in sale_lines if l.sale.employee]
            + [p.sale.employee.id for p in payments if p.sale.employee])

        def header(sale=None, party=None, employee=None):
            customer = parties.get(party.id) if party else None
            salesman = employees.get(employee.id) if employee else None
            return (customer.number if customer
                else config.walk_in_customer,
                salesman.number if salesman else None,
                sale.id if sale and config.grouping == 'sale' else None)

        lines = []
        for sale_line in sale_lines:
            sale = sale_line.sale
            tax_included = sale.point.tax_included
            base = (sale_line.base_gross_price if tax_included
                else sale_line.base_list_price)
            if base is None:
                base = sale_line.unit_price
            lines.append(((k3.OUTSTOCK,) + header(
                        sale, sale.member, sale.employee),
                    Line(batch=self, kind='sale', sale=sale,
                        sale_line=sale_line, product=sale_line.product,
                        quantity=Decimal(str(sale_line.quantity)),
                        price=base, discount=sale_line.discount_amount or 0,
                        amount=sale_line.amount)))
        for payment in payments:
            sale = payment.sale
            lines.append(((k3.RECEIPT,) + header(
                        sale, sale.member, sale.employee),
                    Line(batch=self, kind='payment', sale=sale,
                        payment=payment, method=payment.method,
                        amount=payment.amount)))
        for deposit in deposits:
            lines.append(((k3.ADVANCE,) + header(party=deposit.card.party),
                    Line(batch=self, kind='deposit', deposit=deposit,
                        method=deposit.method, amount=deposit.amount)))

        def order(keyed):
            (kind, customer, salesman, sale), _ = keyed
            return (kind, customer, salesman or '', sale or 0)
        lines.sort(key=order)
        documents, grouped = [], []
        for index, (key, group) in enumerate(groupby(lines, key=order), 1):
            kind, customer, salesman, _ = key
            documents.append(Document(batch=self, kind=kind,
                    external='CRM%s-%s-%s%03d' % (self.point.id,
                        self.date.strftime('%Y%m%d'), KIND_LETTERS[kind],
                        index),
                    customer=customer, salesman=salesman or None))
            grouped.append([line for _, line in group])
        save(Document, documents)
        for document, group in zip(documents, grouped):
            for line in group:
                line.document = document
        save(Line, [line for _, line in lines])
        self.message = None
        self.save()

    @classmethod
    @Workflow.transition('unmapped')
    def block(cls, batches):
        pass

    @classmethod
    @Workflow.transition('draft')
    def draft(cls, batches):
        cls.write(batches, {'attempts': 0, 'next_try': None})

    @classmethod
    @Workflow.transition('retry')
    def postpone(cls, batches):
        pass

    @classmethod
    @Workflow.transition('failed')
    def fail(cls, batches):
        cls._notify_failed(batches)

    @classmethod
    @Workflow.transition('done')
    def accept(cls, batches):
        cls.write(batches, {'exported_at': dt.datetime.now(),
                'next_try': None})

    # Sending

    @classmethod
    def send(cls, batches):
        """Send each batch's documents that K3 has not acknowledged: those
        K3 already has (by their external number) are only recorded"""
        pool = Pool()
        Configuration = pool.get('crm.k3.configuration')
        config = Configuration(1)
        if not batches:
            return
        # Another export of these batches finishes first
        cls.lock(batches)
        batches = [b for b in cls.browse(batches)
            if b.state in {'draft', 'retry'}]
        target = config.get_target()
        if target is None:
            return
        for batch in batches:
            batch._send(config, target)

    def _send(self, config, target):
        try:
            for document in self.documents:
                if document.state != 'done':
                    document.transmit(config, target)
        except k3.Refused as error:
            self.message = gettext('crm_k3_bridge.msg_batch_refused',
                message=str(error))
            self.attempts = (self.attempts or 0) + 1
            self.save()
            self.fail([self])
        except k3.Unreachable as error:
            self.attempts = (self.attempts or 0) + 1
            self.message = gettext('crm_k3_bridge.msg_batch_unreachable',
                message=str(error), attempts=self.attempts)
            if self.attempts >= config.max_attempts:
                self.save()
                self.fail([self])
            else:
                wait = config.retry_minutes * 2 ** (self.attempts - 1)
                self.next_try = (dt.datetime.now()
                    + dt.timedelta(minutes=wait))
                self.save()
                if self.state != 'retry':
                    self.postpone([self])
        else:
            self.message = None
            self.save()
            self.accept([self])

    @classmethod
    def _notify_failed(cls, batches):
        "Tell finance and the administrators that K3 did not take a day"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Notification = pool.get('res.notification')
        User = pool.get('res.user')
        Group = pool.get('res.group')
        with without_check_access():
            groups = Group.browse([ModelData.get_id(m, g)
                    for m, g in [('crm_k3_bridge', 'group_finance'),
                        ('crm_customer', 'group_crm_admin')]])
            users = User.search([
                    ('groups', 'in', [g.id for g in groups]),
                    ])
        action = ModelData.get_id('crm_k3_bridge', 'act_batch_form')
        Notification.create([{
                    'user': user.id,
                    'label': gettext('crm_k3_bridge.msg_batch_failed',
                        batch=batch.rec_name),
                    'description': (batch.message or '')[:200],
                    'icon': 'tryton-warning',
                    'action': action,
                    'action_value': json.dumps({
                            'pyson_domain': PYSONEncoder().encode(
                                [('id', '=', batch.id)]),
                            'domains': [],
                            }),
                    } for batch in batches for user in users])

    @classmethod
    @ModelView.button
    def reexport(cls, batches):
        "重新导出: once K3 or the mappings are fixed"
        pool = Pool()
        User = pool.get('res.user')
        User.check_k3_finance()
        with without_check_access():
            batches = cls.browse(batches)
            unmapped = [b for b in batches if b.state == 'unmapped']
            for batch in unmapped:
                cls.build(batch.date, points=[batch.point])
            cls.draft([b for b in cls.browse(batches)
                    if b.state in {'failed', 'retry'}])
            cls.send(cls.browse(batches))

    @classmethod
    def export_days(cls, dates, points=None):
        """Build then send the days, and the days before them not sent yet;
        the built lines are committed before anything goes to K3. Return
        the batches of the days and those made or sent on the way."""
        last = cls.search([], order=[('id', 'DESC')], limit=1)
        last_id = last[0].id if last else 0
        for date in sorted(dates):
            cls.build(date, points=points)
        Transaction().commit()
        domain = []
        if points is not None:
            domain.append(('point', 'in', [p.id for p in points]))
        to_send = cls.search(domain + [
                ('state', 'in', ['draft', 'retry']),
                ('date', '<=', max(dates)),
                ])
        cls.send(to_send)
        return cls.search(domain + [['OR',
                    ('date', 'in', dates),
                    ('id', '>', last_id),
                    ('id', 'in', [b.id for b in to_send]),
                    ]])

    @classmethod
    def export_scheduled(cls, now=None):
        """Cron: from the configured hour, the previous day of every mapped
        shop; and the batches whose retry is due"""
        pool = Pool()
        Configuration = pool.get('crm.k3.configuration')
        Company = pool.get('company.company')
        config = Configuration(1)
        if not config.target:
            return
        now = now or dt.datetime.now(dt.timezone.utc)
        companies = Company.search([], order=[('id', 'ASC')], limit=1)
        zone = shop_zone(companies[0]) if companies else SERVER
        local = now.astimezone(zone)
        if local.hour >= config.export_hour:
            cls.build(local.date() - dt.timedelta(days=1))
        Transaction().commit()
        cls.send(cls.search(['OR',
                    ('state', '=', 'draft'),
                    [('state', '=', 'retry'),
                        ('next_try', '<=', now.replace(tzinfo=None))],
                    ]))


class Document(ModelSQL, ModelView):
    "K3 Export Document"
    __name__ = 'crm.k3.batch.document'
    __string__ = "K3 Export Document"

    batch = fields.Many2One('crm.k3.batch', "Batch", required=True,
        readonly=True, ondelete='CASCADE')
    kind = fields.Selection([
            (k3.OUTSTOCK, "Sales Outbound (销售出库单)"),
            (k3.RECEIPT, "Receipt (收款单)"),
            (k3.ADVANCE, "Advance Receipt (预收款)"),
            ], "Kind", required=True, readonly=True)
    external = fields.Char("External Number", required=True, readonly=True,
        help="The suite's number of the document, written on it in K3.")
    customer = fields.Char("K3 Customer", readonly=True)
    salesman = fields.Char("K3 Salesman", readonly=True)
    state = fields.Selection([
            ('pending', "Pending"),
            ('done', "Accepted"),
            ], "State", required=True, readonly=True)
    number = fields.Char("K3 Number", readonly=True)
    sent = fields.Text("Sent", readonly=True)
    answer = fields.Text("K3's Answer", readonly=True)
    lines = fields.One2Many('crm.k3.batch.line', 'document', "Lines",
        readonly=True)
    amount = fields.Function(Monetary("Amount", currency='currency',
            digits='currency'), 'get_amount')
    currency = fields.Function(fields.Many2One('currency.currency',
            "Currency"), 'get_currency')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('external_unique', Unique(t, t.external),
                'crm_k3_bridge.msg_document_unique'),
            ]
        cls._order = [('batch', 'DESC'), ('external', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_state(cls):
        return 'pending'

    def get_rec_name(self, name):
        return self.number or self.external

    @classmethod
    def get_amount(cls, documents, name):
        pool = Pool()
        Line = pool.get('crm.k3.batch.line')
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        result = {d.id: Decimal(0) for d in documents}
        for sub in grouped_slice(documents, SLICE):
            cursor.execute(*line.select(line.document, Sum(line.amount),
                    where=line.document.in_([d.id for d in sub]),
                    group_by=[line.document]))
            result.update((d, money(a)) for d, a in cursor)
        return result

    def get_currency(self, name):
        return self.batch.company.currency.id

    def get_bill(self, config):
        "The K3 bill of the document with today's mappings"
        pool = Pool()
        Mapping = pool.get('crm.k3.mapping')
        Line = pool.get('crm.k3.batch.line')
        batch = self.batch
        shop = Mapping.numbers('point', [batch.point.id])[batch.point.id]
        bill = k3.Bill(external=self.external, kind=self.kind,
            date=batch.date, organisation=shop.number,
            customer=self.customer, salesman=self.salesman,
            warehouse=shop.warehouse,
            note=gettext('crm_k3_bridge.msg_document_note',
                shop=batch.point.rec_name, date=batch.date))
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        if self.kind == k3.OUTSTOCK:
            # One entry per material and price, as a day's summary
            cursor.execute(*line.select(line.product, line.price,
                    Sum(line.quantity), Sum(line.discount), Sum(line.amount),
                    where=line.document == self.id,
                    group_by=[line.product, line.price]))
            rows = cursor.fetchall()
            products = Mapping.numbers('product', [r[0] for r in rows])
            entries = defaultdict(lambda: [Decimal(0)] * 3)
            for product, price, quantity, discount, amount in rows:
                material = products[product]
                entry = entries[(material.number, material.unit,
                        material.tax_rate, Decimal(str(price)))]
                entry[0] += quantity_of(quantity)
                entry[1] += money(discount)
                entry[2] += money(amount)
            for (material, unit, tax_rate, price), (
                    quantity, discount, amount) in sorted(entries.items()):
                if not quantity and not amount:
                    continue
                bill.lines.append(k3.Line(material=material,
                        quantity=quantity, unit=unit, price=price,
                        discount=discount, amount=amount, tax_rate=tax_rate,
                        warehouse=shop.warehouse))
        else:
            cursor.execute(*line.select(line.method, Sum(line.amount),
                    where=line.document == self.id, group_by=[line.method]))
            rows = cursor.fetchall()
            methods = Mapping.numbers('method', [r[0] for r in rows])
            settlements = defaultdict(Decimal)
            for method, amount in rows:
                settlements[methods[method].number] += money(amount)
            bill.settlements = [k3.Settlement(settle_type=t, amount=a)
                for t, a in sorted(settlements.items()) if a]
        return bill

    def transmit(self, config, target):
        """Record the document K3 has, or send it; Refused and
        Unreachable go to the batch"""
        bill = self.get_bill(config)
        self.sent = json.dumps(bill_json(bill), ensure_ascii=False,
            indent=1)
        acknowledged = target.find(bill) or target.send(bill)
        self.number = acknowledged.number
        self.answer = acknowledged.answer
        self.state = 'done'
        self.save()


def bill_json(bill):
    "The bill as plain JSON, to record what was sent"
    def plain(value):
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, list):
            return [plain(v) for v in value]
        if hasattr(value, '__dataclass_fields__'):
            return {k: plain(getattr(value, k))
                for k in value.__dataclass_fields__}
        return value
    return plain(bill)


class Line(ModelSQL, ModelView):
    "K3 Export Line"
    __name__ = 'crm.k3.batch.line'
    __string__ = "K3 Export Line"

    batch = fields.Many2One('crm.k3.batch', "Batch", required=True,
        readonly=True, ondelete='CASCADE')
    document = fields.Many2One('crm.k3.batch.document', "Document",
        required=True, readonly=True, ondelete='CASCADE')
    kind = fields.Selection([
            ('sale', "Sale Line"),
            ('payment', "Payment"),
            ('deposit', "Card Money"),
            ], "Kind", required=True, readonly=True)
    sale = fields.Many2One('sale.point.sale', "Sale", readonly=True,
        ondelete='RESTRICT')
    sale_line = fields.Many2One('sale.point.sale.line', "Sale Line",
        readonly=True, ondelete='RESTRICT')
    payment = fields.Many2One('sale.point.payment', "Payment",
        readonly=True, ondelete='RESTRICT')
    deposit = fields.Many2One('sale.point.card.deposit', "Card Money",
        readonly=True, ondelete='RESTRICT')
    product = fields.Many2One('product.product', "Product", readonly=True)
    method = fields.Many2One('sale.point.payment.method', "Payment Method",
        readonly=True)
    quantity = fields.Numeric("Quantity", digits=(16, 4), readonly=True)
    price = fields.Numeric("Unit Price", digits=(16, 4), readonly=True)
    discount = fields.Numeric("Discount", digits=(16, 2), readonly=True)
    amount = fields.Numeric("Amount", digits=(16, 2), required=True,
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # What is sent once is never in another batch
        cls._sql_constraints += [
            ('sale_line_unique', Unique(t, t.sale_line),
                'crm_k3_bridge.msg_line_unique'),
            ('payment_unique', Unique(t, t.payment),
                'crm_k3_bridge.msg_line_unique'),
            ('deposit_unique', Unique(t, t.deposit),
                'crm_k3_bridge.msg_line_unique'),
            ]
        cls._order = [('document', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_discount(cls):
        return Decimal(0)

