# This file is part of the CRM suite.
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Id


class Configuration(ModelSingleton, ModelSQL, ModelView):
    __name__ = 'crm.configuration'
    __string__ = "Customer Management Settings"

    customer_sequence = fields.Many2One(
        'ir.sequence', "Customer Sequence", required=True,
        domain=[
            ('sequence_type', '=',
                Id('crm_customer', 'sequence_type_customer')),
            ],
        help="Used to number new customers.")
    import_background_rows = fields.Integer(
        "Background Import Rows", required=True,
        domain=[('import_background_rows', '>=', 0)],
        help="Workbooks with more rows are checked and imported in the "
        "background, with their progress shown.")

    @classmethod
    def default_customer_sequence(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        try:
            return ModelData.get_id('crm_customer', 'sequence_customer')
        except KeyError:
            return None

    @classmethod
    def default_import_background_rows(cls):
        return 2000
