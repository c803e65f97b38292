"""Refresh the Chinese that the suite adds to the core modules.

Run by `make po` on the database it builds (translations set and updated for
zh_CN). Each core module's strings go to the locale/override/zh_CN.po of the
first suite module that depends on it (crm_customer for most, crm_cashier for
commission), since a database without that suite module lacks the core
module. Their Chinese is kept while the string exists; every core string
still without Chinese is listed in override/zh_CN.todo.po beside it, to be
translated and moved over. (An empty entry in zh_CN.po itself would blank the
core's translation, and Tryton does not load the .todo.po file.)
"""
import re
from collections import Counter

import polib

CHINESE = re.compile(r'[\u4e00-\u9fff]')
LETTERS = re.compile(r'[A-Za-z]')


def refresh(database, suite_modules, addons, language='zh_CN'):
    """Write, for each suite module, the override of the core modules it is
    the first to depend on (a database without that suite module lacks
    them); return {suite module: (done, todo)}"""
    from trytond.config import config
    config.update_etc(database.config_files)
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    def override_path(module):
        return addons / module / 'locale' / 'override' / (language + '.po')

    existing = {}
    for module in suite_modules:
        if override_path(module).exists():
            for entry in polib.pofile(str(override_path(module))):
                existing[(entry.msgctxt, entry.msgid)] = entry

    entries = []
    with Transaction().start(database.name, 0, readonly=True):
        pool = Pool(database.name)
        pool.init()
        Module = pool.get('ir.module')
        ModelData = pool.get('ir.model.data')
        Translation = pool.get('ir.translation')
        activated = {m.name: m for m in Module.search(
                [('state', '=', 'activated')])}
        core = sorted(m for m in activated if m not in suite_modules)
        closures = {}
        for suite_module in suite_modules:
            closure, stack = set(), [activated[suite_module]]
            while stack:
                for dependency in stack.pop().dependencies:
                    if dependency.name not in closure:
                        closure.add(dependency.name)
                        stack.append(activated[dependency.name])
            closures[suite_module] = closure
        owner = {}
        # The suite module that needs the fewest modules comes first
        for suite_module in sorted(suite_modules,
                key=lambda m: len(closures[m])):
            for module in closures[suite_module]:
                owner.setdefault(module, suite_module)
        fs_ids = {}
        for data in ModelData.search([('module', 'in', core)]):
            fs_ids[(data.module, data.model, data.db_id)] = data.fs_id
            for model in Translation.extra_model_data(data):
                fs_ids[(data.module, model, data.db_id)] = data.fs_id
        for translation in Translation.search([
                    ('lang', '=', language),
                    ('module', 'in', core),
                    ], order=[('module', 'ASC'), ('name', 'ASC')]):
            if translation.res_id >= 0:
                model = translation.name.split(',')[0]
                fs_id = fs_ids.get(
                    (translation.module, model, translation.res_id))
                if fs_id is None:
                    continue
            else:
                fs_id = ''
            msgctxt = '%s:%s:%s.%s' % (translation.type, translation.name,
                translation.module, fs_id)
            source = translation.src or ''
            ours = existing.get((msgctxt, source))
            if ours is not None and not (ours.msgstr
                    or (ours.msgstr_plural or {}).get(0)):
                ours = None
            value = translation.value or ''
            if ours is None and not translation.fuzzy and (
                    CHINESE.search(value) or not LETTERS.search(source)):
                continue
            entry = polib.POEntry(msgctxt=msgctxt, msgid=source,
                msgstr=ours.msgstr if ours else '')
            if ours is None and translation.fuzzy:
                # The core's guess, for the translator to check
                entry.comment = 'fuzzy: %s' % value
            if translation.src_plural:
                entry.msgid_plural = translation.src_plural
                entry.msgstr_plural = (ours.msgstr_plural
                    if ours and ours.msgstr_plural else {0: ''})
                entry.msgstr = ''
            entries.append((owner[translation.module], entry))

    # Tryton cannot tell apart same-named help texts of selection values
    count = Counter(
        e.msgctxt for _, e in entries if e.msgctxt.startswith('help:'))
    counts = {}
    for module in suite_modules:
        done, todo = polib.POFile(wrapwidth=78), polib.POFile(wrapwidth=78)
        for pofile in (done, todo):
            pofile.metadata = {'Content-Type': 'text/plain; charset=utf-8',
                'Plural-Forms': 'nplurals=1; plural=0;'}
        for suite_module, entry in entries:
            if suite_module != module or count.get(entry.msgctxt, 0) > 1:
                continue
            if entry.msgstr or (entry.msgstr_plural or {}).get(0):
                done.append(entry)
            else:
                todo.append(entry)
        path = override_path(module)
        todo_path = path.with_suffix('.todo.po')
        for pofile, file in ((done, path), (todo, todo_path)):
            pofile.sort()
            if pofile:
                file.parent.mkdir(parents=True, exist_ok=True)
                pofile.save(str(file))
            else:
                file.unlink(missing_ok=True)
        counts[module] = (len(done), len(todo))
    return counts
