# This file is part of the CRM suite.
"""Open the records behind a row of a summary tile: the sales of a shift's
payment method, of a period, the stored value lines of a kind"""
from trytond.pool import Pool
from trytond.pyson import PYSONEncoder
from trytond.transaction import check_access
from trytond.wizard import StateAction, Wizard


class OpenRows(Wizard):
    "Open the records the selected rows add up"
    __name__ = 'crm.analysis.rows.open'
    start_state = 'open_'
    open_ = StateAction('crm_analysis.act_drill_sales')

    def do_open_(self, action):
        pool = Pool()
        Action = pool.get('ir.action')
        ModelData = pool.get('ir.model.data')
        if not hasattr(self.model, 'drill_down'):
            # Started on another model than a summary's: nothing to open
            return
        # The rows as the user reads them: a wizard does not check it
        with check_access():
            records = self.model.search([
                    ('id', 'in', list(map(int, self.records)))])
            fs_id, domain = self.model.drill_down(records)
        action = Action.get_action_values('ir.action.act_window',
            [ModelData.get_id('crm_analysis', fs_id)])[0]
        action['pyson_domain'] = PYSONEncoder().encode(domain)
        return action, {}
