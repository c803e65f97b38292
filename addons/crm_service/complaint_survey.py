# This file is part of the CRM suite.
from trytond.pool import Pool, PoolMeta


class Complaint(metaclass=PoolMeta):
    __name__ = 'sale.complaint'

    @classmethod
    def process(cls, complaints):
        pool = Pool()
        Response = pool.get('crm.service.survey.response')
        super().process(complaints)
        # The customer says how the complaint was handled by its responsible
        Response.send_surveys('complaint', [
                (c, c.customer, c.responsible_employee, c.company)
                for c in complaints if c.state == 'done'])
