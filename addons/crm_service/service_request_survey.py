# This file is part of the CRM suite.
from trytond.pool import Pool, PoolMeta


class ServiceRequest(metaclass=PoolMeta):
    __name__ = 'crm.service.request'

    @classmethod
    def close(cls, requests):
        pool = Pool()
        Response = pool.get('crm.service.survey.response')
        super().close(requests)
        # The customer says how the technician served them
        Response.send_surveys('service_request', [
                (r, r.customer, r.technician, r.company)
                for r in requests if r.state == 'closed'])
