"""The in-memory schema catalog that earlier migrations are replayed into.

The catalog holds just enough about every object to write the SQL that recreates it
as it was: definitions are kept as SQL text rendered by pglast (fully qualified names
where the generator builds them), plus the structured fields inversions need.

Keys:
- relations, types, functions... are keyed by ``(schema, name)``;
- functions by ``(schema, name, identity_args)`` where ``identity_args`` is the
  comma-separated list of input argument types (``"bigint, text"``), as in
  ``DROP FUNCTION public.f(bigint, text)``;
- triggers and policies by ``(schema, table, name)``;
- grants and comments by an ``ObjRef``: ``(kind, identity)``, e.g.
  ``("table", "public.t")``, ``("column", "public.t.c")``, ``("function", "public.f(bigint)")``.
"""

from __future__ import annotations

import copy
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

Key = tuple[str, str]
FuncKey = tuple[str, str, str]
SubKey = tuple[str, str, str]  # (schema, table, name) for policies and triggers
ObjRef = tuple[str, str]

DEFAULT_SEARCH_PATH: tuple[str, ...] = ("$user", "public", "extensions")
CURRENT_USER = "postgres"

# Privileges PostgreSQL knows per object kind, in the order ``aclitem`` prints them.
ALL_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "table": ("INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"),
    "view": ("INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"),
    "materialized view": ("INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"),
    "column": ("INSERT", "SELECT", "UPDATE", "REFERENCES"),
    "sequence": ("USAGE", "SELECT", "UPDATE"),
    "function": ("EXECUTE",),
    "procedure": ("EXECUTE",),
    "schema": ("USAGE", "CREATE"),
    "type": ("USAGE",),
}


# ObjRef kind -> the object class ALTER DEFAULT PRIVILEGES names ("ON TABLES" = "table").
DEFAULT_PRIVILEGE_KIND: dict[str, str] = {
    "view": "table",
    "materialized view": "table",
    "procedure": "function",
    "domain": "type",
}
# PostgreSQL's acldefault() for a new object, minus the owner: what PUBLIC gets.
BUILTIN_DEFAULT_ACL: dict[str, dict[str, set[str]]] = {
    "function": {"public": {"EXECUTE"}},
    "type": {"public": {"USAGE"}},
}


# The ids of catalog objects changed in place (a field of a Column, Constraint, Table, Index,
# View, Function, Trigger or Policy set again; a column or constraint added to or removed
# from a table), in order, once generator/textscan.py keeps texts of the catalog: what it
# remembers of an object whose id is noted here since is stale. None until then.
CHANGES: list[int] | None = None


def note_change(obj: object) -> None:
    if CHANGES is not None:
        CHANGES.append(id(obj))


class Tracked:
    """A dataclass whose fields, once set by its constructor, note each change (``CHANGES``).
    (Objects made by ``copy`` or unpickled are new objects: nothing remembers them yet.)"""

    def __setattr__(self, name: str, value) -> None:
        if CHANGES is not None and name in self.__dict__:
            CHANGES.append(id(self))
        object.__setattr__(self, name, value)


def _by_position(cls):
    """Pickle (and copy) the dataclass ``cls`` as its constructor and its fields' values in
    order, not as a dictionary of its attributes: a catalog holds tens of thousands of
    columns, constraints, indexes and policies, and the cache pickles and unpickles the
    whole catalog (generator/cache.py): this halves the time of those objects. An object
    with an attribute that is not a field (none is expected) is pickled as before."""
    names = tuple(f.name for f in fields(cls))
    values = operator.attrgetter(*names)
    count = len(names)

    def __reduce_ex__(self, protocol):  # noqa: N807
        if type(self) is cls and len(self.__dict__) == count:
            return cls, values(self)
        return object.__reduce_ex__(self, protocol)

    cls.__reduce_ex__ = __reduce_ex__
    return cls


@_by_position
@dataclass
class Column(Tracked):
    name: str
    type: str  # as PostgreSQL would accept it back: "text", "numeric(10,2)", "public.mood[]"
    default: str | None = None  # expression SQL
    not_null: bool = False
    identity: str | None = None  # "ALWAYS" or "BY DEFAULT"
    identity_options: str | None = None  # "(START WITH 10 ...)" or None
    generated: str | None = None  # expression of GENERATED ALWAYS AS (...) STORED
    collation: str | None = None
    # The search_path ``default`` was written under, when it is not its table's (a column
    # added by a later migration to a table a dump created under an empty path): the
    # default's unqualified names mean what they meant only under it.
    default_path: tuple[str, ...] | None = None

    def definition(self) -> str:
        """Column definition as used in CREATE TABLE / ADD COLUMN (without constraints)."""
        from .sqltext import quote_ident

        parts = [quote_ident(self.name), self.type]
        if self.collation:
            parts.append(f"COLLATE {self.collation}")
        if self.generated is not None:
            parts.append(f"GENERATED ALWAYS AS ({self.generated}) STORED")
        if self.identity:
            parts.append(f"GENERATED {self.identity} AS IDENTITY")
            if self.identity_options:
                parts.append(self.identity_options)
        if self.default is not None and self.generated is None:
            parts.append(f"DEFAULT {self.default}")
        if self.not_null:
            parts.append("NOT NULL")
        return " ".join(parts)


@_by_position
@dataclass
class Constraint(Tracked):
    name: str
    kind: str  # "p" primary, "u" unique, "f" foreign, "c" check, "x" exclusion
    definition: str  # "PRIMARY KEY (id)", "CHECK (x > 0)", "FOREIGN KEY (a) REFERENCES s.t(id)"
    columns: list[str] = field(default_factory=list)
    references: Key | None = None  # for foreign keys
    index: str | None = None  # backing index name for p/u/x (same schema as the table)
    deferrable: bool = False
    not_valid: bool = False
    # The search_path the definition was written under, when it is not its table's (a CHECK
    # added to a schema dump's table by a later migration: ``check (ok())``); None: the table's.
    search_path: tuple[str, ...] | None = None


# Every name ever put into a table's constraints, in any catalog of this process (it only
# grows): a name not in it is certainly not taken, which spares ``constraint_name_taken`` a
# scan of every table for each unnamed constraint (quadratic on a long history).
_CONSTRAINT_NAMES_SEEN: set[str] = set()


class _NotingDict(dict):
    """A dict that notes each change of itself (``CHANGES``), by every way a dict changes."""

    def __setitem__(self, name: str, value) -> None:
        note_change(self)
        super().__setitem__(name, value)

    def __delitem__(self, name: str) -> None:
        note_change(self)
        super().__delitem__(name)

    def pop(self, *args):  # type: ignore[override]
        note_change(self)
        return super().pop(*args)

    def popitem(self):  # type: ignore[override]
        note_change(self)
        return super().popitem()

    def clear(self) -> None:
        note_change(self)
        super().clear()

    def update(self, *args, **kwargs) -> None:  # type: ignore[override]
        note_change(self)
        super().update(*args, **kwargs)

    def setdefault(self, name: str, value=None):  # type: ignore[override]
        note_change(self)
        return super().setdefault(name, value)

    def __ior__(self, other):  # type: ignore[override]
        note_change(self)
        return super().__ior__(other)


class ConstraintMap(_NotingDict):
    """A table's constraints by name (a dict that notes its changes) that also notes each
    name it is given in ``_CONSTRAINT_NAMES_SEEN``, by every way a dict is filled: item
    assignment, ``update``, ``setdefault``, ``|=``, construction, copy and unpickling."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()
        self.update(*args, **kwargs)

    def __setitem__(self, name: str, value: Constraint) -> None:
        _CONSTRAINT_NAMES_SEEN.add(name)
        super().__setitem__(name, value)

    def update(self, *args, **kwargs) -> None:  # type: ignore[override]
        for name, value in dict(*args, **kwargs).items():
            self[name] = value

    def setdefault(self, name: str, value: Constraint | None = None):  # type: ignore[override]
        if name not in self:
            self[name] = value
        return self[name]

    def __ior__(self, other):  # type: ignore[override]
        self.update(other)
        return self


class ColumnMap(_NotingDict):
    """A table's columns by name, in attnum order (a dict that notes each change of itself,
    ``CHANGES``)."""

    def __reduce_ex__(self, protocol):  # copies and pickles: the items
        return (ColumnMap, (dict(self),))


class ObjRefMap(dict):
    """ObjRef -> value (a dict), that can list the refs of one object and of its columns
    without a scan of every ref (``related``): renaming or dropping a table, or restoring
    the column grants of one, would otherwise read every grant and comment of the catalog.
    The index is made on the first ``related`` call and kept up to date after."""

    _index: dict[str, dict[ObjRef, None]] | None = None

    @staticmethod
    def _keys(ref: ObjRef) -> list[str]:
        """Its identity, and for a column "s.t.c" also "s" and "s.t" (and more for a name with a dot)."""
        ident = ref[1]
        keys = [ident]
        if ref[0] == "column":
            i = ident.find(".")
            while i >= 0:
                keys.append(ident[:i])
                i = ident.find(".", i + 1)
        return keys

    def _add(self, ref: ObjRef) -> None:
        for k in self._keys(ref):
            self._index.setdefault(k, {})[ref] = None

    def _drop(self, ref: ObjRef) -> None:
        for k in self._keys(ref):
            sub = self._index.get(k)
            if sub is not None:
                sub.pop(ref, None)
                if not sub:
                    del self._index[k]

    def related(self, ident: str) -> list[ObjRef]:
        """Every ref whose identity is ``ident``, and every column ref that starts with
        ``ident + "."``, in the order of the map (and maybe a few more refs: callers test)."""
        if self._index is None:
            self._index = {}
            for ref in self:
                self._add(ref)
        return list(self._index.get(ident, ()))

    def __setitem__(self, ref: ObjRef, value) -> None:
        if self._index is not None and ref not in self:
            self._add(ref)
        super().__setitem__(ref, value)

    def __delitem__(self, ref: ObjRef) -> None:
        super().__delitem__(ref)
        if self._index is not None:
            self._drop(ref)

    def pop(self, ref, *default):  # type: ignore[override]
        if self._index is not None and ref in self:
            self._drop(ref)
        return super().pop(ref, *default)

    def popitem(self):  # type: ignore[override]
        item = super().popitem()
        if self._index is not None:
            self._drop(item[0])
        return item

    def clear(self) -> None:
        super().clear()
        self._index = None

    def update(self, *args, **kwargs) -> None:  # type: ignore[override]
        for ref, value in dict(*args, **kwargs).items():
            self[ref] = value

    def setdefault(self, ref, value=None):  # type: ignore[override]
        if ref not in self:
            self[ref] = value
        return super().__getitem__(ref)

    def __ior__(self, other):  # type: ignore[override]
        self.update(other)
        return self

    def __reduce_ex__(self, protocol):  # copies and pickles: the items, never the index
        return (type(self), (dict(self),))


# Catalog fields keyed by ObjRef (kept as ObjRefMap)
_OBJREF_STORES = frozenset({"grants", "grant_options", "comments", "tainted", "uncertain_acl"})


@dataclass
class Table:
    schema: str
    name: str
    columns: dict[str, Column] = field(default_factory=dict)  # in attnum order
    constraints: dict[str, Constraint] = field(default_factory=dict)
    rls_enabled: bool = False
    rls_forced: bool = False
    replica_identity: str = "default"  # "default" | "full" | "nothing" | "index:<name>"
    persistence: str = "permanent"  # "permanent" | "unlogged"
    partition_by: str | None = None  # "RANGE (created_at)"
    partition_of: tuple[Key, str] | None = None  # (parent, "FOR VALUES ...")
    inherits: list[Key] = field(default_factory=list)
    options: str | None = None  # "WITH (fillfactor=70)"
    owner: str | None = None
    search_path: tuple[str, ...] = DEFAULT_SEARCH_PATH

    @property
    def key(self) -> Key:
        return (self.schema, self.name)

    def __setattr__(self, name: str, value) -> None:
        if CHANGES is not None and name in self.__dict__:
            CHANGES.append(id(self))
        if name == "constraints" and not isinstance(value, ConstraintMap):
            value = ConstraintMap(value)
        elif name == "columns" and not isinstance(value, ColumnMap):
            value = ColumnMap(value)
        object.__setattr__(self, name, value)

    def __setstate__(self, state: dict) -> None:  # unpickled from an older cache: plain dicts
        self.__dict__.update(state)
        if not isinstance(self.constraints, ConstraintMap):
            self.constraints = ConstraintMap(self.constraints)
        if not isinstance(self.columns, ColumnMap):
            self.columns = ColumnMap(self.columns)


@_by_position
@dataclass
class Index(Tracked):
    schema: str
    name: str
    table: Key
    definition: str  # full "CREATE [UNIQUE] INDEX name ON schema.table USING ... (...)"
    unique: bool = False
    constraint: str | None = None  # set when the index backs a constraint
    search_path: tuple[str, ...] = DEFAULT_SEARCH_PATH  # path opclasses/expressions were written under


@_by_position
@dataclass
class Sequence:
    schema: str
    name: str
    definition: str  # full CREATE SEQUENCE statement
    owned_by: tuple[Key, str] | None = None  # (table, column)
    identity: bool = False  # created implicitly for an identity column
    owner: str | None = None  # None: the role that ran the migrations (CURRENT_USER)


@_by_position
@dataclass
class View(Tracked):
    schema: str
    name: str
    definition: str  # full CREATE VIEW / CREATE MATERIALIZED VIEW statement
    materialized: bool = False
    search_path: tuple[str, ...] = DEFAULT_SEARCH_PATH
    owner: str | None = None  # None: the role that ran the migrations (CURRENT_USER)
    # For a query using "*" (expanded by PostgreSQL at creation): a fingerprint of every
    # relation it read then (None: not known), so a recreation can tell whether "*" still
    # means the same columns.
    star_sources: dict[Key, str | None] = field(default_factory=dict)


@_by_position
@dataclass
class Function(Tracked):
    schema: str
    name: str
    identity_args: str  # "bigint, text"
    definition: str  # full CREATE OR REPLACE FUNCTION/PROCEDURE statement
    returns: str | None = None  # None for procedures
    kind: str = "function"  # "function" | "procedure" | "aggregate"
    owner: str | None = None
    search_path: tuple[str, ...] = DEFAULT_SEARCH_PATH

    @property
    def key(self) -> FuncKey:
        return (self.schema, self.name, self.identity_args)

    @property
    def signature(self) -> str:
        from .sqltext import qname

        return f"{qname(self.schema, self.name)}({self.identity_args})"


@_by_position
@dataclass
class Trigger(Tracked):
    schema: str  # the table's schema
    table: str
    name: str
    definition: str  # full CREATE TRIGGER statement
    enabled: str = "O"  # O origin/enabled, D disabled, R replica, A always


@_by_position
@dataclass
class Policy(Tracked):
    schema: str
    table: str
    name: str
    permissive: bool = True
    command: str = "ALL"  # ALL | SELECT | INSERT | UPDATE | DELETE
    roles: list[str] = field(default_factory=lambda: ["public"])
    using: str | None = None
    check: str | None = None
    search_path: tuple[str, ...] = DEFAULT_SEARCH_PATH  # path the expressions were written under

    def create_sql(self) -> str:
        from .sqltext import qname, quote_ident

        roles = ", ".join("public" if r == "public" else quote_ident(r) for r in self.roles)  # "public" is PUBLIC
        sql = (
            f"CREATE POLICY {quote_ident(self.name)} ON {qname(self.schema, self.table)}"
            f" AS {'PERMISSIVE' if self.permissive else 'RESTRICTIVE'}"
            f" FOR {self.command} TO {roles}"
        )
        if self.using is not None:
            sql += f" USING ({self.using})"
        if self.check is not None:
            sql += f" WITH CHECK ({self.check})"
        return sql


@_by_position
@dataclass
class Type:
    schema: str
    name: str
    kind: str  # "enum" | "domain" | "composite" | "range"
    definition: str  # full CREATE TYPE / CREATE DOMAIN statement
    labels: list[str] = field(default_factory=list)  # enum labels in order
    constraints: dict[str, str] = field(default_factory=dict)  # domain: name -> "CHECK (...)"
    search_path: tuple[str, ...] = DEFAULT_SEARCH_PATH  # path the definition was written under
    owner: str | None = None  # None: the role that ran the migrations (CURRENT_USER)


@dataclass
class Extension:
    name: str
    schema: str | None = None
    version: str | None = None
    # Set when CREATE EXTENSION named no schema: the search_path it ran under (the
    # extension went to its control file's schema or the first schema on this path).
    search_path: tuple[str, ...] | None = None
    # Installed by the Supabase platform before the first migration (baseline.sql), not
    # by a migration. Projects on other images may lack it (pg_graphql is off by default
    # since 2026, pgjwt and pgsodium are gone on PostgreSQL 17), so a plain CREATE
    # EXTENSION of it that ran proves it was absent there.
    platform: bool = False


@dataclass
class Schema:
    name: str
    owner: str | None = None
    # Set when the schema belongs to an extension (its install script created it, e.g.
    # pg_net's ``net``): DROP EXTENSION drops it, DROP SCHEMA of it fails.
    extension: str | None = None


@dataclass
class EventTrigger:
    """CREATE EVENT TRIGGER name ON event [WHEN TAG IN (...)] EXECUTE FUNCTION function().

    It fires on DDL in the whole database, the rollback's own statements included
    (generator/event_guards.py).
    """

    name: str
    event: str  # ddl_command_start | ddl_command_end | sql_drop | table_rewrite | login
    tags: tuple[str, ...]  # WHEN TAG IN (...), upper case as PostgreSQL stores them; () = every command
    function: tuple[str, str]  # (schema, name) of the function it executes (no arguments)
    where: str  # "path:line" of the statement that created it
    enabled: str = "O"  # O origin/enabled, D disabled, R replica, A always
    owner: str | None = None  # None: the role that ran the migrations


@dataclass
class Publication:
    name: str
    all_tables: bool = False
    tables: list[Key] = field(default_factory=list)
    definition: str | None = None  # WITH (...) options, if any
    # Column list / row filter of a member table, as written after its name: "(a, b) WHERE (x > 1)".
    table_specs: dict[Key, str] = field(default_factory=dict)
    owner: str | None = None  # None: the role that ran the migrations (CURRENT_USER)


@dataclass
class DefaultPrivilege:
    """ALTER DEFAULT PRIVILEGES [FOR ROLE owner] [IN SCHEMA schema] GRANT privs ON kind TO role.

    One entry per (owner, schema, kind, role). Entries with ``schema`` None form the
    owner's global ACL for ``kind``; once any exists it replaces PostgreSQL's built-in
    default (so revoking EXECUTE on functions from PUBLIC globally is an entry for
    "public" with no privileges). Per-schema entries add to the global/built-in ACL.
    """

    owner: str
    schema: str | None
    kind: str  # "table" | "sequence" | "function" | "type" | "schema"
    role: str
    privileges: frozenset[str]


@dataclass
class EnumRun:
    """Consecutive ``ADD VALUE`` statements of one file on enum ``key``: its labels before the
    first, the values added since, and the steps (the list the engine keeps for the latest
    statement) that rebuild it without them."""

    key: Key
    labels: list[str]
    values: list[str]
    steps: list


@dataclass
class Catalog:
    schemas: dict[str, Schema] = field(default_factory=dict)
    tables: dict[Key, Table] = field(default_factory=dict)
    indexes: dict[Key, Index] = field(default_factory=dict)
    sequences: dict[Key, Sequence] = field(default_factory=dict)
    views: dict[Key, View] = field(default_factory=dict)
    functions: dict[FuncKey, Function] = field(default_factory=dict)
    triggers: dict[SubKey, Trigger] = field(default_factory=dict)
    policies: dict[SubKey, Policy] = field(default_factory=dict)
    types: dict[Key, Type] = field(default_factory=dict)
    extensions: dict[str, Extension] = field(default_factory=dict)
    publications: dict[str, Publication] = field(default_factory=dict)
    event_triggers: dict[str, EventTrigger] = field(default_factory=dict)
    roles: set[str] = field(default_factory=set)
    # grants[objref][role] = set of privileges ("SELECT", ...); "public" is PUBLIC.
    # The owner's own privileges are implicit and never recorded.
    grants: dict[ObjRef, dict[str, set[str]]] = field(default_factory=dict)
    # grant_options[objref][role] = the privileges ``role`` holds WITH GRANT OPTION
    # (always a subset of grants[objref][role]).
    grant_options: dict[ObjRef, dict[str, set[str]]] = field(default_factory=dict)
    # Role memberships known to the generator: (role, member) for "GRANT role TO member".
    role_members: set[tuple[str, str]] = field(default_factory=set)
    # Roles the migrations created: name -> attributes (CREATE ROLE option name -> value,
    # e.g. {"canlogin": False, "connectionlimit": -1, "password": None}).
    created_roles: dict[str, dict[str, object]] = field(default_factory=dict)
    # ALTER ROLE ... SET values the migrations made: (role, database or None) -> {name: value SQL}.
    role_settings: dict[tuple[str, str | None], dict[str, str]] = field(default_factory=dict)
    comments: dict[ObjRef, str] = field(default_factory=dict)
    default_privileges: list[DefaultPrivilege] = field(default_factory=list)
    # Schemas whose default privileges a statement the generator could not follow may have
    # changed ("" for every schema): schema -> where, in words. A new object there gets
    # privileges the catalog does not know (``uncertain_acl``).
    uncertain_defaults: dict[str, str] = field(default_factory=dict)
    # Objects whose privileges are not fully known: objref -> (where, in words; the roles
    # whose privileges on it are known again since, e.g. after ``REVOKE ALL ... FROM anon``).
    uncertain_acl: dict[ObjRef, tuple[str, frozenset[str]]] = field(default_factory=dict)
    # Objects changed by a statement the generator could not analyse: their recorded
    # definition may be wrong, so nothing is restored from it. objref -> "path:line".
    tainted: dict[ObjRef, str] = field(default_factory=dict)
    # Pieces of earlier migrations that could not be parsed (generator/distrust.py): where
    # each is, and every name it may refer to (None: it could have touched anything).
    unparsed: list[tuple[str, frozenset[str] | None]] = field(default_factory=list)
    # Session state of the file being replayed.
    search_path: tuple[str, ...] = DEFAULT_SEARCH_PATH
    current_user: str = CURRENT_USER
    notify_pgrst: bool = False  # the file sent NOTIFY pgrst (repeat it after the rollback)
    # Relations that existed when the file being replayed started (to tell the tables it
    # creates from older ones).
    file_start_relations: frozenset[Key] = frozenset()
    # Objects the file being replayed created (given default privileges): its rollback drops them.
    file_created: set[ObjRef] = field(default_factory=set)
    # Constraints the file being replayed added (``generator.handlers.tables.note_added_constraint``):
    # (table, name) -> (the Table, the Constraint then under that name or None, the distrust of
    # the table and of the constraint that is no news: set then, grown by later ALTER TABLE
    # statements the generator could not analyse). Its rollback drops them again.
    file_constraints: dict[tuple[Key, str], tuple[Table, Constraint | None, set[str | None]]] = \
        field(default_factory=dict)
    # The run of ``ALTER TYPE ... ADD VALUE`` on one enum that the statement just replayed
    # belongs to (``handlers.types.alter_enum``): its rollback is one rebuild, not one per value.
    enum_run: EnumRun | None = None
    # pg_cron jobs scheduled by name in migrations: name -> (schedule, command).
    cron_jobs: dict[str, tuple[str, str]] = field(default_factory=dict)

    def __setattr__(self, name: str, value) -> None:
        if name in _OBJREF_STORES and not isinstance(value, ObjRefMap):
            value = ObjRefMap(value)
        object.__setattr__(self, name, value)

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        for name in _OBJREF_STORES & state.keys():
            if not isinstance(state[name], ObjRefMap):
                self.__dict__[name] = ObjRefMap(state[name])

    def copy(self) -> Catalog:
        return copy.deepcopy(self)

    # -- name resolution ---------------------------------------------------------------

    def effective_path(self) -> list[str]:
        out = []
        for s in self.search_path:
            s = self.current_user if s == "$user" else s
            if s in self.schemas and s not in out:
                out.append(s)
        return out

    def signature_path(self, ref: ObjRef) -> tuple[str, ...] | None:
        """The search_path a function's or procedure's signature (``ref``) was written under,
        so a step naming it resolves its argument types as that signature did (an
        extension's type in a schema not on the default path: ``vector`` in ``rag_data``);
        None for other refs, unknown functions and the default path (a step without a path
        of its own runs under the default one)."""
        if ref[0] not in ("function", "procedure"):
            return None
        from .sqltext import split_name

        head, _, args = ref[1].partition("(")
        parts = split_name(head)
        f = self.functions.get((parts[0], parts[1], args[:-1])) if len(parts) == 2 else None
        return f.search_path if f is not None and f.search_path != DEFAULT_SEARCH_PATH else None

    def creation_schema(self) -> str:
        """Where an unqualified CREATE puts its object: the first existing schema on the path."""
        path = self.effective_path()
        if not path:
            return "public"
        return path[0]

    def relation_kind(self, key: Key) -> str | None:
        if key in self.tables:
            return "table"
        if key in self.views:
            return "materialized view" if self.views[key].materialized else "view"
        if key in self.indexes:
            return "index"
        if key in self.sequences:
            return "sequence"
        if key in self.types and self.types[key].kind == "composite":
            return "type"
        return None

    def resolve_relation(self, schema: str | None, name: str) -> Key:
        """The key of an existing relation named ``name`` (search_path when unqualified).

        If none exists, the key it would be created under.
        """
        if schema:
            return (schema, name)
        for s in ["pg_catalog", *self.effective_path()]:
            if self.relation_kind((s, name)):
                return (s, name)
        return (self.creation_schema(), name)

    def resolve_type(self, schema: str | None, name: str) -> Key | None:
        """The key of a user-defined type, or None for a built-in/unknown one."""
        if schema:
            return (schema, name) if (schema, name) in self.types else None
        for s in self.effective_path():
            if (s, name) in self.types:
                return (s, name)
        return None

    def resolve_function_schema(self, name: str) -> str | None:
        for s in self.effective_path():
            if any(k[0] == s and k[1] == name for k in self.functions):
                return s
        return None

    def relation_name_taken(self, schema: str, name: str) -> bool:
        return self.relation_kind((schema, name)) is not None

    def constraint_name_taken(self, schema: str, name: str) -> bool:
        if name not in _CONSTRAINT_NAMES_SEEN:  # never used anywhere: no table has it
            return False
        return any(
            name in t.constraints for k, t in self.tables.items() if k[0] == schema
        )

    # -- grants ---------------------------------------------------------------------------

    def privileges(self, obj: ObjRef, role: str) -> set[str]:
        return set(self.grants.get(obj, {}).get(role, set()))

    def set_privileges(self, obj: ObjRef, role: str, privs: set[str]) -> None:
        roles = self.grants.setdefault(obj, {})
        if privs:
            roles[role] = set(privs)
        else:
            roles.pop(role, None)
        if not roles:
            del self.grants[obj]
        opts = self.grant_options.get(obj, {}).get(role)
        if opts is not None:
            self.set_grant_options(obj, role, opts & set(privs))

    def grant_options_of(self, obj: ObjRef, role: str) -> set[str]:
        return set(self.grant_options.get(obj, {}).get(role, set()))

    def set_grant_options(self, obj: ObjRef, role: str, privs: set[str]) -> None:
        roles = self.grant_options.setdefault(obj, {})
        if privs:
            roles[role] = set(privs)
        else:
            roles.pop(role, None)
        if not roles:
            del self.grant_options[obj]

    def drop_object_refs(self, prefix: ObjRef) -> None:
        """Forget grants/comments/taint of an object (and, for tables, its columns)."""
        kind, ident = prefix
        for store in (self.grants, self.grant_options, self.comments, self.tainted, self.uncertain_acl):
            for ref in [r for r in store.related(ident) if r == prefix or (
                kind in ("table", "view", "materialized view") and r[0] == "column" and r[1].startswith(ident + ".")
            )]:
                del store[ref]

    def defaults_doubt(self, schema: str | None) -> str | None:
        """Why the privileges a new object in ``schema`` gets are not known (None: they are)."""
        return self.uncertain_defaults.get(schema or "") or self.uncertain_defaults.get("")

    def acl_doubt(self, obj: ObjRef, roles: Iterable[str] | None = None) -> str | None:
        """Why the privileges of ``roles`` (None: every role) on ``obj`` are not known."""
        entry = self.uncertain_acl.get(obj)
        if entry is None:
            return None
        where, known = entry
        if roles is not None and set(roles) <= known:
            return None
        return (f"the privileges on {obj[0]} {obj[1]} are not known: it was created after {where}, which may "
                "have changed the default privileges in a way the generator does not follow")

    def apply_default_privileges(self, kind: str, schema: str, obj: ObjRef) -> None:
        """Grant what ALTER DEFAULT PRIVILEGES promises to a new object of ``kind``.

        Mirrors PostgreSQL's ``get_user_default_acl``: the owner gets all privileges
        implicitly (not recorded); the built-in default (``acldefault``: EXECUTE to PUBLIC
        on functions and procedures, USAGE to PUBLIC on types and domains) applies unless
        the owner has a global (no ``IN SCHEMA``) default-privilege entry for the kind,
        which replaces it; per-schema entries add to either. Views and materialized views
        take the TABLES defaults. ``kind`` is the ObjRef kind ("table", "view",
        "function", "procedure", "sequence", "type", "schema").
        """
        dkind = DEFAULT_PRIVILEGE_KIND.get(kind, kind)
        self.file_created.add(obj)
        doubt = self.defaults_doubt(schema)
        if doubt:
            self.uncertain_acl[obj] = (doubt, frozenset())
        else:
            self.uncertain_acl.pop(obj, None)
        owner = self.current_user
        entries = [dp for dp in self.default_privileges if dp.owner == owner and dp.kind == dkind]
        if not any(dp.schema is None for dp in entries):
            for role, privs in BUILTIN_DEFAULT_ACL.get(dkind, {}).items():
                self.set_privileges(obj, role, self.privileges(obj, role) | privs)
        for dp in entries:
            if dp.schema not in (None, schema) or not dp.privileges or dp.role == owner:
                continue  # (the owner's own rights are implicit)
            cur = self.privileges(obj, dp.role)
            self.set_privileges(obj, dp.role, cur | set(dp.privileges))
