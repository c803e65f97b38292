# This file is part of the CRM suite.
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta

from .exceptions import ServiceAccessError


class Action(metaclass=PoolMeta):
    __name__ = 'sale.complaint.action'

    @classmethod
    def check_modification(cls, mode, actions, values=None, external=False):
        super().check_modification(
            mode, actions, values=values, external=external)
        # The actions run when the complaint is closed, as approved: a
        # client changes them only while the complaint is a draft, as the
        # complaint's own field (the view's read-only is the client's only)
        if not external:
            return
        Complaint = Pool().get('sale.complaint')
        complaints = {a.complaint for a in actions}
        if values and values.get('complaint') is not None:
            complaints.add(Complaint(values['complaint']))
        for complaint in complaints:
            if complaint.state != 'draft':
                raise ServiceAccessError(gettext(
                        'crm_service.msg_complaint_step_field',
                        complaint=complaint.rec_name,
                        field=Complaint.__names__('actions')['field']))
