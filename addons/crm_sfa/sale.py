# This file is part of the CRM suite.
"Quotes over a salesperson's limits wait for an approval"
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelView
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import SfaAccessError, SfaError


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'sfa_request_approval': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                })

    def sfa_max_discount(self):
        "The largest discount off the list price among the lines"
        pool = Pool()
        Uom = pool.get('product.uom')
        discount = Decimal(0)
        for line in self.lines or []:
            if (getattr(line, 'type', 'line') != 'line' or not line.product
                    or line.unit_price is None):
                continue
            list_price = line.product.list_price_used
            if not list_price:
                continue
            if line.unit and line.unit != line.product.default_uom:
                list_price = Uom.compute_price(
                    line.product.default_uom, list_price, line.unit)
            discount = max(discount,
                1 - Decimal(line.unit_price) / Decimal(list_price))
        return discount.quantize(Decimal('0.0001'))

    def sfa_over_limits(self):
        """The limits of the user's employee this sale goes over, as
        (kind, amount, discount); kind None when within them"""
        pool = Pool()
        Employee = pool.get('company.employee')
        User = pool.get('res.user')
        employee = Transaction().context.get('employee')
        if not employee or employee not in User.get_employees():
            return None, None, None
        employee = Employee(employee)
        amount = self.total_amount
        discount = self.sfa_max_discount()
        kind = None
        if (employee.sfa_discount_limit is not None
                and discount > employee.sfa_discount_limit):
            kind = 'discount'
        if (employee.sfa_amount_limit is not None
                and amount > employee.sfa_amount_limit):
            kind = 'quote'
        return kind, amount, discount

    def sfa_approval_covers(self):
        "Whether an approved approval covers the amount and discount now"
        Approval = Pool().get('crm.sfa.approval')
        amount = self.total_amount
        discount = self.sfa_max_discount()
        return any(a.amount is not None and a.amount >= amount
            and (a.discount or 0) >= discount
            for a in Approval.approved(self))

    def check_for_quotation(self):
        super().check_for_quotation()
        kind, amount, discount = self.sfa_over_limits()
        if kind and not self.sfa_approval_covers():
            raise SfaError(gettext('crm_sfa.msg_quote_over_limit',
                    sale=self.rec_name))

    @classmethod
    @ModelView.button
    def sfa_request_approval(cls, sales):
        "提交审批: ask for the quote over the limits"
        pool = Pool()
        Approval = pool.get('crm.sfa.approval')
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        for sale in sales:
            kind, amount, discount = sale.sfa_over_limits()
            if not kind or sale.sfa_approval_covers():
                raise SfaError(gettext('crm_sfa.msg_quote_within_limit',
                        sale=sale.rec_name))
            Approval.submit(sale, kind,
                gettext('crm_sfa.msg_quote_approval_subject',
                    party=sale.party.rec_name,
                    amount=lang.currency(amount, sale.currency)),
                amount=amount, discount=discount,
                description='\n'.join(
                    '%s × %s @ %s' % (l.product.rec_name, l.quantity,
                        lang.currency(l.unit_price, sale.currency))
                    for l in sale.lines if getattr(l, 'product', None)))

    @classmethod
    def sfa_approved(cls, sales):
        "Quote the sales the approval covers; the others stay drafts"
        with without_check_access():
            covered = [s for s in sales
                if s.state == 'draft' and s.sfa_approval_covers()]
            if covered:
                cls.quote(covered)

    @classmethod
    def sfa_rejected(cls, sales):
        pass

    @classmethod
    def check_modification(cls, mode, sales, values=None, external=False):
        pool = Pool()
        Approval = pool.get('crm.sfa.approval')
        super().check_modification(
            mode, sales, values=values, external=external)
        if external and mode in {'write', 'delete'}:
            for sale in sales:
                if Approval.last_state(sale) == 'submitted':
                    raise SfaAccessError(gettext(
                            'crm_sfa.msg_sale_approval_pending',
                            sale=sale.rec_name))

    @classmethod
    def draft(cls, sales):
        "An approved quote is locked: only a manager takes it back"
        pool = Pool()
        Approval = pool.get('crm.sfa.approval')
        User = pool.get('res.user')
        if Transaction().user and not User.is_crm_manager():
            for sale in sales:
                if sale.state == 'quotation' and Approval.approved(sale):
                    raise SfaAccessError(gettext(
                            'crm_sfa.msg_sale_approved_locked',
                            sale=sale.rec_name))
        super().draft(sales)
