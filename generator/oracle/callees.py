"""Functions the history defined, judged by their bodies as the server holds them.

``select audit.enable_tracking('public.orders')`` calls a function that is not built into
PostgreSQL, so on its face its body "may read anything" (``reads``). But ``learn`` runs
on the server the history built: the function is there, with the body the project's
database had at that point. When every function of that name (every overload, since the
call's argument types are not resolved here) is written in PL/pgSQL or SQL and its body
passes the same rule as a DO block (it reads only the system catalogs, calls only what
is built in or passes this rule in turn, catches no error wholesale), the call depends on
nothing but the schema, and what it did is learned like the DO block it amounts to.

Anything else (a C function, an extension's, one whose body cannot be read, a SQL
function with a ``BEGIN ATOMIC`` body) keeps the reason it had. A recursive call adds
nothing its first call does not read, so a function already being judged passes.
"""

from __future__ import annotations

from typing import Any

import pglast
import psycopg
from pglast.parser import ParseError

from .reads import Callee, IsBuiltin, IsCatalog, plpgsql_reads, sql_reads

_BODIES = """
SELECT l.lanname, p.prosrc, CASE WHEN l.lanname = 'plpgsql' THEN pg_catalog.pg_get_functiondef(p.oid) END
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_language l ON l.oid = p.prolang
 WHERE p.proname = %s AND p.prokind IN ('f', 'p')
   AND n.nspname = ANY(coalesce(%s::text[], pg_catalog.current_schemas(true)::text[]))
 ORDER BY p.oid
"""


def server_callee(conn: psycopg.Connection[Any], is_catalog: IsCatalog, is_builtin: IsBuiltin) -> Callee:
    """A ``reads.Callee`` that reads the bodies from ``conn`` (the migration's own session,
    so a function created earlier in the same transaction is seen, under its search path)."""
    judging: set[tuple[str | None, str]] = set()

    def callee(schema: str | None, name: str) -> str | None:
        shown = f"{schema}.{name}" if schema else name
        if (schema, name) in judging:
            return None
        rows = conn.execute(_BODIES, (name, [schema] if schema else None)).fetchall()
        if not rows:
            return f"it calls {shown}(), which is not built into PostgreSQL nor defined on this server"
        judging.add((schema, name))
        try:
            for language, source, definition in rows:
                why = _body(language, source, definition, is_catalog, is_builtin, callee)
                if why:
                    return f"it calls {shown}(), {why}"
        finally:
            judging.discard((schema, name))
        return None

    return callee


def _body(language: str, source: str, definition: str | None, is_catalog: IsCatalog, is_builtin: IsBuiltin,
          callee: Callee) -> str | None:
    """Why a function's body may depend on more than the schema ("whose body ..."), or None."""
    if language == "sql":
        if not source.strip():
            return "whose body (BEGIN ATOMIC) the generator does not read"
        why = sql_reads(source, is_catalog, is_builtin, callee)
    elif language == "plpgsql" and definition:
        try:
            fn = pglast.parse_plpgsql(definition)[0]["PLpgSQL_function"]
        except (ParseError, IndexError, KeyError):
            return "whose PL/pgSQL body cannot be read"
        why = plpgsql_reads(fn, source, is_catalog, is_builtin, callee)
    else:
        return f"which is written in {language}: its body may read anything"
    return None if why is None else f"whose body: {why}"
