# This file is part of the CRM suite.
from contextlib import contextmanager

import polib

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.domain.help += (
            '\n- "user_id" as the id of the user'
            '\n- "employees" as list of ids of the user\'s employees'
            '\n- "departments" as list of ids of their departments')

    @classmethod
    def _get_cache_key(cls, model_names):
        pool = Pool()
        User = pool.get('res.user')
        Department = pool.get('company.department')
        key = super()._get_cache_key(model_names)
        return (*key, Transaction().user, User.get_employees(),
            Department.get_user_departments())

    @classmethod
    def _get_context(cls, model_name):
        pool = Pool()
        User = pool.get('res.user')
        Department = pool.get('company.department')
        context = super()._get_context(model_name)
        # Tryton gives it for a few of its own models only: the suite's
        # rules on what a user made (import tasks, saved filters) need it
        context['user_id'] = Transaction().user
        context['employees'] = list(User.get_employees())
        context['departments'] = list(Department.get_user_departments())
        return context


class Model(metaclass=PoolMeta):
    __name__ = 'ir.model'

    # The names of the models depend only on the language but Tryton caches
    # them per whole context: each button or wizard step carries its own
    # active_id, so every log line and every Reference field checked there
    # read and translated all the models again (about 40 ms a time).
    # Safe: a model's name is its translated string, which nothing else of
    # the context changes.
    @classmethod
    def get_name_items(cls, classes=None):
        with cls._names_context():
            return super().get_name_items(classes)

    @classmethod
    def get_names(cls, classes=None):
        with cls._names_context():
            return super().get_names(classes)

    @classmethod
    @contextmanager
    def _names_context(cls):
        language = Transaction().language
        with Transaction().reset_context(), \
                Transaction().set_context(language=language):
            yield


class Trigger(metaclass=PoolMeta):
    __name__ = 'ir.trigger'

    # The same for the triggers of a model, looked up at each create, write
    # and delete: a few milliseconds each time in a till's wizard.
    # Safe: the lookup is of the active triggers of a model and mode, which
    # no context key changes but _no_trigger, checked before; each trigger's
    # condition is evaluated later on the records, in their own context.
    @classmethod
    def get_triggers(cls, model_name, mode):
        if Transaction().context.get('_no_trigger'):
            return []
        with Transaction().reset_context():
            return super().get_triggers(model_name, mode)


class Translation(metaclass=PoolMeta):
    __name__ = 'ir.translation'

    @classmethod
    def translation_import(cls, lang, module, po_path):
        cls._prepare_overridden(lang, po_path)
        return super().translation_import(lang, module, po_path)

    @classmethod
    def _prepare_overridden(cls, lang, po_path):
        """Create the translations that another module's own .po file lacks,
        so that an override can complete them instead of failing, and
        confirm the fuzzy ones that an override repeats unchanged (Tryton
        only overrides a different value)"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        to_create, to_confirm = [], []
        for path in [po_path] if isinstance(po_path, str) else po_path:
            for entry in polib.pofile(path):
                if entry.obsolete:
                    continue
                translation, res_id = cls.from_poentry(entry)
                if '.' not in res_id:
                    continue
                module, fs_id = res_id.split('.')
                # A record gone from the core module fails here, by name
                res_id = ModelData.get_id(module, fs_id) if fs_id else -1
                domain = [
                    ('name', '=', translation.name),
                    ('res_id', '=', res_id),
                    ('lang', '=', lang),
                    ('type', '=', translation.type),
                    ('module', '=', module),
                    ]
                if translation.type in {
                        'report', 'view', 'wizard_button', 'selection'}:
                    domain.append(('src', '=', translation.src))
                    domain.append(
                        ('src_plural', '=', translation.src_plural))
                existing = cls.search(domain, limit=1)
                if existing:
                    target, = existing
                    if target.fuzzy and not translation.fuzzy and (
                            target.value == translation.value):
                        to_confirm.append(target)
                else:
                    to_create.append({
                            'name': translation.name,
                            'res_id': res_id,
                            'lang': lang,
                            'type': translation.type,
                            'src': translation.src,
                            'src_plural': translation.src_plural,
                            'module': module,
                            })
        if to_create:
            cls.create(to_create)
        if to_confirm:
            cls.write(to_confirm, {'fuzzy': False})
