# This file is part of the CRM suite.
"""The printable page of an analysis: its filters, the charts of its graph
views and its rows (the columns of its Excel export, or of its list)"""
import datetime as dt
import math
from collections import OrderedDict
from decimal import Decimal
from xml.sax.saxutils import escape

from genshi.core import Markup
from lxml import etree

from trytond.model import Model
from trytond.pool import Pool
from trytond.report import Report
from trytond.transaction import Transaction

# The filters a report's context may hold, shown above the chart
FILTERS = ['company', 'from_date', 'to_date', 'date', 'months', 'level',
    'region', 'salesperson', 'survey', 'department', 'year', 'month',
    'quarter']
COLOURS = ['#3b6ea5', '#e07b39', '#5a9e4b', '#c44e52', '#8172b2',
    '#937860', '#da8bc3', '#8c8c8c', '#ccb974', '#64b5cd']
# Bars beyond these are added up as one
MAX_BARS = 20


def charts_of(Model_):
    """[(type, x field, [y fields])] of each graph view of the model, in the
    order its windows show them"""
    pool = Pool()
    View = pool.get('ir.ui.view')
    WindowView = pool.get('ir.action.act_window.view')
    views = [v.view for v in WindowView.search([
                ('act_window.res_model', '=', Model_.__name__),
                ('view.type', '=', 'graph'),
                ], order=[('act_window', 'ASC'), ('sequence', 'ASC'),
                ('id', 'ASC')])]
    views += View.search([
            ('model', '=', Model_.__name__),
            ('type', '=', 'graph'),
            ('inherit', '=', None),
            ('id', 'not in', [v.id for v in views]),
            ], order=[('priority', 'ASC'), ('id', 'ASC')])
    result = []
    for view in dict.fromkeys(views):
        root = etree.fromstring(
            Model_.fields_view_get(view.id, 'graph')['arch'])
        x = root.find('x/field')
        ys = [f.get('name') for f in root.findall('y/field')]
        if x is not None and ys:
            result.append((root.get('type', 'vbar'), x.get('name'), ys))
    return result


def columns_of(Model_):
    "The fields the report shows: those of its Excel export, or its list's"
    names = getattr(Model_, '_excel_fields', None)
    if names:
        return list(names)
    view = Model_.fields_view_get(view_type='tree')
    root = etree.fromstring(view['arch'])
    return [f.get('name') for f in root.iter('field')
        if f.get('name') in Model_._fields and not f.get('tree_invisible')]


def series(records, x, y, label):
    """OrderedDict {label of x: sum of y} in the order of the records;
    label(record, name) gives the text of a value"""
    totals = OrderedDict()
    for record in records:
        key = label(record, x)
        value = getattr(record, y) or 0
        totals[key] = totals.get(key, 0) + float(value)
    if len(totals) > MAX_BARS:
        items = list(totals.items())
        rest = sum(v for _, v in items[MAX_BARS - 1:])
        totals = OrderedDict(items[:MAX_BARS - 1])
        totals['…'] = rest
    return totals


def bar_svg(totals, number):
    "Horizontal bars, one a row: the label, the bar, the value"
    row, label_width, bar_width = 18, 170, 330
    height = row * len(totals) + 4
    top = max([abs(v) for v in totals.values()] + [1e-9])
    parts = []
    for i, (label, value) in enumerate(totals.items()):
        y = i * row + 2
        width = bar_width * abs(value) / top
        parts.append(
            '<text x="%d" y="%d" font-size="9" text-anchor="end">%s</text>'
            % (label_width - 4, y + 12, escape(label[:24])))
        parts.append(
            '<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>'
            % (label_width, y + 2, width, row - 5,
                COLOURS[0] if value >= 0 else COLOURS[3]))
        parts.append('<text x="%.1f" y="%d" font-size="9">%s</text>'
            % (label_width + width + 4, y + 12, escape(number(value))))
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="620" '
        'height="%d">%s</svg>' % (height, ''.join(parts)))


def pie_svg(totals, number):
    "A pie of the positive values and its legend"
    values = [(k, v) for k, v in totals.items() if v > 0]
    whole = sum(v for _, v in values) or 1
    cx, cy, r = 110, 110, 100
    parts, angle = [], -math.pi / 2
    for i, (label, value) in enumerate(values):
        colour = COLOURS[i % len(COLOURS)]
        if value >= whole:
            parts.append('<circle cx="%d" cy="%d" r="%d" fill="%s"/>'
                % (cx, cy, r, colour))
        else:
            end = angle + 2 * math.pi * value / whole
            parts.append(
                '<path d="M%d,%d L%.2f,%.2f A%d,%d 0 %d 1 %.2f,%.2f Z" '
                'fill="%s"/>' % (cx, cy,
                    cx + r * math.cos(angle), cy + r * math.sin(angle),
                    r, r, 1 if end - angle > math.pi else 0,
                    cx + r * math.cos(end), cy + r * math.sin(end), colour))
            angle = end
        parts.append('<rect x="240" y="%d" width="10" height="10" '
            'fill="%s"/>' % (10 + 16 * i, colour))
        parts.append('<text x="256" y="%d" font-size="9">%s %s (%.1f%%)'
            '</text>' % (19 + 16 * i, escape(label[:24]),
                escape(number(value)), 100 * value / whole))
    height = max(2 * r + 20, 16 * len(values) + 20)
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="620" '
        'height="%d">%s</svg>' % (height, ''.join(parts)))


class AnalysisReport(Report):
    "An analysis's rows with the charts of its graph views, as a PDF"
    __name__ = 'crm.analysis.report.pdf'

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Lang = pool.get('ir.lang')
        context = super().get_context(records, header, data)
        Model_ = pool.get(data['model'])
        lang = Lang.get()
        names = columns_of(Model_)
        definitions = Model_.fields_get(names)

        def label(record, name):
            return cls._text(record, name, definitions.get(name)
                or Model_.fields_get([name])[name], lang)

        def number(value):
            return lang.format('%.2f', value, grouping=True).rstrip(
                '0').rstrip(lang.decimal_point)

        context['title'] = Model_.__names__()['model']
        context['columns'] = [definitions[n]['string'] for n in names]
        context['rows'] = [[label(r, n) for n in names] for r in records]
        context['numeric'] = [definitions[n]['type'] in {
                'integer', 'float', 'numeric'} for n in names]
        context['filters'] = cls._filters(data['model'], lang)
        context['printed'] = lang.strftime(pool.get('ir.date').today())
        context['charts'] = []
        charts = charts_of(Model_) if records else []
        for kind, x, ys in charts:
            strings = Model_.fields_get([x] + ys)
            for y in ys:
                totals = series(records, x, y, label)
                svg = (pie_svg if kind == 'pie' else bar_svg)(totals, number)
                # Named by their axis too when the report has several
                name = strings[y]['string']
                if len(charts) > 1:
                    name = '%s · %s' % (strings[x]['string'], name)
                context['charts'].append((name, Markup(svg)))
        return context

    @classmethod
    def _filters(cls, model, lang):
        "[(label, text)] of the filters of the report's window in the context"
        pool = Pool()
        ActWindow = pool.get('ir.action.act_window')
        context = Transaction().context
        windows = ActWindow.search([
                ('res_model', '=', model),
                ('context_model', '!=', None),
                ], limit=1)
        Context = pool.get(windows[0].context_model) if windows else None
        result = []
        for name in FILTERS:
            value = context.get(name)
            if value in (None, '', []):
                continue
            field = Context._fields.get(name) if Context else None
            if field is None:
                continue
            definition = Context.fields_get([name])[name]
            if definition['type'] == 'many2one':
                Target = pool.get(definition['relation'])
                try:
                    value = Target(value).rec_name
                except Exception:
                    continue
            elif definition['type'] == 'selection':
                value = dict(definition['selection']).get(value, value)
            elif isinstance(value, dt.date):
                value = lang.strftime(value)
            result.append((definition['string'], str(value)))
        return result

    @classmethod
    def _text(cls, record, name, definition, lang):
        value = getattr(record, name)
        if value is None:
            return ''
        if isinstance(value, Model):
            return value.rec_name
        if definition['type'] == 'selection':
            return str(dict(definition['selection']).get(value, value))
        if isinstance(value, dt.date):
            return lang.strftime(value)
        if isinstance(value, (Decimal, float)):
            digits = 4 if definition['type'] == 'float' else 2
            return lang.format('%.*f', (digits, value), grouping=True)
        return str(value)
