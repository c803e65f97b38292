# This file is part of the CRM suite.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Id


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'

    service_request_sequence = fields.Many2One(
        'ir.sequence', "Service Request Sequence",
        domain=[
            ('sequence_type', '=',
                Id('crm_service', 'sequence_type_service_request')),
            ],
        help="Used to number new service requests.")
    service_request_days = fields.Integer(
        "Service Request Due Days",
        domain=['OR',
            ('service_request_days', '=', None),
            ('service_request_days', '>=', 0),
            ],
        help="A new request is due this many days after it is recorded; "
        "empty for no due date.")
    return_visit_days = fields.Integer(
        "Return Visit Days", required=True,
        domain=[('return_visit_days', '>=', 0)],
        help="The return visit is planned this many days after the request "
        "is resolved.")

    @classmethod
    def default_service_request_sequence(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        try:
            return ModelData.get_id('crm_service', 'sequence_service_request')
        except KeyError:
            return None

    @classmethod
    def default_service_request_days(cls):
        return 3

    @classmethod
    def default_return_visit_days(cls):
        return 2
