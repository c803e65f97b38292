# This file is part of the CRM suite.
"""The workbooks that the imports read and the exports write: their rows,
their cells, and the wizard that checks a workbook before importing it"""
import datetime as dt
import io
import re
from decimal import Decimal, InvalidOperation

import openpyxl
import phonenumbers
import xlrd
from openpyxl.cell import Cell
from openpyxl.styles import Font

from trytond.i18n import gettext
from trytond.pyson import Bool, Eval
from trytond.wizard import Button, StateTransition, StateView

from .exceptions import CustomerImportError

XLSX, XLS = b'PK\x03\x04', b'\xd0\xcf\x11\xe0'
# What makes a spreadsheet read a cell as a formula
FORMULA_STARTS = ('=', '+', '-', '@')


def count_rows(data):
    """The number of rows under the header, from the sheet's dimension when
    the workbook records one"""
    data = bytes(data or b'')
    if data.startswith(XLSX):
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
            rows = workbook.worksheets[0].max_row
            workbook.close()
        except Exception:
            rows = None
        if rows:
            return rows - 1
    return sum(1 for _ in read_rows(data)) - 1


def read_rows(data):
    """Yield the rows of the first sheet of an .xlsx or .xls file as lists
    of cell values"""
    if not data:
        raise CustomerImportError(gettext('crm_customer.msg_import_empty'))
    data = bytes(data)
    try:
        if data.startswith(XLSX):
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True)
            for row in workbook.worksheets[0].iter_rows(values_only=True):
                yield list(row)
            workbook.close()
            return
        elif data.startswith(XLS):
            book = xlrd.open_workbook(file_contents=data)
            sheet = book.sheet_by_index(0)
            for index in range(sheet.nrows):
                row = []
                for cell in sheet.row(index):
                    value = cell.value
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        value = xlrd.xldate.xldate_as_datetime(
                            value, book.datemode)
                    elif cell.ctype == xlrd.XL_CELL_EMPTY:
                        value = None
                    elif (cell.ctype == xlrd.XL_CELL_NUMBER
                            and value == int(value)):
                        value = int(value)
                    row.append(value)
                yield row
            return
    except CustomerImportError:
        raise
    except Exception:
        pass
    raise CustomerImportError(gettext('crm_customer.msg_import_not_excel'))


def parse_phone(text):
    "Return the E.164 form of a Chinese or international phone number"
    try:
        number = phonenumbers.parse(str(text), 'CN')
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.E164)


def parse_date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    match = re.fullmatch(
        r'(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?', text)
    if match:
        try:
            return dt.date(*map(int, match.groups()))
        except ValueError:
            return None


def parse_decimal(text, exp=None):
    """The number of text, rounded to exp if given, or None: a cell may hold
    NaN, Infinity or a figure too large to round, which are no amounts"""
    try:
        value = Decimal(text)
        if exp is not None:
            value = value.quantize(exp)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return value if value.is_finite() else None


def workbook(headers, rows, title):
    """Return an .xlsx workbook of a sheet with the headers in bold and the
    rows under them"""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headers)
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    for row in rows:
        # The cells are made before they are added: reaching those of a row
        # of the sheet reads all the others
        sheet.append([text_cell(sheet, v) for v in row])
    return book


def text_cell(sheet, value):
    """A customer named =HYPERLINK(…) is text, not a formula that the
    spreadsheet would run when the file is opened"""
    if not (isinstance(value, str) and value.startswith(FORMULA_STARTS)):
        return value
    cell = Cell(sheet, value=value)
    cell.data_type = 's'
    cell.quotePrefix = True
    return cell


def content(book):
    "The bytes of the .xlsx file of the workbook"
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


class WorkbookImporter:
    """Check the rows of a workbook when it is read, then save them all or
    none: errors lists the row, column and reason of each fault.
    headers gives the column of a field; the reasons are the messages named
    _error_prefix followed by the name given to error()"""
    _error_prefix = None

    def __init__(self, headers):
        self.headers = headers
        self.errors = []

    def error(self, row, field, message, **kwargs):
        self.errors.append((row, self.headers.get(field, ''),
                gettext(self._error_prefix + message, **kwargs)))

    @property
    def messages(self):
        return [gettext('crm_customer.msg_import_row_error',
                row=row, column=column, reason=reason)
            for row, column, reason in sorted(
                self.errors, key=lambda e: e[0])]


def import_start(model, view):
    "The first state of an ImportWizardMixin"
    return StateView(model, view, [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Check", 'check', 'tryton-forward', default=True),
            ])


def import_result(model, view):
    "The state of an ImportWizardMixin that shows what the check found"
    return StateView(model, view, [
            Button("Back", 'start', 'tryton-back'),
            Button("Import", 'import_', 'tryton-ok', default=True,
                states={
                    'invisible': Bool(Eval('errors')),
                    }),
            ])


class ImportWizardMixin:
    """Check a workbook, then import it all or nothing.
    The wizard has the states start (import_start) with the fields file,
    filename, template and template_filename, and result (import_result)
    with errors and the fields _checked gives from the _importer of the
    file (a WorkbookImporter); _template() returns the content and the
    name of the workbook to fill"""
    check = StateTransition()
    import_ = StateTransition()

    def default_start(self, fields):
        template, filename = self._template()
        defaults = {
            'template': template,
            'template_filename': filename,
            }
        if getattr(self.start, 'file', None):
            defaults['file'] = self.start.file
            defaults['filename'] = self.start.filename
        return defaults

    def transition_check(self):
        importer = self._importer(self.start.file)
        for name, value in self._checked(importer).items():
            setattr(self.result, name, value)
        self.result.errors = '\n'.join(importer.messages) or None
        return 'result'

    def default_result(self, fields):
        return {f: getattr(self.result, f, None) for f in fields}

    def transition_import_(self):
        self._importer(self.start.file).save()
        return 'end'
