"""The declarative root and column types shared by every table module of the schema."""

from __future__ import annotations

from sqlalchemy import BigInteger, DateTime, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Timestamp = DateTime(timezone=True)
# SQLite only autoincrements an INTEGER PRIMARY KEY (the rowid alias), never a BIGINT.
OutboxId = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    """Declarative root; its metadata names every constraint so migrations are stable."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
