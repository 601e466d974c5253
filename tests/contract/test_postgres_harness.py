"""The test harness can start PostgreSQL, hand out databases and stop it again."""

from __future__ import annotations

import os

import psycopg
import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

from tests.support.postgres import ENV_URL, start_postgres


@pytest.mark.postgres
def test_start_create_query_drop_stop(tmp_path_factory: pytest.TempPathFactory) -> None:
    server = start_postgres(tmp_path_factory.mktemp("postgres"))
    try:
        url = server.create_database("harness_check")
        assert make_url(url).database == "harness_check"
        engine = sqlalchemy.create_engine(url)
        try:
            with engine.connect() as conn:
                assert conn.execute(sqlalchemy.text("select 1")).scalar_one() == 1
                version = conn.execute(sqlalchemy.text("show server_version")).scalar_one()
                assert int(str(version).split(".")[0]) >= 13
        finally:
            engine.dispose()
        server.drop_database("harness_check")
    finally:
        server.stop()
    if os.environ.get(ENV_URL):
        return  # an external server is not ours to stop
    admin = make_url(server.url).set(drivername="postgresql")
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(admin.render_as_string(hide_password=False), connect_timeout=3).close()
