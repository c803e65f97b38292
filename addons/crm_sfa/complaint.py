# This file is part of the CRM suite.
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class Contact(metaclass=PoolMeta):
    "A contact record may follow up a complaint of crm_service"
    __name__ = 'crm.sfa.contact'

    complaint = fields.Many2One(
        'sale.complaint', "Complaint", ondelete='SET NULL',
        domain=[('customer', '=', Eval('party', -1))])
