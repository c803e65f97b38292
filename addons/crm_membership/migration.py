# This file is part of the CRM suite.
"""Cards of a previous system, from a workbook: checked first, then all
created in one transaction with their opening balances as ledger lines"""
import re

from dateutil.relativedelta import relativedelta

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.crm_customer.excel import (
    ImportWizardMixin, WorkbookImporter, content, import_result,
    import_start, parse_date, parse_decimal, parse_phone, read_rows,
    workbook)
from trytond.pool import Pool
from trytond.wizard import Wizard

from .card import check_action_role
from .exceptions import CardError
from .ledger import CENT, ZERO

# Field, header message; the required ones first
COLUMNS = [
    ('number', 'msg_migrate_column_number'),
    ('type', 'msg_migrate_column_type'),
    ('mobile', 'msg_migrate_column_mobile'),
    ('level', 'msg_migrate_column_level'),
    ('principal', 'msg_migrate_column_principal'),
    ('bonus', 'msg_migrate_column_bonus'),
    ('points', 'msg_migrate_column_points'),
    ('counts', 'msg_migrate_column_counts'),
    ('expiry', 'msg_migrate_column_expiry'),
    ]
REQUIRED = {'number', 'type'}
NUMBER = re.compile(r'^[0-9A-Za-z]{4,32}$')


def headers():
    return {f: gettext('crm_membership.' + m) for f, m in COLUMNS}


def template():
    "An empty workbook with the headers and an example row"
    return content(workbook(list(headers().values()), [
                ['880012345678', "储值卡", '13800138000', "普通会员",
                    500, 50, 1200, None, '2027-12-31'],
                ], gettext('crm_membership.msg_migrate_sheet_title')))


class CardMigrator(WorkbookImporter):
    "The rows of a workbook of legacy cards, checked, then created"
    _error_prefix = 'crm_membership.msg_migrate_'

    def __init__(self, data):
        pool = Pool()
        self.Card = pool.get('crm.membership.card')
        super().__init__(headers())
        self.cards = []
        self._read(data)

    def _read(self, data):
        pool = Pool()
        CardType = pool.get('crm.membership.card.type')
        Level = pool.get('crm.membership.level')
        rows = read_rows(data)
        header = next(rows, None)
        if not header or not any(header):
            raise CardError(gettext('crm_membership.msg_migrate_empty'))
        by_header = {str(h).strip(): i for i, h in enumerate(header) if h}
        index = {}
        for field, title in self.headers.items():
            if title in by_header:
                index[field] = by_header[title]
            elif field in REQUIRED:
                raise CardError(gettext(
                        'crm_customer.msg_import_missing_column',
                        column=title))
        types = {t.name: t for t in CardType.search([])}
        levels = {x.name: x for x in Level.search([])}
        parsed, seen = [], {}
        for number, cells in enumerate(rows, 2):
            if not any(c not in (None, '') for c in cells):
                continue
            cells = list(cells) + [None] * len(header)
            values = {f: cells[i] for f, i in index.items()}
            parsed.append(self._parse(number, values, types, levels, seen))
        if not parsed:
            raise CardError(gettext('crm_membership.msg_migrate_empty'))
        self._lookup([p for p in parsed if p])

    def _parse(self, row, values, types, levels, seen):
        def text(field):
            value = values.get(field)
            if isinstance(value, float) and value == int(value):
                value = int(value)
            return str(value).strip() if value not in (None, '') else ''
        ok = True
        number = text('number')
        if not NUMBER.match(number):
            self.error(row, 'number', 'bad_number', number=number)
            ok = False
        elif number in seen:
            self.error(row, 'number', 'duplicate_in_file', number=number,
                other=seen[number])
            ok = False
        else:
            seen[number] = row
        card_type = types.get(text('type'))
        if not card_type:
            self.error(row, 'type', 'unknown_type', type=text('type'))
            ok = False
        level = None
        if text('level'):
            level = levels.get(text('level'))
            if not level:
                self.error(row, 'level', 'unknown_level',
                    level=text('level'))
                ok = False
        mobile = None
        if text('mobile'):
            mobile = parse_phone(text('mobile'))
            if not mobile:
                self.error(row, 'mobile', 'bad_mobile',
                    mobile=text('mobile'))
                ok = False
        elif card_type and card_type.registered:
            self.error(row, 'mobile', 'mobile_required', type=card_type.name)
            ok = False
        amounts = {}
        for field in ['principal', 'bonus']:
            amount = parse_decimal(text(field) or '0')
            if (amount is None or amount < 0
                    or parse_decimal(amount, CENT) != amount):
                self.error(row, field, 'bad_amount', amount=text(field))
                ok = False
            amounts[field] = amount
        whole = {}
        for field in ['points', 'counts']:
            value = text(field) or '0'
            if not value.isdigit():
                self.error(row, field, 'bad_whole', value=value)
                ok = False
                value = '0'
            whole[field] = int(value)
        if whole['counts'] and card_type and card_type.kind != 'count':
            self.error(row, 'counts', 'counts_not_count_type',
                type=card_type.name)
            ok = False
        expiry = None
        if values.get('expiry') not in (None, ''):
            expiry = parse_date(values['expiry'])
            if not expiry:
                self.error(row, 'expiry', 'bad_date',
                    value=text('expiry'))
                ok = False
        if not ok:
            return None
        return {
            'row': row, 'number': number, 'type': card_type,
            'level': level, 'mobile': mobile, 'expiry': expiry,
            **amounts, **whole,
            }

    def _lookup(self, rows):
        "Find the members and the numbers already in use, a query each"
        pool = Pool()
        Mechanism = pool.get('party.contact_mechanism')
        Configuration = pool.get('crm.configuration')
        config = Configuration(1)
        numbers = {c.number for c in self.Card.search([
                    ('number', 'in', [r['number'] for r in rows]),
                    ])}
        parties = {}
        mobiles = [r['mobile'] for r in rows if r['mobile']]
        for mechanism in Mechanism.search([
                    ('value_compact', 'in', mobiles),
                    ('type', 'in', ['mobile', 'phone']),
                    ]):
            parties.setdefault(mechanism.value_compact, mechanism.party)
        for row in rows:
            number = row['row']
            if row['number'] in numbers:
                self.error(number, 'number', 'number_exists',
                    number=row['number'])
                continue
            party = parties.get(row['mobile']) if row['mobile'] else None
            if row['mobile'] and not party:
                self.error(number, 'mobile', 'unknown_mobile',
                    mobile=row['mobile'])
                continue
            limit = (config.registered_balance_limit
                if row['type'].registered
                else config.anonymous_balance_limit)
            if row['principal'] + row['bonus'] > limit:
                self.error(number, 'principal', 'over_limit',
                    balance=row['principal'] + row['bonus'], limit=limit)
                continue
            row['party'] = party
            self.cards.append(row)

    def save(self):
        "Create the cards and their opening lines, all or nothing"
        pool = Pool()
        ValueLine = pool.get('crm.membership.value.line')
        PointLine = pool.get('crm.membership.point.line')
        Package = pool.get('crm.membership.package')
        PackageLine = pool.get('crm.membership.package.line')
        Level = pool.get('crm.membership.level')
        Configuration = pool.get('crm.configuration')
        Date = pool.get('ir.date')
        if self.errors:
            raise CardError(gettext('crm_membership.msg_migrate_has_errors',
                    count=len(self.errors)))
        today = Date.today()
        validity = Configuration(1).point_validity
        base = next(iter(Level.search([], limit=1)), None)
        cards = self.Card.create([{
                    'number': r['number'],
                    'party': r['party'].id if r['party'] else None,
                    'type': r['type'].id,
                    'level': getattr(r['level'] or base, 'id', None),
                    'issue_date': today,
                    'expiry': r['expiry'],
                    'state': 'active',
                    } for r in self.cards])
        values, points, packages = [], [], []
        for card, row in zip(cards, self.cards):
            if row['principal'] or row['bonus']:
                values.append(ValueLine(card=card, kind='migration',
                        principal=row['principal'], bonus=row['bonus']))
            if row['points']:
                points.append(PointLine(card=card, kind='migration',
                        points=row['points'],
                        expiry=(today + relativedelta(
                                months=validity, days=-1)
                            if validity else None)))
            if row['counts']:
                packages.append(Package(card=card,
                        product=row['type'].service,
                        quantity=row['counts'], expiry=row['expiry']))
        ValueLine.save(values)
        PointLine.save(points)
        Package.save(packages)
        PackageLine.save([PackageLine(package=p, kind='migration',
                    quantity=p.quantity) for p in packages])
        self.Card.add_history(cards, 'migrated')
        return cards


class CardMigrateStart(ModelView):
    "Migrate cards"
    __name__ = 'crm.membership.card.migrate.start'
    __string__ = "Migrate Cards"

    template = fields.Binary("Template", readonly=True,
        filename='template_filename')
    template_filename = fields.Char("Template File Name", readonly=True)
    file = fields.Binary("File", required=True, filename='filename',
        help="An .xlsx or .xls workbook with one card per row.")
    filename = fields.Char("File Name")


class CardMigrateResult(ModelView):
    "Migrate cards"
    __name__ = 'crm.membership.card.migrate.result'
    __string__ = "Migrate Cards"

    cards = fields.Integer("Cards", readonly=True)
    principal = fields.Numeric("Principal", digits=(16, 2), readonly=True)
    bonus = fields.Numeric("Bonus", digits=(16, 2), readonly=True)
    points = fields.Integer("Points", readonly=True)
    errors = fields.Text("Errors", readonly=True)


class CardMigrate(ImportWizardMixin, Wizard):
    "Check a workbook of legacy cards, then create them all or none"
    __name__ = 'crm.membership.card.migrate'

    start = import_start('crm.membership.card.migrate.start',
        'crm_membership.card_migrate_start_view_form')
    result = import_result('crm.membership.card.migrate.result',
        'crm_membership.card_migrate_result_view_form')
    _importer = CardMigrator

    def _template(self):
        return template(), gettext(
            'crm_membership.msg_migrate_template_filename')

    def transition_check(self):
        check_action_role('crm_membership', 'wizard_card_migrate')
        return super().transition_check()

    def _checked(self, migrator):
        return {
            'cards': len(migrator.cards),
            'principal': sum((r['principal'] for r in migrator.cards), ZERO),
            'bonus': sum((r['bonus'] for r in migrator.cards), ZERO),
            'points': sum(r['points'] for r in migrator.cards),
            }

    def transition_import_(self):
        check_action_role('crm_membership', 'wizard_card_migrate')
        return super().transition_import_()
