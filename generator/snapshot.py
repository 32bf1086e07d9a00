"""A database's schema as PostgreSQL's own catalogs describe it, and the difference of two.

``snapshot(conn)`` reads the catalogs of the connected database into plain data (dicts,
lists and strings). Definitions come from PostgreSQL's deparsers (``pg_get_*def``,
``pg_get_expr``, ``format_type``), so two databases holding the same objects give equal
snapshots whatever SQL created them. ``diff(before, after)`` says, in sentences a
reviewer can act on, how ``after`` differs from ``before``:

    policy "x" on public.t: USING expression differs: (a = b) vs (a <> b)
    table public.t: column c is missing
    function public.f(bigint): definition differs (line 3: ... vs ...)

Covered: schemas, tables (columns, constraints, RLS, replica identity, persistence,
partitioning, inheritance, options), views and materialized views, sequences
(parameters, owned-by), indexes, functions/procedures/aggregates, triggers, rules,
policies, types (enums, domains, composites, ranges), extensions, event triggers,
publications and their members, roles, default privileges; owners, ACLs and
comments of every kind that has them.

``IncrementalSnapshots(conn).take()`` gives the same result as ``snapshot(conn)`` but,
after its first call, re-reads only the objects whose catalog rows changed (verify's
fresh mode, where nothing else changes the database); see the comment above it.

Left out: PostgreSQL's own schemas, the rollback's backup schema
``supabase_rollback_backup`` and objects that belong to an extension (``pg_depend``
deptype ``e``). ACLs are normalised: a NULL ACL is replaced by the owner's default
(``acldefault``) and exploded per grantee, so "never granted" equals "granted exactly
the default"; grantors are ignored. Column order (``attnum``) is kept apart so that a
rollback which recreates a column at the end can be told apart from a real difference.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg

from .bucketed import BUCKET, Bucketed

BACKUP_SCHEMA = "supabase_rollback_backup"

Snapshot = dict[str, dict[str, dict[str, Any]]]

# Schemas never described. pg_toast/pg_temp_* are filtered by prefix.
_SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", BACKUP_SCHEMA)

_NS_FILTER = """
    {ns}.nspname NOT IN ('pg_catalog', 'information_schema', '{backup}')
    AND {ns}.nspname NOT LIKE 'pg\\_toast%' AND {ns}.nspname NOT LIKE 'pg\\_temp\\_%'
""".replace("{backup}", BACKUP_SCHEMA)


def _ns(alias: str) -> str:
    return _NS_FILTER.replace("{ns}", alias)


def _not_ext(catalog: str, oid: str) -> str:
    return (
        f"NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '{catalog}'::regclass"
        f" AND e.objid = {oid} AND e.deptype = 'e')"
    )


def _acl(acl: str, kind: str, owner: str) -> str:
    """SQL for a normalised ACL: jsonb ``{grantee: "PRIV,PRIV*"}`` (``*`` = grant option).

    ``kind`` is an SQL expression for ``acldefault``'s object type (``'r'``, ``'n'``...).
    """
    return f"""(SELECT coalesce(jsonb_object_agg(g, p), '{{}}'::jsonb) FROM (
        SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END AS g,
               string_agg(DISTINCT a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END, ',') AS p
        FROM aclexplode(coalesce({acl}, acldefault(({kind})::"char", {owner}))) a GROUP BY 1) acl_s)"""


_RELKIND = {
    "r": "table",
    "p": "partitioned table",
    "v": "view",
    "m": "materialized view",
    "S": "sequence",
    "f": "foreign table",
}

_Q_SCHEMAS = f"""
SELECT quote_ident(n.nspname), pg_get_userbyid(n.nspowner), {_acl('n.nspacl', "'n'", 'n.nspowner')},
       obj_description(n.oid, 'pg_namespace')
FROM pg_namespace n
WHERE {_ns('n')} AND {_not_ext('pg_namespace', 'n.oid')}
"""

_REL_FILTER = f"""c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {_ns('n')} AND {_not_ext('pg_class', 'c.oid')}"""

_Q_RELATIONS = f"""
SELECT c.oid, format('%I.%I', n.nspname, c.relname), c.relkind, pg_get_userbyid(c.relowner),
       {_acl('c.relacl', "CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END", 'c.relowner')},
       c.relpersistence, c.relrowsecurity, c.relforcerowsecurity, c.relreplident,
       (SELECT format('%I', ic.relname) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
         WHERE i.indrelid = c.oid AND i.indisreplident),
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END,
       (SELECT array_agg(format('%I.%I', pn.nspname, pc.relname) ORDER BY h.inhseqno)
          FROM pg_inherits h JOIN pg_class pc ON pc.oid = h.inhparent
          JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE h.inhrelid = c.oid),
       c.reloptions,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
       obj_description(c.oid, 'pg_class'),
       (SELECT array_agg(p.pubname::text ORDER BY p.pubname) FROM pg_publication_rel pr
          JOIN pg_publication p ON p.oid = pr.prpubid WHERE pr.prrelid = c.oid),
       (SELECT jsonb_build_object('type', format_type(s.seqtypid, NULL), 'start', s.seqstart,
               'increment', s.seqincrement, 'max', s.seqmax, 'min', s.seqmin, 'cache', s.seqcache,
               'cycle', s.seqcycle) FROM pg_sequence s WHERE s.seqrelid = c.oid),
       (SELECT format('%I.%I.%I', dn.nspname, dc.relname, da.attname) || CASE d.deptype WHEN 'i' THEN ' (identity)' ELSE '' END
          FROM pg_depend d JOIN pg_class dc ON dc.oid = d.refobjid
          JOIN pg_namespace dn ON dn.oid = dc.relnamespace
          JOIN pg_attribute da ON da.attrelid = d.refobjid AND da.attnum = d.refobjsubid
         WHERE c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid
           AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
         LIMIT 1),
       (SELECT am.amname FROM pg_am am WHERE am.oid = c.relam AND c.relkind IN ('r', 'm', 'p') AND am.amname <> 'heap'),
       (SELECT t.spcname FROM pg_tablespace t WHERE t.oid = c.reltablespace)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {_REL_FILTER}
"""

_Q_COLUMNS = f"""
SELECT c.oid, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod),
       a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
       CASE WHEN a.attcollation <> t.typcollation
            THEN (SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_collation co
                  JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END,
       CASE WHEN a.attacl IS NULL THEN '{{}}'::jsonb ELSE {_acl('a.attacl', "'c'", 'c.relowner')} END,
       col_description(c.oid, a.attnum),
       CASE WHEN a.attstattarget >= 0 THEN a.attstattarget END,
       CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END,
       a.attoptions
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND {_REL_FILTER} AND c.relkind <> 'S'
"""

_Q_CONSTRAINTS = f"""
SELECT c.oid, co.conname, co.contype, pg_get_constraintdef(co.oid),
       obj_description(co.oid, 'pg_constraint'), co.condeferrable, co.condeferred
FROM pg_constraint co
JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE co.contype <> 'n' AND {_REL_FILTER}
"""

_Q_INDEXES = f"""
SELECT ic.oid, format('%I.%I', n.nspname, ic.relname), format('%I.%I', n.nspname, c.relname),
       pg_get_indexdef(i.indexrelid), i.indisvalid, i.indisclustered,
       obj_description(ic.oid, 'pg_class'),
       (SELECT t.spcname FROM pg_tablespace t WHERE t.oid = ic.reltablespace), ic.reloptions
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {_REL_FILTER}
"""

_Q_FUNCTIONS = f"""
SELECT p.oid, format('%I.%I(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)), p.prokind,
       pg_get_userbyid(p.proowner), {_acl('p.proacl', "'f'", 'p.proowner')},
       CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END,
       obj_description(p.oid, 'pg_proc'),
       (SELECT jsonb_build_object('transfn', ag.aggtransfn::regproc::text, 'finalfn', ag.aggfinalfn::regproc::text,
               'combinefn', ag.aggcombinefn::regproc::text, 'stype', format_type(ag.aggtranstype, NULL),
               'initval', ag.agginitval, 'kind', ag.aggkind, 'sortop', ag.aggsortop::regoperator::text,
               'result', pg_get_function_result(p.oid))
          FROM pg_aggregate ag WHERE ag.aggfnoid = p.oid)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE {_ns('n')} AND {_not_ext('pg_proc', 'p.oid')}
"""

_Q_TRIGGERS = f"""
SELECT t.oid, format('%I.%I', n.nspname, c.relname), t.tgname, pg_get_triggerdef(t.oid), t.tgenabled,
       obj_description(t.oid, 'pg_trigger')
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND {_REL_FILTER}
"""

_Q_RULES = f"""
SELECT r.oid, format('%I.%I', n.nspname, c.relname), r.rulename, pg_get_ruledef(r.oid), r.ev_enabled,
       obj_description(r.oid, 'pg_rewrite')
FROM pg_rewrite r
JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE r.rulename <> '_RETURN' AND {_REL_FILTER}
"""

_Q_POLICIES = f"""
SELECT p.oid, format('%I.%I', n.nspname, c.relname), p.polname, p.polpermissive,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                     WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
       (SELECT array_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END::text
                         ORDER BY CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END::text)
          FROM unnest(p.polroles) r),
       pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid),
       obj_description(p.oid, 'pg_policy')
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {_REL_FILTER}
"""

_Q_TYPES = f"""
SELECT t.oid, format('%I.%I', n.nspname, t.typname), t.typtype, pg_get_userbyid(t.typowner),
       {_acl('t.typacl', "'T'", 't.typowner')}, obj_description(t.oid, 'pg_type'),
       (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
       t.typnotnull, t.typdefault,
       (SELECT jsonb_object_agg(co.conname, pg_get_constraintdef(co.oid)) FROM pg_constraint co
         WHERE co.contypid = t.oid AND co.contype <> 'n'),
       CASE WHEN t.typtype = 'd' AND t.typcollation <> bt.typcollation
            THEN (SELECT format('%I.%I', cn.nspname, col.collname) FROM pg_collation col
                  JOIN pg_namespace cn ON cn.oid = col.collnamespace WHERE col.oid = t.typcollation) END,
       (SELECT jsonb_agg(jsonb_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                         'collation', CASE WHEN a.attcollation <> at.typcollation THEN a.attcollation::regcollation::text END)
                         ORDER BY a.attnum)
          FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
         WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped),
       (SELECT jsonb_build_object('subtype', format_type(r.rngsubtype, NULL),
               'subtype_diff', r.rngsubdiff::regproc::text, 'canonical', r.rngcanonical::regproc::text,
               'collation', r.rngcollation::regcollation::text)
          FROM pg_range r WHERE r.rngtypid = t.oid)
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
WHERE {_ns('n')} AND {_not_ext('pg_type', 't.oid')}
  AND (t.typtype IN ('e', 'd', 'r')
       OR (t.typtype = 'c' AND (SELECT rc.relkind FROM pg_class rc WHERE rc.oid = t.typrelid) = 'c'))
"""

_Q_EXTENSIONS = """
SELECT quote_ident(x.extname), x.extnamespace::regnamespace::text, x.extversion, pg_get_userbyid(x.extowner),
       obj_description(x.oid, 'pg_extension')
FROM pg_extension x
"""

_Q_DEFAULT_ACLS = f"""
SELECT pg_get_userbyid(d.defaclrole),
       CASE WHEN d.defaclnamespace = 0 THEN NULL ELSE d.defaclnamespace::regnamespace::text END,
       CASE d.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions'
                            WHEN 'T' THEN 'types' WHEN 'n' THEN 'schemas' ELSE d.defaclobjtype::text END,
       {_acl('d.defaclacl', "'r'", 'd.defaclrole')}
FROM pg_default_acl d
"""

_Q_PUBLICATIONS = """
SELECT quote_ident(p.pubname), pg_get_userbyid(p.pubowner), p.puballtables,
       p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate, p.pubviaroot,
       (SELECT array_agg(format('%I.%I', n.nspname, c.relname)
                         || coalesce(' (' || (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
                                               FROM pg_attribute a WHERE a.attrelid = c.oid
                                                AND a.attnum = ANY (pr.prattrs)) || ')', '')
                         || coalesce(' WHERE ' || pg_get_expr(pr.prqual, pr.prrelid), '')
                         ORDER BY n.nspname, c.relname)
          FROM pg_publication_rel pr JOIN pg_class c ON c.oid = pr.prrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE pr.prpubid = p.oid),
       (SELECT array_agg(pn.pnnspid::regnamespace::text ORDER BY pn.pnnspid::regnamespace::text)
          FROM pg_publication_namespace pn WHERE pn.pnpubid = p.oid),
       obj_description(p.oid, 'pg_publication')
FROM pg_publication p
"""

_Q_EVENT_TRIGGERS = """
SELECT quote_ident(e.evtname), e.evtevent, e.evtfoid::regproc::text, e.evtenabled, e.evttags,
       pg_get_userbyid(e.evtowner), obj_description(e.oid, 'pg_event_trigger')
FROM pg_event_trigger e
"""

_Q_ROLES = """
SELECT r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin,
       r.rolreplication, r.rolbypassrls, r.rolconnlimit, r.rolvaliduntil::text,
       (SELECT array_agg(g.rolname::text || CASE WHEN m.admin_option THEN ' (admin)' ELSE '' END ORDER BY g.rolname)
          FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid),
       (SELECT array_agg(cfg ORDER BY cfg) FROM pg_db_role_setting s, unnest(s.setconfig) cfg
         WHERE s.setrole = r.oid AND s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database())))
FROM pg_roles r
WHERE r.rolname !~ '^pg_'
"""

_Q_DATABASE = """
SELECT (SELECT array_agg(cfg ORDER BY cfg) FROM pg_db_role_setting s, unnest(s.setconfig) cfg
         WHERE s.setrole = 0 AND s.setdatabase = d.oid),
       obj_description(d.oid, 'pg_database')
FROM pg_database d WHERE d.datname = current_database()
"""


def _sorted(v: list[Any] | None) -> list[Any]:
    return sorted(v) if v else []


# Options the server stamps on every column by itself, not set by any migration: Debian's
# PostgreSQL 15.20 writes ``pg_attver=<n>`` into attoptions of each column it creates (a
# table dropped and recreated by a rollback gets a new value). They are not schema.
_SERVER_STAMPS = ("pg_attver=",)


def _column_options(v: list[str] | None) -> list[str]:
    return _sorted([o for o in v or () if not o.startswith(_SERVER_STAMPS)])


CATEGORIES = (
    "schema", "relation", "index", "function", "trigger", "rule", "policy", "type",
    "extension", "default_acl", "publication", "event_trigger", "role", "database",
)
# Categories whose objects are many (they grow with the schema): each object is read by its
# oid, so that IncrementalSnapshots can re-read only some of them. The others are few and
# always read whole.
BIG = ("relation", "index", "function", "trigger", "rule", "policy", "type")

Rows = list[tuple[Any, ...]]
Objects = dict[int, tuple[str, dict[str, Any]]]  # oid -> (snapshot key, object)


def _only(query: str, column: str, oids: Iterable[int] | None) -> str:
    """``query`` restricted to the objects whose ``column`` is one of ``oids`` (None: all)."""
    if oids is None:
        return query
    return query + f" AND {column} = ANY('{{{','.join(str(int(o)) for o in oids)}}}'::oid[])"


def _read_relations(rows: Callable[[str], Rows], oids: Iterable[int] | None) -> Objects:
    rels: Objects = {}
    for (oid, name, relkind, owner, acl, persistence, rls, force, replident, replindex, partkey, partbound,
         inherits, options, viewdef, comment, pubs, seq, owned_by, am, tablespace) in rows(_only(_Q_RELATIONS, "c.oid", oids)):
        obj: dict[str, Any] = {
            "kind": _RELKIND[relkind], "owner": owner, "acl": acl, "comment": comment,
            "persistence": {"p": "permanent", "u": "unlogged", "t": "temporary"}[persistence],
            "options": _sorted(options), "tablespace": tablespace,
        }
        if relkind in ("r", "p", "f"):
            obj.update({
                "row level security": rls, "forced row level security": force,
                "replica identity": {"d": "default", "f": "full", "n": "nothing", "i": f"index {replindex}"}[replident],
                "partition key": partkey, "partition bound": partbound, "inherits": inherits or [],
                "publications": pubs or [], "access method": am,
                "columns": {}, "column order": [], "constraints": {},
            })
        elif relkind in ("v", "m"):
            obj.update({"definition": viewdef, "columns": {}, "column order": []})
            if relkind == "m":
                obj["access method"] = am
        else:
            obj.update({"parameters": seq, "owned by": owned_by})
        rels[oid] = (name, obj)

    order: dict[int, list[tuple[int, str]]] = {}
    for (oid, col, attnum, typ, notnull, default, identity, generated, collation, acl, comment,
         stattarget, storage, attoptions) in rows(_only(_Q_COLUMNS, "c.oid", oids)):
        if oid not in rels:
            continue
        rels[oid][1]["columns"][col] = {
            "type": typ, "not null": notnull, "default": None if generated else default,
            "identity": {"a": "ALWAYS", "d": "BY DEFAULT"}.get(identity),
            "generated": default if generated else None,
            "collation": collation, "acl": acl, "comment": comment,
            "statistics target": stattarget, "storage": storage, "options": _column_options(attoptions),
        }
        order.setdefault(oid, []).append((attnum, col))
    for oid, cols in order.items():
        rels[oid][1]["column order"] = [c for _, c in sorted(cols)]

    for oid, con, contype, definition, comment, deferrable, deferred in rows(_only(_Q_CONSTRAINTS, "c.oid", oids)):
        if oid in rels and "constraints" in rels[oid][1]:
            rels[oid][1]["constraints"][con] = {"definition": definition, "comment": comment}
    return rels


def _read_indexes(rows: Callable[[str], Rows], oids: Iterable[int] | None) -> Objects:
    return {
        oid: (name, {
            "table": table, "definition": definition, "valid": valid, "clustered": clustered,
            "comment": comment, "tablespace": tablespace, "options": _sorted(options),
        })
        for oid, name, table, definition, valid, clustered, comment, tablespace, options
        in rows(_only(_Q_INDEXES, "i.indexrelid", oids))
    }


def _read_functions(rows: Callable[[str], Rows], oids: Iterable[int] | None) -> Objects:
    return {
        oid: (sig, {
            "kind": {"f": "function", "p": "procedure", "a": "aggregate", "w": "window function"}[prokind],
            "owner": owner, "acl": acl, "definition": definition, "comment": comment, "aggregate": agg,
        })
        for oid, sig, prokind, owner, acl, definition, comment, agg in rows(_only(_Q_FUNCTIONS, "p.oid", oids))
    }


def _read_triggers(rows: Callable[[str], Rows], oids: Iterable[int] | None) -> Objects:
    return {
        oid: (f"{_q(name)} on {table}", {"definition": definition, "enabled": _ENABLED[enabled], "comment": comment})
        for oid, table, name, definition, enabled, comment in rows(_only(_Q_TRIGGERS, "t.oid", oids))
    }


def _read_rules(rows: Callable[[str], Rows], oids: Iterable[int] | None) -> Objects:
    return {
        oid: (f"{_q(name)} on {table}", {"definition": definition, "enabled": _ENABLED[enabled], "comment": comment})
        for oid, table, name, definition, enabled, comment in rows(_only(_Q_RULES, "r.oid", oids))
    }


def _read_policies(rows: Callable[[str], Rows], oids: Iterable[int] | None) -> Objects:
    return {
        oid: (f"{_q(name)} on {table}", {
            "permissive": "PERMISSIVE" if permissive else "RESTRICTIVE", "command": cmd,
            "roles": roles or [], "using": using, "with check": check, "comment": comment,
        })
        for oid, table, name, permissive, cmd, roles, using, check, comment in rows(_only(_Q_POLICIES, "p.oid", oids))
    }


def _read_types(rows: Callable[[str], Rows], oids: Iterable[int] | None) -> Objects:
    out: Objects = {}
    for (oid, name, typtype, owner, acl, comment, labels, base, notnull, default, checks, collation,
         attrs, rng) in rows(_only(_Q_TYPES, "t.oid", oids)):
        kind = {"e": "enum", "d": "domain", "c": "composite type", "r": "range type"}[typtype]
        tobj: dict[str, Any] = {"kind": kind, "owner": owner, "acl": acl, "comment": comment}
        if typtype == "e":
            tobj["labels"] = labels or []
        elif typtype == "d":
            tobj.update({"base type": base, "not null": notnull, "default": default,
                         "constraints": checks or {}, "collation": collation})
        elif typtype == "c":
            tobj["attributes"] = attrs or []
        else:
            tobj["range"] = rng
        out[oid] = (name, tobj)
    return out


_READERS: dict[str, Callable[[Callable[[str], Rows], Iterable[int] | None], Objects]] = {
    "relation": _read_relations, "index": _read_indexes, "function": _read_functions, "trigger": _read_triggers,
    "rule": _read_rules, "policy": _read_policies, "type": _read_types,
}


def _read_small(rows: Callable[[str], Rows]) -> dict[str, dict[str, dict[str, Any]]]:
    """The categories that are always read whole: schemas, extensions, default privileges,
    publications, event triggers, roles, the database."""
    out: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in CATEGORIES if k not in BIG}
    for name, owner, acl, comment in rows(_Q_SCHEMAS):
        out["schema"][name] = {"owner": owner, "acl": acl, "comment": comment}

    for name, schema, version, owner, comment in rows(_Q_EXTENSIONS):
        out["extension"][name] = {"schema": schema, "version": version, "owner": owner, "comment": comment}

    for role, schema, objtype, acl in rows(_Q_DEFAULT_ACLS):
        where = f" in schema {schema}" if schema else ""
        out["default_acl"][f"for role {role}{where} on {objtype}"] = {"acl": acl}

    for (name, owner, alltables, ins, upd, dele, trunc, viaroot, tables, schemas, comment) in rows(_Q_PUBLICATIONS):
        ops = [op for op, on in (("insert", ins), ("update", upd), ("delete", dele), ("truncate", trunc)) if on]
        out["publication"][name] = {
            "owner": owner, "all tables": alltables, "publish": ", ".join(ops), "via root": viaroot,
            "tables": tables or [], "schemas": schemas or [], "comment": comment,
        }

    for name, event, func, enabled, tags, owner, comment in rows(_Q_EVENT_TRIGGERS):
        out["event_trigger"][name] = {
            "event": event, "function": func, "enabled": _ENABLED[enabled], "tags": _sorted(tags),
            "owner": owner, "comment": comment,
        }

    for (name, sup, inherit, createrole, createdb, login, repl, bypass, connlimit, valid, member_of,
         settings) in rows(_Q_ROLES):
        out["role"][name] = {
            "superuser": sup, "inherit": inherit, "createrole": createrole, "createdb": createdb,
            "login": login, "replication": repl, "bypassrls": bypass, "connection limit": connlimit,
            "valid until": valid, "member of": member_of or [], "settings": settings or [],
        }

    for settings, comment in rows(_Q_DATABASE):
        out["database"]["current database"] = {"settings": settings or [], "comment": comment}
    return out


def _assemble(small: dict[str, dict[str, dict[str, Any]]], big: dict[str, Objects]) -> Snapshot:
    out: Snapshot = {}
    for category in CATEGORIES:
        if category in BIG:
            out[category] = {key: obj for key, obj in big[category].values()}
        else:
            out[category] = small[category]
    return out


def _row_reader(cur: psycopg.Cursor[Any]) -> Callable[[str], Rows]:
    def rows(q: str) -> Rows:
        cur.execute(q)  # type: ignore[arg-type]
        return cur.fetchall()
    return rows


def snapshot(conn: psycopg.Connection) -> Snapshot:
    """Describe the schema of the database ``conn`` is connected to.

    The result maps a category (``"schema"``, ``"relation"``, ``"index"``,
    ``"function"``, ``"trigger"``, ``"rule"``, ``"policy"``, ``"type"``, ``"extension"``,
    ``"default_acl"``, ``"publication"``, ``"event_trigger"``, ``"role"``, ``"database"``)
    to objects keyed by their SQL identity (``public.t``, ``public.f(bigint)``,
    ``"p" on public.t``); each object is a dict of plain values. Runs in one read-only
    transaction so the picture is consistent.
    """
    with conn.transaction(), conn.cursor() as cur:
        rows = _row_reader(cur)
        big = {category: _READERS[category](rows, None) for category in BIG}
        small = _read_small(rows)
    return _assemble(small, big)


_ENABLED = {"O": "enabled", "D": "disabled", "R": "enabled on replica only", "A": "always enabled"}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# -- comparing two snapshots ------------------------------------------------------------------

_CATEGORY_LABEL = {
    "schema": "schema", "index": "index", "function": None, "trigger": "trigger", "rule": "rule",
    "policy": "policy", "type": None, "extension": "extension", "default_acl": "default privileges",
    "publication": "publication", "event_trigger": "event trigger", "role": "role", "database": "database",
    "relation": None,
}

_FIELD_LABEL = {"using": "USING expression", "with check": "WITH CHECK expression", "acl": "privileges"}


@dataclass
class Diff:
    """How ``after`` differs from ``before``.

    ``differences`` holds every difference except column order, which is in
    ``order_differences``. ``exact`` means none at all; ``column_order_only`` means the
    schemas are equal except that some table's columns are in another order.
    """

    differences: list[str] = field(default_factory=list)
    order_differences: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not self.differences and not self.order_differences

    @property
    def column_order_only(self) -> bool:
        return not self.differences and bool(self.order_differences)

    def ok(self, allow_column_order: bool = False) -> bool:
        return self.exact or (allow_column_order and self.column_order_only)

    def __str__(self) -> str:
        if self.exact:
            return "no differences"
        return "\n".join(f"- {d}" for d in self.differences + self.order_differences)


def _label(category: str, key: str, obj: dict[str, Any] | None) -> str:
    kind = _CATEGORY_LABEL.get(category)
    if kind is None:
        kind = (obj or {}).get("kind", category)
    return f"{kind} {key}"


def _show(v: Any) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, list):
        return "(" + ", ".join(_show(x) for x in v) + ")" if v else "(none)"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_show(x)}" for k, x in sorted(v.items())) + "}" if v else "{}"
    return str(v)


def _text_diff(field_label: str, a: str, b: str) -> str:
    """``definition differs`` plus the first differing line, for long or multi-line text."""
    la, lb = a.splitlines(), b.splitlines()
    for i in range(max(len(la), len(lb))):
        x = la[i].strip() if i < len(la) else "(end)"
        y = lb[i].strip() if i < len(lb) else "(end)"
        if x != y:
            return f"{field_label} differs (line {i + 1}: {x} vs {y})"
    return f"{field_label} differs (whitespace only)"


def _acl_diff(label: str, a: dict[str, str], b: dict[str, str]) -> list[str]:
    out = []
    for role in sorted(set(a) | set(b)):
        x, y = a.get(role), b.get(role)
        if x == y:
            continue
        if x is None:
            out.append(f"{label}: {role} has {y.replace(',', ', ')}, expected no privileges")
        elif y is None:
            out.append(f"{label}: {role} has no privileges, expected {x.replace(',', ', ')}")
        else:
            out.append(f"{label}: privileges of {role} differ: {x.replace(',', ', ')} vs {y.replace(',', ', ')}")
    return out


def _field_diff(label: str, name: str, a: Any, b: Any) -> list[str]:
    if a == b:
        return []
    if name == "acl" and isinstance(a, dict) and isinstance(b, dict):
        return _acl_diff(label, a, b)
    flabel = _FIELD_LABEL.get(name, name)
    if isinstance(a, str) and isinstance(b, str) and (len(a) > 80 or len(b) > 80 or "\n" in a + b):
        return [f"{label}: {_text_diff(flabel, a, b)}"]
    return [f"{label}: {flabel} differs: {_show(a)} vs {_show(b)}"]


def _object_diff(label: str, a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for name in list(a) + [k for k in b if k not in a]:
        if name == "column order":
            continue
        x, y = a.get(name), b.get(name)
        if name in ("columns", "constraints") and isinstance(x, dict) and isinstance(y, dict):
            sub = name[:-1]
            for key in list(x) + [k for k in y if k not in x]:
                if key not in y:
                    out.append(f"{label}: {sub} {key} is missing")
                elif key not in x:
                    out.append(f"{label}: {sub} {key} exists but should not")
                elif isinstance(x[key], dict):
                    out.extend(_object_diff(f"{label}: {sub} {key}", x[key], y[key]))
                else:
                    out.extend(_field_diff(f"{label}: {sub} {key}", "definition", x[key], y[key]))
            continue
        out.extend(_field_diff(label, name, x, y))
    return out


def diff(before: Snapshot, after: Snapshot) -> Diff:
    """What differs in ``after`` compared with ``before`` (the expected state)."""
    result = Diff()
    for category in list(before) + [c for c in after if c not in before]:
        a, b = before.get(category, {}), after.get(category, {})
        for key in list(a) + [k for k in b if k not in a]:
            if key not in b:
                result.differences.append(f"{_label(category, key, plain(a[key]))} is missing")
            elif key not in a:
                result.differences.append(f"{_label(category, key, plain(b[key]))} exists but should not")
            elif a[key] is not b[key] and a[key] != b[key]:  # incremental snapshots share the objects that did not change
                x, y = plain(a[key]), plain(b[key])
                label = _label(category, key, x)
                result.differences.extend(_object_diff(label, x, y))
                oa, ob = x.get("column order"), y.get("column order")
                if oa != ob and oa is not None and ob is not None and set(oa) == set(ob):
                    result.order_differences.append(
                        f"{label}: column order differs: ({', '.join(oa)}) vs ({', '.join(ob)})"
                    )
    return result


# -- objects of a saved schema ------------------------------------------------------------------


class Stored(Mapping[str, Any]):
    """An object of a schema ``verify`` saved with a database state (generator/verify_state.py),
    kept pickled until it is looked into. After a restore, the snapshots share the objects
    that did not change and compare them by identity: most are never decoded, and loading
    the schema of a large project costs a fraction of unpickling all of it."""

    __slots__ = ("blob", "_obj")

    def __init__(self, blob: bytes) -> None:
        self.blob = blob
        self._obj: dict[str, Any] | None = None

    def load(self) -> dict[str, Any]:
        if self._obj is None:
            self._obj = pickle.loads(self.blob)
        return self._obj

    def __getitem__(self, name: str) -> Any:
        return self.load()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.load())

    def __len__(self) -> int:
        return len(self.load())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Stored):
            if other.blob == self.blob:
                return True
            other = other.load()
        return self.load() == other

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return Stored, (self.blob,)

    def __repr__(self) -> str:
        return repr(self.load())


def plain(obj: Any) -> Any:
    """``obj`` as a dict (a ``Stored`` object decoded)."""
    return obj.load() if isinstance(obj, Stored) else obj


def stored(snap: Snapshot, state: Any) -> tuple[Snapshot, Any]:
    """A copy of a snapshot and of the incremental snapshotter's state (``_State``) taken with
    it, whose objects of the big categories are ``Stored``: what verify saves. The objects
    the two share stay shared."""
    made: dict[int, Stored] = {}

    def of(obj: Any) -> Stored:
        s = made.get(id(obj))
        if s is None:
            s = made[id(obj)] = obj if isinstance(obj, Stored) else Stored(
                pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
        return s

    out = {c: ({key: of(obj) for key, obj in objs.items()} if c in BIG else objs) for c, objs in snap.items()}
    if isinstance(state, _State):
        state = replace(state, big={c: {oid: (key, of(obj)) for oid, (key, obj) in objs.items()}
                                    for c, objs in state.big.items()})
    return out, state


# -- incremental snapshots ------------------------------------------------------------------------
#
# ``snapshot(conn)`` reads every object, so its cost grows with the schema; taking three per
# migration made ``verify`` quadratic in the length of the history. ``IncrementalSnapshots``
# gives exactly the same result but, after the first (full) read, re-reads only the objects
# whose catalog rows changed. PostgreSQL gives every catalog row it inserts or updates the id
# of the writing transaction (``xmin``), so the rows written since the previous read are found
# by one scan per catalog; rows that disappeared are found by comparing each catalog's row
# count and identity checksum with the ones expected (fetching the catalog's identities only
# when they differ). A changed row marks the objects it belongs to (a pg_attribute row its
# table, a pg_description row the commented object...). What other objects print about an
# object is its name, so when a relation, type or function is renamed, moved or dropped, and
# whenever a table's columns or an enum's labels change, the objects that depend on it
# (pg_depend) are re-read too; so are the dependents of every object whose visibility in the
# search_path a new, renamed or dropped name could change. Whatever cannot be mapped this
# way falls back to a full read: any change to operators, operator classes, collations,
# languages, access methods, casts, text search objects, tablespaces, foreign data wrappers
# or to system objects (oid < 16384), and renamed schemas, roles and publications. The few
# objects of the small categories (schemas, extensions, default privileges, publications,
# event triggers, roles, the database) are always read whole.

FIRST_NORMAL_OID = 16384
_CLASS, _TYPE, _PROC, _ATTRDEF, _CONSTRAINT, _REWRITE, _TRIGGER, _POLICY = (
    1259, 1247, 1255, 2604, 2606, 2618, 2620, 3256)  # pg_class, pg_type... (fixed catalog oids)


@dataclass(frozen=True)
class _Tracked:
    """A catalog whose rows feed snapshot objects.

    ``ident``: SQL integer columns identifying a row. ``addrs``: (classid, objid) SQL pairs
    of the objects the row belongs to; with ``own`` the first one is the row itself (the
    catalog holds objects, like pg_class). ``subset``: the rows that matter at all; ``user``:
    those of user objects (a changed row outside it forces a full read, unless
    ``ignore_system``). ``label`` and ``nsp``: the name other objects print and its schema.
    ``propagate``: "label" re-reads the dependents of the object when its name or schema
    changes or it is dropped (and of the objects its name may hide or reveal); "always"
    re-reads the dependents of the first address on any change. ``duplicates``: the catalog
    may hold identical rows (pg_depend).
    """

    name: str
    ident: tuple[str, ...]
    addrs: tuple[tuple[str, str], ...]
    own: bool = False
    subset: str = "true"
    user: str = "true"
    label: str = "NULL::text"
    nsp: str = "0"
    propagate: str | None = None
    ignore_system: bool = False
    duplicates: bool = False
    bucket: int = 0  # which ident column groups rows into ranges of oids (see IncrementalSnapshots._locate)


# Roots first: a dropped object explains why rows of later catalogs that belong to it are gone.
_TRACKED = (
    _Tracked("pg_class", ("oid",), (("1259", "oid"),), own=True, user="oid >= 16384",
             label="relname::text", nsp="relnamespace", propagate="label"),
    _Tracked("pg_type", ("oid",), (("1247", "oid"), ("1259", "typrelid"), ("1247", "typelem")), own=True,
             user="oid >= 16384", label="typname::text", nsp="typnamespace", propagate="label"),
    _Tracked("pg_proc", ("oid",), (("1255", "oid"),), own=True, user="oid >= 16384",
             label="proname::text", nsp="pronamespace", propagate="label"),
    _Tracked("pg_constraint", ("oid",),
             (("2606", "oid"), ("1259", "conrelid"), ("1247", "contypid"), ("1259", "confrelid")), own=True,
             user="oid >= 16384"),
    # A foreign key's triggers live on both tables and belong to its constraint.
    _Tracked("pg_trigger", ("oid",), (("2620", "oid"), ("1259", "tgrelid"), ("2606", "tgconstraint")), own=True,
             user="oid >= 16384"),
    _Tracked("pg_rewrite", ("oid",), (("2618", "oid"), ("1259", "ev_class")), own=True, user="oid >= 16384"),
    _Tracked("pg_policy", ("oid",), (("3256", "oid"), ("1259", "polrelid")), own=True),
    _Tracked("pg_attrdef", ("oid",), (("2604", "oid"), ("1259", "adrelid")), own=True, user="oid >= 16384"),
    # System columns (attnum < 0) come and go with their table only.
    _Tracked("pg_attribute", ("attrelid", "attnum"), (("1259", "attrelid"),), subset="attnum > 0",
             user="attrelid >= 16384", propagate="always"),
    _Tracked("pg_index", ("indexrelid",), (("1259", "indexrelid"), ("1259", "indrelid")), user="indexrelid >= 16384"),
    _Tracked("pg_enum", ("oid",), (("1247", "enumtypid"),), user="enumtypid >= 16384", propagate="always"),
    _Tracked("pg_range", ("rngtypid",), (("1247", "rngtypid"),), user="rngtypid >= 16384"),
    _Tracked("pg_aggregate", ("aggfnoid",), (("1255", "aggfnoid"),), user="aggfnoid >= 16384"),
    _Tracked("pg_sequence", ("seqrelid",), (("1259", "seqrelid"),), user="seqrelid >= 16384"),
    _Tracked("pg_partitioned_table", ("partrelid",), (("1259", "partrelid"),), user="partrelid >= 16384"),
    _Tracked("pg_inherits", ("inhrelid", "inhseqno"), (("1259", "inhrelid"), ("1259", "inhparent"))),
    _Tracked("pg_publication_rel", ("oid",), (("1259", "prrelid"),)),
    # Comments on system objects never show: pg_catalog is not described.
    _Tracked("pg_description", ("objoid", "classoid", "objsubid"), (("classoid", "objoid"),),
             user="objoid >= 16384", ignore_system=True),
    # What the snapshot reads of pg_depend: extension membership, and sequences owned by a column.
    _Tracked("pg_depend", ("classid", "objid", "objsubid", "refclassid", "refobjid", "refobjsubid", "ascii(deptype)"),
             (("classid", "objid"),),
             subset="(deptype = 'e' OR (classid = 1259 AND refclassid = 1259 AND deptype IN ('a', 'i')"
                    " AND refobjsubid > 0))",
             user="objid >= 16384", ignore_system=True, duplicates=True, bucket=1),
)

# A change in any of these catalogs (rare in migrations) makes the read a full one: how
# expressions, index definitions and function definitions print depends on them.
_FALLBACK_CATALOGS = (
    "pg_operator", "pg_opclass", "pg_opfamily", "pg_amop", "pg_amproc", "pg_collation", "pg_conversion",
    "pg_language", "pg_am", "pg_tablespace", "pg_cast", "pg_transform", "pg_ts_config", "pg_ts_config_map",
    "pg_ts_dict", "pg_ts_parser", "pg_ts_template", "pg_foreign_data_wrapper", "pg_foreign_server",
)

Ident = tuple[int, ...]
Addr = tuple[int, int]


@dataclass
class _Row:
    addrs: tuple[Addr, ...]
    label: str | None
    nsp: int
    count: int = 1  # identical rows (pg_depend)


@dataclass
class _State:
    big: dict[str, Objects]
    # per tracked catalog: identity -> row, grouped by range of oids (see _bucket)
    rows: dict[str, Bucketed[Ident, _Row]]
    counts: dict[str, int]  # user rows per tracked catalog, and rows per _FALLBACK_CATALOGS
    children: Bucketed[Addr, set[tuple[str, Ident]]]  # object -> the rows that belong to it
    names: dict[str, dict[int, str]]
    watermark: int
    # per tracked catalog: oid range (see _bucket) -> row count
    bucket_counts: dict[str, dict[int, int]] = field(default_factory=dict)

    def add(self, t: _Tracked, ident: Ident, row: _Row, n: int) -> None:
        """``n`` more rows of ``ident`` (``row`` is what is stored for it now)."""
        b = _bucket(t, ident)
        self.rows[t.name].group(b)[ident] = row
        self.counts[t.name] += n
        self.bucket_counts[t.name][b] = self.bucket_counts[t.name].get(b, 0) + n
        for a in row.addrs:
            self.children.setdefault(a, set()).add((t.name, ident))

    def remove(self, t: _Tracked, ident: Ident, n: int) -> _Row:
        """``n`` fewer rows of ``ident``; forget it when none is left."""
        row = self.rows[t.name][ident]
        row.count -= n
        self.counts[t.name] -= n
        self.bucket_counts[t.name][_bucket(t, ident)] -= n
        if row.count <= 0:
            del self.rows[t.name][ident]
            self.unlink(t.name, ident, row)
        return row

    def unlink(self, cat: str, ident: Ident, row: _Row) -> None:
        for a in row.addrs:
            members = self.children.get(a)
            if members is not None:
                members.discard((cat, ident))
                if not members:
                    del self.children[a]


# oids are handed out in sequence: an object and its parts share a range
_BUCKET = BUCKET


def _bucket(t: _Tracked, ident: Ident) -> int:
    return ident[t.bucket] // _BUCKET


class _FullRead(Exception):
    """The changes cannot be mapped to objects: read everything."""


def _values_sql(t: _Tracked) -> str:
    """ident..., classid, objid..., nsp as one int8 array."""
    cols = [*t.ident, *(x for pair in t.addrs for x in pair), t.nsp]
    return "ARRAY[" + ", ".join(f"({c})::int8" for c in cols) + "]"


def _parse_row(t: _Tracked, values: list[int], label: str | None) -> tuple[Ident, _Row]:
    n = len(t.ident)
    flat = values[n:n + 2 * len(t.addrs)]
    addrs = tuple((flat[i], flat[i + 1]) for i in range(0, len(flat), 2) if flat[i + 1])
    return tuple(values[:n]), _Row(addrs, label, values[-1])


def _oids(values: Iterable[int]) -> str:
    return "'{" + ",".join(str(int(v)) for v in values) + "}'::oid[]"


_Q_NAMES = """
SELECT 'ns', oid::int8, nspname::text FROM pg_namespace
UNION ALL SELECT 'role', oid::int8, rolname::text FROM pg_roles
UNION ALL SELECT 'pub', oid::int8, pubname::text FROM pg_publication
"""


class IncrementalSnapshots:
    """``take()`` returns what ``snapshot(conn)`` would, re-reading only what changed.

    For a database that only this tool changes (``verify``'s throwaway database): the first
    call reads everything; later calls re-read the objects whose catalog rows were written
    since the previous call (see the comment above). ``check=True`` compares every result
    with a full ``snapshot(conn)`` and raises AssertionError when they differ (tests, and
    verify with ``SUPABASE_ROLLBACK_CHECK_SNAPSHOTS=1``). Call ``reset()`` when the database
    is replaced.
    """

    def __init__(self, conn: psycopg.Connection, *, check: bool = False) -> None:
        self.conn = conn
        self.check = check
        self.state: _State | None = None
        self.full_reads = 0
        self.partial_reads = 0
        self.reread = 0  # objects of the big categories re-read by partial reads
        self.last_full_reason = ""

    def reset(self) -> None:
        self.state = None

    def take(self) -> Snapshot:
        if self.state is not None:
            try:
                return self._take(partial=True)
            except Exception as exc:  # a bug here must never make a snapshot wrong: read everything
                if self.check or isinstance(exc, psycopg.OperationalError):
                    raise
                self.last_full_reason = f"internal error: {exc!r}"
                self.state = None
        return self._take(partial=False)

    def _take(self, partial: bool) -> Snapshot:
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            rows = _row_reader(cur)
            # Every row written by a transaction from here on has an xmin at least this.
            watermark = int(rows("SELECT txid_snapshot_xmin(txid_current_snapshot())")[0][0]) % (1 << 32)
            big: dict[str, Objects] | None = None
            if partial and self.state is not None:
                try:
                    big = self._changed(cur, self.state, watermark)
                    self.partial_reads += 1
                except _FullRead as why:
                    self.last_full_reason = str(why)
            if big is None:
                big = self._full(rows, watermark)
                self.full_reads += 1
            result = _assemble(_read_small(rows), big)
            if self.check:
                full = snapshot(self.conn)
                if full != result:
                    raise AssertionError(f"incremental snapshot differs from the full one:\n{diff(full, result)}")
        return result

    # -- full read --------------------------------------------------------------------------------

    def _full(self, rows: Callable[[str], Rows], watermark: int) -> dict[str, Objects]:
        self.state = None
        big = {category: _READERS[category](rows, None) for category in BIG}
        counts = {c: n for c, n in rows(" UNION ALL ".join(f"SELECT '{c}', count(*) FROM {c}" for c in _FALLBACK_CATALOGS))}
        st = _State(big, {}, counts, Bucketed(pos=1), self._names(rows), watermark)
        for t in _TRACKED:
            st.rows[t.name], st.counts[t.name], st.bucket_counts[t.name] = Bucketed(pos=t.bucket), 0, {}
            for values, label in rows(f"SELECT {_values_sql(t)}, {t.label} FROM {t.name} WHERE {t.subset} AND {t.user}"):
                ident, row = _parse_row(t, values, label)
                old = st.rows[t.name].get(ident)
                st.add(t, ident, old or row, 1)
                if old is not None:
                    old.count += 1
        self.state = st
        return big

    @staticmethod
    def _names(rows: Callable[[str], Rows]) -> dict[str, dict[int, str]]:
        out: dict[str, dict[int, str]] = {"ns": {}, "role": {}, "pub": {}}
        for kind, oid, name in rows(_Q_NAMES):
            out[kind][oid] = name
        return out

    # -- incremental read ------------------------------------------------------------------------

    def _scan(self, cur: psycopg.Cursor[Any], st: _State) -> dict[str, tuple[int, list[tuple[list[int], str | None]]]]:
        """One pass over every tracked and fallback catalog: its row count and the rows written
        since the previous read (values with "is a user row" last, label)."""
        # age() counts back from a point that is fixed for the whole transaction.
        new = "age(xmin) <= %(age)s"
        parts = [
            f"SELECT '{t.name}', count(*) FILTER (WHERE {t.user}),"
            f" array_agg({_values_sql(t)[:-1]}, ({t.user})::int::int8]) FILTER (WHERE {new}),"
            + (f" array_agg({t.label}) FILTER (WHERE {new})" if t.propagate == "label" else " NULL::text[]")
            + f" FROM {t.name} WHERE {t.subset}"
            for t in _TRACKED
        ] + [
            f"SELECT '{c}', count(*), array_agg(ARRAY[1]::int8[]) FILTER (WHERE {new}), NULL::text[] FROM {c}"
            for c in _FALLBACK_CATALOGS
        ]
        cur.execute("SELECT age(%s::text::xid)", (str(st.watermark),))
        age = cur.fetchone()[0]  # type: ignore[index]
        cur.execute(" UNION ALL ".join(parts), {"age": age}, prepare=True)  # type: ignore[arg-type]
        out = {}
        for name, count, values, labels in cur.fetchall():
            out[name] = (count, list(zip(values, labels or [None] * len(values))) if values else [])
        return out

    def _changed(self, cur: psycopg.Cursor[Any], st: _State, watermark: int) -> dict[str, Objects]:
        rows = _row_reader(cur)
        scan = self._scan(cur, st)
        for c in _FALLBACK_CATALOGS:
            count, changed = scan[c]
            if changed or count != st.counts[c]:
                raise _FullRead(f"{c} changed")
        names = self._names(rows)
        search, wanted, catalog_first = self._search_path(rows, names["ns"])
        self._check_names(st.names, names, wanted)

        dirty: set[Addr] = set()       # objects to re-read
        propagate: set[Addr] = set()   # objects whose dependents are re-read too
        shadow: set[str] = set()       # names whose visibility in the search_path may have changed
        gone_objects: set[Addr] = set()
        for t in _TRACKED:
            count, changed_rows = scan[t.name]
            stored = st.rows[t.name]
            ch: dict[Ident, _Row] = {}
            for values, label in changed_rows:
                ident, row = _parse_row(t, values[:-1], label)
                if not values[-1]:
                    if t.ignore_system:
                        continue
                    raise _FullRead(f"a system object changed ({t.name} {ident})")
                if ident in ch:
                    ch[ident].count += 1
                else:
                    ch[ident] = row
            # pg_depend rows are only ever inserted; elsewhere a known identity is an update.
            inserted = sum(r.count for r in ch.values()) if t.duplicates else sum(1 for i in ch if i not in stored)
            explained = self._explained(t, st, gone_objects, ch)
            if st.counts[t.name] - sum(stored[i].count for i in explained) + inserted == count:
                gone = {i: stored[i].count for i in explained}
            else:  # rows went that no dropped object explains: find them
                gone = self._locate(rows, t, st, explained, ch)
            for ident, n in gone.items():
                row = st.remove(t, ident, n)
                dirty.update(row.addrs)
                if t.own:
                    gone_objects.add(row.addrs[0])
                if t.propagate:
                    propagate.add(row.addrs[0])
                if t.propagate == "label" and row.nsp in search:
                    shadow.add(row.label or "")
            for ident, row in ch.items():
                old = stored.get(ident)
                dirty.update(row.addrs)
                if old is not None:
                    dirty.update(old.addrs)
                    st.unlink(t.name, ident, old)
                if t.duplicates:
                    n = row.count
                    row.count += old.count if old is not None else 0
                else:
                    n = 0 if old is not None else 1
                st.add(t, ident, row, n)
                if t.propagate == "always":
                    propagate.add(row.addrs[0])
                    if old is not None:
                        propagate.add(old.addrs[0])
                elif t.propagate == "label" and (old is None or (old.label, old.nsp) != (row.label, row.nsp)):
                    if old is not None:
                        propagate.add(row.addrs[0])
                    for r in (row, old):
                        if r is not None and r.nsp in search:
                            shadow.add(r.label or "")
            if st.counts[t.name] != count:
                raise _FullRead(f"{t.name}: rows do not add up")

        if shadow:  # objects whose name may now be hidden or revealed by the search_path
            sp, lit = _oids(search), _text_array(shadow)
            for cls, oid in rows(
                f"SELECT 1259, oid::int8 FROM pg_class WHERE relname = ANY({lit}::name[]) AND relnamespace = ANY({sp})"
                f" UNION ALL SELECT 1247, oid::int8 FROM pg_type WHERE typname = ANY({lit}::name[]) AND typnamespace = ANY({sp})"
                f" UNION ALL SELECT 1255, oid::int8 FROM pg_proc WHERE proname = ANY({lit}::name[]) AND pronamespace = ANY({sp})"
            ):
                if oid < FIRST_NORMAL_OID:
                    if catalog_first:
                        continue  # pg_catalog is searched first: no user object can hide a system object
                    raise _FullRead(f"a system object is named like a changed object ({sorted(shadow)})")
                dirty.add((cls, oid))
                propagate.add((cls, oid))
        # What prints the name of a renamed object: its dependents (pg_depend), and the rows that
        # belong to it (a table's indexes, triggers, policies, rules; a primary key's index
        # depends only on its constraint).
        dirty |= self._dependents(rows, propagate)
        for addr in propagate:
            for cat, ident in st.children.get(addr, ()):
                dirty.update(st.rows[cat][ident].addrs)
        big = st.big
        for category, oids in self._roots(rows, dirty).items():
            if not oids:
                continue
            fresh = _READERS[category](rows, sorted(oids))
            for oid in oids:
                big[category].pop(oid, None)
            big[category].update(fresh)
            self.reread += len(fresh)
        for category in BIG:
            if len({key for key, _ in big[category].values()}) != len(big[category]):
                raise _FullRead(f"two {category} objects with the same name")
        st.names = names
        st.watermark = watermark
        return big

    @staticmethod
    def _explained(t: _Tracked, st: _State, gone_objects: set[Addr], changed: dict[Ident, _Row]) -> set[Ident]:
        """Rows of ``t`` that go with objects already known to be dropped (and, in a catalog of
        objects, with the rows that go with them: a table's row type, then its array type)."""
        out: set[Ident] = set()
        queue = list(gone_objects)
        seen = set(queue)
        while queue:
            for cat, ident in st.children.get(queue.pop(), ()):
                if cat != t.name or ident in out or ident in changed:
                    continue
                out.add(ident)
                if t.own:
                    own = st.rows[t.name][ident].addrs[0]
                    if own not in seen:
                        seen.add(own)
                        queue.append(own)
        return out

    @staticmethod
    def _locate(rows: Callable[[str], Rows], t: _Tracked, st: _State, explained: set[Ident],
                changed: dict[Ident, _Row]) -> dict[Ident, int]:
        """The rows of ``t`` that went (identity -> how many), when dropped objects do not explain
        them all: the row counts per range of oids tell which ranges to fetch."""
        stored = st.rows[t.name]
        expect = dict(st.bucket_counts[t.name])
        for i in explained:
            expect[_bucket(t, i)] -= stored[i].count
        for i, r in changed.items():
            if t.duplicates or i not in stored:
                expect[_bucket(t, i)] = expect.get(_bucket(t, i), 0) + r.count
        col = f"({t.ident[t.bucket]})::int8 / {_BUCKET}"
        got = dict(rows(f"SELECT {col}, count(*) FROM {t.name} WHERE {t.subset} AND {t.user} GROUP BY 1"))
        bad = {b for b in expect.keys() | got.keys() if expect.get(b, 0) != got.get(b, 0)}
        if not bad:
            raise _FullRead(f"{t.name}: rows do not add up")
        current: dict[Ident, int] = {}
        for (values,) in rows(f"SELECT {_values_sql(t)} FROM {t.name} WHERE {t.subset} AND {t.user}"
                              f" AND {col} = ANY('{{{','.join(map(str, bad))}}}'::int8[])"):
            ident = tuple(values[:len(t.ident)])
            current[ident] = current.get(ident, 0) + 1
        if any(i not in current for i in changed if _bucket(t, i) in bad):
            raise _FullRead(f"{t.name}: changed rows not found")
        gone = {i: stored[i].count for i in explained if _bucket(t, i) not in bad}
        for b in bad:
            for i in st.rows[t.name].keys_in(b):
                if t.duplicates:  # the old rows that are left: all of this identity minus the new ones
                    left = max(0, current.get(i, 0) - (changed[i].count if i in changed else 0))
                    if stored[i].count > left:
                        gone[i] = stored[i].count - left
                elif i not in current:
                    gone[i] = 1
        return gone

    @staticmethod
    def _search_path(rows: Callable[[str], Rows], namespaces: dict[int, str]) -> tuple[set[int], set[str], bool]:
        """The namespaces where a name can hide or reveal another (the effective search_path),
        every schema name the search_path could mean, and whether pg_catalog is searched first."""
        schemas, user, setting = rows(
            "SELECT current_schemas(true)::text[], current_user::text, current_setting('search_path')")[0]
        wanted = set(schemas) | {user, "public", "pg_catalog"} | {p.strip().strip('"') for p in setting.split(",")}
        oids = {oid for oid, name in namespaces.items() if name in wanted}
        first = [s for s in schemas if not s.startswith("pg_temp")]
        return oids, wanted, bool(first) and first[0] == "pg_catalog"

    @staticmethod
    def _check_names(before: dict[str, dict[int, str]], now: dict[str, dict[int, str]], wanted: set[str]) -> None:
        """Renamed schemas, roles and publications are printed by many objects: read everything.
        So does a schema of the search_path that comes or goes."""
        for kind in ("ns", "role", "pub"):
            a, b = before[kind], now[kind]
            for oid in a.keys() & b.keys():
                if a[oid] != b[oid]:
                    raise _FullRead(f"{kind} {a[oid]} renamed to {b[oid]}")
        ns_before, ns_now = before["ns"], now["ns"]
        for oid in ns_before.keys() ^ ns_now.keys():
            name = ns_before.get(oid) or ns_now.get(oid)
            if name in wanted:
                raise _FullRead(f"schema {name} of the search_path created or dropped")

    @staticmethod
    def _dependents(rows: Callable[[str], Rows], of: set[Addr]) -> set[Addr]:
        if not of:
            return set()
        by_class: dict[int, list[int]] = {}
        for cls, oid in of:
            by_class.setdefault(cls, []).append(oid)
        return {(c, o) for c, o in rows(" UNION ALL ".join(
            f"SELECT classid::int8, objid::int8 FROM pg_depend WHERE refclassid = {cls} AND refobjid = ANY({_oids(oids)})"
            for cls, oids in by_class.items()
        ))}

    @staticmethod
    def _roots(rows: Callable[[str], Rows], addrs: set[Addr]) -> dict[str, set[int]]:
        """The snapshot objects (category -> oids) that ``addrs`` belong to."""
        out: dict[str, set[int]] = {c: set() for c in BIG}
        by_class: dict[int, set[int]] = {}
        for cls, oid in addrs:
            by_class.setdefault(cls, set()).add(oid)

        def lookup(q: str, cls: int) -> Rows:
            oids = by_class.get(cls)
            return rows(f"{q}({_oids(oids)})") if oids else []

        rel = by_class.get(_CLASS, set())
        out["relation"] |= rel  # each reader keeps only the kinds it describes
        out["index"] |= rel
        for relkind, indrelid, reltype in lookup(
                "SELECT c.relkind, (SELECT i.indrelid::int8 FROM pg_index i WHERE i.indexrelid = c.oid), c.reltype::int8"
                " FROM pg_class c WHERE c.oid = ANY", _CLASS):
            if indrelid:  # an index: its table prints its name as replica identity
                out["relation"].add(indrelid)
            if relkind == "c":
                out["type"].add(reltype)
        out["type"] |= by_class.get(_TYPE, set())
        out["function"] |= by_class.get(_PROC, set())
        out["trigger"] |= by_class.get(_TRIGGER, set())
        out["policy"] |= by_class.get(_POLICY, set())
        out["rule"] |= by_class.get(_REWRITE, set())
        for (ev_class,) in lookup("SELECT ev_class::int8 FROM pg_rewrite WHERE oid = ANY", _REWRITE):
            out["relation"].add(ev_class)
        for conrelid, contypid in lookup("SELECT conrelid::int8, contypid::int8 FROM pg_constraint WHERE oid = ANY", _CONSTRAINT):
            if conrelid:
                out["relation"].add(conrelid)
            if contypid:
                out["type"].add(contypid)
        for (adrelid,) in lookup("SELECT adrelid::int8 FROM pg_attrdef WHERE oid = ANY", _ATTRDEF):
            out["relation"].add(adrelid)
        return out


def _text_array(values: Iterable[str]) -> str:
    items = ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in sorted(values))
    return "'{" + items.replace("'", "''") + "}'"
