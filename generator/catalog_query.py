"""Deciding the catalog queries that guard re-runnable DDL, from the replayed catalog.

Migrations make DDL re-runnable with guards such as::

    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN ...
    IF NOT EXISTS (SELECT FROM pg_policies WHERE policyname = 'p' AND tablename = 't') THEN ...
    IF to_regclass('public.t') IS NULL THEN ...

``decide(expr, catalog)`` answers such a condition with True, False or None (cannot be
decided). Recognised: ``EXISTS``/``NOT EXISTS`` over one system catalog or
information_schema view (optionally joined to ``pg_namespace`` on its namespace column),
filtered by ``column = 'constant'`` conditions joined with AND; ``(SELECT count(*) ...)``
compared with 0; ``to_regclass``/``to_regtype``/``to_regnamespace``/``to_regrole(...) IS
[NOT] NULL``; AND, OR, NOT, ``true``/``false``.

An object the catalog holds is certainly there. An object it does not hold is certainly
absent only where the catalog knows every object: schemas created by migrations and
``public``, minus the schemas of extensions whose contents are unknown. PostgreSQL's own
schemas and Supabase's service schemas (auth, storage, realtime...) hold more than the
baseline models, so a lookup there that finds nothing is undecided. A lookup that names
no schema is decided "absent" only when the name is not one of PostgreSQL's built-in
names or a known Supabase service object of that kind (the lists below).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import compress
from operator import itemgetter

from pglast import ast
from pglast.enums import BoolExprType, NullTestType, SubLinkType

from pglast.parser import ParseError, parse_sql

from .catalog import Catalog, Key

# Schemas whose contents the catalog does not fully know.
BUILTIN_SCHEMAS = frozenset({"pg_catalog", "information_schema", "pg_toast"})
SERVICE_SCHEMAS = frozenset({
    "auth", "storage", "realtime", "_realtime", "vault", "graphql", "graphql_public",
    "net", "supabase_functions", "supabase_migrations", "cron", "pgsodium", "pgsodium_masks",
    "pgbouncer", "pgmq", "pgtle", "_analytics", "topology", "tiger",
})
# Extensions known to add functions only (no relations, types or constraints).
FUNCTION_ONLY_EXTENSIONS = frozenset({"uuid-ossp", "pgcrypto", "pgjwt", "moddatetime", "fuzzystrmatch", "plpgsql"})
# Extensions whose types and relations are known by name (besides functions).
KNOWN_EXTENSION_OBJECTS: dict[str, frozenset[str]] = {
    "pg_trgm": frozenset({"gtrgm"}),
    "pg_stat_statements": frozenset({"pg_stat_statements", "pg_stat_statements_info"}),
    "citext": frozenset({"citext"}),
    "hstore": frozenset({"hstore", "ghstore"}),
    "ltree": frozenset({"ltree", "lquery", "ltxtquery", "ltree_gist"}),
    "vector": frozenset({"vector", "halfvec", "sparsevec"}),
    "unaccent": frozenset(),
    "btree_gist": frozenset({"gbtreekey4", "gbtreekey8", "gbtreekey16", "gbtreekey32", "gbtreekey_var", "gbtreekey2"}),
}

# Built-in type names outside pg_*/_* (PostgreSQL 15's pg_catalog and information_schema).
_BUILTIN_TYPES = frozenset("""
aclitem any anyarray anycompatible anycompatiblearray anycompatiblemultirange anycompatiblenonarray
anycompatiblerange anyelement anyenum anymultirange anynonarray anyrange bit bool box bpchar bytea char
cid cidr circle cstring date datemultirange daterange event_trigger fdw_handler float4 float8 gtsvector
index_am_handler inet int2 int2vector int4 int4multirange int4range int8 int8multirange int8range internal
interval json jsonb jsonpath language_handler line lseg macaddr macaddr8 money name numeric nummultirange
numrange oid oidvector path point polygon record refcursor regclass regcollation regconfig regdictionary
regnamespace regoper regoperator regproc regprocedure regrole regtype table_am_handler text tid time
timestamp timestamptz timetz trigger tsm_handler tsmultirange tsquery tsrange tstzmultirange tstzrange
tsvector txid_snapshot unknown uuid varbit varchar void xid xid8 xml
cardinal_number character_data sql_identifier time_stamp yes_or_no
""".split())
_INFORMATION_SCHEMA_RELATIONS = frozenset("""
administrable_role_authorizations applicable_roles attributes character_sets check_constraint_routine_usage
check_constraints collation_character_set_applicability collations column_column_usage column_domain_usage
column_options column_privileges column_udt_usage columns constraint_column_usage constraint_table_usage
data_type_privileges domain_constraints domain_udt_usage domains element_types enabled_roles
foreign_data_wrapper_options foreign_data_wrappers foreign_server_options foreign_servers foreign_table_options
foreign_tables information_schema_catalog_name key_column_usage parameters referential_constraints
role_column_grants role_routine_grants role_table_grants role_udt_grants role_usage_grants routine_column_usage
routine_privileges routine_routine_usage routine_sequence_usage routine_table_usage routines schemata sequences
sql_features sql_implementation_info sql_parts sql_sizing table_constraints table_privileges tables transforms
triggered_update_columns triggers udt_privileges usage_privileges user_defined_types user_mapping_options
user_mappings view_column_usage view_routine_usage view_table_usage views
""".split())
# Relations and types of Supabase's services (hosted projects hold more than the baseline).
_SUPABASE_RELATIONS = frozenset("""
users refresh_tokens instances audit_log_entries schema_migrations identities sessions mfa_factors mfa_challenges
mfa_amr_claims sso_providers sso_domains saml_providers saml_relay_states flow_state one_time_tokens oauth_clients
buckets objects migrations s3_multipart_uploads s3_multipart_uploads_parts prefixes buckets_analytics
subscription messages secrets decrypted_secrets http_request_queue _http_response hooks seed_files job
job_run_details key decrypted_key mask_columns masking_rule valid_key pg_stat_statements pg_stat_statements_info
""".split())
_SUPABASE_TYPES = _SUPABASE_RELATIONS | frozenset("""
aal_level code_challenge_method factor_status factor_type one_time_token_type oauth_registration_type
action equality_op user_defined_filter wal_column wal_rls buckettype request_status http_response
http_response_result key_status key_type
""".split())
_SUPABASE_TRIGGERS = frozenset("""
update_objects_updated_at objects_insert_prefix_trigger objects_delete_delete_prefix objects_update_prefix_trigger
prefixes_create_hierarchy prefixes_delete_hierarchy enforce_bucket_name_length_trigger tr_check_filters
""".split())
_ROLE_PREFIXES = ("pg_", "supabase", "pgsodium")


Filters = dict[str, str]


def _opaque_schemas(cat: Catalog, kind: str) -> set[str]:
    """Schemas that may hold objects of ``kind`` the catalog does not know."""
    out = set(BUILTIN_SCHEMAS) | SERVICE_SCHEMAS
    for ext in cat.extensions.values():
        if kind != "function" and (ext.name in FUNCTION_ONLY_EXTENSIONS or ext.name in KNOWN_EXTENSION_OBJECTS):
            continue
        if ext.schema:
            out.add(ext.schema)
        else:  # went to the first schema on the path it ran under
            out.update(cat.schemas)
    return out


def _unpinned_may_exist(kind: str, name: str) -> bool:
    """Could an object called ``name`` exist in a schema the catalog does not fully know?"""
    if name.startswith("pg_") or name.startswith("_"):
        return True
    if kind == "type":
        return name in _BUILTIN_TYPES or name in _SUPABASE_TYPES or name in _INFORMATION_SCHEMA_RELATIONS
    if kind == "relation":
        return name in _SUPABASE_RELATIONS or name in _INFORMATION_SCHEMA_RELATIONS
    if kind in ("constraint", "index", "trigger"):
        return name in _SUPABASE_TRIGGERS or any(name.startswith(r + "_") for r in _SUPABASE_RELATIONS)
    return True  # functions, policies, columns: too many unknown possibilities


def _found_or_unknown(found: bool, kind: str, name: str, schema: str | None, cat: Catalog) -> bool | None:
    """True when found; False only when the catalog would hold the object if it existed."""
    if found:
        return True
    if kind != "function" and any(name in KNOWN_EXTENSION_OBJECTS.get(e, ()) for e in cat.extensions):
        return None  # an extension's own type or relation
    if schema is not None:
        return None if schema in _opaque_schemas(cat, kind) else False
    if _unpinned_may_exist(kind, name):
        return None
    return None if _opaque_schemas(cat, kind) - BUILTIN_SCHEMAS - SERVICE_SCHEMAS else False


def qualified_name(text: str) -> tuple[str | None, str] | None:
    """``'public."My T"'`` -> ``("public", "My T")``, as a regclass/regtype input reads it."""
    try:
        stmt = parse_sql(f"SELECT * FROM {text}")[0].stmt
    except ParseError:
        return None
    items = stmt.fromClause or ()
    if len(items) != 1 or not isinstance(items[0], ast.RangeVar) or items[0].catalogname or items[0].alias:
        return None
    return items[0].schemaname, items[0].relname


# -- per catalog relation: its filterable columns (-> logical field) and its lookup ---------

def _relkind(cat: Catalog, key: Key) -> str | None:
    """pg_class.relkind of the relation ``key`` (the last of the stores below that holds it)."""
    t = cat.types.get(key)
    if t is not None and t.kind == "composite":
        return "c"
    if key in cat.sequences:
        return "S"
    if key in cat.indexes:
        return "i"
    v = cat.views.get(key)
    if v is not None:
        return "m" if v.materialized else "v"
    return "r" if key in cat.tables else None


def _named(cat: Catalog, names: frozenset[str]) -> set[Key]:
    """The keys of relations and types called one of ``names``, in any schema."""
    stores = (cat.tables, cat.views, cat.indexes, cat.sequences, cat.types)
    name_of = itemgetter(1)
    return {k for store in stores for k in compress(store, map(names.__contains__, map(name_of, store)))}


def _rel_lookup(f: Filters, cat: Catalog, kinds: str | None) -> bool | None:
    name, schema = f.pop("name", None), f.pop("schema", None)
    relkind = f.pop("relkind", None)
    if relkind is not None:
        relkind = "r" if relkind == "p" else relkind
        if kinds is not None and relkind not in kinds:
            return False
        kinds = relkind
    if f or name is None:
        return None
    keys = [(schema, name)] if schema is not None else _named(cat, frozenset({name}))
    found = any((rk := _relkind(cat, k)) is not None and (kinds is None or rk in kinds) for k in keys)
    return _found_or_unknown(found, "relation", name, schema, cat)


def _index_lookup(f: Filters, cat: Catalog) -> bool | None:
    table = f.pop("table", None)
    name, schema = f.get("name"), f.get("schema")
    if table is not None and name is not None:
        for k, idx in cat.indexes.items():
            if k[1] == name and (schema is None or k[0] == schema) and idx.table[1] != table:
                return None  # an index of that name on another table: filters disagree
    return _rel_lookup(f, cat, "i")


def _info_tables(f: Filters, cat: Catalog) -> bool | None:
    ttype = f.pop("table_type", None)
    kinds = {"BASE TABLE": "r", "VIEW": "v", None: "rv"}.get(ttype)
    if kinds is None:
        return None
    return _rel_lookup(f, cat, kinds)


def _type_lookup(f: Filters, cat: Catalog) -> bool | None:
    name, schema = f.pop("name", None), f.pop("schema", None)
    if f or name is None:
        return None
    base = name[1:] if name.startswith("_") else name  # array types
    keys = [(schema, name), (schema, base)] if schema is not None else _named(cat, frozenset({name, base}))
    found = any(k in cat.types or (rk := _relkind(cat, k)) is not None and rk in "rvmc" for k in keys)
    return _found_or_unknown(found, "type", name, schema, cat)


def _sub_lookup(f: Filters, cat: Catalog, kind: str, names: Callable[[Key], set[str] | None]) -> bool | None:
    """Objects that belong to a table (policies, triggers, constraints, columns).

    ``names(table_key)`` lists the table's objects of the kind (None: table unknown).
    """
    name, tableref = f.pop("name", None), f.pop("tableref", None)
    table, schema = f.pop("table", None), f.pop("schema", None)
    if f or name is None:
        return None
    if tableref is not None:
        qn = qualified_name(tableref)
        if qn is None:
            return None
        key = cat.resolve_relation(*qn)
        if schema is not None and schema != key[0]:
            return None
    elif table is not None and schema is not None:
        key = (schema, table)
    else:
        key = None
    if key is not None:
        got = names(key)
        if got is None:
            return None  # the table itself is not known
        return True if name in got else (None if key[0] in _opaque_schemas(cat, kind) else False)
    candidates = [k for k in set(cat.tables) | set(cat.views)
                  if (table is None or k[1] == table) and (schema is None or k[0] == schema)]
    if any(name in (names(k) or set()) for k in candidates):
        return True
    if table is not None:  # table named without schema: it may also live where we cannot see
        if schema is None and _unpinned_may_exist("relation", table):
            return None
        if any(k[0] in _opaque_schemas(cat, kind) for k in candidates):
            return None
        return False if schema is not None or not (_opaque_schemas(cat, kind) - BUILTIN_SCHEMAS - SERVICE_SCHEMAS) else None
    return _found_or_unknown(False, kind, name, schema, cat)


def _policy_names(cat: Catalog) -> Callable[[Key], set[str] | None]:
    return lambda k: {p[2] for p in cat.policies if p[:2] == k} if k in cat.tables or k in cat.views else None


def _trigger_names(cat: Catalog) -> Callable[[Key], set[str] | None]:
    return lambda k: {t[2] for t in cat.triggers if t[:2] == k} if k in cat.tables or k in cat.views else None


def _column_names(cat: Catalog) -> Callable[[Key], set[str] | None]:
    return lambda k: set(cat.tables[k].columns) if k in cat.tables else None


_CONTYPES = {"PRIMARY KEY": "p", "UNIQUE": "u", "FOREIGN KEY": "f", "CHECK": "c", "EXCLUDE": "x"}


def _constraint_lookup(f: Filters, cat: Catalog) -> bool | None:
    ctype = f.pop("constraint_type", None)
    letter = _CONTYPES.get(ctype) if ctype is not None else None
    if ctype is not None and letter is None:
        return None

    def names(k: Key) -> set[str] | None:
        if k not in cat.tables:
            return None
        return {n for n, c in cat.tables[k].constraints.items() if letter is None or c.kind == letter}

    if "table" not in f and "tableref" not in f and letter is None:
        name, schema = f.get("name"), f.get("schema")
        if any(name in t.constraints for t in cat.types.values() if schema in (None, t.schema)):
            return True  # a domain's constraint
    return _sub_lookup(f, cat, "constraint", names)


def _contype(f: Filters, cat: Catalog) -> bool | None:
    letter = f.pop("contype", None)
    if letter is not None:
        f["constraint_type"] = {v: k for k, v in _CONTYPES.items()}.get(letter, "?")
    return _constraint_lookup(f, cat)


def _function_lookup(f: Filters, cat: Catalog) -> bool | None:
    name, schema = f.pop("name", None), f.pop("schema", None)
    if f or name is None:
        return None
    found = any(k[1] == name and (schema is None or k[0] == schema) for k in cat.functions)
    return _found_or_unknown(found, "function", name, schema, cat)


def _schema_lookup(f: Filters, cat: Catalog) -> bool | None:
    name = f.pop("name", None)
    if f or name is None:
        return None
    if name in cat.schemas or name in BUILTIN_SCHEMAS:
        return True
    return None if name in SERVICE_SCHEMAS or name.startswith("pg_") else False


def _role_lookup(f: Filters, cat: Catalog) -> bool | None:
    name = f.pop("name", None)
    if f or name is None:
        return None
    if name in cat.roles:
        return True
    return None if name.startswith(_ROLE_PREFIXES) else False


def _simple(store: Callable[[Catalog], object]) -> Callable[[Filters, Catalog], bool | None]:
    def lookup(f: Filters, cat: Catalog) -> bool | None:
        name = f.pop("name", None)
        if f or name is None:
            return None
        return name in store(cat)  # type: ignore[operator]
    return lookup


def _extension_lookup(f: Filters, cat: Catalog) -> bool | None:
    name, schema = f.pop("name", None), f.pop("schema", None)
    if f or name is None:
        return None
    ext = cat.extensions.get(name)
    if ext is None or schema is None:
        return ext is not None
    if ext.search_path is not None or ext.schema is None:
        return None  # created without a schema: where it went is not certain
    return ext.schema == schema


def _pubtable_lookup(f: Filters, cat: Catalog) -> bool | None:
    pub, name, schema = f.pop("pub", None), f.pop("name", None), f.pop("schema", None)
    if f or pub is None or name is None:
        return None
    p = cat.publications.get(pub)
    if p is None or p.all_tables:
        return None
    return any(k[1] == name and (schema is None or k[0] == schema) for k in p.tables)


def _enum_lookup(f: Filters, cat: Catalog) -> bool | None:
    label, ref = f.pop("name", None), f.pop("typeref", None)
    if f or label is None or ref is None:
        return None
    qn = qualified_name(ref)
    key = cat.resolve_type(*qn) if qn else None
    if key is None or cat.types[key].kind != "enum":
        return None
    return label in cat.types[key].labels


def _cron_lookup(f: Filters, cat: Catalog) -> bool | None:
    name = f.pop("name", None)
    if f or name is None or "pg_cron" not in cat.extensions:
        return None
    return True if name in cat.cron_jobs else None  # jobs are also made outside migrations


# relation name -> (column -> field, lookup). Fields: name, schema, table, tableref,
# typeref, relkind, table_type, constraint_type, pub; "nsoid" is joined to pg_namespace.
Spec = tuple[dict[str, str], Callable[[Filters, Catalog], bool | None]]
_SPECS: dict[tuple[str, str], Spec] = {
    ("pg_catalog", "pg_type"): ({"typname": "name", "typnamespace": "nsoid"}, _type_lookup),
    ("pg_catalog", "pg_class"): ({"relname": "name", "relnamespace": "nsoid", "relkind": "relkind"},
                                 lambda f, c: _rel_lookup(f, c, None)),
    ("pg_catalog", "pg_tables"): ({"tablename": "name", "schemaname": "schema"}, lambda f, c: _rel_lookup(f, c, "r")),
    ("pg_catalog", "pg_views"): ({"viewname": "name", "schemaname": "schema"}, lambda f, c: _rel_lookup(f, c, "v")),
    ("pg_catalog", "pg_matviews"): ({"matviewname": "name", "schemaname": "schema"}, lambda f, c: _rel_lookup(f, c, "m")),
    ("pg_catalog", "pg_sequences"): ({"sequencename": "name", "schemaname": "schema"}, lambda f, c: _rel_lookup(f, c, "S")),
    ("pg_catalog", "pg_indexes"): ({"indexname": "name", "schemaname": "schema", "tablename": "table"}, _index_lookup),
    ("information_schema", "tables"): ({"table_name": "name", "table_schema": "schema", "table_type": "table_type",
                                        "table_catalog": "ignore"}, _info_tables),
    ("information_schema", "views"): ({"table_name": "name", "table_schema": "schema", "table_catalog": "ignore"},
                                      lambda f, c: _rel_lookup(f, c, "v")),
    ("information_schema", "columns"): ({"table_name": "table", "table_schema": "schema", "column_name": "name",
                                         "table_catalog": "ignore"}, lambda f, c: _sub_lookup(f, c, "column", _column_names(c))),
    ("information_schema", "schemata"): ({"schema_name": "name", "catalog_name": "ignore"}, _schema_lookup),
    ("information_schema", "routines"): ({"routine_name": "name", "routine_schema": "schema", "specific_catalog": "ignore"},
                                         _function_lookup),
    ("information_schema", "table_constraints"): ({"constraint_name": "name", "table_name": "table", "table_schema": "schema",
                                                   "constraint_schema": "schema", "constraint_type": "constraint_type",
                                                   "table_catalog": "ignore", "constraint_catalog": "ignore"}, _constraint_lookup),
    ("pg_catalog", "pg_namespace"): ({"nspname": "name"}, _schema_lookup),
    ("pg_catalog", "pg_policies"): ({"policyname": "name", "tablename": "table", "schemaname": "schema"},
                                    lambda f, c: _sub_lookup(f, c, "policy", _policy_names(c))),
    ("pg_catalog", "pg_policy"): ({"polname": "name", "polrelid": "tableref"},
                                  lambda f, c: _sub_lookup(f, c, "policy", _policy_names(c))),
    ("pg_catalog", "pg_constraint"): ({"conname": "name", "conrelid": "tableref", "connamespace": "nsoid",
                                       "contype": "contype"}, lambda f, c: _contype(f, c)),
    ("pg_catalog", "pg_trigger"): ({"tgname": "name", "tgrelid": "tableref"},
                                   lambda f, c: _sub_lookup(f, c, "trigger", _trigger_names(c))),
    ("pg_catalog", "pg_attribute"): ({"attname": "name", "attrelid": "tableref", "attisdropped": "notdropped"},
                                     lambda f, c: _sub_lookup(f, c, "column", _column_names(c))),
    ("pg_catalog", "pg_proc"): ({"proname": "name", "pronamespace": "nsoid"}, _function_lookup),
    ("pg_catalog", "pg_roles"): ({"rolname": "name"}, _role_lookup),
    ("pg_catalog", "pg_authid"): ({"rolname": "name"}, _role_lookup),
    ("pg_catalog", "pg_user"): ({"usename": "name"}, _role_lookup),
    ("pg_catalog", "pg_extension"): ({"extname": "name", "extnamespace": "nsoid"}, _extension_lookup),
    ("pg_catalog", "pg_publication"): ({"pubname": "name"}, _simple(lambda c: c.publications)),
    ("pg_catalog", "pg_event_trigger"): ({"evtname": "name"}, _simple(lambda c: c.event_triggers)),
    ("pg_catalog", "pg_publication_tables"): ({"pubname": "pub", "schemaname": "schema", "tablename": "name"}, _pubtable_lookup),
    ("pg_catalog", "pg_enum"): ({"enumlabel": "name", "enumtypid": "typeref"}, _enum_lookup),
    ("cron", "job"): ({"jobname": "name"}, _cron_lookup),
}



# -- reading the query --------------------------------------------------------------------

def _const(node: ast.Node) -> str | None:
    """The value of ``'x'``, ``'x'::regclass``, ``'x'::name``... (None if not a constant)."""
    if isinstance(node, ast.TypeCast):
        return _const(node.arg)
    if isinstance(node, ast.A_Const) and not node.isnull:
        v = node.val
        if isinstance(v, ast.String):
            return v.sval
        if isinstance(v, ast.Boolean):
            return "true" if v.boolval else "false"
    return None


def _cast_type(node: ast.Node) -> str | None:
    if isinstance(node, ast.TypeCast):
        return node.typeName.names[-1].sval
    return None


def _colref(node: ast.Node) -> tuple[str | None, str] | None:
    if isinstance(node, ast.ColumnRef) and all(isinstance(f, ast.String) for f in node.fields):
        names = [f.sval for f in node.fields]
        if len(names) == 1:
            return None, names[0]
        if len(names) == 2:
            return names[0], names[1]
    return None


def _conjuncts(node: ast.Node | None) -> list[ast.Node] | None:
    if node is None:
        return []
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.AND_EXPR:
        out: list[ast.Node] = []
        for a in node.args:
            sub = _conjuncts(a)
            if sub is None:
                return None
            out.extend(sub)
        return out
    return [node]


def _from_items(items: tuple, quals: list[ast.Node]) -> list[ast.RangeVar] | None:
    out: list[ast.RangeVar] = []
    for item in items or ():
        if isinstance(item, ast.RangeVar):
            out.append(item)
        elif isinstance(item, ast.JoinExpr) and item.jointype == 0 and not item.usingClause:
            sub = _from_items((item.larg, item.rarg), quals)
            extra = _conjuncts(item.quals)
            if sub is None or extra is None:
                return None
            out.extend(sub)
            quals.extend(extra)
        else:
            return None
    return out


def _spec_of(rv: ast.RangeVar) -> tuple[tuple[str, str], Spec] | None:
    if rv.schemaname:
        key = (rv.schemaname, rv.relname)
        return (key, _SPECS[key]) if key in _SPECS else None
    for schema in ("pg_catalog",):  # unqualified names resolve to pg_catalog first
        if (schema, rv.relname) in _SPECS:
            return (schema, rv.relname), _SPECS[(schema, rv.relname)]
    return None


def select_exists(sel: ast.SelectStmt, cat: Catalog) -> bool | None:
    """Does ``sel`` return a row? (None: cannot be decided.)"""
    if (sel.op or 0) != 0 or sel.groupClause or sel.havingClause or sel.withClause or not sel.fromClause:
        return None
    quals = _conjuncts(sel.whereClause)
    if quals is None:
        return None
    rels = _from_items(sel.fromClause, quals)
    if not rels:
        return None
    aliases: dict[str, tuple[str, str]] = {}
    main: tuple[str, str] | None = None
    ns_alias: str | None = None
    for rv in rels:
        found = _spec_of(rv)
        if found is None:
            return None
        key, _ = found
        alias = rv.alias.aliasname if rv.alias else rv.relname
        aliases[alias] = key
        if key == ("pg_catalog", "pg_namespace") and len(rels) > 1:
            ns_alias = alias
        elif main is None:
            main = key
        else:
            return None
    if main is None:
        return None
    columns, lookup = _SPECS[main]
    filters: Filters = {}
    ns_joined = False
    for q in quals:
        if not (isinstance(q, ast.A_Expr) and q.kind == 0 and len(q.name) == 1 and q.name[0].sval == "="):
            return None
        left, right = q.lexpr, q.rexpr
        lref, rref = _colref(left), _colref(right)
        if lref and rref:  # join condition: main.<namespace column> = n.oid
            pair = {_qualify(lref, aliases, main, ns_alias), _qualify(rref, aliases, main, ns_alias)}
            if ns_alias and ("ns", "oid") in pair and any(p[0] == "main" and columns.get(p[1]) == "nsoid" for p in pair):
                ns_joined = True
                continue
            return None
        if rref and not lref:
            left, right, lref = right, left, rref
        if not lref:
            return None
        where, col = _qualify(lref, aliases, main, ns_alias)
        in_schema = _namespace_oid(right)
        value = _const(right) if in_schema is None else in_schema
        if value is None or where is None:
            return None
        if where == "ns":
            if col != "nspname":
                return None
            field = "schema"
        else:
            field = columns.get(col)
            if field is None:
                return None
            if field == "nsoid":
                if _cast_type(right) != "regnamespace" and in_schema is None:
                    return None
                field = "schema"
            elif field in ("tableref", "typeref") and _cast_type(right) not in ("regclass", "regtype"):
                return None
        if field == "ignore":
            continue
        if field == "notdropped":
            if value != "false":
                return None
            continue
        if filters.get(field, value) != value:
            return False
        filters[field] = value
    if ns_alias and not ns_joined:
        return None
    return lookup(filters, cat)


def _namespace_oid(node: ast.Node) -> str | None:
    """``(SELECT oid FROM pg_namespace WHERE nspname = 'x')`` -> ``'x'``: the oid of a
    schema by name, as ``'x'::regnamespace`` writes it."""
    if not (isinstance(node, ast.SubLink) and node.subLinkType == SubLinkType.EXPR_SUBLINK):
        return None
    sel = node.subselect
    targets = sel.targetList or ()
    items = sel.fromClause or ()
    if (len(targets) != 1 or _colref(targets[0].val) not in ((None, "oid"),) or len(items) != 1
            or not isinstance(items[0], ast.RangeVar) or items[0].relname != "pg_namespace"
            or items[0].schemaname not in (None, "pg_catalog") or sel.op or sel.withClause):
        return None
    q = sel.whereClause
    if not (isinstance(q, ast.A_Expr) and q.kind == 0 and len(q.name) == 1 and q.name[0].sval == "="):
        return None
    if _colref(q.lexpr) != (None, "nspname"):
        return None
    return _const(q.rexpr)


def _qualify(ref: tuple[str | None, str], aliases: dict[str, tuple[str, str]], main, ns_alias) -> tuple[str | None, str]:
    alias, col = ref
    if alias is None:
        if ns_alias and col in ("nspname", "oid"):
            return "ns", col
        return "main", col
    key = aliases.get(alias)
    if key is None:
        return None, col
    return ("ns" if alias == ns_alias else "main"), col


_REG_FUNCS = {"to_regclass": "relation", "to_regtype": "type", "to_regnamespace": "schema", "to_regrole": "role"}


def _reg_lookup(call: ast.FuncCall, cat: Catalog) -> bool | None:
    kind = _REG_FUNCS.get(call.funcname[-1].sval)
    if kind is None or not call.args or len(call.args) != 1:
        return None
    arg = _const(call.args[0])
    if arg is None:
        return None
    if kind == "schema":
        return _schema_lookup({"name": arg}, cat)
    if kind == "role":
        return _role_lookup({"name": arg}, cat)
    qn = qualified_name(arg)
    if qn is None:
        return None
    if kind == "relation":
        key = cat.resolve_relation(*qn)
        return _rel_lookup({"name": key[1], "schema": key[0]}, cat, None)
    if cat.resolve_type(*qn) is not None:
        return True
    if qn[0] is not None:
        return _type_lookup({"name": qn[1], "schema": qn[0]}, cat)
    if qn[1] in _BUILTIN_TYPES or any(s in _opaque_schemas(cat, "type") for s in cat.effective_path()):
        return None
    return _type_lookup({"name": qn[1], "schema": cat.creation_schema()}, cat)


def _count_compare(node: ast.A_Expr, cat: Catalog) -> bool | None:
    """``(SELECT count(*) FROM ...) = 0`` / ``> 0`` / ``<> 0``."""
    if node.kind != 0 or len(node.name) != 1:
        return None
    op = node.name[0].sval
    sub, num = node.lexpr, node.rexpr
    if not isinstance(sub, ast.SubLink):
        sub, num = num, sub
        op = {">": "<", "<": ">"}.get(op, op)
    if not (isinstance(sub, ast.SubLink) and sub.subLinkType == SubLinkType.EXPR_SUBLINK):
        return None
    if not (isinstance(num, ast.A_Const) and isinstance(num.val, ast.Integer) and (num.val.ival or 0) == 0):
        return None
    sel = sub.subselect
    targets = sel.targetList or ()
    if len(targets) != 1 or not isinstance(targets[0].val, ast.FuncCall):
        return None
    fc = targets[0].val
    if fc.funcname[-1].sval != "count" or not (fc.agg_star or fc.args):
        return None
    exists = select_exists(_without_targets(sel), cat)
    if exists is None:
        return None
    return {"=": not exists, ">": exists, "<>": exists, "!=": exists}.get(op)


def _without_targets(sel: ast.SelectStmt) -> ast.SelectStmt:
    return ast.SelectStmt(fromClause=sel.fromClause, whereClause=sel.whereClause, op=sel.op)


def decide(expr: ast.Node, cat: Catalog, variables: dict[str, bool] | None = None) -> bool | None:
    """The truth of a guard condition given the catalog (None: cannot be decided).

    ``variables`` holds known boolean PL/pgSQL values such as ``found``.
    """
    variables = variables or {}
    if isinstance(expr, ast.BoolExpr):
        vals = [decide(a, cat, variables) for a in expr.args]
        if expr.boolop == BoolExprType.NOT_EXPR:
            return None if vals[0] is None else not vals[0]
        if expr.boolop == BoolExprType.AND_EXPR:
            if False in vals:
                return False
            return None if None in vals else True
        if True in vals:
            return True
        return None if None in vals else False
    if isinstance(expr, ast.SubLink) and expr.subLinkType == SubLinkType.EXISTS_SUBLINK:
        return select_exists(expr.subselect, cat)
    if isinstance(expr, ast.NullTest) and isinstance(expr.arg, ast.FuncCall):
        exists = _reg_lookup(expr.arg, cat)
        if exists is None:
            return None
        return exists if expr.nulltesttype == NullTestType.IS_NOT_NULL else not exists
    if isinstance(expr, ast.A_Expr):
        return _count_compare(expr, cat)
    if isinstance(expr, ast.A_Const) and isinstance(expr.val, ast.Boolean):
        return bool(expr.val.boolval)
    ref = _colref(expr)
    if ref and ref[0] is None and ref[1] in variables:
        return variables[ref[1]]
    return None
