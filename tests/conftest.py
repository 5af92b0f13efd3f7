"""Shared fixtures: a store on each engine, PostgreSQL databases made fresh for the run.

PostgreSQL tests skip when no server answers, unless PAYBUS_REQUIRE_POSTGRES=1 (CI), where they
fail instead. The server is found at $PAYBUS_TEST_POSTGRES (an admin connection URL).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from paybus.store.store import Store, open_store

PG_ADMIN_URL = os.environ.get(
    "PAYBUS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("PAYBUS_REQUIRE_POSTGRES") == "1"
ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PAYBUS_SHARED_DIR", ROOT.parent / "shared"))


def _unavailable(reason: str) -> None:
    if REQUIRE_POSTGRES:
        pytest.fail(
            f"PostgreSQL is required (PAYBUS_REQUIRE_POSTGRES=1) but {reason}", pytrace=False
        )
    pytest.skip(f"PostgreSQL not available: {reason}")


def _with_database(url: str, database: str) -> str:
    head, _, _ = url.rpartition("/")
    return f"{head}/{database}"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh database for this test run, dropped at the end; yields its URL."""
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install 'paybus[postgres]')")
        raise
    name = f"paybus_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        _unavailable(f"cannot create a database through {PG_ADMIN_URL}: {error}")
    yield _with_database(PG_ADMIN_URL, name)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_database: str) -> Iterator[str]:
    """A fresh, empty schema in the run's database: every test starts from nothing."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_database, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{pg_database}?options=-csearch_path%3D{schema}"
    with psycopg.connect(pg_database, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="module")
def pg_module_url(pg_database: str) -> Iterator[str]:
    """A fresh schema shared by one test module's tests."""
    import psycopg

    schema = f"m_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_database, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{pg_database}?options=-csearch_path%3D{schema}"
    with psycopg.connect(pg_database, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=ENGINES)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'paybus.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    opened = await open_store(store_url)
    try:
        yield opened
    finally:
        await opened.close()
