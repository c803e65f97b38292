# This file is part of the CRM suite.
"The import of leads from a workbook (线索导入), all rows or none"
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.crm_customer.excel import (
    ImportWizardMixin, WorkbookImporter, content, import_result,
    import_start, parse_phone, read_rows, workbook)
from trytond.pool import Pool
from trytond.wizard import Wizard

from .exceptions import SfaAccessError

# The columns of the workbook: the staff fill it in Chinese
HEADERS = [
    ('name', "姓名"),
    ('company_name', "公司"),
    ('mobile', "手机"),
    ('phone', "电话"),
    ('province', "省"),
    ('city', "市"),
    ('district', "区县"),
    ('description', "备注"),
    ]
EXAMPLE = ["王小明", "杭州明远贸易有限公司", "13800138000", None,
    "浙江省", "杭州市", "西湖区", "展会上留的名片"]
REGION_LEVELS = ['province', 'city', 'district']


class LeadImporter(WorkbookImporter):
    """The leads of the rows of a workbook, of a campaign if given;
    to_create holds their values once read"""
    _error_prefix = 'crm_sfa.msg_lead_import_'

    def __init__(self, data, campaign=None):
        super().__init__(dict(HEADERS))
        self.campaign = campaign
        self.to_create = []
        self._read(data)

    def _read(self, data):
        rows = read_rows(data)
        columns = {text: field for field, text in HEADERS}
        index = {}
        for i, cell in enumerate(next(rows, None) or []):
            field = columns.get(str(cell).strip()) if cell is not None else None
            if field:
                index[field] = i
        for number, row in enumerate(rows, 2):
            cells = {}
            for field, i in index.items():
                value = row[i] if i < len(row) else None
                if value is not None and str(value).strip():
                    cells[field] = str(value).strip()
            if cells:
                values = self._parse(number, cells)
                if values:
                    self.to_create.append(values)
        if not self.to_create and not self.errors:
            self.error(1, 'name', 'empty')

    def _parse(self, row, cells):
        errors = len(self.errors)
        values = {
            'source': 'import',
            'campaign': self.campaign.id if self.campaign else None,
            }
        if not cells.get('name'):
            self.error(row, 'name', 'name_required')
        for field in ['name', 'company_name', 'description']:
            values[field] = cells.get(field)
        for field in ['mobile', 'phone']:
            if cells.get(field):
                values[field] = parse_phone(cells[field])
                if not values[field]:
                    self.error(row, field, 'phone_invalid', value=cells[field])
        values['region'] = self._region(row, cells)
        return values if len(self.errors) == errors else None

    def _region(self, row, cells):
        "The most precise region the cells name, inside those above it"
        Region = Pool().get('crm.region')
        region = None
        for level in REGION_LEVELS:
            if level not in cells:
                continue
            domain = [('level', '=', level), ('name', '=', cells[level])]
            if region:
                domain.append(('parent', 'child_of', [region.id], 'parent'))
            found = Region.search(domain, limit=1)
            if not found:
                self.error(row, level, 'unknown_region', value=cells[level])
                return None
            region, = found
        return region.id if region else None

    def save(self):
        Lead = Pool().get('crm.sfa.lead')
        return Lead.create(self.to_create)


def check_importer():
    "Refuse the import to all but the managers"
    User = Pool().get('res.user')
    if not User.is_crm_manager():
        raise SfaAccessError(gettext('crm_sfa.msg_lead_import_manager'))


class LeadImportStart(ModelView):
    __name__ = 'crm.sfa.lead.import.start'
    __string__ = "Import Leads"

    template = fields.Binary("Template", readonly=True,
        filename='template_filename',
        help="An empty workbook with the columns and an example row.")
    template_filename = fields.Char("Template File Name", readonly=True)
    file = fields.Binary("File", required=True, filename='filename',
        help="An .xlsx or .xls workbook with one lead per row.")
    filename = fields.Char("File Name")
    campaign = fields.Many2One('marketing.campaign', "Campaign",
        help="The campaign the leads came from, if any.")


class LeadImportResult(ModelView):
    __name__ = 'crm.sfa.lead.import.result'
    __string__ = "Import Leads"

    leads = fields.Integer("Leads", readonly=True)
    errors = fields.Text("Errors", readonly=True)


class LeadImport(ImportWizardMixin, Wizard):
    "Check a workbook of leads, then import it all or nothing"
    __name__ = 'crm.sfa.lead.import'

    start = import_start('crm.sfa.lead.import.start',
        'crm_sfa.lead_import_start_view_form')
    result = import_result('crm.sfa.lead.import.result',
        'crm_sfa.lead_import_result_view_form')

    def _importer(self, data):
        return LeadImporter(data, self.start.campaign)

    def _template(self):
        book = workbook([t for _, t in HEADERS], [EXAMPLE],
            gettext('crm_sfa.msg_lead_import_sheet_title'))
        return content(book), gettext(
            'crm_sfa.msg_lead_import_template_filename')

    def _checked(self, importer):
        return {'leads': len(importer.to_create)}

    def transition_check(self):
        check_importer()
        return super().transition_check()

    def transition_import_(self):
        check_importer()
        return super().transition_import_()
