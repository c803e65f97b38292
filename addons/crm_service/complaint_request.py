# This file is part of the CRM suite.
"A complaint turned into a service request (转服务请求)"
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.crm_customer.access import check_button_role
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, PYSONEncoder

from .exceptions import ServiceError

# A complaint withdrawn or refused asks for no repair
REFUSED_STATES = ['rejected', 'cancelled']


class Complaint(metaclass=PoolMeta):
    __name__ = 'sale.complaint'

    service_requests = fields.One2Many(
        'crm.service.request', 'complaint', "Service Requests",
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'create_service_request': {
                    'invisible': Eval('state').in_(REFUSED_STATES),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def copy(cls, complaints, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('service_requests', None)
        return super().copy(complaints, default=default)

    @property
    def service_product(self):
        "The product the complaint is about, named or of its origin"
        pool = Pool()
        Product = pool.get('product.product')
        if self.product:
            return self.product
        if isinstance(self.origin, Product):
            return self.origin
        return getattr(self.origin, 'product', None)

    @classmethod
    @ModelView.button_action('crm_service.act_request_form')
    def create_service_request(cls, complaints):
        check_button_role(cls.__name__, 'create_service_request')
        Request = Pool().get('crm.service.request')
        for complaint in complaints:
            if complaint.state in REFUSED_STATES:
                raise ServiceError(gettext(
                        'crm_service.msg_request_complaint_state',
                        complaint=complaint.rec_name))
            if any(r.state != 'cancelled'
                    for r in complaint.service_requests):
                raise ServiceError(gettext(
                        'crm_service.msg_request_complaint_exists',
                        complaint=complaint.rec_name))
        requests = Request.create([c._service_request_values()
                for c in complaints])
        ids = [r.id for r in requests]
        # Opens the new requests
        return {
            'res_id': ids,
            'pyson_domain': PYSONEncoder().encode([('id', 'in', ids)]),
            'domains': [],
            }

    def _service_request_values(self):
        mechanism = self.customer.contact_mechanism_get({'mobile', 'phone'})
        product = self.service_product
        return {
            'company': self.company.id,
            'customer': self.customer.id,
            'contact': self.customer.name,
            'phone': mechanism.value if mechanism else None,
            'product': product.id if product else None,
            'fault': self.description or self.rec_name,
            'complaint': self.id,
            }
