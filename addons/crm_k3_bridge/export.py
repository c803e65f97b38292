# This file is part of the CRM suite.
"导出到K3: a day or a range of days of some shops, by hand"
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import PYSONEncoder
from trytond.transaction import without_check_access
from trytond.wizard import Button, StateAction, StateView, Wizard

from .exceptions import K3BridgeError

MAX_DAYS = 93


class ExportStart(ModelView):
    "Export to K3"
    __name__ = 'crm.k3.export.start'
    __string__ = "Export to K3"

    from_date = fields.Date("From", required=True)
    to_date = fields.Date("To", required=True)
    points = fields.Many2Many('sale.point', None, None, "Shops",
        help="Leave empty for every mapped shop.")

    @classmethod
    def default_from_date(cls):
        return Pool().get('ir.date').today() - dt.timedelta(days=1)

    @classmethod
    def default_to_date(cls):
        return cls.default_from_date()


class Export(Wizard):
    """Build and send the days; what K3 already took is not sent again,
    whatever the range"""
    __name__ = 'crm.k3.export'

    start = StateView('crm.k3.export.start',
        'crm_k3_bridge.export_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Export", 'export', 'tryton-ok', default=True),
            ])
    export = StateAction('crm_k3_bridge.act_batch_form')

    def do_export(self, action):
        pool = Pool()
        Batch = pool.get('crm.k3.batch')
        Configuration = pool.get('crm.k3.configuration')
        Date = pool.get('ir.date')
        User = pool.get('res.user')
        User.check_k3_finance()
        start = self.start
        if start.from_date > start.to_date:
            raise K3BridgeError(gettext('crm_k3_bridge.msg_export_dates'))
        if start.to_date >= Date.today():
            raise K3BridgeError(gettext('crm_k3_bridge.msg_export_today'))
        days = (start.to_date - start.from_date).days + 1
        if days > MAX_DAYS:
            raise K3BridgeError(gettext('crm_k3_bridge.msg_export_range',
                    days=MAX_DAYS))
        with without_check_access():
            if not Configuration(1).target:
                raise K3BridgeError(
                    gettext('crm_k3_bridge.msg_export_no_target'))
            dates = [start.from_date + dt.timedelta(days=i)
                for i in range(days)]
            batches = Batch.export_days(dates,
                points=list(start.points) or None)
        action['pyson_domain'] = PYSONEncoder().encode(
            [('id', 'in', [b.id for b in batches])])
        return action, {}
