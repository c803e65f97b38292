"""make run's database handling: where the data goes, and one server per
SQLite file."""
import subprocess
import sys

import pytest

import crm_admin


def test_database_urls(tmp_path):
    default = crm_admin.Database('sqlite:///var/crm.sqlite')
    assert default.file == crm_admin.ROOT / 'var' / 'crm.sqlite'
    assert default.name == 'crm'

    absolute = crm_admin.Database(f'sqlite:///{tmp_path}/shop.sqlite')
    assert absolute.file == tmp_path / 'shop.sqlite'
    assert absolute.name == 'shop'

    production = crm_admin.Database(
        'postgresql://crm@db.example:5432/chain')
    assert production.name == 'chain'
    assert production.uri == 'postgresql://crm@db.example:5432/'
    assert production.file is None
    # Two databases of the same name keep their own record of the modules
    assert production.state_file != crm_admin.Database(
        'sqlite:///var/chain.sqlite').state_file

    # trytond would open another file than the one locked and checked
    with pytest.raises(SystemExit, match='sqlite:///'):
        crm_admin.Database('sqlite:///var/shop.db')


def test_second_run_on_same_sqlite_file_refused(tmp_path):
    url = f'sqlite:///{tmp_path}/shop.sqlite'
    first = crm_admin.lock(crm_admin.Database(url))
    try:
        second = subprocess.run([sys.executable, '-c',
                'import sys; sys.path.insert(0, "tools"); import crm_admin; '
                f'crm_admin.lock(crm_admin.Database({url!r}))'],
            cwd=crm_admin.ROOT, capture_output=True, text=True)
        assert second.returncode != 0
        assert '已被另一个正在运行的 make run' in second.stderr
    finally:
        first.close()
    # Once the first one stopped, the file can be served again
    crm_admin.lock(crm_admin.Database(url)).close()
