"""Alembic environment: runs on the connection the node hands over (see db.migrate)."""

from __future__ import annotations

from alembic import context

import commonwork.node.digests  # declares the digest parts table
import commonwork.node.registry  # imports every area so each table is declared
import commonwork.node.tables  # noqa: F401  # declares the journal and node-local tables
from commonwork.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through commonwork (commonwork.node.db.migrate)")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
