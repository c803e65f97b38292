# This file is part of the CRM suite.
from trytond.pool import Pool, PoolMeta


class POSSale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    @classmethod
    def do(cls, sales):
        pool = Pool()
        Response = pool.get('crm.service.survey.response')
        super().do(sales)
        # A member's sale, not a refund, may be followed by a survey about
        # the cashier
        Response.send_surveys('sale', [
                (s, s.member, s.employee, s.company) for s in sales
                if s.state == 'done' and s.member and not s.refund_of])
