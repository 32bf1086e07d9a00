"""Extensions: CREATE EXTENSION, DROP EXTENSION, ALTER EXTENSION ... UPDATE / SET SCHEMA.

Rules implemented:

- ``CREATE EXTENSION [IF NOT EXISTS] e [WITH SCHEMA s] [VERSION v] [CASCADE]`` →
  ``DROP EXTENSION e`` (RESTRICT). Objects of this migration that use the extension (a
  ``citext`` column, a ``gin_trgm_ops`` index) are dropped earlier by the rollback with their
  own hazards; anything a later migration built on it makes the drop fail instead of
  destroying it, so the step deletes nothing. ``IF NOT EXISTS`` on an installed extension
  does nothing, whatever schema it names (PostgreSQL only notices). That includes the
  extensions every Supabase project already has (``generator/baseline.sql``: pg_graphql,
  pg_stat_statements, pgcrypto, uuid-ossp, pgjwt, supabase_vault, pgsodium), so the
  rollback never drops them. A plain ``CREATE EXTENSION`` of one of those platform
  extensions ran, so that project did not have it: it is dropped again. ``CASCADE`` also
  installs missing required extensions: they are dropped too when the requirement list
  is known (``REQUIRES``), otherwise the step is manual.
- Schemas well-known extensions make (``CONTROL_SCHEMA``, ``MEMBER_SCHEMAS``) enter the
  catalog with the extension, so a later ``CREATE SCHEMA IF NOT EXISTS net`` changes
  nothing and has no inverse. A schema the install script creates belongs to the
  extension (``DROP EXTENSION`` drops it); a control-file schema that ``CREATE
  EXTENSION`` had to create does not, and is dropped after the extension.
  Backups the rollback took earlier of tables with columns of the extension's types would
  block the drop: those backup columns become text first (values kept, readable).
- ``DROP EXTENSION e`` → ``CREATE EXTENSION e`` in the recorded schema (and version, if
  one was named), or, when the original statement named no schema, without one under the
  search_path it ran under; grants and comments migrations gave the schemas it owns come
  back after it. ``CASCADE`` also destroyed every object that used the extension, which
  the generator cannot enumerate: manual.
- ``ALTER EXTENSION e UPDATE``: extension scripts rarely provide downgrade paths, so the
  inverse is manual. ``ALTER EXTENSION e SET SCHEMA s`` → move it back.
"""

from __future__ import annotations

from pglast import ast
from pglast.enums import DropBehavior, ObjectType

from ..catalog import Catalog, Extension, Schema
from ..engine import Context, Unsupported, handles
from ..refs import comment_sql, restore_refs_sql, schema_ref
from ..render import DEFAULT_BACKUP_SCHEMA as BACKUP_SCHEMA
from ..sqltext import literal, quote_ident
from ..steps import Step
from .schemas import contents

GROUP_DROP = "Drop Extensions"
GROUP_RECREATE = "Recreate Extensions"
GROUP_MOVE = "Move Extensions"

# ``requires`` of extension control files (PostgreSQL 15 contrib and common Supabase
# extensions). An extension missing here has an unknown requirement list.
REQUIRES: dict[str, tuple[str, ...]] = {
    **{
        name: ()
        for name in (
            "amcheck", "autoinc", "bloom", "btree_gin", "btree_gist", "citext", "cube", "dblink",
            "dict_int", "dict_xsyn", "file_fdw", "fuzzystrmatch", "hstore", "insert_username",
            "intagg", "intarray", "isn", "lo", "ltree", "moddatetime", "pageinspect",
            "pg_buffercache", "pg_freespacemap", "pg_prewarm", "pg_stat_statements", "pg_surgery",
            "pg_trgm", "pg_visibility", "pg_walinspect", "pgcrypto", "pgrowlocks", "pgstattuple",
            "postgres_fdw", "refint", "seg", "sslinfo", "tablefunc", "tcn", "tsm_system_rows",
            "tsm_system_time", "unaccent", "uuid-ossp",
        )
    },
    "earthdistance": ("cube",),
}


# What well-known extensions do to schemas (our own reading of their control files and
# install scripts; an extension missing here is assumed to create no schema):
#
# The control file names a schema (``schema = ...``): the extension always goes there, and
# CREATE EXTENSION creates that schema when it is missing. The schema is not a member of
# the extension, so DROP EXTENSION leaves it behind.
CONTROL_SCHEMA: dict[str, str] = {
    "pg_graphql": "graphql",
    "supabase_vault": "vault",
    "pgmq": "pgmq",  # since pgmq 1.x (older scripts created it themselves)
    "pgsodium": "pgsodium",
    "pg_cron": "pg_catalog",  # its own objects go to the cron schema its script makes
}
# The install script creates these schemas (``CREATE SCHEMA [IF NOT EXISTS] net``): they
# are members of the extension, DROP EXTENSION drops them with their contents, and DROP
# SCHEMA of one fails ("extension pg_net requires it"). On PostgreSQL 15 the script fails
# when the schema already exists and is not the extension's.
MEMBER_SCHEMAS: dict[str, tuple[str, ...]] = {
    "pg_net": ("net",),
    "pg_cron": ("cron",),
}
# Schema privileges Supabase's event triggers give when the extension is created
# (supabase/postgres init-scripts: extensions.grant_pg_net_access, grant_pg_cron_access).
# Roles the catalog does not model (supabase_functions_admin) are left out.
PLATFORM_SCHEMA_GRANTS: dict[str, dict[str, dict[str, tuple[set[str], bool]]]] = {
    "pg_net": {"net": {r: ({"USAGE"}, False) for r in ("postgres", "anon", "authenticated", "service_role")}},
    "pg_cron": {"cron": {"postgres": ({"USAGE"}, True)}},
}


# Extensions that define no type a column could use: dropping them never meets a backup.
TYPELESS = frozenset({
    "amcheck", "autoinc", "btree_gin", "dblink", "dict_int", "dict_xsyn", "file_fdw", "fuzzystrmatch",
    "insert_username", "intagg", "moddatetime", "pageinspect", "pg_buffercache", "pg_freespacemap",
    "pg_prewarm", "pg_stat_statements", "pg_surgery", "pg_trgm", "pg_visibility", "pg_walinspect",
    "pgcrypto", "pgrowlocks", "pgstattuple", "postgres_fdw", "refint", "sslinfo", "tablefunc", "tcn",
    "tsm_system_rows", "tsm_system_time", "unaccent", "uuid-ossp",
})


def keep_backups_sql(name: str) -> str:
    """A DO block turning backup columns of the extension's types into text.

    Backups taken earlier in the same rollback (``CREATE TABLE ... AS TABLE t``) keep
    the column types of ``t``; a column of, say, ``citext`` would make ``DROP EXTENSION``
    fail. Converting it to text keeps the saved values readable without the extension.
    """
    return (
        "DO $$\nDECLARE r record;\nBEGIN\n"
        "  FOR r IN\n"
        "    SELECT c.oid::regclass AS rel, a.attname, t.typcategory = 'A' AS is_array\n"
        "    FROM pg_attribute a\n"
        "    JOIN pg_class c ON c.oid = a.attrelid\n"
        "    JOIN pg_namespace n ON n.oid = c.relnamespace\n"
        "    JOIN pg_type t ON t.oid = a.atttypid\n"
        f"    WHERE n.nspname = {literal(BACKUP_SCHEMA)} AND a.attnum > 0 AND NOT a.attisdropped\n"
        "      AND EXISTS (SELECT 1 FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid\n"
        f"                  WHERE e.extname = {literal(name)} AND d.classid = 'pg_type'::regclass\n"
        "                    AND d.deptype = 'e' AND d.objid IN (a.atttypid, t.typelem))\n"
        "  LOOP\n"
        "    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I TYPE %s USING %I::%3$s', r.rel, r.attname,\n"
        "                   CASE WHEN r.is_array THEN 'text[]' ELSE 'text' END, r.attname);\n"
        "  END LOOP;\n"
        "END $$;"
    )


def ext_ref(name: str) -> tuple[str, str]:
    return ("extension", quote_ident(name))


def _options(node) -> dict[str, object]:
    out: dict[str, object] = {}
    for d in node.options or ():
        arg = d.arg
        if isinstance(arg, ast.String):
            out[d.defname] = arg.sval
        elif isinstance(arg, ast.Boolean):
            out[d.defname] = arg.boolval
        else:
            out[d.defname] = True if arg is None else arg
    return out


def create_sql(ext: Extension) -> str:
    sql = f"CREATE EXTENSION {quote_ident(ext.name)}"
    if ext.search_path is None and ext.schema:
        sql += f" WITH SCHEMA {quote_ident(ext.schema)}"
    if ext.version:
        sql += f" VERSION {literal(ext.version)}"
    return sql + ";"


def recreate_step(cat: Catalog, ext: Extension) -> Step:
    sql = [create_sql(ext)]
    if ext_ref(ext.name) in cat.comments:
        sql.append(comment_sql("extension", quote_ident(ext.name), cat.comments[ext_ref(ext.name)]))
    for member in [s for s, schema in cat.schemas.items() if schema.extension == ext.name]:
        sql += restore_refs_sql(cat, schema_ref(member), None)
    return Step(
        title=f"Recreate extension {quote_ident(ext.name)}",
        group=GROUP_RECREATE,
        sql=sql,
        search_path=ext.search_path,
    )


def add_schemas(cat: Catalog, name: str) -> list[str]:
    """Put the schemas ``CREATE EXTENSION name`` makes into the catalog.

    Returns the control-file schema when it had to be created (it outlives the
    extension, so the inverse drops it after the extension).
    """
    created: list[str] = []
    control = CONTROL_SCHEMA.get(name)
    if control and control not in cat.schemas:
        cat.schemas[control] = Schema(name=control, owner=cat.current_user)
        cat.apply_default_privileges("schema", control, schema_ref(control))
        created.append(control)
    for member in MEMBER_SCHEMAS.get(name, ()):
        if member not in cat.schemas:  # an existing one is not taken over (PostgreSQL 15 refuses)
            cat.schemas[member] = Schema(name=member, owner=cat.current_user, extension=name)
    for schema, roles in PLATFORM_SCHEMA_GRANTS.get(name, {}).items():
        if schema in cat.schemas and cat.schemas[schema].extension == name:
            for role, (privs, grantable) in roles.items():
                cat.set_privileges(schema_ref(schema), role, cat.privileges(schema_ref(schema), role) | privs)
                if grantable:
                    cat.set_grant_options(schema_ref(schema), role, cat.grant_options_of(schema_ref(schema), role) | privs)
    return created


def forget_schemas(cat: Catalog, name: str) -> None:
    """DROP EXTENSION ``name``: the schemas it owns are gone with it."""
    for member in [s for s, schema in cat.schemas.items() if schema.extension == name]:
        del cat.schemas[member]
        cat.drop_object_refs(schema_ref(member))
        cat.default_privileges = [d for d in cat.default_privileges if d.schema != member]


@handles(ast.CreateExtensionStmt)
def create_extension(node: ast.CreateExtensionStmt, ctx: Context) -> list[Step]:
    """``CREATE EXTENSION`` → ``DROP EXTENSION`` (and the requirements CASCADE installed)."""
    cat = ctx.catalog
    name = node.extname
    opts = _options(node)
    if name in cat.extensions:
        if node.if_not_exists:
            return []  # PostgreSQL: NOTICE "already exists, skipping", even for another schema
        if not cat.extensions[name].platform:
            raise Unsupported(f"extension {quote_ident(name)} is already installed, so this statement fails")
        # A platform extension this project's image did not install (the statement ran).
        del cat.extensions[name]
    explicit = opts.get("schema")
    control = CONTROL_SCHEMA.get(name)
    if control and explicit and explicit != control:
        raise Unsupported(f"extension {quote_ident(name)} must be installed in schema {quote_ident(control)}, so this statement fails")
    if control:
        explicit = control
    schema = str(explicit) if explicit else cat.creation_schema()
    version = opts.get("new_version")
    installed = [name]
    if opts.get("cascade"):
        if name not in REQUIRES:
            raise Unsupported(
                f"CASCADE may also have installed extensions that {quote_ident(name)} requires; "
                "which ones is not known to the generator"
            )
        for req in REQUIRES[name]:
            if req not in cat.extensions:
                if req not in REQUIRES or REQUIRES[req]:
                    raise Unsupported(f"CASCADE installed {quote_ident(req)}, whose own requirements are not known")
                installed.append(req)
                cat.extensions[req] = Extension(name=req, schema=schema, search_path=None if explicit else cat.search_path)
    cat.extensions[name] = Extension(
        name=name,
        schema=schema,
        version=str(version) if version else None,
        search_path=None if explicit else cat.search_path,
    )
    created = add_schemas(cat, name)
    return [
        Step(
            title=f"Drop extension {quote_ident(ext)}",
            group=GROUP_DROP,
            sql=([] if ext in TYPELESS else [keep_backups_sql(ext)]) + [f"DROP EXTENSION {quote_ident(ext)};"],
        )
        for ext in installed
    ] + [
        Step(title=f"Drop schema {quote_ident(s)}", group="Drop Schemas", sql=[f"DROP SCHEMA {quote_ident(s)};"])
        for s in created
    ]


@handles(ast.DropStmt, ObjectType.OBJECT_EXTENSION)
def drop_extension(node: ast.DropStmt, ctx: Context) -> list[Step]:
    """``DROP EXTENSION`` → ``CREATE EXTENSION`` as recorded; CASCADE is manual."""
    cat = ctx.catalog
    steps: list[Step] = []
    gone: list[str] = []
    for obj in node.objects:
        name = obj.sval
        ext = cat.extensions.get(name)
        if ext is None:
            if node.missing_ok:
                continue
            raise Unsupported(f"extension {quote_ident(name)} is not known from earlier migrations")
        reason = ctx.tainted_reason(ext_ref(name))
        if reason:
            raise Unsupported(reason)
        if node.behavior == DropBehavior.DROP_CASCADE:
            raise Unsupported(
                f"DROP EXTENSION {quote_ident(name)} CASCADE also destroyed every object that used it "
                "(columns of its types, indexes with its operator classes, defaults calling its functions...); "
                f"recreate it with `{create_sql(ext)}` and restore those objects from a backup"
            )
        owned = [s for s, schema in cat.schemas.items() if schema.extension == name]
        held = [what for s in owned for what in contents(cat, s)]
        if held:
            raise Unsupported(
                f"DROP EXTENSION {quote_ident(name)} needs its schemas {', '.join(owned)} free of other objects, "
                f"but the migrations put {', '.join(held)} there"
            )
        steps.append(recreate_step(cat, ext))
        gone.append(name)
    for name in gone:
        del cat.extensions[name]
        cat.drop_object_refs(ext_ref(name))
        forget_schemas(cat, name)
    return steps


@handles(ast.AlterExtensionStmt)
def alter_extension(node: ast.AlterExtensionStmt, ctx: Context) -> list[Step]:
    """``ALTER EXTENSION e UPDATE [TO v]``: no automatic downgrade, so manual."""
    cat = ctx.catalog
    ext = cat.extensions.get(node.extname)
    new = _options(node).get("new_version")
    previous = ext.version if ext else None
    if ext is not None:
        ext.version = str(new) if new else None
    target = f" TO {literal(previous)}" if previous else ""
    return ctx.manual(
        f"extension {quote_ident(node.extname)} was updated"
        + (f" from version {previous}" if previous else " from a version the generator does not know")
        + "; extension scripts generally provide no downgrade path, so going back needs a restore or "
        "a hand-written downgrade",
        sql=[f"ALTER EXTENSION {quote_ident(node.extname)} UPDATE{target};"] if previous else [],
    )


@handles(ast.AlterObjectSchemaStmt, ObjectType.OBJECT_EXTENSION)
def set_extension_schema(node: ast.AlterObjectSchemaStmt, ctx: Context) -> list[Step]:
    """``ALTER EXTENSION e SET SCHEMA s`` → ``ALTER EXTENSION e SET SCHEMA <old>``."""
    cat = ctx.catalog
    name = node.object.sval
    ext = cat.extensions.get(name)
    if ext is None:
        raise Unsupported(f"extension {quote_ident(name)} is not known from earlier migrations")
    if ext.search_path is not None:
        raise Unsupported(f"extension {quote_ident(name)} was created without a schema; where it was is not certain")
    old = ext.schema
    if old == node.newschema:
        return []
    ext.schema = node.newschema
    return [
        Step(
            title=f"Move extension {quote_ident(name)} back to schema {quote_ident(old)}",
            group=GROUP_MOVE,
            sql=[f"ALTER EXTENSION {quote_ident(name)} SET SCHEMA {quote_ident(old)};"],
        )
    ]
