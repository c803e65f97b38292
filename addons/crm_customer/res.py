# This file is part of the CRM suite.
from trytond.pool import Pool, PoolMeta

LANGUAGE = 'zh_CN'


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def default_language(cls):
        "New staff work in Chinese once its translations are loaded"
        pool = Pool()
        Lang = pool.get('ir.lang')
        languages = Lang.search([
                ('code', '=', LANGUAGE),
                ('translatable', '=', True),
                ], limit=1)
        if languages:
            language, = languages
            return language.id
