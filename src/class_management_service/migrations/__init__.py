"""Alembic environment and revisions; Alembic loads them by path, this makes them a package for linters."""
