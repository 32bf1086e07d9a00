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

Left out: PostgreSQL's own schemas, the rollback's backup schema
``supabase_rollback_backup`` and objects that belong to an extension (``pg_depend``
deptype ``e``). ACLs are normalised: a NULL ACL is replaced by the owner's default
(``acldefault``) and exploded per grantee, so "never granted" equals "granted exactly
the default"; grantors are ignored. Column order (``attnum``) is kept apart so that a
rollback which recreates a column at the end can be told apart from a real difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg

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
SELECT format('%I.%I', n.nspname, c.relname), c.relkind, pg_get_userbyid(c.relowner),
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
SELECT format('%I.%I', n.nspname, c.relname), a.attname, a.attnum, format_type(a.atttypid, a.atttypmod),
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
SELECT format('%I.%I', n.nspname, c.relname), co.conname, co.contype, pg_get_constraintdef(co.oid),
       obj_description(co.oid, 'pg_constraint'), co.condeferrable, co.condeferred
FROM pg_constraint co
JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE co.contype <> 'n' AND {_REL_FILTER}
"""

_Q_INDEXES = f"""
SELECT format('%I.%I', n.nspname, ic.relname), format('%I.%I', n.nspname, c.relname),
       pg_get_indexdef(i.indexrelid), i.indisvalid, i.indisclustered,
       obj_description(ic.oid, 'pg_class'),
       (SELECT t.spcname FROM pg_tablespace t WHERE t.oid = ic.reltablespace), ic.reloptions
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {_REL_FILTER}
"""

_Q_FUNCTIONS = f"""
SELECT format('%I.%I(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)), p.prokind,
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
SELECT format('%I.%I', n.nspname, c.relname), t.tgname, pg_get_triggerdef(t.oid), t.tgenabled,
       obj_description(t.oid, 'pg_trigger')
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND {_REL_FILTER}
"""

_Q_RULES = f"""
SELECT format('%I.%I', n.nspname, c.relname), r.rulename, pg_get_ruledef(r.oid), r.ev_enabled,
       obj_description(r.oid, 'pg_rewrite')
FROM pg_rewrite r
JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE r.rulename <> '_RETURN' AND {_REL_FILTER}
"""

_Q_POLICIES = f"""
SELECT format('%I.%I', n.nspname, c.relname), p.polname, p.polpermissive,
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
SELECT format('%I.%I', n.nspname, t.typname), t.typtype, pg_get_userbyid(t.typowner),
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


def snapshot(conn: psycopg.Connection) -> Snapshot:
    """Describe the schema of the database ``conn`` is connected to.

    The result maps a category (``"schema"``, ``"relation"``, ``"index"``,
    ``"function"``, ``"trigger"``, ``"rule"``, ``"policy"``, ``"type"``, ``"extension"``,
    ``"default_acl"``, ``"publication"``, ``"event_trigger"``, ``"role"``, ``"database"``)
    to objects keyed by their SQL identity (``public.t``, ``public.f(bigint)``,
    ``"p" on public.t``); each object is a dict of plain values. Runs in one read-only
    transaction so the picture is consistent.
    """
    out: Snapshot = {k: {} for k in (
        "schema", "relation", "index", "function", "trigger", "rule", "policy", "type",
        "extension", "default_acl", "publication", "event_trigger", "role", "database",
    )}
    with conn.transaction(), conn.cursor() as cur:
        def rows(q: str) -> list[tuple[Any, ...]]:
            cur.execute(q)  # type: ignore[arg-type]
            return cur.fetchall()

        for name, owner, acl, comment in rows(_Q_SCHEMAS):
            out["schema"][name] = {"owner": owner, "acl": acl, "comment": comment}

        rels = out["relation"]
        for (name, relkind, owner, acl, persistence, rls, force, replident, replindex, partkey, partbound,
             inherits, options, viewdef, comment, pubs, seq, owned_by, am, tablespace) in rows(_Q_RELATIONS):
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
            rels[name] = obj

        order: dict[str, list[tuple[int, str]]] = {}
        for (rel, col, attnum, typ, notnull, default, identity, generated, collation, acl, comment,
             stattarget, storage, attoptions) in rows(_Q_COLUMNS):
            if rel not in rels:
                continue
            rels[rel]["columns"][col] = {
                "type": typ, "not null": notnull, "default": None if generated else default,
                "identity": {"a": "ALWAYS", "d": "BY DEFAULT"}.get(identity),
                "generated": default if generated else None,
                "collation": collation, "acl": acl, "comment": comment,
                "statistics target": stattarget, "storage": storage, "options": _sorted(attoptions),
            }
            order.setdefault(rel, []).append((attnum, col))
        for rel, cols in order.items():
            rels[rel]["column order"] = [c for _, c in sorted(cols)]

        for rel, con, contype, definition, comment, deferrable, deferred in rows(_Q_CONSTRAINTS):
            if rel in rels and "constraints" in rels[rel]:
                rels[rel]["constraints"][con] = {"definition": definition, "comment": comment}

        for name, table, definition, valid, clustered, comment, tablespace, options in rows(_Q_INDEXES):
            out["index"][name] = {
                "table": table, "definition": definition, "valid": valid, "clustered": clustered,
                "comment": comment, "tablespace": tablespace, "options": _sorted(options),
            }

        for sig, prokind, owner, acl, definition, comment, agg in rows(_Q_FUNCTIONS):
            out["function"][sig] = {
                "kind": {"f": "function", "p": "procedure", "a": "aggregate", "w": "window function"}[prokind],
                "owner": owner, "acl": acl, "definition": definition, "comment": comment, "aggregate": agg,
            }

        for table, name, definition, enabled, comment in rows(_Q_TRIGGERS):
            out["trigger"][f"{_q(name)} on {table}"] = {
                "definition": definition, "enabled": _ENABLED[enabled], "comment": comment,
            }

        for table, name, definition, enabled, comment in rows(_Q_RULES):
            out["rule"][f"{_q(name)} on {table}"] = {
                "definition": definition, "enabled": _ENABLED[enabled], "comment": comment,
            }

        for table, name, permissive, cmd, roles, using, check, comment in rows(_Q_POLICIES):
            out["policy"][f"{_q(name)} on {table}"] = {
                "permissive": "PERMISSIVE" if permissive else "RESTRICTIVE", "command": cmd,
                "roles": roles or [], "using": using, "with check": check, "comment": comment,
            }

        for (name, typtype, owner, acl, comment, labels, base, notnull, default, checks, collation,
             attrs, rng) in rows(_Q_TYPES):
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
            out["type"][name] = tobj

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
                result.differences.append(f"{_label(category, key, a[key])} is missing")
            elif key not in a:
                result.differences.append(f"{_label(category, key, b[key])} exists but should not")
            else:
                label = _label(category, key, a[key])
                result.differences.extend(_object_diff(label, a[key], b[key]))
                oa, ob = a[key].get("column order"), b[key].get("column order")
                if oa != ob and oa is not None and ob is not None and set(oa) == set(ob):
                    result.order_differences.append(
                        f"{label}: column order differs: ({', '.join(oa)}) vs ({', '.join(ob)})"
                    )
    return result
