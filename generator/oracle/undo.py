"""The inverse of what an opaque statement was observed to do (``learn``).

The static generator cannot invert a DO block it cannot decide, nor ``select f()`` whose
body runs DDL: their own rollback is a manual step. ``learn`` snapshots the whole schema
right before and after such a statement, so it knows exactly what the statement did there.
``observed_undo(before, after)`` writes the SQL that takes the schema back from ``after``
to ``before``, or returns None when one difference has no inverse this module knows with
certainty; then the statement's rollback stays manual. What it inverts:

- columns added (dropped again: the rows written since lose that column), renamed in
  place before the last place (renamed back, first: structure.renames), a column's
  default, NOT NULL and comment;
- constraints, indexes, triggers and policies added, dropped or changed (each recreated
  from the definition PostgreSQL printed before the statement);
- a table's row level security (enabled, forced) and comment; a view's options
  (``security_invoker``, ``check_option``...);
- functions created (dropped again) or replaced (the earlier definition, as
  ``pg_get_functiondef`` printed it, is a ``CREATE OR REPLACE``);
- tables, views, materialized views, sequences and types (enum, domain, composite,
  range) created: dropped again, with what came with them (a created table's indexes,
  triggers, policies and the sequences its columns own go with it);
- the privileges of a table, a column, a view, a sequence or a function: each role whose
  privileges changed gets exactly its earlier ones back (``REVOKE ALL``, then ``GRANT``),
  unless it is the owner, or holds column privileges on a table whose own privileges
  changed for it (``REVOKE ALL`` on a table takes those too).

Anything else (a table, view or type dropped or altered, a column dropped or retyped,
owners, schemas, extensions, default privileges...) is not inverted here. The
snapshots are read with ``search_path`` = ``pg_catalog`` (``learn._snapshot``): every name
in a printed definition is qualified, and the SQL runs under that path. Data is not in a
snapshot: ``learn`` records nothing for a statement that changes rows (``reads``).

The SQL is in run order: first what the statement added is dropped (policies, triggers,
constraints, indexes, columns, views, tables, sequences, functions, types: views and
tables each in one ``DROP`` so that dependencies among them do not matter), then what it
changed or dropped is put back (functions, columns' settings, constraints, indexes,
triggers, policies, tables' settings, privileges). ``learn`` then round-trips every rollback this changes (``prove``).
"""

from __future__ import annotations

from typing import Any

from ..sqltext import quote_ident

Snapshot = dict[str, dict[str, dict[str, Any]]]

# categories a difference may be in and still be inverted here; any other difference
# (schema, type, extension, default_acl, publication, role, rule...) means: no undo
_CATEGORIES = ("relation", "index", "trigger", "policy", "function", "type")
_TABLE_FIELDS = {"row level security", "forced row level security", "comment", "columns", "column order", "constraints", "acl"}
_DROP = {"view": "VIEW", "materialized view": "MATERIALIZED VIEW", "table": "TABLE"}
_TYPE_DROP = {"enum": "TYPE", "composite type": "TYPE", "range type": "TYPE", "domain": "DOMAIN"}
_COLUMN_FIELDS = {"default", "not null", "comment", "acl"}


class _NoUndo(Exception):
    """A difference without a certain inverse."""


def observed_undo(before: Snapshot, after: Snapshot) -> list[str] | None:
    """The SQL that takes the schema from ``after`` back to ``before`` (None: not known)."""
    for category in set(before) | set(after):
        if category not in _CATEGORIES and before.get(category) != after.get(category):
            return None
    u = _Undo()
    try:
        rels_a, rels_b = before.get("relation", {}), after.get("relation", {})
        u.created = {k for k, r in rels_b.items() if k not in rels_a and r.get("kind") == "table"}
        for key in sorted(set(rels_a) | set(rels_b)):
            if rels_a.get(key) != rels_b.get(key):
                u.relation(key, rels_a.get(key), rels_b.get(key))
        u.owned_sequences(rels_a, rels_b)
        for category in ("index", "trigger", "policy", "function", "type"):
            a, b = before.get(category, {}), after.get(category, {})
            for key in sorted(set(a) | set(b)):
                if a.get(key) != b.get(key):
                    getattr(u, category)(key, a.get(key), b.get(key))
    except _NoUndo:
        return None
    return u.sql()


class _Undo:
    def __init__(self) -> None:
        # run order: drop what was added, then put back what was changed or dropped
        self.drops: dict[str, list[str]] = {k: [] for k in (
            "policy", "trigger", "constraint", "index", "column", "view", "materialized view", "table", "sequence",
            "function", "type")}
        self.backs: dict[str, list[str]] = {k: [] for k in (
            "rename", "function", "column", "constraint", "index", "trigger", "policy", "table", "acl")}
        self.constraint_indexes: set[str] = set()  # schema-qualified indexes a constraint step handles
        self.created: set[str] = set()  # tables the statement created: what is on them goes with them
        self.added_columns: set[str] = set()  # "schema.table.column" (as a sequence's "owned by" names it)
        self.new_sequences: list[tuple[str, dict[str, Any]]] = []

    def sql(self) -> list[str]:
        out: list[str] = []
        for kind, group in self.drops.items():
            if kind in _DROP and group:  # one DROP: dependencies among them do not matter
                out.append(f"DROP {_DROP[kind]} {', '.join(group)};")
            else:
                out += group
        return out + [s for group in self.backs.values() for s in group]

    def relation(self, key: str, a: dict[str, Any] | None, b: dict[str, Any] | None) -> None:
        if a is None and b is not None:
            self._created(key, b)
            return
        if a is not None and b is not None and a.get("kind") == b.get("kind") == "view" \
                and {f for f in set(a) | set(b) if a.get(f) != b.get(f)} == {"options"}:
            self._view_options(key, a.get("options") or [], b.get("options") or [])
            return
        if a is None or b is None or a.get("kind") != "table" or b.get("kind") != "table":
            raise _NoUndo  # dropped, or not a plain table
        changed = {f for f in set(a) | set(b) if a.get(f) != b.get(f)}
        if changed - _TABLE_FIELDS:
            raise _NoUndo
        if "acl" in changed:
            self._acl("TABLE", key, a, b)
        for flag, on, off in (("row level security", "ENABLE", "DISABLE"), ("forced row level security", "FORCE", "NO FORCE")):
            if flag in changed:
                self.backs["table"].append(f"ALTER TABLE {key} {on if a[flag] else off} ROW LEVEL SECURITY;")
        if "comment" in changed:
            self.backs["table"].append(f"COMMENT ON TABLE {key} IS {_literal(a.get('comment'))};")
        self._columns(key, a, b)
        self._constraints(key, a.get("constraints", {}), b.get("constraints", {}))

    def _view_options(self, key: str, before: list[str], after: list[str]) -> None:
        """``ALTER VIEW ... SET (...)`` back: options it added are reset, changed or removed
        ones set to their earlier values (reloptions as PostgreSQL lists them: name=value)."""
        old = dict(o.split("=", 1) for o in before)
        new = dict(o.split("=", 1) for o in after)
        reset = sorted(n for n in new if n not in old)
        back = sorted(n for n in old if new.get(n) != old[n])
        if reset:
            self.backs["table"].append(f"ALTER VIEW {key} RESET ({', '.join(quote_ident(n) for n in reset)});")
        if back:
            self.backs["table"].append(
                f"ALTER VIEW {key} SET ({', '.join(f'{quote_ident(n)} = {_literal(old[n])}' for n in back)});")

    def _created(self, key: str, b: dict[str, Any]) -> None:
        kind = b.get("kind")
        if kind == "table":
            if b.get("inherits") or b.get("partition bound") or b.get("partition key"):
                raise _NoUndo
            self.drops["table"].append(key)
        elif kind in ("view", "materialized view"):
            self.drops[kind].append(key)
        elif kind == "sequence":
            self.new_sequences.append((key, b))
        else:
            raise _NoUndo

    def owned_sequences(self, rels_a: dict[str, Any], rels_b: dict[str, Any]) -> None:
        """A new sequence goes with the table or column owning it; another is dropped."""
        for key, seq in self.new_sequences:
            owner = (seq.get("owned by") or "").removesuffix(" (identity)")
            table = owner.rpartition(".")[0]
            if owner and (table in self.created or owner in self.added_columns):
                continue
            if owner:
                raise _NoUndo  # owned by a column that was there before: not ours to drop
            self.drops["sequence"].append(f"DROP SEQUENCE {key};")

    def _acl(self, on: str, key: str, a: dict[str, Any], b: dict[str, Any], column: str = "") -> None:
        """Each role whose privileges changed gets exactly its earlier ones back (on the
        object, or on one ``column`` of a table: ``a``/``b`` are then the column's)."""
        before, after = a.get("acl") or {}, b.get("acl") or {}
        cols = f" ({column})" if column else ""
        for grantee in sorted(set(before) | set(after)):
            old = sorted(p for p in (before.get(grantee) or "").split(",") if p)
            if old == sorted(p for p in (after.get(grantee) or "").split(",") if p):
                continue
            if not column and (grantee == a.get("owner") or any(
                    grantee in (c.get("acl") or {}) for x in (a, b) for c in (x.get("columns") or {}).values())):
                raise _NoUndo  # the owner's own, or a role with column privileges (REVOKE ALL takes them)
            role = "PUBLIC" if grantee == "PUBLIC" else quote_ident(grantee)
            self.backs["acl"].append(f"REVOKE ALL{cols} ON {on} {key} FROM {role};")
            plain = [p for p in old if not p.endswith("*")]
            granting = [p.rstrip("*") for p in old if p.endswith("*")]
            if plain:
                self.backs["acl"].append(f"GRANT {', '.join(p + cols for p in plain)} ON {on} {key} TO {role};")
            if granting:
                self.backs["acl"].append(
                    f"GRANT {', '.join(p + cols for p in granting)} ON {on} {key} TO {role} WITH GRANT OPTION;")

    def _columns(self, key: str, a: dict[str, Any], b: dict[str, Any]) -> None:
        from .structure import renames

        oa, ob = list(a.get("column order", [])), list(b.get("column order", []))
        renamed = renames(oa, ob)  # renamed back first: what is put back names the old names
        was = {new: old for old, new in renamed.items()}
        added = [c for c in ob if c not in oa and c not in was]
        if oa + added != [was.get(c, c) for c in ob]:
            raise _NoUndo  # a column dropped or reordered
        for old, new in renamed.items():
            self.backs["rename"].append(f"ALTER TABLE {key} RENAME COLUMN {quote_ident(new)} TO {quote_ident(old)};")
        for name in added:
            self.drops["column"].append(f"ALTER TABLE {key} DROP COLUMN {quote_ident(name)};")
            self.added_columns.add(f"{key}.{quote_ident(name)}")
        for name in oa:
            x, y = a["columns"][name], b["columns"][renamed.get(name, name)]
            fields = {f for f in set(x) | set(y) if x.get(f) != y.get(f)}
            if fields - _COLUMN_FIELDS:
                raise _NoUndo
            col = f"ALTER TABLE {key} ALTER COLUMN {quote_ident(name)}"
            if "default" in fields:
                self.backs["column"].append(f"{col} SET DEFAULT {x['default']};" if x.get("default") is not None
                                            else f"{col} DROP DEFAULT;")
            if "not null" in fields:
                self.backs["column"].append(f"{col} {'SET' if x['not null'] else 'DROP'} NOT NULL;")
            if "comment" in fields:
                self.backs["column"].append(f"COMMENT ON COLUMN {key}.{quote_ident(name)} IS {_literal(x.get('comment'))};")
            if "acl" in fields:
                self._acl("TABLE", key, x, y, column=quote_ident(name))

    def _constraints(self, key: str, ca: dict[str, Any], cb: dict[str, Any]) -> None:
        schema = key.rpartition(".")[0]
        for name in sorted(set(ca) | set(cb)):
            old, new = ca.get(name), cb.get(name)
            if old == new:
                continue
            con = f"{key} {{}} CONSTRAINT {quote_ident(name)}"
            self.constraint_indexes.add(f"{schema}.{quote_ident(name)}")
            if new is not None:
                self.drops["constraint"].append(f"ALTER TABLE {con.format('DROP')};")
            if old is not None:
                self.backs["constraint"].append(f"ALTER TABLE {con.format('ADD')} {old['definition']};")
                if old.get("comment") is not None:
                    self.backs["constraint"].append(
                        f"COMMENT ON CONSTRAINT {quote_ident(name)} ON {key} IS {_literal(old['comment'])};")

    def index(self, key: str, a: dict[str, Any] | None, b: dict[str, Any] | None) -> None:
        if key in self.constraint_indexes or (a is None and b is not None and b.get("table") in self.created):
            return  # dropped or recreated with its constraint, or with its table
        for x in (a, b):
            if x is not None and (not x.get("valid", True) or x.get("clustered") or x.get("tablespace") or x.get("options")):
                raise _NoUndo
        if b is not None:
            self.drops["index"].append(f"DROP INDEX {key};")
        if a is not None:
            self.backs["index"].append(f"{a['definition']};")
            if a.get("comment") is not None:
                self.backs["index"].append(f"COMMENT ON INDEX {key} IS {_literal(a['comment'])};")

    def trigger(self, key: str, a: dict[str, Any] | None, b: dict[str, Any] | None) -> None:
        name, _, table = key.rpartition(" on ")
        if table in self.created:
            return
        if b is not None:
            self.drops["trigger"].append(f"DROP TRIGGER {name} ON {table};")
        if a is not None:
            if a.get("enabled") != "enabled":
                raise _NoUndo
            self.backs["trigger"].append(f"{a['definition']};")
            if a.get("comment") is not None:
                self.backs["trigger"].append(f"COMMENT ON TRIGGER {name} ON {table} IS {_literal(a['comment'])};")

    def policy(self, key: str, a: dict[str, Any] | None, b: dict[str, Any] | None) -> None:
        name, _, table = key.rpartition(" on ")
        if table in self.created:
            return
        if b is not None:
            self.drops["policy"].append(f"DROP POLICY {name} ON {table};")
        if a is not None:
            roles = ", ".join(r if r == "public" else quote_ident(r) for r in a.get("roles") or ["public"])
            sql = f"CREATE POLICY {name} ON {table} AS {a['permissive']} FOR {a['command']} TO {roles}"
            if a.get("using") is not None:
                sql += f" USING ({a['using']})"
            if a.get("with check") is not None:
                sql += f" WITH CHECK ({a['with check']})"
            self.backs["policy"].append(sql + ";")
            if a.get("comment") is not None:
                self.backs["policy"].append(f"COMMENT ON POLICY {name} ON {table} IS {_literal(a['comment'])};")

    def function(self, key: str, a: dict[str, Any] | None, b: dict[str, Any] | None) -> None:
        x = a if a is not None else b
        assert x is not None
        if x.get("kind") not in ("function", "procedure"):
            raise _NoUndo
        if b is not None and a is None:
            self.drops["function"].append(f"DROP {b['kind'].upper()} {key};")
            return
        if a is None or b is None:
            raise _NoUndo  # dropped
        changed = {f for f in set(a) | set(b) if a.get(f) != b.get(f)}
        if changed - {"definition", "acl"}:
            raise _NoUndo  # its owner or comment changed too
        if "definition" in changed:
            self.backs["function"].append(a["definition"].rstrip().rstrip(";") + ";")
        if "acl" in changed:
            self._acl(a["kind"].upper(), key, a, b)

    def type(self, key: str, a: dict[str, Any] | None, b: dict[str, Any] | None) -> None:
        if a is not None or b is None or b.get("kind") not in _TYPE_DROP:
            raise _NoUndo  # changed (an enum value added...) or dropped
        self.drops["type"].append(f"DROP {_TYPE_DROP[b['kind']]} {key};")


def _literal(text: str | None) -> str:
    if text is None:
        return "NULL"
    return "'" + text.replace("'", "''") + "'"
