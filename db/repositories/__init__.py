"""Queries, one module per table. Repositories never commit: the caller owns the transaction."""
