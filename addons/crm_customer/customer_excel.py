# This file is part of the CRM suite.
"Customers to and from Excel workbooks"
import datetime as dt
import json
import re
from decimal import Decimal

import openpyxl
import phonenumbers
from sql import Literal
from sql.functions import CurrentTimestamp
from openpyxl.styles import PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelStorage, ModelView, Workflow, fields)
from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.report import Report
from trytond.tools import grouped_slice
from trytond.transaction import (
    Transaction, check_access, without_check_access)
from trytond.wizard import StateAction, Wizard

from .chinese import is_id_card, mask_id_card, normalize_id_card
from .excel import (
    ImportWizardMixin, WorkbookImporter, content, count_rows, import_result,
    import_start, parse_date, parse_decimal, parse_phone, read_rows,
    workbook)
from .exceptions import CustomerImportError

# The columns of the workbook: (model, field) gives the header and the kind
COLUMNS = [
    ('party.party', 'code'),
    ('party.party', 'name'),
    ('party.party', 'mobile'),
    ('party.party', 'phone'),
    ('party.party', 'email'),
    ('party.party', 'gender'),
    ('party.party', 'id_card_number'),
    ('party.party', 'birthday_calendar'),
    ('party.party', 'birthday'),
    ('party.party', 'birthday_lunar_month'),
    ('party.party', 'birthday_lunar_day'),
    ('party.party', 'birthday_lunar_leap'),
    ('party.party', 'province'),
    ('party.party', 'city'),
    ('party.party', 'district'),
    ('party.address', 'street'),
    ('party.address', 'postal_code'),
    ('party.party', 'occupation'),
    ('party.party', 'industry'),
    ('party.party', 'education'),
    ('party.party', 'customer_type'),
    ('party.party', 'customer_class'),
    ('party.party', 'customer_level'),
    ('party.party', 'credit_rating'),
    ('party.party', 'credit_limit'),
    ('party.party', 'source'),
    ('party.party', 'owner'),
    ('party.party', 'sms_consent'),
    ('party.party', 'sms_consent_date'),
    ('party.party', 'remark'),
    ]
REQUIRED = {'name'}
# Lists the shop keeps, matched by name
OPTIONS = {
    'customer_type': 'crm.customer.type',
    'customer_class': 'crm.customer.class',
    'customer_level': 'crm.customer.level',
    'source': 'crm.customer.source',
    }
PHONES = {'mobile', 'phone'}
MAX = backend.MAX_QUERY_PARAMS
REPORT_ROWS = 1000
# Customers saved by one create or write: each runs the ORM's checks once
# for all of them, but browsing n records costs n² in Tryton (it asserts
# that every id of the list is an int for each record)
SAVE_ROWS = 100
EXAMPLE = {
    'name': "张三", 'mobile': '138 0013 8000', 'gender': 'male',
    'birthday_calendar': 'solar', 'birthday': dt.date(1990, 5, 1),
    'province': "广东省", 'city': "深圳市", 'district': "南山区",
    'street': "科技园路1号", 'postal_code': '518000',
    'occupation': "教师", 'sms_consent': True,
    'sms_consent_date': dt.date(2026, 1, 1),
    }


class Columns:
    "The headers and value lists of the workbook in the user's language"

    def __init__(self):
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        descriptions = {
            'party.party': Party.fields_get(),
            'party.address': Address.fields_get(),
            }
        self.fields = [f for _, f in COLUMNS]
        self.headers = {
            f: descriptions[m][f]['string'] for m, f in COLUMNS}
        self.by_header = {h: f for f, h in self.headers.items()}
        self.selections = {}
        for model, field in COLUMNS:
            description = descriptions[model][field]
            if description['type'] == 'selection':
                self.selections[field] = {
                    k: v for k, v in description['selection'] if k}
        self.yes, self.no = gettext('crm_customer.msg_yes'), gettext(
            'crm_customer.msg_no')
        self.options = {}
        for field, model in OPTIONS.items():
            self.options[field] = {
                o.name: o for o in pool.get(model).search([])}

    def choices(self, field):
        "The values a cell of field may take, for a dropdown"
        if field in self.selections:
            return list(self.selections[field].values())
        elif field in self.options:
            return list(self.options[field])
        elif field in {'sms_consent', 'birthday_lunar_leap'}:
            return [self.yes, self.no]


class CustomerImporter(WorkbookImporter):
    """Check the rows of a workbook, then create or update the customers in
    bulk: rows match a customer by its number, else by its mobile.
    It runs as the user, whoever calls it (a wizard, the queue): a row may
    update only a customer the user sees, and the customers are saved by
    the ORM with the user's access, rules and validation"""
    _error_prefix = 'crm_customer.msg_import_'

    def __init__(self, data, progress=None):
        pool = Pool()
        # progress(stage, rows) is told every REPORT_ROWS rows of the
        # stages read, parse and save
        self.progress = progress or (lambda stage, rows: None)
        self.Party = pool.get('party.party')
        self.ContactMechanism = pool.get('party.contact_mechanism')
        self.today = pool.get('ir.date').today()
        self.columns = Columns()
        super().__init__(self.columns.headers)
        self.to_create = []
        self.to_update = []
        self._read(data)

    def _read(self, data):
        rows = read_rows(data)
        header = next(rows, None)
        if not header or not any(header):
            raise CustomerImportError(gettext('crm_customer.msg_import_empty'))
        fields_ = []
        for cell in header:
            name = str(cell).strip() if cell is not None else ''
            if name and name not in self.columns.by_header:
                raise CustomerImportError(gettext(
                        'crm_customer.msg_import_unknown_column',
                        column=name))
            fields_.append(self.columns.by_header.get(name))
        for field in REQUIRED:
            if field not in fields_:
                raise CustomerImportError(gettext(
                        'crm_customer.msg_import_missing_column',
                        column=self.columns.headers[field]))
        records = []
        for number, row in enumerate(rows, 2):
            values = {f: v for f, v in zip(fields_, row)
                if f and v not in {None, ''}}
            if values:
                records.append((number, values))
            if not number % REPORT_ROWS:
                self.progress('read', number - 1)
        if not records:
            raise CustomerImportError(gettext('crm_customer.msg_import_empty'))
        self._lookup(records)
        seen = {}
        for count, (number, cells) in enumerate(records, 1):
            self._parse(number, cells, seen)
            if not count % REPORT_ROWS:
                self.progress('parse', count)

    def _lookup(self, records):
        "Fetch in a few queries what the rows refer to"
        pool = Pool()
        Region = pool.get('crm.region')
        Industry = pool.get('crm.industry')
        Employee = pool.get('company.employee')
        ContactMechanism = pool.get('party.contact_mechanism')
        Party = self.Party
        codes, mobiles, id_cards = set(), set(), set()
        for _, cells in records:
            if 'code' in cells:
                codes.add(str(cells['code']).strip())
            if 'mobile' in cells:
                number = parse_phone(cells['mobile'])
                if number:
                    mobiles.add(number)
            if 'id_card_number' in cells:
                id_cards.add(normalize_id_card(str(cells['id_card_number'])))
        self.by_code, self.by_mobile, self.by_id_card = {}, {}, {}
        # Every customer, seen by the user or not, holds its number, mobile
        # and ID card against the file
        with without_check_access(), \
                Transaction().set_context(active_test=False):
            for sub in map(list, grouped_slice(codes, MAX)):
                for party in Party.search([('code', 'in', sub)]):
                    self.by_code[party.code] = party
            for sub in map(list, grouped_slice(mobiles, MAX)):
                for mechanism in ContactMechanism.search([
                            ('type', '=', 'mobile'),
                            ('value_compact', 'in', sub),
                            ]):
                    self.by_mobile[mechanism.value_compact] = mechanism.party
            # As root: the user may read the numbers masked only
            with Transaction().set_user(0):
                for sub in map(list, grouped_slice(id_cards, MAX)):
                    for party in Party.search(
                            [('id_card_number', 'in', sub)]):
                        self.by_id_card[party.id_card_number] = party
        # but a row updates only a customer the user may see
        self.visible = set()
        matched = {p.id for p in self.by_code.values()} | {
            p.id for p in self.by_mobile.values()}
        with check_access(), Transaction().set_context(active_test=False):
            for sub in map(list, grouped_slice(matched, MAX)):
                self.visible.update(map(int, Party.search([('id', 'in', sub)])))
        # Plain tuples: the whole code tables are read for every file
        cursor = Transaction().connection.cursor()
        region, industry = Region.__table__(), Industry.__table__()
        self.regions, self.region_parents, self.region_names = {}, {}, {}
        self.region_levels = {}
        cursor.execute(*region.select(region.id, region.code, region.name,
                region.level, region.parent,
                where=region.active == Literal(True)))
        for id_, code, name, level, parent in cursor:
            self.regions.setdefault((level, name), []).append(id_)
            self.regions.setdefault((level, code), []).append(id_)
            self.region_parents[id_] = parent
            self.region_names[id_] = name
            self.region_levels[id_] = level
        self.industries = {}
        cursor.execute(*industry.select(
                industry.id, industry.code, industry.name))
        for id_, code, name in cursor:
            for key in [code, name, '%s %s' % (code, name)]:
                self.industries[key] = id_
        self.employees = {}
        for employee in Employee.search([]):
            self.employees.setdefault(employee.rec_name, employee)

    def _parse(self, row, cells, seen):
        columns = self.columns
        values = {}
        for field, cell in cells.items():
            text = str(cell).strip() if not isinstance(
                cell, (dt.date, dt.datetime)) else cell
            if field in PHONES:
                number = parse_phone(text)
                if not number:
                    self.error(row, field, 'bad_phone', value=text)
                    continue
                values[field] = number
            elif field == 'id_card_number':
                number = normalize_id_card(text)
                if '*' in number:
                    # A masked number exported by a salesperson is kept
                    values['_masked_id_card'] = number
                    continue
                if not is_id_card(number):
                    self.error(row, field, 'bad_id_card', value=text)
                    continue
                values[field] = number
            elif field in {'birthday', 'sms_consent_date'}:
                date = parse_date(cell)
                if not date:
                    self.error(row, field, 'bad_date', value=text)
                    continue
                values[field] = date
            elif field in {'birthday_lunar_month', 'birthday_lunar_day'}:
                number = parse_decimal(text)
                if number is None or number != number.to_integral_value():
                    self.error(row, field, 'bad_number', value=text)
                else:
                    values[field] = int(number)
            elif field == 'credit_limit':
                number = parse_decimal(text, Decimal('0.01'))
                if number is None:
                    self.error(row, field, 'bad_number', value=text)
                else:
                    values[field] = number
            elif field in {'sms_consent', 'birthday_lunar_leap'}:
                if text in {columns.yes, '1', 'True', 'TRUE', 'Y', 'y'}:
                    values[field] = True
                elif text in {columns.no, '0', 'False', 'FALSE', 'N', 'n'}:
                    values[field] = False
                else:
                    self.error(row, field, 'bad_choice', value=text,
                        choices='、'.join(columns.choices(field)))
            elif field in columns.selections:
                selection = columns.selections[field]
                keys = {v: k for k, v in selection.items()}
                if text in keys:
                    values[field] = keys[text]
                elif text in selection:
                    values[field] = text
                else:
                    self.error(row, field, 'bad_choice', value=text,
                        choices='、'.join(selection.values()))
            elif field in OPTIONS:
                option = columns.options[field].get(text)
                if not option:
                    self.error(row, field, 'bad_choice', value=text,
                        choices='、'.join(columns.options[field]))
                    continue
                values[field] = option.id
            elif field == 'industry':
                industry = self.industries.get(text)
                if not industry:
                    self.error(row, field, 'unknown', value=text)
                    continue
                values[field] = industry
            elif field == 'owner':
                employee = self.employees.get(text)
                if not employee:
                    self.error(row, field, 'unknown', value=text)
                    continue
                values[field] = employee.id
            elif field in {'province', 'city', 'district'}:
                continue
            elif field == 'code':
                values[field] = text
            else:
                values[field] = str(cell).strip() if not isinstance(
                    cell, str) else cell.strip()
        self._parse_region(row, cells, values)
        self._check_values(row, values)

        party = None
        if values.get('code'):
            party = self.by_code.get(values['code'])
            if not party:
                self.error(row, 'code', 'unknown_code', value=values['code'])
        if not party and values.get('mobile'):
            party = self.by_mobile.get(values['mobile'])
        if party and party.id not in self.visible:
            self.error(row, 'code' if values.get('code') else 'mobile',
                'not_visible', code=party.code)
            return
        for field, index in [('code', None), ('mobile', self.by_mobile),
                ('id_card_number', self.by_id_card)]:
            value = values.get(field)
            if not value:
                continue
            if (field, value) in seen:
                self.error(row, field, 'duplicate_in_file',
                    value=cells[field], other=seen[(field, value)])
            seen[(field, value)] = row
            if index is not None:
                other = index.get(value)
                if other and other != party:
                    self.error(row, field, 'duplicate_in_database',
                        value=cells[field], code=other.code)
        masked = values.pop('_masked_id_card', None)
        if masked and (not party or mask_id_card(
                    party.id_card_number) != masked):
            self.error(row, 'id_card_number', 'bad_id_card', value=masked)
        if 'name' not in values and not party:
            self.error(row, 'name', 'required')
        if party:
            self.to_update.append((row, party, values))
        else:
            self.to_create.append((row, values))

    def _check_values(self, row, values):
        """Show on the check the rules that the ORM applies when it saves
        the row, with the row's number"""
        Party = self.Party
        if values.get('birthday') and values['birthday'] > self.today:
            self.error(row, 'birthday', 'future_date',
                value=values['birthday'])
        if values.get('credit_limit', 0) < 0:
            self.error(row, 'credit_limit', 'negative',
                value=values['credit_limit'])
        for field, maximum in [('birthday_lunar_month', 12),
                ('birthday_lunar_day', 30)]:
            if field in values and not 1 <= values[field] <= maximum:
                self.error(row, field, 'out_of_range', value=values[field],
                    maximum=maximum)
                return
        if values.get('id_card_number'):
            try:
                Party.check_id_card_profile([Party(**{
                                k: values.get(k) for k in [
                                    'name', 'id_card_number', 'birthday',
                                    'gender']})])
            except ValidationError as exception:
                self.errors.append((row,
                        self.columns.headers['id_card_number'],
                        exception.message))
        if values.get('birthday_calendar') == 'lunar':
            try:
                Party.check_lunar_birthday([Party(**{
                                k: values.get(k) for k in [
                                    'name', 'birthday', 'birthday_calendar',
                                    'birthday_lunar_month',
                                    'birthday_lunar_day',
                                    'birthday_lunar_leap']})])
            except ValidationError as exception:
                self.errors.append((row,
                        self.columns.headers['birthday_lunar_month'],
                        exception.message))
        if values.get('owner'):
            try:
                # Not saved, the customer has no rec_name of its own
                Party.check_owner_assignment(
                    Party(name=values.get('name'),
                        rec_name=values.get('name')),
                    Pool().get('company.employee')(values['owner']))
            except AccessError as exception:
                self.errors.append((row, self.columns.headers['owner'],
                        exception.message))

    def _parse_region(self, row, cells, values):
        parent = None
        for level, field in [('province', 'province'), ('city', 'city'),
                ('district', 'district')]:
            if field not in cells:
                continue
            text = str(cells[field]).strip()
            regions = self.regions.get((level, text), [])
            if not regions:
                self.error(row, field, 'unknown_region', value=text)
                return
            if parent:
                inside = [r for r in regions
                    if parent in self._region_ancestors(r)]
                if not inside:
                    self.error(row, field, 'region_outside', value=text,
                        parent=self.region_names[parent])
                    return
                regions = inside
            values[field] = parent = regions[0]
        # A district alone gives its city and province
        if parent:
            for ancestor in self._region_ancestors(parent):
                values.setdefault(self.region_levels[ancestor], ancestor)

    def _region_ancestors(self, region):
        ancestors = []
        while self.region_parents.get(region):
            region = self.region_parents[region]
            ancestors.append(region)
        return ancestors

    def save(self):
        "Write every row, or nothing when one is wrong"
        if self.errors:
            raise CustomerImportError(gettext(
                    'crm_customer.msg_import_has_errors',
                    count=len(self.errors),
                    errors='\n'.join(self.messages[:20])))
        Party = self.Party
        # The file was checked as a whole: the form's question on a name
        # that another customer has is not asked row by row
        with check_access(), Transaction().set_context(_skip_warnings=True):
            self._create([v for _, v in self.to_create])
            to_write = []
            for _, party, values in self.to_update:
                values = self._party_values(values, party)
                if values:
                    to_write.extend(([party], values))
            for count, sub in enumerate(
                    grouped_slice(to_write, 2 * SAVE_ROWS), 1):
                Party.write(*sub)
                self.progress(
                    'save', len(self.to_create) + count * SAVE_ROWS)
        return len(self.to_create), len(self.to_update)

    def _create(self, rows):
        "Create the new customers with their phones and address"
        Party = self.Party
        sequence = Party._code_sequence()
        for count, sub in enumerate(
                map(list, grouped_slice(rows, SAVE_ROWS))):
            vlist = [self._party_values(v, None) for v in sub]
            if sequence:
                # One query for the numbers of the rows, not one per row
                with without_check_access():
                    codes = sequence.get_many(len(vlist))
                for values, code in zip(vlist, codes):
                    values['code'] = code
            for values in vlist:
                values.update(self._computed(values))
            Party.create(vlist)
            self.progress('save', count * SAVE_ROWS + len(sub))

    def _computed(self, values):
        """The columns that the ORM computes when it saves a new customer
        (the readings of the name, the birthday and gender of the ID card
        …): given in the values of the create, they are not written again
        one customer at a time after it; the ORM computes them still and
        writes only what would differ"""
        party = self.Party(**{k: values.get(k) for k in [
                    'name', 'code', 'id_card_number', 'birthday', 'gender']})
        return party.compute_fields()

    def _party_values(self, values, party):
        values = dict(values)
        if (values.get('sms_consent') and not values.get('sms_consent_date')
                and not (party and party.sms_consent_date)):
            values['sms_consent_date'] = self.today
        values.pop('code', None) if party else None
        mechanisms = []
        for type_ in ['mobile', 'phone', 'email']:
            value = values.pop(type_, None)
            if value and not (party and any(
                        m.type == type_ and (m.value_compact or m.value)
                        == value for m in party.contact_mechanisms)):
                mechanism = {'type': type_, 'value': value}
                # With the forms and columns the ORM computes from it
                mechanism.update(
                    self.ContactMechanism(**mechanism).compute_fields())
                mechanisms.append(mechanism)
        if mechanisms:
            values['contact_mechanisms'] = [('create', mechanisms)]
        address = {k: values.pop(k) for k in ['street', 'postal_code']
            if k in values}
        if 'street' in address:
            # Without the setter of the street, which writes each address
            address['street_unstructured'] = address.pop('street')
        if address:
            if party and party.addresses:
                values['addresses'] = [
                    ('write', [party.addresses[0].id], address)]
            else:
                values['addresses'] = [('create', [address])]
        if party:
            changed = {}
            for name, value in values.items():
                current = getattr(party, name, None)
                if isinstance(current, ModelStorage):
                    current = current.id
                if name in {'contact_mechanisms', 'addresses'} or (
                        current != value):
                    changed[name] = value
            values = changed
        return values


def compact(value):
    "The text of a cell without spaces and dashes, as numbers are compared"
    if value is None or isinstance(value, (dt.date, dt.datetime)):
        return None
    return re.sub(r'[\s-]', '', str(value)).upper() or None


def customer_rows(parties, columns):
    "The cells of each customer, as the importer reads them back"
    for party in parties:
        address = party.addresses[0] if party.addresses else None
        row = []
        for model, field in COLUMNS:
            if model == 'party.address':
                value = getattr(address, field, None) if address else None
            elif field in PHONES or field == 'email':
                value = next((m.value for m in party.contact_mechanisms
                        if m.type == field), None)
            else:
                value = getattr(party, field)
            if isinstance(value, bool):
                value = columns.yes if value else columns.no
            elif field in columns.selections:
                value = columns.selections[field].get(value)
            elif field in {'industry', 'owner'}:
                value = value.rec_name if value else None
            elif isinstance(value, ModelStorage):
                value = value.name
            elif isinstance(value, Decimal):
                value = float(value)
            row.append(value)
        yield row


def customer_workbook(columns, rows, title):
    "An .xlsx with the headers, the rows and dropdowns on coded columns"
    book = workbook(
        [columns.headers[f] for f in columns.fields], rows, title)
    sheet = book.active
    fill = PatternFill('solid', fgColor='DDEBF7')
    for cell in sheet[1]:
        cell.fill = fill
    count = sheet.max_row
    # The lists sit on a hidden sheet, so that they may be long
    lists = book.create_sheet('lists')
    lists.sheet_state = 'hidden'
    column = 0
    for index, field in enumerate(columns.fields, 1):
        choices = columns.choices(field)
        if not choices:
            if field in {'birthday', 'sms_consent_date'}:
                for cells in sheet.iter_cols(min_col=index, max_col=index,
                        min_row=2):
                    for cell in cells:
                        cell.number_format = 'yyyy-mm-dd'
            continue
        column += 1
        letter = openpyxl.utils.get_column_letter(column)
        for i, choice in enumerate(choices, 1):
            lists.cell(row=i, column=column, value=choice)
        validation = DataValidation(type='list', allow_blank=True,
            formula1='=lists!$%s$1:$%s$%d' % (letter, letter, len(choices)))
        target = openpyxl.utils.get_column_letter(index)
        validation.add('%s2:%s%d' % (target, target, max(count, 1000)))
        sheet.add_data_validation(validation)
    for index, field in enumerate(columns.fields, 1):
        sheet.column_dimensions[
            openpyxl.utils.get_column_letter(index)].width = max(
            10, len(columns.headers[field]) * 2 + 2)
    sheet.freeze_panes = 'A2'
    return content(book)


def template():
    "The import template: the headers, dropdowns and an example row"
    columns = Columns()
    example = []
    for field in columns.fields:
        value = EXAMPLE.get(field)
        if isinstance(value, bool):
            value = columns.yes if value else columns.no
        elif field in columns.selections and value:
            value = columns.selections[field][value]
        example.append(value)
    return customer_workbook(columns, [example],
        gettext('crm_customer.msg_import_sheet_title'))


class CustomerImportStart(ModelView):
    __name__ = 'party.party.import.start'
    __string__ = "Import Customers"

    template = fields.Binary("Template", readonly=True,
        filename='template_filename',
        help="An empty workbook with the columns, their lists and an "
        "example row.")
    template_filename = fields.Char("Template File Name", readonly=True)
    file = fields.Binary("File", required=True, filename='filename',
        help="An .xlsx or .xls workbook with one customer per row.")
    filename = fields.Char("File Name")
    task = fields.Many2One('party.party.import.task', "Task", readonly=True)


class CustomerImportResult(ModelView):
    __name__ = 'party.party.import.result'
    __string__ = "Import Customers"

    to_create = fields.Integer("New Customers", readonly=True)
    to_update = fields.Integer("Updated Customers", readonly=True)
    errors = fields.Text("Errors", readonly=True)


class CustomerImport(ImportWizardMixin, Wizard):
    "Check a workbook of customers, then import it all or nothing"
    __name__ = 'party.party.import'

    start = import_start('party.party.import.start',
        'crm_customer.party_import_start_view_form')
    result = import_result('party.party.import.result',
        'crm_customer.party_import_result_view_form')
    background = StateAction('crm_customer.act_party_import_task_form')
    _importer = CustomerImporter

    def _template(self):
        return template(), gettext(
            'crm_customer.msg_import_template_filename')

    def transition_check(self):
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Task = pool.get('party.party.import.task')
        rows = count_rows(self.start.file)
        if rows > Configuration(1).import_background_rows:
            task = Task(file=self.start.file, filename=self.start.filename,
                rows=rows)
            task.save()
            Task.__queue__.run_check([task], Transaction().language)
            self.start.task = task
            return 'background'
        return super().transition_check()

    def _checked(self, importer):
        return {
            'to_create': len(importer.to_create),
            'to_update': len(importer.to_update),
            }

    def do_background(self, action):
        # The task opens in its form, where its progress shows
        action['views'].reverse()
        return action, {'res_id': [self.start.task.id]}


class CustomerImportTask(Workflow, ModelSQL, ModelView):
    """A large workbook of customers, checked then imported by the queue
    with its progress visible while it runs"""
    __name__ = 'party.party.import.task'
    __string__ = "Customer Import Task"

    file = fields.Binary("File", required=True, readonly=True,
        filename='filename')
    filename = fields.Char("File Name", readonly=True)
    rows = fields.Integer("Rows", readonly=True)
    state = fields.Selection([
            ('checking', "Checking"),
            ('checked', "Checked"),
            ('importing', "Importing"),
            ('done', "Done"),
            ('failed', "Failed"),
            ], "State", required=True, readonly=True, sort=False)
    progress = fields.Function(fields.Float("Progress", digits=(1, 2),
            help="How far the running check or import is."),
        'get_progress')
    to_create = fields.Integer("New Customers", readonly=True)
    to_update = fields.Integer("Updated Customers", readonly=True)
    errors = fields.Text("Errors", readonly=True)
    finished = fields.Timestamp("Finished", readonly=True)

    # The share of a task's time each stage of the importer takes
    STAGES = {
        'checking': {'read': (0, .5), 'parse': (.5, .5)},
        'importing': {
            'read': (0, .2), 'parse': (.2, .2), 'save': (.4, .6)},
        }

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('create_date', 'DESC'))
        cls._transitions |= {
            ('checking', 'checked'),
            ('checking', 'failed'),
            ('checked', 'importing'),
            ('importing', 'done'),
            ('importing', 'failed'),
            }
        cls._buttons.update({
                'import_': {
                    'invisible': (Eval('state') != 'checked')
                    | Bool(Eval('errors')),
                    'depends': ['state', 'errors'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'checking'

    @classmethod
    def holding(cls, numbers):
        """Return the ids of the tasks whose workbook holds one of the phone
        or ID card numbers, as the importer reads them"""
        wanted = set()
        for number in numbers:
            wanted.add(compact(number))
            if e164 := parse_phone(number):
                # A mobile may be typed as 13800138000 or +86 138 0013 8000
                wanted.add(compact(e164))
                wanted.add(compact(phonenumbers.format_number(
                            phonenumbers.parse(e164),
                            phonenumbers.PhoneNumberFormat.NATIONAL)))
        wanted.discard(None)
        ids = []
        with without_check_access():
            for task in cls.search([]):
                if not task.file:
                    continue
                try:
                    rows = list(read_rows(task.file))
                except CustomerImportError:
                    continue
                if any(compact(c) in wanted for row in rows for c in row):
                    ids.append(task.id)
        return ids

    @classmethod
    def get_progress(cls, tasks, name):
        pool = Pool()
        Progress = pool.get('party.party.import.task.progress')
        progress = Progress.__table__()
        cursor = Transaction().connection.cursor()
        values = {t.id: 1 if t.state in {'checked', 'done'} else 0
            for t in tasks}
        running = [t.id for t in tasks
            if t.state in {'checking', 'importing'}]
        for sub in grouped_slice(running, MAX):
            cursor.execute(*progress.select(progress.task, progress.value,
                    where=progress.task.in_(list(sub))))
            values.update(cursor)
        return values

    @classmethod
    @ModelView.button
    @Workflow.transition('importing')
    def import_(cls, tasks):
        pool = Pool()
        Progress = pool.get('party.party.import.task.progress')
        progress = Progress.__table__()
        cursor = Transaction().connection.cursor()
        for sub in grouped_slice([t.id for t in tasks], MAX):
            cursor.execute(*progress.delete(
                    where=progress.task.in_(list(sub))))
        # One queue task each: a failed import rolls back only its own
        for task in tasks:
            cls.__queue__.run_import([task], Transaction().language)

    @classmethod
    def run_check(cls, tasks, language=None):
        "Check the workbooks in the language of the user who sent them"
        with Transaction().set_context(cls._language(language)):
            for task in tasks:
                if task.state == 'checking' and task._run(task._checked):
                    cls.check_done([task])

    @classmethod
    def run_import(cls, tasks, language=None):
        with Transaction().set_context(cls._language(language)):
            for task in tasks:
                if task.state == 'importing' and task._run(task._imported):
                    cls.do([task])

    @staticmethod
    def _language(language):
        # The queue drops the language of the context: the headers of the
        # workbook are read in the one the task was sent in
        return {'language': language} if language else {}

    def _checked(self, importer):
        self.to_create = len(importer.to_create)
        self.to_update = len(importer.to_update)
        self.errors = '\n'.join(importer.messages) or None
        self.save()

    def _imported(self, importer):
        self.to_create, self.to_update = importer.save()
        self.errors = None
        self.save()

    def _run(self, step):
        """Call step with the importer of the workbook; on any error nothing
        of the file stays, the task fails and False is returned"""
        cls = self.__class__
        try:
            step(CustomerImporter(self.file, progress=self._reporter()))
        except backend.DatabaseOperationalError:
            # The queue runs the task again
            raise
        except Exception as exception:
            Transaction().rollback()
            task = cls(self.id)
            task.errors = getattr(exception, 'message', None) or gettext(
                'crm_customer.msg_import_task_error', error=exception)
            task.save()
            cls.fail([task])
            return False
        return True

    def _reporter(self):
        """Return the progress callback of the importer: it commits the
        progress in a transaction of its own, so that the user sees it
        while the task's transaction runs; the progress has a row of its
        own, which the task's transaction never writes, as it would then
        conflict with these commits"""
        pool = Pool()
        Progress = pool.get('party.party.import.task.progress')
        stages = self.STAGES[self.state]
        total = max(self.rows or 0, 1)
        shown = [0]

        def report(stage, rows):
            start, share = stages.get(stage, (0, 0))
            progress = round(min(start + share * rows / total, 1), 2)
            if progress <= shown[0]:
                return
            shown[0] = progress
            # SQLite has one writer: the task's own transaction
            if backend.name == 'sqlite':
                return
            table = Progress.__table__()
            with Transaction().new_transaction() as transaction:
                cursor = transaction.connection.cursor()
                cursor.execute(*table.update([table.value], [progress],
                        where=table.task == self.id))
                if not cursor.rowcount:
                    cursor.execute(*table.insert(
                            [table.task, table.value, table.create_uid,
                                table.create_date],
                            [[self.id, progress, transaction.user,
                                    CurrentTimestamp()]]))
        return report

    @classmethod
    @Workflow.transition('checked')
    def check_done(cls, tasks):
        cls._finish(tasks, 'msg_import_task_checked')

    @classmethod
    @Workflow.transition('done')
    def do(cls, tasks):
        cls._finish(tasks, 'msg_import_task_done')

    @classmethod
    @Workflow.transition('failed')
    def fail(cls, tasks):
        cls._finish(tasks, 'msg_import_task_failed')

    @classmethod
    def _finish(cls, tasks, message):
        "Tell the user who started the tasks that they ended"
        pool = Pool()
        Notification = pool.get('res.notification')
        if not tasks:
            return
        cls.write(tasks, {'finished': dt.datetime.now()})
        Notification.create([{
                    'user': t.create_uid.id,
                    'label': gettext('crm_customer.' + message,
                        filename=t.filename or ''),
                    'model': cls.__name__,
                    'records': json.dumps([t.id]),
                    } for t in tasks])


class CustomerImportTaskProgress(ModelSQL):
    "Written only by the transactions that report a task's progress"
    __name__ = 'party.party.import.task.progress'
    __string__ = "Customer Import Task Progress"

    task = fields.Many2One('party.party.import.task', "Task", required=True,
        ondelete='CASCADE')
    value = fields.Float("Value", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.task, Index.Equality())))


class CustomerExport(Report):
    "The selected customers as an .xlsx the import reads back"
    __name__ = 'party.party.export'

    @classmethod
    def execute(cls, ids, data):
        pool = Pool()
        Party = pool.get('party.party')
        ActionReport = pool.get('ir.action.report')
        action, = ActionReport.search([('report_name', '=', cls.__name__)])
        cls.check_access(action, 'party.party', ids)
        columns = Columns()
        parties = Party.browse(ids)
        data = customer_workbook(columns, customer_rows(parties, columns),
            gettext('crm_customer.msg_import_sheet_title'))
        return ('xlsx', data, False,
            gettext('crm_customer.msg_export_filename'))
