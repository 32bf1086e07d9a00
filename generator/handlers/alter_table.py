"""ALTER TABLE: each subcommand is inverted by its own handler; the inverses run in the reverse of
the order PostgreSQL runs the subcommands (by pass, see alter_passes.py).

Subcommand handlers are registered with ``@handles_alter(AlterTableType.X)`` (other
modules register theirs too, e.g. ENABLE/DISABLE TRIGGER). A subcommand nobody handles
makes the whole statement a manual step.
"""

from __future__ import annotations

import copy
from contextvars import ContextVar

from pglast import ast
from pglast.enums import AlterTableType as AT
from pglast.enums import ConstrType, DropBehavior, ObjectType

from ..catalog import Catalog, Column, Constraint, Key, ObjRef, Table
from ..engine import Context, Unsupported, find_alter_handler, handles, handles_alter
from ..refs import column_ref, grant_sql, restore_refs_sql, role_name
from ..sqltext import literal, qname, quote_ident, render
from ..steps import Backup, Hazard, Step
from . import dependents
from .alter_passes import in_execution_order
from .tables import (
    CON_KIND,
    add_constraint_sql,
    add_new_constraints,
    add_sequence,
    added_by_this_file,
    backup_name,
    build_column,
    collation_sql,
    column_refs,
    column_sql,
    comment_restore,
    constraint_ref,
    default_sql,
    drop_constraint_from_catalog,
    fk_target_columns,
    index_ref,
    index_sql,
    note_added_constraint,
    own_default_path,
    owned_sequence,
    parse_constraint,
    parse_expr,
    parse_stmt,
    policy_ref,
    policy_sql,
    record_constraint,
    referenced_columns,
    referencing_fks,
    sequence_note,
    sequence_restore_sql,
    trigger_ref,
    trigger_sql,
    type_shape,
    type_sql,
    under_path,
    views_using,
    written_path,
)

_NAMES = {
    AT.AT_ChangeOwner: "OWNER TO",
    AT.AT_SetStatistics: "ALTER COLUMN ... SET STATISTICS",
    AT.AT_SetStorage: "ALTER COLUMN ... SET STORAGE",
    AT.AT_AddIdentity: "ALTER COLUMN ... ADD GENERATED AS IDENTITY",
    AT.AT_SetIdentity: "ALTER COLUMN ... SET (identity options)",
    AT.AT_DropIdentity: "ALTER COLUMN ... DROP IDENTITY",
    AT.AT_DropExpression: "ALTER COLUMN ... DROP EXPRESSION",
    AT.AT_SetRelOptions: "SET (storage parameters)",
    AT.AT_ResetRelOptions: "RESET (storage parameters)",
    AT.AT_SetLogged: "SET LOGGED",
    AT.AT_SetUnLogged: "SET UNLOGGED",
    AT.AT_AttachPartition: "ATTACH PARTITION",
    AT.AT_DetachPartition: "DETACH PARTITION",
    AT.AT_AlterConstraint: "ALTER CONSTRAINT",
    AT.AT_SetTableSpace: "SET TABLESPACE",
    AT.AT_ClusterOn: "CLUSTER ON",
}


def subcommand_name(cmd: ast.AlterTableCmd) -> str:
    st = AT(cmd.subtype)
    return _NAMES.get(st) or st.name.removeprefix("AT_")


@handles(ast.AlterTableStmt, ObjectType.OBJECT_TABLE)
def alter_table(node: ast.AlterTableStmt, ctx: Context) -> list[Step]:
    """ALTER TABLE t a, b, c → the inverses of c, b, a, with a, b, c in the order PostgreSQL
    runs them (by pass, see alter_passes; ONLY makes no difference here)."""
    try:
        return _alter_table(node, ctx)
    except Unsupported:
        # the tables it names are distrusted from here on; but no ALTER TABLE renames a table
        # or a constraint, so the constraints this file added are still the ones it added
        for _, _, seen in ctx.catalog.file_constraints.values():
            seen.add(ctx.stmt.where)
        raise


def _alter_table(node: ast.AlterTableStmt, ctx: Context) -> list[Step]:
    cat = ctx.catalog
    rv = node.relation
    key = cat.resolve_relation(rv.schemaname, rv.relname)
    if key not in cat.tables:
        if node.missing_ok and not cat.relation_kind(key):
            return []
        other = _other_relation(node, key, ctx)
        if other is not None:
            return other
        raise Unsupported(f"table {qname(*key)} is not in the catalog")
    handlers = []
    for cmd in in_execution_order(node.cmds):
        h = find_alter_handler(cmd)
        if h is None:
            raise Unsupported(f"ALTER TABLE {subcommand_name(cmd)} is not supported")
        handlers.append((h, cmd))
    distrusted: list[ObjRef] = []
    token = _DISTRUST_AFTER.set(distrusted)
    try:
        per_cmd = [h(cmd, key, ctx) for h, cmd in handlers]
    finally:
        _DISTRUST_AFTER.reset(token)
    for ref in distrusted:
        ctx.taint(ref)
    return [s for group in reversed(per_cmd) for s in group]


# Objects a subcommand left in a state the catalog cannot describe exactly: distrusted once
# the whole statement is replayed (distrusting the table at once would make its other
# subcommands manual).
_DISTRUST_AFTER: ContextVar[list[ObjRef] | None] = ContextVar("distrust_after", default=None)


def _distrust(ctx: Context, ref: ObjRef) -> None:
    pending = _DISTRUST_AFTER.get()
    if pending is None:
        ctx.taint(ref)
    else:
        pending.append(ref)


def _other_relation(node: ast.AlterTableStmt, key: Key, ctx: Context) -> list[Step] | None:
    """``ALTER TABLE <view or sequence> OWNER TO`` (pg_dump writes it so): the view's or
    sequence's own handler."""
    kind = ctx.catalog.relation_kind(key)
    if kind not in ("view", "materialized view", "sequence") or any(
        c.subtype != AT.AT_ChangeOwner for c in node.cmds
    ):
        return None
    from . import sequences, views

    alias = copy.copy(node)
    if kind == "sequence":
        alias.objtype = ObjectType.OBJECT_SEQUENCE
        return sequences.alter_sequence_table_form(alias, ctx)
    alias.objtype = ObjectType.OBJECT_VIEW if kind == "view" else ObjectType.OBJECT_MATVIEW
    return views.alter_view(alias, ctx)


def _known(ctx: Context, key: Key) -> Table:
    """The table as the catalog knows it; manual if an unanalysed statement changed it."""
    reason = ctx.tainted_reason(("table", qname(*key)))
    if reason:
        raise Unsupported(reason)
    return ctx.catalog.tables[key]


def _alter(key: Key, action: str) -> str:
    return f"ALTER TABLE {qname(*key)} {action};"


def _col(table: Table, name: str) -> Column:
    col = table.columns.get(name)
    if col is None:
        raise Unsupported(f"column {name} of {qname(*table.key)} is not in the catalog")
    return col


# -- columns -----------------------------------------------------------------------------------


@handles_alter(AT.AT_AddColumn)
def add_column(cmd: ast.AlterTableCmd, key: Key, ctx: Context) -> list[Step]:
    """ADD COLUMN c → DROP COLUMN c, after saving the column's values with the primary key."""
    table = ctx.catalog.tables[key]
    cd: ast.ColumnDef = cmd.def_
    if cd.colname in table.columns:
        if cmd.missing_ok:
            return []
        raise Unsupported(f"column {cd.colname} of {qname(*key)} already exists in the catalog")
    nc = build_column(cd, table, ctx)
    table.columns[cd.colname] = nc.column
    if nc.sequence:
        add_sequence(nc.sequence, ctx)
    add_new_constraints(table, [(c, cd.colname) for c in nc.constraints], ctx)
    q = qname(*key)
    cq = f"{q}.{quote_ident(cd.colname)}"
    pk = next((c for c in table.constraints.values() if c.kind == "p" and cd.colname not in c.columns), None)
    bname = backup_name(ctx, table.name, cd.colname)
    if pk is not None:
        query = f"SELECT {', '.join(quote_ident(c) for c in pk.columns)}, {quote_ident(cd.colname)} FROM {q}"
        what = f"column {quote_ident(cd.colname)} of {q} with its primary key"
    else:
        query, what = f"TABLE {q}", f"rows of {q} (it has no primary key to key column {quote_ident(cd.colname)} by)"
    return [
        Step(
            title=f"Drop column {cq}",
            group="Drop Columns",
            sql=[_alter(key, f"DROP COLUMN {quote_ident(cd.colname)}")],
            lost=[f"column {cq} ({nc.column.type})"],
            backups=[Backup(bname, query, what)],
        ).hazard(Hazard.DELETES_DATA, f"values written to {cq} since the migration are dropped; backed up to {bname}")
    ]


def _index_columns(definition: str, quals: set[str]) -> list[str]:
    node = parse_stmt(definition)
    cols: list[str] = []
    for elem in (*(node.indexParams or ()), *(node.indexIncludingParams or ())):
        cols += [elem.name] if elem.name else referenced_columns(elem.expr, quals)
    return cols + referenced_columns(node.whereClause, quals)


@handles_alter(AT.AT_DropColumn)
def drop_column(cmd: ast.AlterTableCmd, key: Key, ctx: Context) -> list[Step]:
    """DROP COLUMN c → re-add c with its definition, constraints, indexes, grants and comment.

    PostgreSQL drops every index and constraint of the table that involves the column,
    foreign keys of other tables that referenced it, and (CASCADE) policies and
    triggers that use it; all of them are recreated. The values are gone for good.
    """
    cat = ctx.catalog
    table = cat.tables[key]
    name = cmd.name
    if name not in table.columns:
        if cmd.missing_ok:
            return []
        raise Unsupported(f"column {name} of {qname(*key)} is not in the catalog")
    table = _known(ctx, key)
    col = table.columns[name]
    q = qname(*key)
    cq = f"{q}.{quote_ident(name)}"
    quals = {key[1]}
    cascade = cmd.behavior == DropBehavior.DROP_CASCADE
    if any(c.generated is not None and name in referenced_columns(parse_expr(c.generated), quals)
           for n, c in table.columns.items() if n != name):
        raise Unsupported(f"a generated column of {q} uses {name}; dropping it dropped that column too")
    dep_views: list[Key] = []
    if cascade:
        dep_views = dependents.views_on_column(cat, key, name)
        dependents.check_trusted(ctx, dep_views)
        starred = [v for v in dep_views if key in cat.views[v].star_sources]
        if starred and list(table.columns)[-1] != name:
            raise Unsupported(
                f"view {qname(*starred[0])} reads {q} with *; the restored column comes back last, so * would "
                "not mean the same columns and the view cannot be recreated as it was"
            )
    dep_policies = dependents.policies_on(cat, set(dep_views)) if dep_views else []
    cons = [c for c in table.constraints.values() if name in c.columns]
    con_indexes = {c.index for c in cons if c.index}
    indexes = [i for i in cat.indexes.values()
               if i.table == key and i.constraint is None and name in _index_columns(i.definition, quals)]
    ext_fks = [(t, c) for t, c in referencing_fks(cat, key)
               if t.key != key and name in fk_target_columns(c)]
    policies = []
    triggers = []
    for pol in cat.policies.values():
        if (pol.schema, pol.table) != key:
            continue
        refs = [r for e in (pol.using, pol.check) if e is not None for r in column_refs(parse_expr(e)).refs]
        if any(r[-1] == name for r in refs):
            if ctx.tainted_reason(policy_ref(key, pol.name)):
                raise Unsupported(ctx.tainted_reason(policy_ref(key, pol.name)))
            policies.append(pol)
    for trg in cat.triggers.values():
        if (trg.schema, trg.table) != key:
            continue
        tnode = parse_stmt(trg.definition)
        tcols = [s.sval for s in tnode.columns or ()] + referenced_columns(tnode.whenClause, {"new", "old"})
        if name in tcols:
            triggers.append(trg)
    if (policies or triggers) and not cascade:
        raise Unsupported(f"policies or triggers of {q} use column {name}, which PostgreSQL only drops with CASCADE")
    seq = owned_sequence(cat, key, name, identity=False)
    ident = owned_sequence(cat, key, name, identity=True)

    sql: list[str] = []
    if seq is not None:
        sql.append(seq.definition.rstrip().rstrip(";") + ";")
    needs_set_not_null = col.not_null and col.default is None and not col.identity and col.generated is None
    add = [_alter(key, f"ADD COLUMN {column_sql(col, cat, key, with_not_null=not needs_set_not_null)}")]
    sql += under_path(add, col.default_path, table.search_path)
    if needs_set_not_null:
        sql.append(_alter(key, f"ALTER COLUMN {quote_ident(name)} SET NOT NULL"))
    if seq is not None:
        sql.append(f"ALTER SEQUENCE {qname(seq.schema, seq.name)} OWNED BY {cq};")
    for c in cons:
        sql.append(add_constraint_sql(key, c))
    sql += [index_sql(i) for i in indexes]
    for t, c in ext_fks:
        sql.append(add_constraint_sql(t.key, c))
    for pol in policies:
        sql += policy_sql(cat, pol, table.search_path)
    for trg in triggers:
        sql += trigger_sql(cat, trg)
    cref = column_ref(key, name)
    sql += restore_refs_sql(cat, cref, key[0])
    for c in cons:
        sql += comment_restore(cat, constraint_ref(key, c.name))
        if c.index:
            sql += comment_restore(cat, index_ref(key[0], c.index))
    for i in indexes:
        sql += comment_restore(cat, index_ref(i.schema, i.name))
    for t, c in ext_fks:
        sql += comment_restore(cat, constraint_ref(t.key, c.name))
    for s in (seq, ident):
        if s is not None:
            sql += sequence_restore_sql(cat, s)

    step = Step(
        title=f"Restore column {cq}",
        group="Restore Columns",
        sql=sql,
        lost=[f"column {cq} ({col.type})"],
        search_path=table.search_path,
    )
    cascaded = dependents.recreate_after_cascade(cat, dep_views, dep_policies)
    reason = (f"the values of {cq} were deleted by the migration; the rollback restores the column "
              "without them; restore the data from a backup taken before the migration")
    if needs_set_not_null:
        reason += (f"; {name} is NOT NULL without a default, so it is added and then set NOT NULL, "
                   "which fails while the table has rows (restore the values in between)")
    step.hazard(Hazard.DATA_NOT_RESTORED, reason)
    if seq is not None or ident is not None:
        s = seq or ident
        step.hazard(Hazard.DATA_NOT_RESTORED, sequence_note([qname(s.schema, s.name)]))

    # apply
    for c in cons:
        drop_constraint_from_catalog(cat, table, c.name)
    for i in indexes:
        del cat.indexes[(i.schema, i.name)]
        cat.drop_object_refs(index_ref(i.schema, i.name))
    for t, c in ext_fks:
        drop_constraint_from_catalog(cat, t, c.name)
    for pol in policies:
        del cat.policies[(pol.schema, pol.table, pol.name)]
        cat.drop_object_refs(policy_ref(key, pol.name))
    for trg in triggers:
        del cat.triggers[(trg.schema, trg.table, trg.name)]
        cat.drop_object_refs(trigger_ref(key, trg.name))
    for s in (seq, ident):
        if s is not None:
            del cat.sequences[(s.schema, s.name)]
            cat.drop_object_refs(("sequence", qname(s.schema, s.name)))
    if table.replica_identity.startswith("index:") and table.replica_identity[6:] in con_indexes | {i.name for i in indexes}:
        table.replica_identity = "nothing"
    del table.columns[name]
    cat.drop_object_refs(cref)
    dependents.forget(cat, dep_views, dep_policies)
    return [step, *cascaded]


# Inverse type changes that can never fail or lose information: (from, to) base types.
_WIDENING = {
    ("int2", "int4"), ("int2", "int8"), ("int4", "int8"), ("int2", "numeric"), ("int4", "numeric"),
    ("int8", "numeric"), ("float4", "float8"), ("varchar", "text"), ("bpchar", "text"),
    ("varchar", "varchar"), ("numeric", "numeric"), ("text", "varchar"),
}


def is_widening(old: str, new: str) -> bool:
    """True when every value of type ``old`` converts to ``new`` without loss or error."""
    if old == new:
        return True
    ob, om, od = type_shape(old)
    nb, nm, nd = type_shape(new)
    if od != nd or (ob, nb) not in _WIDENING:
        return False
    if ob == nb == "varchar":
        return not nm or (om and int(nm[0]) >= int(om[0]))
    if ob == nb == "numeric":
        return not nm
    if (ob, nb) == ("text", "varchar"):
        return not nm
    return True


@handles_alter(AT.AT_AlterColumnType)
def alter_column_type(cmd: ast.AlterTableCmd, key: Key, ctx: Context) -> list[Step]:
    """ALTER COLUMN c TYPE new → TYPE old USING c::old, then the default as it was."""
    table = _known(ctx, key)
    col = _col(table, cmd.name)
    cd: ast.ColumnDef = cmd.def_
    new_type = type_sql(cd.typeName, ctx.catalog)
    old_type, old_coll = col.type, col.collation
    c = quote_ident(col.name)
    q = qname(*key)
    checks, indexes = _reprinted_dependents(table, col.name, ctx.catalog)
    actions = [f"DROP CONSTRAINT {quote_ident(con.name)}" for con in checks]
    if col.default is not None:
        actions.append(f"ALTER COLUMN {c} DROP DEFAULT")
    collate = f" COLLATE {old_coll}" if old_coll else ""
    actions.append(f"ALTER COLUMN {c} TYPE {old_type}{collate} USING {_cast_back(c, old_type, new_type, ctx.catalog)}")
    if col.default is not None and not own_default_path(col, table):
        actions.append(f"ALTER COLUMN {c} SET DEFAULT {col.default}")
    actions += [f"ADD CONSTRAINT {quote_ident(con.name)} {con.definition}" + (" NOT VALID" if con.not_valid else "")
                for con in checks]
    sql = [f"DROP INDEX {qname(idx.schema, idx.name)};" for idx in indexes]
    sql.append(f"ALTER TABLE {q} " + ", ".join(actions) + ";")
    if own_default_path(col, table):
        sql += default_sql(key, col, table.search_path)
    sql += [index_sql(idx) for idx in indexes]
    for con in checks:
        sql += comment_restore(ctx.catalog, constraint_ref(key, con.name))
    for idx in indexes:
        sql += comment_restore(ctx.catalog, index_ref(idx.schema, idx.name))
    cq = f"{q}.{c}"
    step = Step(
        title=f"Change column {cq} back to {old_type}",
        group="Restore Column Types",
        sql=sql,
        search_path=table.search_path,
    )
    if not is_widening(new_type, old_type) and not _enum_fits(new_type, old_type, ctx.catalog):
        step.hazard(Hazard.LOSSY_CAST, f"converting {cq} from {new_type} back to {old_type} fails or loses information for values that do not fit")
    step.hazard(Hazard.REWRITES_TABLE, f"changing the type of {cq} may rewrite {q} and its indexes")
    step.hazard(Hazard.ACCESS_EXCLUSIVE_LOCK, f"{q} is locked against reads and writes while it is converted")
    if not _plain_cast(cd.raw_default, col.name):
        step.hazard(Hazard.DATA_NOT_RESTORED, f"the migration converted {cq} with USING {render(cd.raw_default)}; the original values may not come back")
    elif _enum_to_enum(old_type, new_type, ctx.catalog):
        pass  # each value kept its label through text: the inverse gives back the same labels
    elif not is_widening(old_type, new_type) and type_shape(new_type)[0] not in ("text", "varchar") or (
        type_shape(new_type)[0] == "varchar" and type_shape(new_type)[1] and not is_widening(old_type, new_type)
    ):
        step.hazard(Hazard.DATA_NOT_RESTORED, f"the migration narrowed {cq} from {old_type} to {new_type}; values it truncated or rounded are not restored")
    if col.default is not None:
        kept = default_after_type_change(col.default, old_type, ctx.catalog)
        if kept is None:
            _distrust(ctx, ("table", q))  # PostgreSQL's default cannot be written back exactly
        else:
            col.default = kept
    if (checks or indexes) and not _reparse_is_fresh(old_type, new_type):
        # PostgreSQL rebuilds them from their printed text, casts to the old type included
        # ("id > 0" on numeric becomes "(id)::numeric > (0)::numeric" back on bigint): the
        # recorded text no longer recreates them exactly
        _distrust(ctx, ("table", q))
    col.type = new_type
    col.collation = collation_sql(cd.collClause)
    if _no_cast_back(old_type, new_type) or not _builtin_cast(new_type, old_type):
        why = ("PostgreSQL has no cast from an array to a single value or back" if _no_cast_back(old_type, new_type)
               else f"PostgreSQL has no cast from {type_shape(new_type)[0]} to {type_shape(old_type)[0]}")
        reason = (f"the migration converted {cq} from {old_type} to {new_type}"
                  + (f" with USING {render(cd.raw_default)}" if cd.raw_default is not None else "")
                  + f"; {why}, so the expression that converts {cq} back must be written by hand")
        manual = ctx.manual(reason, sql=step.sql, title=step.title)[0]
        manual.hazards.extend(h for h in step.hazards if h not in manual.hazards)
        return [manual]
    return [step]


def _no_cast_back(old_type: str, new_type: str) -> bool:
    """Whether ``ALTER COLUMN ... TYPE old USING c::old`` cannot work: one type is an array
    and the other is not, and the old type is not a string type (arrays and strings convert
    through their text form; an array and a number or a uuid do not convert at all)."""
    (base_old, _, dims_old), (_, _, dims_new) = type_shape(old_type), type_shape(new_type)
    return bool(dims_old) != bool(dims_new) and not (base_old in _STRING_TYPES and not dims_old)


# The built-in types whose casts are known here (pg_cast, plus the I/O conversion every
# type has to and from the string types). A type outside this list (an extension's, a
# domain, an enum: those go through text) is assumed castable, as before.
_NUMBERS = {"int2", "int4", "int8", "numeric", "float4", "float8"}
_CAST_STRINGS = {"text", "varchar", "bpchar", "name"}
_KNOWN_CASTS = {  # (source, target) pairs beyond "same type", "a string" and "two numbers"
    ("date", "timestamp"), ("date", "timestamptz"), ("timestamp", "date"), ("timestamptz", "date"),
    ("timestamp", "timestamptz"), ("timestamptz", "timestamp"), ("timestamp", "time"), ("timestamptz", "time"),
    ("timestamptz", "timetz"), ("time", "timetz"), ("timetz", "time"), ("time", "interval"), ("interval", "time"),
    ("bool", "int4"), ("int4", "bool"), ("json", "jsonb"), ("jsonb", "json"), ("inet", "cidr"), ("cidr", "inet"),
    *(("jsonb", t) for t in ("bool", "int2", "int4", "int8", "numeric", "float4", "float8")),
}
_BUILTIN = _NUMBERS | _CAST_STRINGS | {"date", "timestamp", "timestamptz", "time", "timetz", "interval", "bool",
                                       "json", "jsonb", "uuid", "bytea", "inet", "cidr"}


def _builtin_cast(source: str, target: str) -> bool:
    """Whether ``value::target`` can work for a ``source`` value (False only when both are
    built-in types this module knows and PostgreSQL has no such cast: uuid to bigint)."""
    a, b = type_shape(source)[0], type_shape(target)[0]
    if a not in _BUILTIN or b not in _BUILTIN or a == b or a in _CAST_STRINGS or b in _CAST_STRINGS:
        return True
    return (a in _NUMBERS and b in _NUMBERS) or (a, b) in _KNOWN_CASTS


def _plain_cast(using: ast.Node | None, column: str) -> bool:
    """True for no USING, ``USING c::t`` and ``USING c::text::t`` (how ``supabase db diff``
    retypes an enum column): conversions of the value alone, which the inverse undoes."""
    if using is None:
        return True
    if not isinstance(using, ast.TypeCast):
        return False
    arg = using.arg
    if isinstance(arg, ast.TypeCast) and [n.sval for n in arg.typeName.names][-1] == "text" and not arg.typeName.arrayBounds:
        arg = arg.arg
    return isinstance(arg, ast.ColumnRef) and isinstance(arg.fields[-1], ast.String) and arg.fields[-1].sval == column


def _enum(col_type: str, cat: Catalog) -> tuple[list[str], int] | None:
    """(labels, array dimensions) when ``col_type`` is a user-defined enum or an array of one."""
    tn = parse_expr(f"NULL::{col_type}").typeName
    names = [n.sval for n in tn.names]
    if names[0] == "pg_catalog" or len(names) > 2:
        return None
    key = cat.resolve_type(names[0] if len(names) == 2 else None, names[-1])
    if key is None or cat.types[key].kind != "enum":
        return None
    return list(cat.types[key].labels), len(tn.arrayBounds or ())


def _enum_fits(source: str, target: str, cat: Catalog) -> bool:
    """True when both are enums (or arrays of them, alike) and every label of ``source`` is
    one of ``target``: converting through text then never fails nor changes a value."""
    a, b = _enum(source, cat), _enum(target, cat)
    return a is not None and b is not None and a[1] == b[1] and set(a[0]) <= set(b[0])


def _enum_to_enum(source: str, target: str, cat: Catalog) -> bool:
    a, b = _enum(source, cat), _enum(target, cat)
    return a is not None and b is not None and a[1] == b[1]


_STRING_TYPES = {"text", "varchar", "bpchar"}


def _cast_back(c: str, old_type: str, new_type: str, cat: Catalog) -> str:
    """The USING expression that converts column ``c`` from ``new_type`` back to ``old_type``.

    PostgreSQL has no cast between two enum types, nor between an enum and a type other
    than text (``cannot cast type a to b``): there the value goes through its text form,
    ``c::text::old``, which is how ``supabase db diff`` retypes enum columns too (arrays of
    enums alike, ``'{a,b}'``). Between an enum and a string type the direct cast exists.
    """
    enums = _enum(old_type, cat) is not None or _enum(new_type, cat) is not None
    if enums and type_shape(old_type)[0] not in _STRING_TYPES and type_shape(new_type)[0] not in _STRING_TYPES:
        return f"{c}::text::{old_type}"
    return f"{c}::{old_type}"


# PostgreSQL rebuilds a CHECK or an index expression from its text printed for the old
# type: the casts printed there stay. An integer column's expressions print no cast to its
# type (integer constants are integers), and a text/varchar column's print casts to text,
# which parsing them for text or varchar adds anyway: those read back as a fresh parse of
# the recorded text. Any other old type (numeric: "n > (0)::numeric") may not.
_INTEGERS, _TEXTS = {"int2", "int4", "int8"}, {"text", "varchar"}


def _reparse_is_fresh(old: str, new: str) -> bool:
    (base_old, _, dims_old), (base_new, _, dims_new) = type_shape(old), type_shape(new)
    if dims_old or dims_new:
        return False
    return base_old in _INTEGERS or (base_old in _TEXTS and base_new in _TEXTS)


def _reprinted_dependents(table: Table, column: str, cat: Catalog) -> tuple[list[Constraint], list]:
    """The CHECK constraints and the expression or partial indexes of ``table`` that read
    ``column``. PostgreSQL rebuilds them from their printed text when the column's type
    changes, so changing the type back does not give back their definitions: the rollback
    drops them first and recreates them as they were."""
    checks = [con for con in table.constraints.values() if con.kind == "c" and column in con.columns]
    indexes = []
    for idx in cat.indexes.values():
        if idx.table != table.key or idx.constraint is not None:
            continue
        node = parse_stmt(idx.definition)
        exprs = [e.expr for e in node.indexParams or () if e.expr is not None]
        if node.whereClause is not None:
            exprs.append(node.whereClause)
        if any(column in referenced_columns(e, {table.name}) for e in exprs):
            indexes.append(idx)
    return checks, indexes


def _untyped_literal(node: ast.Node) -> ast.A_Const | None:
    """The string literal a default is, if its type comes from the column (``'x'``,
    ``'x' COLLATE "C"``); NULL and numbers are left alone."""
    if isinstance(node, ast.CollateClause):
        node = node.arg
    if isinstance(node, ast.A_Const) and not node.isnull and isinstance(node.val, ast.String):
        return node
    return None


def _domain(col_type: str, cat: Catalog) -> Key | None:
    """The catalog key of the domain a column type is (not an array of it), if it is one."""
    tn = parse_expr(f"NULL::{col_type}").typeName
    names = [n.sval for n in tn.names]
    if tn.arrayBounds or names[0] == "pg_catalog":
        return None
    key = cat.resolve_type(names[0] if len(names) == 2 else None, names[-1])
    return key if key is not None and cat.types[key].kind == "domain" else None


def _literal_type(col_type: str, cat: Catalog) -> str | None:
    """The type PostgreSQL gives a string literal default of a ``col_type`` column: the
    type without its modifiers (the length coercion is implicit and stripped), a domain's
    base type (the domain check is implicit too); None when that cannot be written back."""
    tn = parse_expr(f"NULL::{col_type}").typeName
    names = [n.sval for n in tn.names]
    key = _domain(col_type, cat)
    if key is not None:
        tn = parse_stmt(cat.types[key].definition).typeName
        names = [n.sval for n in tn.names]
        if names[0] != "pg_catalog" and (len(names) == 2 or any(k[1] == names[-1] for k in cat.types)):
            return None  # a user-defined base type: not worth the risk of naming the wrong one
    if tn.typmods and names[-1] == "interval":
        return None  # interval's input keeps the typmod; an explicit cast shows none
    tn = copy.deepcopy(tn)
    tn.typmods = None
    if names[-1] == "bpchar":
        tn.names = (ast.String(sval="bpchar"),)  # pglast prints pg_catalog.bpchar as char, i.e. char(1)
    return render(tn)


def default_after_type_change(default: str, old_type: str, cat: Catalog) -> str | None:
    """The default of a column after ``ALTER COLUMN ... TYPE``, written so that creating it
    on the new type gives exactly what PostgreSQL keeps.

    PostgreSQL (ATExecAlterColumnType) does not re-parse the default: it strips the implicit
    coercions of the stored expression and coerces the rest to the new type, implicitly. A
    string literal was typed by the old column type when it was stored, so a ``text``
    default ``'x'`` stays the text constant ``'x'::text`` on a ``varchar(40)`` column (where
    writing ``'x'`` again would give ``'x'::character varying``): it is recorded with that
    type. Any other expression (``now()``, ``0``, ``lower('X')``, a cast) has its own type
    whatever the column's and is kept as written. None: not reproducible (the table is then
    distrusted).
    """
    node = parse_expr(default)
    if isinstance(node, ast.A_Const) and node.isnull:
        # NULL is no default at all, except on a domain (kept as NULL::<base type>, which
        # no DEFAULT clause on the new type can give back)
        return None if _domain(old_type, cat) else default
    lit = _untyped_literal(node)
    if lit is None:
        return default
    typ = _literal_type(old_type, cat)
    if typ is None:
        return None
    cast = ast.TypeCast(arg=lit, typeName=parse_expr(f"NULL::{typ}").typeName)
    if isinstance(node, ast.CollateClause):
        node.arg = cast
        return render(node)
    return render(cast)


@handles_alter(AT.AT_ColumnDefault)
def column_default(cmd: ast.AlterTableCmd, key: Key, ctx: Context) -> list[Step]:
    """SET/DROP DEFAULT → the default as it was (or none)."""
    table = _known(ctx, key)
    col = _col(table, cmd.name)
    old, old_path = col.default, col.default_path
    col.default = render(cmd.def_) if cmd.def_ is not None else None
    col.default_path = written_path(ctx.catalog, table) if col.default is not None else None
    if old == col.default and old_path == col.default_path:
        return []
    c = quote_ident(col.name)
    action = f"ALTER COLUMN {c} SET DEFAULT {old}" if old is not None else f"ALTER COLUMN {c} DROP DEFAULT"
    return [Step(
        title=f"Restore the default of {qname(*key)}.{c}",
        group="Restore Defaults",
        sql=[_alter(key, action)],
        search_path=old_path if old is not None and old_path is not None else table.search_path,
    )]


@handles_alter(AT.AT_SetNotNull, AT.AT_DropNotNull)
def not_null(cmd: ast.AlterTableCmd, key: Key, ctx: Context) -> list[Step]:
    """SET NOT NULL ↔ DROP NOT NULL (only when the column's state changed)."""
    table = _known(ctx, key)
    col = _col(table, cmd.name)
    want = cmd.subtype == AT.AT_SetNotNull
    if col.not_null == want:
        return []
    col.not_null = want
    c = quote_ident(col.name)
    cq = f"{qname(*key)}.{c}"
    if want:
        return [Step(title=f"Allow NULL in {cq}", group="Restore NOT NULL",
                     sql=[_alter(key, f"ALTER COLUMN {c} DROP NOT NULL")])]
    return [Step(title=f"Make {cq} NOT NULL again", group="Restore NOT NULL",
                 sql=[_alter(key, f"ALTER COLUMN {c} SET NOT NULL")]).hazard(
        Hazard.ACCESS_EXCLUSIVE_LOCK,
        f"{qname(*key)} is scanned under an exclusive lock; fails if NULLs were written to {c} since the migration")]


# -- constraints ---------------------------------------------------------------------------------


@handles_alter(AT.AT_AddConstraint)
def add_constraint(cmd: ast.AlterTableCmd, key: Key, ctx: Context) -> list[Step]:
    """ADD CONSTRAINT → DROP CONSTRAINT (and undo what came with it).

    A PRIMARY KEY also made its columns NOT NULL: the inverse drops that again. With
    ``USING INDEX i`` PostgreSQL renamed index i to the constraint's name and made it the
    constraint's, so the inverse recreates index i as it was. Foreign keys made on index i
    before (it was a unique index on the columns they reference) depend on it, now the
    constraint's: the constraint cannot be dropped under them, so the inverse drops them
    first and adds them back on the recreated index.
    """
    try:
        return _add_constraint(cmd, key, ctx)
    except Unsupported:
        if cmd.def_.conname:  # it ran all the same: a later VALIDATE of it needs no inverse
            note_added_constraint(ctx, ctx.catalog.tables[key], cmd.def_.conname)
        raise


def _add_constraint(cmd: ast.AlterTableCmd, key: Key, ctx: Context) -> list[Step]:
    cat = ctx.catalog
    table = cat.tables[key]
    con: ast.Constraint = cmd.def_
    if con.contype not in CON_KIND:
        raise Unsupported(f"ADD constraint of kind {ConstrType(con.contype).name} is not supported")
    q = qname(*key)
    sql: list[str] = []
    old_index = None
    on_index: list[tuple[Table, Constraint]] = []
    if con.indexname:
        old_index = cat.indexes.get((key[0], con.indexname))
        if old_index is None or old_index.table != key or old_index.constraint:
            raise Unsupported(f"index {con.indexname} of {q} is not in the catalog")
        reason = ctx.tainted_reason(index_ref(key[0], con.indexname))
        if reason:
            raise Unsupported(reason)
        cols = _index_columns(old_index.definition, {key[1]})
        con = _from_index(con, cols)
        on_index = _fks_on_index(ctx, key, cols)
    nullable_before = [c for c, col in table.columns.items() if not col.not_null]
    comment = cat.comments.get(index_ref(key[0], con.indexname)) if old_index else None
    if old_index:
        del cat.indexes[(key[0], old_index.name)]
        cat.comments.pop(index_ref(key[0], old_index.name), None)
    rec = record_constraint(con, table, ctx)
    if old_index:
        idx = cat.indexes[(key[0], rec.name)]
        node = parse_stmt(old_index.definition)
        node.idxname = rec.name
        idx.definition = render(node)
        if comment is not None:
            cat.comments[index_ref(key[0], rec.name)] = comment
    sql += [_alter(t.key, f"DROP CONSTRAINT {quote_ident(c.name)}") for t, c in on_index]
    sql.append(_alter(key, f"DROP CONSTRAINT {quote_ident(rec.name)}"))
    if rec.kind == "p":
        for c in rec.columns:
            if c in nullable_before:
                sql.append(_alter(key, f"ALTER COLUMN {quote_ident(c)} DROP NOT NULL"))
    if old_index:
        sql.append(index_sql(old_index))
        if comment is not None:
            sql.append(f"COMMENT ON INDEX {qname(key[0], old_index.name)} IS {literal(comment)};")
        for t, c in on_index:
            sql.append(add_constraint_sql(t.key, c))
            sql += comment_restore(cat, constraint_ref(t.key, c.name))
    return [Step(title=f"Drop constraint {quote_ident(rec.name)} on {q}", group="Drop Constraints", sql=sql)]


def _fks_on_index(ctx: Context, key: Key, cols: list[str]) -> list[tuple[Table, Constraint]]:
    """Foreign keys that reference exactly ``cols`` of ``key`` (in any order), so that
    PostgreSQL may have made them on a unique index of those columns (the one an ADD
    CONSTRAINT ... USING INDEX takes over; dropping and re-adding a foreign key that
    uses another such index is harmless)."""
    out = []
    for t, c in referencing_fks(ctx.catalog, key):
        target = fk_target_columns(c)
        if target and sorted(target) == sorted(cols):
            reason = ctx.tainted_reason(("table", qname(*t.key))) or ctx.tainted_reason(constraint_ref(t.key, c.name))
            if reason:
                raise Unsupported(reason)
            out.append((t, c))
    return out


def _from_index(con: ast.Constraint, cols: list[str]) -> ast.Constraint:
    """A PRIMARY KEY/UNIQUE ... USING INDEX constraint, with the index's columns as keys."""
    con = copy.deepcopy(con)
    con.keys = tuple(ast.String(c) for c in cols)
    return con


@handles_alter(AT.AT_DropConstraint)
def drop_constraint(cmd: ast.AlterTableCmd, key: Key, ctx: Context) -> list[Step]:
    """DROP CONSTRAINT c → ADD CONSTRAINT c as the catalog recorded it.

    With CASCADE, dropping a primary key or unique constraint also dropped the foreign
    keys of other tables that relied on its index: they are re-added too.
    """
    cat = ctx.catalog
    table = cat.tables[key]
    name = cmd.name
    reason = ctx.tainted_reason(("table", qname(*key))) or ctx.tainted_reason(constraint_ref(key, name))
    if name not in table.constraints:
        if cmd.missing_ok and not reason:
            return []
        if reason:  # the statement that changed the table may have added it: dropped here, or not
            raise Unsupported(f"{reason}; constraint {name} is not in the catalog, but that statement may have added it")
        raise Unsupported(f"constraint {name} of {qname(*key)} is not in the catalog")
    if reason:
        raise Unsupported(reason)
    con = table.constraints[name]
    q = qname(*key)
    sql = [add_constraint_sql(key, con)]
    sql += comment_restore(cat, constraint_ref(key, name))
    if con.index:
        sql += comment_restore(cat, index_ref(key[0], con.index))
    dependents: list[tuple[Table, Constraint]] = []
    if con.kind in ("p", "u"):
        keys = {k.sval for k in parse_constraint(con.definition).keys or ()}
        if cmd.behavior == DropBehavior.DROP_CASCADE:
            dependents = [(t, c) for t, c in referencing_fks(cat, key)
                          if set(fk_target_columns(c)) == keys or (not fk_target_columns(c) and con.kind == "p")]
    for t, c in dependents:
        sql.append(add_constraint_sql(t.key, c))
        sql += comment_restore(cat, constraint_ref(t.key, c.name))
    step = Step(title=f"Restore constraint {quote_ident(name)} on {q}", group="Restore Constraints", sql=sql,
                search_path=con.search_path)
    if not con.not_valid:
        step.hazard(Hazard.ACCESS_EXCLUSIVE_LOCK,
                    f"re-adding {quote_ident(name)} checks every row of {q}; it fails if rows written since the migration violate it")
    if con.index and table.replica_identity == f"index:{con.index}":
        table.replica_identity = "nothing"
    for t, c in dependents:
        drop_constraint_from_catalog(cat, t, c.name)
    drop_constraint_from_catalog(cat, table, name)
    return [step]


@handles_alter(AT.AT_ValidateConstraint)
def validate_constraint(cmd: ast.AlterTableCmd, key: Key, ctx: Context) -> list[Step]:
    """VALIDATE CONSTRAINT c → drop c and add it back NOT VALID (its state before).

    Validation changes no data; the inverse only restores the catalog flag, so that
    the schema is exactly what it was. PostgreSQL cannot mark a validated constraint
    NOT VALID again; dropping it and adding it back NOT VALID is the only way, and it
    checks no row. Validating a constraint that is already valid changes nothing: no step.
    Nor is there one for a constraint this migration added (``ADD CONSTRAINT c ... NOT VALID;
    VALIDATE CONSTRAINT c``, as ``supabase db diff`` writes them): the inverse of the ADD,
    later in the rollback, drops it, even when that inverse is a manual step.

    Whether c was NOT VALID is read from the catalog, so a table (or constraint) that an
    unanalysed statement may have changed makes that a manual step, even when the catalog
    holds c as valid: that statement may have added it back NOT VALID (with another
    definition), and "already valid, nothing to undo" would then leave it validated.
    """
    q = qname(*key)
    table = ctx.catalog.tables[key]
    con = table.constraints.get(cmd.name)
    if added_by_this_file(ctx.catalog, key, cmd.name):
        if con is not None:
            con.not_valid = False
        return []
    reason = ctx.tainted_reason(("table", q)) or ctx.tainted_reason(constraint_ref(key, cmd.name))
    if reason:
        if con is not None:
            con.not_valid = False  # whatever it was, it is valid now
        return ctx.manual(
            f"{reason}; whether constraint {quote_ident(cmd.name)} was NOT VALID before this migration is not "
            "known. If it was, drop it and add it back NOT VALID (the suggested SQL does that with the definition "
            "and comment it has when it runs); if it was already valid, VALIDATE changed nothing: delete this step",
            sql=_unvalidate_sql(key, cmd.name),
            title=f"Mark constraint {quote_ident(cmd.name)} on {q} NOT VALID again, if it was")
    if con is None:
        raise Unsupported(f"constraint {cmd.name} of {q} is not in the catalog")
    if not con.not_valid:
        return []
    sql = [_alter(key, f"DROP CONSTRAINT {quote_ident(con.name)}"), add_constraint_sql(key, con)]
    sql += comment_restore(ctx.catalog, constraint_ref(key, con.name))
    con.not_valid = False
    return [Step(title=f"Mark constraint {quote_ident(con.name)} on {q} NOT VALID again",
                 group="Restore Constraints", sql=sql)]


def _unvalidate_sql(key: Key, name: str) -> list[str]:
    """SQL that drops constraint ``name`` of ``key`` and adds it back NOT VALID with the
    definition (and comment) it has when it runs: for a manual step whose catalog is not trusted."""
    q = qname(*key)
    return [f"""DO $unvalidate$
DECLARE
  def text;
  note text;
BEGIN
  SELECT pg_get_constraintdef(c.oid), obj_description(c.oid, 'pg_constraint') INTO STRICT def, note
    FROM pg_constraint c WHERE c.conrelid = {literal(q)}::regclass AND c.conname = {literal(name)};
  EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I, ADD CONSTRAINT %I %s NOT VALID', {literal(q)}, {literal(name)}, {literal(name)}, def);
  IF note IS NOT NULL THEN
    EXECUTE format('COMMENT ON CONSTRAINT %I ON %s IS %L', {literal(name)}, {literal(q)}, note);
  END IF;
END
$unvalidate$;"""]


# -- row level security, replica identity ---------------------------------------------------------


@handles_alter(AT.AT_EnableRowSecurity, AT.AT_DisableRowSecurity, AT.AT_ForceRowSecurity, AT.AT_NoForceRowSecurity)
def row_security(cmd: ast.AlterTableCmd, key: Key, ctx: Context) -> list[Step]:
    """ENABLE/DISABLE/FORCE/NO FORCE ROW LEVEL SECURITY → the previous setting."""
    table = _known(ctx, key)
    q = qname(*key)
    st = cmd.subtype
    if st in (AT.AT_EnableRowSecurity, AT.AT_DisableRowSecurity):
        want = st == AT.AT_EnableRowSecurity
        if table.rls_enabled == want:
            return []
        table.rls_enabled = want
        if want:
            return [Step(title=f"Disable row level security on {q}", group="Row Level Security",
                         sql=[_alter(key, "DISABLE ROW LEVEL SECURITY")]).hazard(
                Hazard.AUTHZ, f"widens access: with row level security off, policies of {q} no longer restrict rows")]
        return [Step(title=f"Enable row level security on {q}", group="Row Level Security",
                     sql=[_alter(key, "ENABLE ROW LEVEL SECURITY")]).hazard(
            Hazard.AUTHZ, f"narrows access: rows of {q} are visible only through its policies again")]
    want = st == AT.AT_ForceRowSecurity
    if table.rls_forced == want:
        return []
    table.rls_forced = want
    if want:
        return [Step(title=f"Stop forcing row level security on {q}", group="Row Level Security",
                     sql=[_alter(key, "NO FORCE ROW LEVEL SECURITY")]).hazard(
            Hazard.AUTHZ, f"widens access: the owner of {q} bypasses its policies again")]
    return [Step(title=f"Force row level security on {q}", group="Row Level Security",
                 sql=[_alter(key, "FORCE ROW LEVEL SECURITY")]).hazard(
        Hazard.AUTHZ, f"narrows access: the owner of {q} is subject to its policies again")]


_RI = {"d": "default", "f": "full", "n": "nothing"}


@handles_alter(AT.AT_ReplicaIdentity)
def replica_identity(cmd: ast.AlterTableCmd, key: Key, ctx: Context) -> list[Step]:
    """REPLICA IDENTITY x → REPLICA IDENTITY <previous>."""
    table = _known(ctx, key)
    ri: ast.ReplicaIdentityStmt = cmd.def_
    new = f"index:{ri.name}" if ri.identity_type == "i" else _RI[ri.identity_type]
    old = table.replica_identity
    if new == old:
        return []
    table.replica_identity = new
    old_sql = f"USING INDEX {quote_ident(old[6:])}" if old.startswith("index:") else old.upper()
    return [Step(title=f"Restore replica identity of {qname(*key)}", group="Replica Identity",
                 sql=[_alter(key, f"REPLICA IDENTITY {old_sql}")])]


# -- owner -------------------------------------------------------------------------------------


@handles_alter(AT.AT_ChangeOwner)
def change_owner(cmd: ast.AlterTableCmd, key: Key, ctx: Context) -> list[Step]:
    """``OWNER TO r`` → back to the previous owner (the creating role when never changed).

    PostgreSQL folds the privileges the new owner held into its implicit owner rights,
    so after giving the table back they are granted to that role again.
    """
    cat = ctx.catalog
    table = _known(ctx, key)
    previous = table.owner or cat.current_user
    new_owner = role_name(cmd.newowner, cat.current_user)
    table.owner = new_owner
    if new_owner == previous:
        return []
    ref = ("table", qname(*key))
    sql = [_alter(key, f"OWNER TO {quote_ident(previous)}")]
    held, with_option = cat.privileges(ref, new_owner), cat.grant_options_of(ref, new_owner)
    if held - with_option:
        sql.append(grant_sql(ref[0], ref[1], new_owner, held - with_option))
    if with_option:
        sql.append(grant_sql(ref[0], ref[1], new_owner, with_option, grant_option=True))
    cat.set_privileges(ref, new_owner, set())
    return [Step(title=f"Give table {qname(*key)} back to {quote_ident(previous)}", group="Restore Owners", sql=sql)]
