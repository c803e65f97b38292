"""Where the tests keep the databases they build once and copy afterwards.

Outside the checkout (CRM_TEST_CACHE, else ~/.cache/crm-suite): another
checkout of the same code on this machine, CI's, finds them. Each kind of
cache has a folder of its own, emptied when what its databases are made of
changed (the modules without their tests, the pinned packages, and what
the caller adds)."""
import os
import pathlib
import shutil

from crm_admin import ROOT, module_digests


def root():
    if os.environ.get('CRM_TEST_CACHE'):
        return pathlib.Path(os.environ['CRM_TEST_CACHE'])
    return pathlib.Path(os.environ.get('XDG_CACHE_HOME')
        or pathlib.Path.home() / '.cache') / 'crm-suite'


def digest(*extra):
    "What a cached database is made of"
    requirements = (ROOT / 'requirements.txt').read_text()
    return repr((sorted(module_digests(tests=False).items()), requirements,
            *extra))


def folder(kind, digest):
    """Return (the folder of this kind of cache, whether it was emptied
    because it held databases of another digest)"""
    path = root() / kind
    marker = path / 'digest'
    if marker.exists() and marker.read_text() == digest:
        return path, False
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    marker.write_text(digest)
    return path, True
