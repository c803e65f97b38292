# This file is part of the CRM suite.
"""Backup and restore of one database of the suite with its attachments.

Plain Python, without Tryton's pool or transaction: tools/crm_admin.py
(`make backup`, `make restore`) and the backup model both use it.

A backup is one `.tar.gz` file holding `manifest.json` (the kind of
database, its name, the date, the activated modules and their versions), the
database (`database.sqlite`, a copy made by SQLite's online backup API, or
`database.dump`, `pg_dump --format=custom`) and the attachments under
`filestore/`.
"""
import datetime as dt
import io
import json
import os
import pathlib
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import urllib.parse

FORMAT = 1
SUFFIX = '.tar.gz'
MANIFEST = 'manifest.json'
MEMBERS = {'sqlite': 'database.sqlite', 'postgresql': 'database.dump'}
FILESTORE = 'filestore'
KIND_NAMES = {'sqlite': "SQLite", 'postgresql': "PostgreSQL"}
# Seconds an SQLite backup waits for a locked database
LOCK_TIMEOUT = 60


class BackupError(Exception):
    "A backup or restore that could not be done; the message says why"


class Location:
    """One database of the suite and its attachments: an SQLite file, or a
    PostgreSQL database by its connection URL (postgresql://user@host/name),
    or the connection of an in-memory SQLite database (the module tests)"""

    def __init__(self, name, filestore, sqlite=None, dsn=None,
            connection=None):
        self.name = name
        self.filestore = pathlib.Path(filestore)
        self.sqlite = pathlib.Path(sqlite) if sqlite else None
        self.dsn = dsn
        self.connection = connection

    @property
    def kind(self):
        return 'postgresql' if self.dsn else 'sqlite'

    @property
    def maintenance_dsn(self):
        "The URL of the server's postgres database"
        parts = urllib.parse.urlsplit(self.dsn)
        return urllib.parse.urlunsplit(parts._replace(path='/postgres'))


def backup(location, folder, when=None):
    """Write a backup of location into folder, named after the database and
    when (local time, default now); return its path"""
    when = when or dt.datetime.now().astimezone()
    folder = pathlib.Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(
            f"无法创建备份文件夹 {folder} (cannot create the folder): "
            f"{error}") from error
    stem = '%s-%s' % (re.sub(r'[^\w-]', '_', location.name),
        when.strftime('%Y%m%d-%H%M%S'))
    path = folder / (stem + SUFFIX)
    index = 1
    while path.exists():
        index += 1
        path = folder / f'{stem}-{index}{SUFFIX}'
    # Written under another name first: a file named like a backup is a
    # whole one
    partial = path.with_name(path.name + '.partial')
    try:
        with tempfile.TemporaryDirectory(
                dir=folder, prefix='.backup-') as work:
            database = pathlib.Path(work) / MEMBERS[location.kind]
            # The database first: attachments are never changed in place and
            # are deleted long after the records that named them, so every
            # file the copy names is still there when the folder is read
            if location.kind == 'sqlite':
                _sqlite_backup(location, database)
            else:
                _pg_dump(location, database)
            manifest = {
                'format': FORMAT,
                'kind': location.kind,
                'database': location.name,
                'date': when.isoformat(timespec='seconds'),
                'modules': module_versions(location),
                }
            with tarfile.open(partial, 'w:gz') as archive:
                data = json.dumps(manifest, indent=1, ensure_ascii=False
                    ).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mtime = int(when.timestamp())
                archive.addfile(info, io.BytesIO(data))
                archive.add(database, arcname=database.name)
                if location.filestore.is_dir():
                    archive.add(location.filestore, arcname=FILESTORE)
        partial.rename(path)
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    except (OSError, sqlite3.Error, tarfile.TarError) as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"备份失败 (backup failed): {error}") from error
    return path


def _sqlite_backup(location, target):
    if location.connection is not None:
        # What the connection sees, its own writes too: the online backup
        # of a connection in a write transaction would wait for ever
        target.write_bytes(location.connection.serialize())
        return
    if not (location.sqlite.is_file() and location.sqlite.stat().st_size):
        raise BackupError(
            f"数据库文件不存在 (no such database): {location.sqlite}")
    # A connection of its own reads the last committed state, whatever
    # the caller's transaction holds (trytond's databases are in WAL mode,
    # where readers and writers do not wait for each other)
    source = sqlite3.connect(location.sqlite)
    copy = sqlite3.connect(target)
    started = time.monotonic()

    def waited(status, remaining, total):
        # sqlite3 retries a locked database for ever
        if (status in {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
                and time.monotonic() - started > LOCK_TIMEOUT):
            raise BackupError(
                f"数据库 {location.sqlite} 被锁定超过 {LOCK_TIMEOUT} 秒，"
                "未能备份 (the database stayed locked)")
    try:
        # In one step: one moment's database while others go on writing
        source.backup(copy, progress=waited)
    finally:
        copy.close()
        source.close()


def _pg_dump(location, target):
    result = subprocess.run([_client('pg_dump'), '--format=custom',
            '--file', str(target), '--dbname', location.dsn],
        capture_output=True, text=True)
    if result.returncode:
        raise BackupError(
            f"pg_dump 失败 (failed): {result.stderr.strip()}")


def _client(name):
    "A PostgreSQL client program: on the PATH, else Debian's"
    path = shutil.which(name) or f'/usr/bin/{name}'
    if not os.access(path, os.X_OK):
        raise BackupError(f"找不到 {name}，请安装 postgresql-client "
            f"(cannot find {name})")
    return path


def _query(location, query, params=(), database=None):
    "Rows of a query on location's database (or another of its server)"
    if location.kind == 'sqlite':
        if location.connection is not None:
            return location.connection.execute(query, params).fetchall()
        connection = sqlite3.connect(location.sqlite)
        try:
            return connection.execute(query, params).fetchall()
        finally:
            connection.close()
    import psycopg
    dsn = location.dsn
    if database:
        parts = urllib.parse.urlsplit(dsn)
        dsn = urllib.parse.urlunsplit(parts._replace(path='/' + database))
    with psycopg.connect(dsn, autocommit=True) as connection:
        cursor = connection.execute(query.replace('?', '%s'), params)
        return cursor.fetchall() if cursor.description else []


def activated_modules(location):
    "The names of the modules activated in the database"
    try:
        return [name for name, in _query(location,
                "SELECT name FROM ir_module WHERE state = 'activated' "
                "ORDER BY name")]
    except Exception:
        # Not a Tryton database (yet)
        return []


def module_versions(location):
    "{module: version} of the activated modules, as the code says"
    from trytond.modules import get_module_info
    versions = {}
    for name in activated_modules(location):
        try:
            versions[name] = get_module_info(name).get('version', '')
        except OSError:
            # A module whose code is gone from this machine
            versions[name] = ''
    return versions


def read_manifest(path):
    "The manifest of a backup file, checked to be one"
    path = pathlib.Path(path)
    if not path.is_file():
        raise BackupError(f"备份文件不存在 (no such file): {path}")
    try:
        with tarfile.open(path, 'r:*') as archive:
            manifest = json.load(archive.extractfile(MANIFEST))
    except (OSError, KeyError, ValueError, tarfile.TarError) as error:
        raise BackupError(
            f"{path} 不是本系统的备份文件 (not a backup): {error}") from error
    if (manifest.get('format') != FORMAT
            or manifest.get('kind') not in MEMBERS):
        raise BackupError(
            f"{path} 不是本系统的备份文件 (unknown backup format)")
    return manifest


def is_empty(location):
    """Whether location holds nothing to lose: no database or one without
    tables, and no attachments"""
    if location.filestore.is_dir() and any(location.filestore.iterdir()):
        return False
    return _database_empty(location)


def _database_empty(location):
    if location.kind == 'sqlite':
        if not location.sqlite.exists() or not location.sqlite.stat().st_size:
            return True
        return not _query(location,
            "SELECT 1 FROM sqlite_master WHERE type = 'table'")
    if not _pg_exists(location):
        return True
    return not _query(location,
        "SELECT 1 FROM information_schema.tables WHERE table_schema "
        "NOT IN ('pg_catalog', 'information_schema') LIMIT 1")


def _pg_exists(location):
    return bool(_query(location,
            "SELECT 1 FROM pg_database WHERE datname = ?", (location.name,),
            database='postgres'))


def _pg_sessions(location):
    return _query(location,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = ? "
        "AND pid <> pg_backend_pid()", (location.name,),
        database='postgres')[0][0]


def restore(path, location, force=False):
    """Restore the backup file path into location, a new or empty database
    unless force; return the backup's manifest. The caller makes sure no
    server uses an SQLite location (PostgreSQL's sessions are checked)."""
    manifest = read_manifest(path)
    if manifest['kind'] != location.kind:
        raise BackupError(
            f"这是 {KIND_NAMES[manifest['kind']]} 数据库的备份，不能恢复到 "
            f"{KIND_NAMES[location.kind]} 数据库 {location.name} "
            "(a backup of another kind of database)")
    if not force and not is_empty(location):
        raise BackupError(
            f"数据库 {location.name} 不是空的（已有数据或附件）。恢复会覆盖它"
            "的全部数据：如确需覆盖，请加 --force (make restore … FORCE=1)；"
            "或用 --into 新名称 恢复到一个新数据库。"
            f"(database {location.name} is not empty)")
    if location.kind == 'postgresql' and _pg_exists(location):
        sessions = _pg_sessions(location)
        if sessions:
            raise BackupError(
                f"数据库 {location.name} 正在使用中（{sessions} 个连接）。"
                "请先停止使用它的 trytond、trytond-cron 和 trytond-worker。"
                f"(database {location.name} is in use)")
    parent = (location.sqlite.parent if location.kind == 'sqlite'
        else location.filestore.parent)
    parent.mkdir(parents=True, exist_ok=True)
    location.filestore.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=parent, prefix='.restore-') as work:
        work = pathlib.Path(work)
        database = _extract(path, work)
        if location.kind == 'sqlite':
            _sqlite_restore(database, location)
        else:
            _pg_restore(database, location)
        files = work / FILESTORE
        if location.filestore.exists():
            shutil.rmtree(location.filestore)
        if files.is_dir():
            files.rename(location.filestore)
    return manifest


def _extract(path, work):
    """Extract the database and the attachments of the backup into work;
    return the database's path. Only regular files under their expected
    names are taken: a file made to write elsewhere is refused."""
    try:
        with tarfile.open(path, 'r:*') as archive:
            database = None
            for member in archive.getmembers():
                name = pathlib.PurePosixPath(member.name)
                if member.isdir() or name.name == MANIFEST:
                    continue
                if (not member.isfile() or name.is_absolute()
                        or '..' in name.parts
                        or not (str(name) in MEMBERS.values()
                            or name.parts[0] == FILESTORE)):
                    raise BackupError(
                        f"备份文件中有异常的文件 {member.name}，已拒绝 "
                        "(an unexpected member)")
                target = work.joinpath(*name.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.extractfile(member) as source, \
                        open(target, 'wb') as output:
                    shutil.copyfileobj(source, output)
                if str(name) in MEMBERS.values():
                    database = target
    except (OSError, tarfile.TarError) as error:
        raise BackupError(
            f"备份文件已损坏 (damaged backup): {error}") from error
    if database is None:
        raise BackupError("备份文件中没有数据库 (no database in the backup)")
    return database


def _sqlite_restore(database, location):
    connection = sqlite3.connect(database)
    try:
        result, = connection.execute('PRAGMA quick_check').fetchone()
    finally:
        connection.close()
    if result != 'ok':
        raise BackupError(f"备份中的数据库已损坏 (damaged database): {result}")
    # The write-ahead log of the database replaced must not be replayed
    # into the restored one
    for suffix in ['-wal', '-shm']:
        location.sqlite.with_name(location.sqlite.name + suffix).unlink(
            missing_ok=True)
    database.replace(location.sqlite)


def _pg_restore(database, location):
    import psycopg
    from psycopg import sql
    name = sql.Identifier(location.name)
    with psycopg.connect(location.maintenance_dsn, autocommit=True) as conn:
        existed = _pg_exists(location)
        if existed and not _database_empty(location):
            # Only with force (checked before); fails if a session came in
            conn.execute(sql.SQL('DROP DATABASE {}').format(name))
            existed = False
        if not existed:
            conn.execute(sql.SQL(
                    "CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0"
                    ).format(name))
    result = subprocess.run([_client('pg_restore'), '--no-owner',
            '--no-privileges', '--single-transaction', '--dbname',
            location.dsn, str(database)],
        capture_output=True, text=True)
    if result.returncode:
        if not existed:
            with psycopg.connect(
                    location.maintenance_dsn, autocommit=True) as conn:
                conn.execute(
                    sql.SQL('DROP DATABASE IF EXISTS {}').format(name))
        raise BackupError(
            f"pg_restore 失败 (failed): {result.stderr.strip()}")
