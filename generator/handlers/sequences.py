"""Sequences and identity columns.

Rules implemented:

- ``CREATE SEQUENCE`` → ``DROP SEQUENCE`` (its value is state, not rows: no data hazard).
  ``OWNED BY`` is recorded apart from the definition, like a serial column's sequence.
- ``ALTER SEQUENCE`` options → ``ALTER SEQUENCE`` back to the exact earlier parameters.
  The parameters are computed as PostgreSQL's ``init_params`` does (defaults depend on
  the type and the sign of the increment; ``AS`` resets bounds that were the old type's
  bounds). ``OWNED BY`` → the previous owner column or ``NONE``. ``RESTART`` moved the
  current value, which is not known before the migration: a manual step says so.
- ``DROP SEQUENCE`` → recreate it with owner, ``OWNED BY``, grants and comment; with
  CASCADE the column defaults that called it are set again. Its value restarts
  (DATA_NOT_RESTORED).
- ``ALTER SEQUENCE ... RENAME TO / SET SCHEMA / OWNER TO`` → back.
- ``ALTER TABLE ... ALTER COLUMN ... ADD GENERATED AS IDENTITY`` → ``DROP IDENTITY``;
  ``SET GENERATED / SET <options>`` → the previous ones; ``DROP IDENTITY`` → add it back
  with its sequence name and parameters (the value restarts).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields

from pglast import ast
from pglast.enums import AlterTableType as AT
from pglast.enums import DropBehavior, ObjectType
from pglast.visitors import Visitor

from ..catalog import Catalog, Key, Sequence, Table
from ..engine import Context, Unsupported, handles, handles_alter
from ..refs import move_refs, restore_refs_sql, role_name
from ..sqltext import choose_name, literal, qname, quote_ident, render, clone
from ..steps import Hazard, Step
from . import owners
from .tables import owned_sequence, parse_expr, parse_stmt

GROUP_DROP = "Drop Sequences"
GROUP_RESTORE = "Restore Sequences"

_BOUNDS = {"smallint": (-(2**15), 2**15 - 1), "integer": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}
_TYPE_NAMES = {"int2": "smallint", "int4": "integer", "int8": "bigint", "smallint": "smallint",
               "integer": "integer", "int": "integer", "bigint": "bigint"}  # fmt: skip


@dataclass
class Params:
    """A sequence's parameters as ``pg_sequence`` holds them."""

    type: str = "bigint"
    increment: int = 1
    minvalue: int = 1
    maxvalue: int = 2**63 - 1
    start: int = 1
    cache: int = 1
    cycle: bool = False

    def clauses(self, only: list[str] | None = None, with_type: bool = True) -> list[str]:
        out = []
        for name in only or [f.name for f in fields(self)]:
            val = getattr(self, name)
            if name == "type":
                if with_type:
                    out.append(f"AS {val}")
            elif name == "cycle":
                out.append("CYCLE" if val else "NO CYCLE")
            else:
                word = {"increment": "INCREMENT BY", "start": "START WITH"}.get(name, name.upper())
                out.append(f"{word} {val}")
        return out


def _type_of(tn: ast.TypeName) -> str:
    name = tn.names[-1].sval
    if name not in _TYPE_NAMES or tn.arrayBounds:
        raise Unsupported(f"sequence type {render(tn)} is not smallint, integer or bigint")
    return _TYPE_NAMES[name]


def _int(arg: ast.Node) -> int:
    if isinstance(arg, ast.Integer):
        return arg.ival
    if isinstance(arg, ast.Float):
        return int(arg.fval)
    raise Unsupported(f"sequence option value {render(arg)} is not a number")


def apply_options(p: Params | None, options, init: bool) -> Params:
    """PostgreSQL's ``init_params`` for CREATE (``init``) or ALTER SEQUENCE."""
    p = Params() if p is None else copy.copy(p)
    opts = {o.defname: o for o in options or () if o.defname not in ("owned_by", "sequence_name", "restart")}
    reset_max = reset_min = False
    if "as" in opts:
        new_type = _type_of(opts["as"].arg)
        if not init:
            lo, hi = _BOUNDS[p.type]
            reset_max, reset_min = p.maxvalue == hi, p.minvalue == lo
        p.type = new_type
    if "increment" in opts:
        p.increment = _int(opts["increment"].arg)
        if p.increment == 0:
            raise Unsupported("INCREMENT must not be zero")
    if "cycle" in opts:
        arg = opts["cycle"].arg
        p.cycle = bool(arg.boolval) if isinstance(arg, ast.Boolean) else bool(_int(arg))
    lo, hi = _BOUNDS[p.type]
    mx = opts.get("maxvalue")
    if mx is not None and mx.arg is not None:
        p.maxvalue = _int(mx.arg)
    elif init or mx is not None or reset_max:
        p.maxvalue = hi if (p.increment > 0 or reset_max) else -1
    mn = opts.get("minvalue")
    if mn is not None and mn.arg is not None:
        p.minvalue = _int(mn.arg)
    elif init or mn is not None or reset_min:
        p.minvalue = lo if (p.increment < 0 or reset_min) else 1
    if "start" in opts:
        p.start = _int(opts["start"].arg)
    elif init:
        p.start = p.minvalue if p.increment > 0 else p.maxvalue
    if "cache" in opts:
        p.cache = _int(opts["cache"].arg)
    return p


def _options_of(text: str) -> tuple:
    return parse_stmt(f"CREATE SEQUENCE x {text}").options or ()


def params(cat: Catalog, seq: Sequence) -> Params:
    """The current parameters of a recorded sequence (identity options included)."""
    node = parse_stmt(seq.definition)
    opts = list(node.options or ())
    col = identity_column(cat, seq)
    if col is not None and col.identity_options:
        opts += list(_options_of(col.identity_options.strip()[1:-1]))
    return apply_options(None, opts, init=True)


def identity_column(cat: Catalog, seq: Sequence):
    if not seq.identity or seq.owned_by is None:
        return None
    table = cat.tables.get(seq.owned_by[0])
    return table.columns.get(seq.owned_by[1]) if table else None


def store_params(cat: Catalog, seq: Sequence, p: Params) -> None:
    """Record new parameters (in the definition, and an identity column's options)."""
    node = parse_stmt(seq.definition)
    node.options = _options_of(" ".join(p.clauses()))
    seq.definition = render(node)
    col = identity_column(cat, seq)
    if col is not None:
        col.identity_options = "(" + " ".join(p.clauses(with_type=False)) + ")"


def _changed(old: Params, new: Params) -> list[str]:
    names = {f.name for f in fields(old) if getattr(old, f.name) != getattr(new, f.name)}
    if "type" in names:  # AS resets bounds: state them explicitly
        names |= {"minvalue", "maxvalue"}
    return [f.name for f in fields(old) if f.name in names]


# -- finding sequences ------------------------------------------------------------------------------


def _name_of(seq: Sequence) -> str:
    return qname(seq.schema, seq.name)


def _resolve(ctx: Context, rv: ast.RangeVar, missing_ok: bool) -> Sequence | None:
    cat = ctx.catalog
    key = cat.resolve_relation(rv.schemaname, rv.relname)
    seq = cat.sequences.get(key)
    if seq is None:
        if missing_ok and not cat.relation_kind(key):
            return None
        raise Unsupported(f"sequence {qname(*key)} is not in the migration history")
    reason = ctx.tainted_reason(("sequence", qname(*key)))
    if reason:
        raise Unsupported(reason)
    return seq


def _owned_by(ctx: Context, names: list[str], seq_schema: str) -> tuple[Key, str] | None:
    if names == ["none"]:
        return None
    if len(names) < 2:
        raise Unsupported("OWNED BY needs table.column")
    cat = ctx.catalog
    key = cat.resolve_relation(names[-3] if len(names) > 2 else None, names[-2])
    table = cat.tables.get(key)
    if table is None or names[-1] not in table.columns:
        raise Unsupported(f"column {'.'.join(names)} is not in the migration history")
    if key[0] != seq_schema:
        raise Unsupported("a sequence must be in the same schema as the table it is owned by")
    return (key, names[-1])


def _owned_by_sql(owned: tuple[Key, str] | None) -> str:
    if owned is None:
        return "NONE"
    return f"{qname(*owned[0])}.{quote_ident(owned[1])}"


# -- CREATE / ALTER SEQUENCE ----------------------------------------------------------------------


@handles(ast.CreateSeqStmt)
def create_sequence(node: ast.CreateSeqStmt, ctx: Context) -> list[Step]:
    """``CREATE SEQUENCE`` → ``DROP SEQUENCE``."""
    cat = ctx.catalog
    rv = node.sequence
    if rv.relpersistence == "t":
        return []  # a temporary sequence is gone when the migration's session ends
    key = (rv.schemaname or cat.creation_schema(), rv.relname)
    if cat.relation_name_taken(*key):
        if node.if_not_exists:
            return []
        raise Unsupported(f"relation {qname(*key)} already exists, so this statement fails")
    stored = clone(node)
    stored.sequence.schemaname = key[0]
    stored.if_not_exists = False
    owned = [o for o in node.options or () if o.defname == "owned_by"]
    stored.options = tuple(o for o in node.options or () if o.defname != "owned_by") or None
    apply_options(None, stored.options, init=True)  # refuse what the generator cannot model
    seq = Sequence(schema=key[0], name=key[1], definition=render(stored), owner=cat.current_user)
    if owned:
        seq.owned_by = _owned_by(ctx, [s.sval for s in owned[0].arg], key[0])
    cat.sequences[key] = seq
    cat.apply_default_privileges("sequence", key[0], ("sequence", qname(*key)))
    return [Step(title=f"Drop sequence {qname(*key)}", group=GROUP_DROP, sql=[f"DROP SEQUENCE {qname(*key)};"])]


def _restart_manual(ctx: Context, seq: Sequence, where: str) -> list[Step]:
    name = _name_of(seq)
    return ctx.manual(
        f"{where} RESTART moved the current value of {name}; its value before the migration is not known. "
        f"Set it back with setval() (for example to the largest value in use) if it matters",
        sql=[f"SELECT setval({literal(name)}, <value before the migration>);"],
        title=f"Manual step: restore the current value of sequence {name}",
    )


def alter_params(ctx: Context, seq: Sequence, options, where: str) -> list[Step]:
    """Apply parameter options to ``seq``; the steps that restore the earlier ones."""
    cat = ctx.catalog
    old = params(cat, seq)
    new = apply_options(old, options, init=False)
    steps: list[Step] = []
    if any(o.defname == "restart" for o in options or ()):
        steps += _restart_manual(ctx, seq, where)
    changed = _changed(old, new)
    if changed:
        store_params(cat, seq, new)
        steps.append(Step(
            title=f"Restore the parameters of sequence {_name_of(seq)}",
            group=GROUP_RESTORE,
            sql=[f"ALTER SEQUENCE {_name_of(seq)} {' '.join(old.clauses(changed))};"],
        ))
    return steps


@handles(ast.AlterSeqStmt)
def alter_sequence(node: ast.AlterSeqStmt, ctx: Context) -> list[Step]:
    """``ALTER SEQUENCE`` options and ``OWNED BY`` → the earlier parameters and owner column."""
    seq = _resolve(ctx, node.sequence, node.missing_ok)
    if seq is None:
        return []
    steps = alter_params(ctx, seq, node.options, "ALTER SEQUENCE ...")
    for o in node.options or ():
        if o.defname == "owned_by":
            if seq.identity:
                raise Unsupported("cannot change ownership of an identity sequence")
            new = _owned_by(ctx, [s.sval for s in o.arg], seq.schema)
            if new != seq.owned_by:
                steps.append(Step(
                    title=f"Restore the owner column of sequence {_name_of(seq)}",
                    group=GROUP_RESTORE,
                    sql=[f"ALTER SEQUENCE {_name_of(seq)} OWNED BY {_owned_by_sql(seq.owned_by)};"],
                ))
                seq.owned_by = new
    return steps


# -- DROP SEQUENCE ----------------------------------------------------------------------------------


class _SeqCalls(Visitor):
    """String arguments of ``nextval``/``currval``/``setval`` calls (``'public.s'``)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def visit_FuncCall(self, ancestors, node):  # noqa: N802
        if node.funcname[-1].sval in ("nextval", "currval", "setval") and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.TypeCast):
                arg = arg.arg
            if isinstance(arg, ast.A_Const) and isinstance(arg.val, ast.String):
                self.names.append(arg.val.sval)


def _split_regclass(text: str) -> list[str]:
    """``'public."My Seq"'`` → ``['public', 'My Seq']`` (regclass input rules)."""
    out, cur, quoted, i = [], "", False, 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            if quoted and text[i + 1 : i + 2] == '"':
                cur += '"'
                i += 1
            else:
                quoted = not quoted
        elif ch == "." and not quoted:
            out.append(cur)
            cur = ""
        else:
            cur += ch if quoted else ch.lower()
        i += 1
    return [*out, cur]


def sequences_called(cat: Catalog, expr: str | None, path: tuple[str, ...]) -> list[Key]:
    """The sequences an expression calls ``nextval``/``currval``/``setval`` on."""
    if not expr:
        return []
    v = _SeqCalls()
    v(parse_expr(expr))
    out = []
    saved = cat.search_path
    cat.search_path = path
    try:
        for text in v.names:
            names = _split_regclass(text)
            out.append(cat.resolve_relation(names[-2] if len(names) > 1 else None, names[-1]))
    finally:
        cat.search_path = saved
    return out


def defaults_using(cat: Catalog, key: Key) -> list[tuple[Table, str]]:
    """Columns whose default calls sequence ``key``."""
    return [
        (t, c.name)
        for t in cat.tables.values()
        for c in t.columns.values()
        if key in sequences_called(cat, c.default, t.search_path)
    ]


def recreate_sql(cat: Catalog, seq: Sequence) -> list[str]:
    """CREATE the sequence as recorded, with owner, OWNED BY, grants and comment."""
    q = _name_of(seq)
    sql = [seq.definition.rstrip().rstrip(";") + ";"]
    sql += owners.owner_sql(f"ALTER SEQUENCE {q}", seq.owner, cat.current_user)
    if seq.owned_by is not None:
        sql.append(f"ALTER SEQUENCE {q} OWNED BY {_owned_by_sql(seq.owned_by)};")
    return sql + restore_refs_sql(cat, ("sequence", q), seq.schema)


@handles(ast.DropStmt, ObjectType.OBJECT_SEQUENCE)
def drop_sequence(node: ast.DropStmt, ctx: Context) -> list[Step]:
    """``DROP SEQUENCE`` → recreate it (and, under CASCADE, the defaults that called it)."""
    cat = ctx.catalog
    steps: list[Step] = []
    for obj in node.objects:
        names = [s.sval for s in obj]
        rv = ast.RangeVar(schemaname=names[-2] if len(names) > 1 else None, relname=names[-1])
        seq = _resolve(ctx, rv, node.missing_ok)
        if seq is None:
            continue
        q = _name_of(seq)
        if seq.identity:
            raise Unsupported(f"{q} belongs to an identity column and cannot be dropped, so this statement fails")
        users = defaults_using(cat, (seq.schema, seq.name))
        if users and node.behavior != DropBehavior.DROP_CASCADE:
            raise Unsupported(f"column defaults use {q}: PostgreSQL refuses DROP without CASCADE")
        sql = recreate_sql(cat, seq)
        for t, col in users:
            sql.append(f"ALTER TABLE {qname(*t.key)} ALTER COLUMN {quote_ident(col)} SET DEFAULT {t.columns[col].default};")
        steps.append(Step(title=f"Recreate sequence {q}", group="Recreate Sequences", sql=sql).hazard(
            Hazard.DATA_NOT_RESTORED,
            f"sequence {q} starts again from its start value; its value before the migration is unknown",
        ))
        for t, col in users:
            t.columns[col].default = None
        del cat.sequences[(seq.schema, seq.name)]
        cat.drop_object_refs(("sequence", q))
    return steps


# -- RENAME / SET SCHEMA / OWNER ----------------------------------------------------------------------


def _retarget_defaults(cat: Catalog, old: Key, new: Key) -> None:
    """Defaults hold the sequence's OID: their text now names the moved sequence."""
    for t in cat.tables.values():
        for c in t.columns.values():
            if not c.default or old not in sequences_called(cat, c.default, t.search_path):
                continue
            v = _SeqCalls()
            v(parse_expr(c.default))
            saved, cat.search_path = cat.search_path, t.search_path
            try:
                for text in v.names:
                    names = _split_regclass(text)
                    if cat.resolve_relation(names[-2] if len(names) > 1 else None, names[-1]) == old:
                        c.default = c.default.replace(literal(text), literal(qname(*new)))
            finally:
                cat.search_path = saved


def move_sequence(cat: Catalog, seq: Sequence, new: Key) -> None:
    old = (seq.schema, seq.name)
    _retarget_defaults(cat, old, new)
    del cat.sequences[old]
    old_ref = ("sequence", qname(*old))
    seq.schema, seq.name = new
    node = parse_stmt(seq.definition)
    node.sequence.schemaname, node.sequence.relname = new
    seq.definition = render(node)
    cat.sequences[new] = seq
    move_refs(cat, old_ref, ("sequence", qname(*new)))


@handles(ast.RenameStmt, ObjectType.OBJECT_SEQUENCE)
def rename_sequence(node: ast.RenameStmt, ctx: Context) -> list[Step]:
    """``ALTER SEQUENCE a RENAME TO b`` → rename back."""
    seq = _resolve(ctx, node.relation, node.missing_ok)
    if seq is None:
        return []
    old = (seq.schema, seq.name)
    new = (seq.schema, node.newname)
    if ctx.catalog.relation_name_taken(*new):
        raise Unsupported(f"relation {qname(*new)} already exists, so this statement fails")
    move_sequence(ctx.catalog, seq, new)
    return [Step(title=f"Rename sequence {qname(*new)} back to {quote_ident(old[1])}", group=GROUP_RESTORE,
                 sql=[f"ALTER SEQUENCE {qname(*new)} RENAME TO {quote_ident(old[1])};"])]


@handles(ast.AlterObjectSchemaStmt, ObjectType.OBJECT_SEQUENCE)
def set_sequence_schema(node: ast.AlterObjectSchemaStmt, ctx: Context) -> list[Step]:
    """``ALTER SEQUENCE s SET SCHEMA x`` → move it back (owned sequences cannot move)."""
    seq = _resolve(ctx, node.relation, node.missing_ok)
    if seq is None:
        return []
    old = (seq.schema, seq.name)
    new = (node.newschema, seq.name)
    if new == old:
        return []
    if seq.owned_by is not None:
        raise Unsupported(f"{qname(*old)} is owned by a column and cannot be moved alone, so this statement fails")
    if ctx.catalog.relation_name_taken(*new) or node.newschema not in ctx.catalog.schemas:
        raise Unsupported(f"{qname(*new)} cannot be created, so this statement fails")
    move_sequence(ctx.catalog, seq, new)
    return [Step(title=f"Move sequence {qname(*new)} back to schema {quote_ident(old[0])}", group=GROUP_RESTORE,
                 sql=[f"ALTER SEQUENCE {qname(*new)} SET SCHEMA {quote_ident(old[0])};"])]


@handles(ast.AlterTableStmt, ObjectType.OBJECT_SEQUENCE)
def alter_sequence_table_form(node: ast.AlterTableStmt, ctx: Context) -> list[Step]:
    """``ALTER SEQUENCE s OWNER TO r`` → back to the previous owner."""
    seq = _resolve(ctx, node.relation, node.missing_ok)
    if seq is None:
        return []
    cat = ctx.catalog
    steps: list[Step] = []
    for cmd in node.cmds:
        if cmd.subtype != AT.AT_ChangeOwner:
            raise Unsupported(f"ALTER SEQUENCE {AT(cmd.subtype).name.removeprefix('AT_')} is not supported")
        new_owner = role_name(cmd.newowner, cat.current_user)
        if seq.owned_by is not None:
            table = cat.tables.get(seq.owned_by[0])
            if table is not None and new_owner == (table.owner or cat.current_user):
                continue  # its owner already: nothing changes
            raise Unsupported(f"{_name_of(seq)} is linked to a table; PostgreSQL refuses to change its owner alone")
        previous = seq.owner or cat.current_user
        steps = owners.give_back(cat, ("sequence", _name_of(seq)), f"ALTER SEQUENCE {_name_of(seq)}", previous,
                                 new_owner, f"Give sequence {_name_of(seq)} back to {quote_ident(previous)}") + steps
        seq.owner = new_owner
    return steps


# -- identity columns ---------------------------------------------------------------------------------


def _identity_target(cmd: ast.AlterTableCmd, key: Key, ctx: Context):
    reason = ctx.tainted_reason(("table", qname(*key)))
    if reason:
        raise Unsupported(reason)
    table = ctx.catalog.tables[key]
    col = table.columns.get(cmd.name)
    if col is None:
        raise Unsupported(f"column {cmd.name} of {qname(*key)} is not in the migration history")
    return table, col


def _generated_word(value: str) -> str:
    return "ALWAYS" if value == "ALWAYS" else "BY DEFAULT"


@handles_alter(AT.AT_AddIdentity)
def add_identity(cmd: ast.AlterTableCmd, key: Key, ctx: Context) -> list[Step]:
    """``ADD GENERATED ... AS IDENTITY`` → ``DROP IDENTITY`` (which drops its sequence)."""
    from .tables import identity_options

    cat = ctx.catalog
    table, col = _identity_target(cmd, key, ctx)
    if col.identity or col.default is not None or not col.not_null:
        raise Unsupported(f"column {cmd.name} of {qname(*key)} cannot become an identity column, so this statement fails")
    con: ast.Constraint = cmd.def_
    col.identity = "ALWAYS" if con.generated_when == "a" else "BY DEFAULT"
    col.identity_options, seqname = identity_options(con)
    if seqname:
        skey = (seqname[0] if len(seqname) == 2 else key[0], seqname[-1])
    else:
        skey = (key[0], choose_name(key[1], col.name, "seq", lambda n: cat.relation_name_taken(key[0], n)))
    seq = Sequence(schema=skey[0], name=skey[1], definition=f"CREATE SEQUENCE {qname(*skey)} AS {col.type}",
                   owned_by=(key, col.name), identity=True)
    params(cat, seq)  # refuse options the generator cannot model
    cat.sequences[skey] = seq
    cat.apply_default_privileges("sequence", skey[0], ("sequence", qname(*skey)))
    return [Step(
        title=f"Drop the identity of {qname(*key)}.{quote_ident(col.name)}",
        group="Drop Identities",
        sql=[f"ALTER TABLE {qname(*key)} ALTER COLUMN {quote_ident(col.name)} DROP IDENTITY;"],
    )]


@handles_alter(AT.AT_SetIdentity)
def set_identity(cmd: ast.AlterTableCmd, key: Key, ctx: Context) -> list[Step]:
    """``SET GENERATED ... / SET <option> / RESTART`` → the previous generation and parameters."""
    cat = ctx.catalog
    table, col = _identity_target(cmd, key, ctx)
    seq = owned_sequence(cat, key, col.name, identity=True)
    if not col.identity or seq is None:
        raise Unsupported(f"column {col.name} of {qname(*key)} is not an identity column in the migration history")
    c = f"{qname(*key)}.{quote_ident(col.name)}"
    options = [d for d in cmd.def_ or () if d.defname != "generated"]
    steps = alter_params(ctx, seq, options, f"ALTER COLUMN {quote_ident(col.name)} ...")
    for d in cmd.def_ or ():
        if d.defname == "generated":
            new = "ALWAYS" if _int(d.arg) == ord("a") else "BY DEFAULT"
            if new != col.identity:
                steps.append(Step(
                    title=f"Restore GENERATED {_generated_word(col.identity)} on {c}",
                    group="Restore Identities",
                    sql=[f"ALTER TABLE {qname(*key)} ALTER COLUMN {quote_ident(col.name)} SET GENERATED {col.identity};"],
                ))
                col.identity = new
    return steps


@handles_alter(AT.AT_DropIdentity)
def drop_identity(cmd: ast.AlterTableCmd, key: Key, ctx: Context) -> list[Step]:
    """``DROP IDENTITY`` → add it back with the same sequence name and parameters."""
    cat = ctx.catalog
    table, col = _identity_target(cmd, key, ctx)
    seq = owned_sequence(cat, key, col.name, identity=True)
    if not col.identity:
        if cmd.missing_ok:
            return []
        raise Unsupported(f"column {col.name} of {qname(*key)} is not an identity column, so this statement fails")
    if seq is None:
        raise Unsupported(f"the sequence of identity column {col.name} of {qname(*key)} is not known")
    p = params(cat, seq)
    q = _name_of(seq)
    opts = " ".join([f"SEQUENCE NAME {q}", *p.clauses(with_type=False)])
    sql = [f"ALTER TABLE {qname(*key)} ALTER COLUMN {quote_ident(col.name)} ADD GENERATED {col.identity} AS IDENTITY ({opts});"]
    sql += restore_refs_sql(cat, ("sequence", q), seq.schema)
    step = Step(title=f"Restore the identity of {qname(*key)}.{quote_ident(col.name)}", group="Restore Identities", sql=sql)
    step.hazard(Hazard.DATA_NOT_RESTORED,
                f"sequence {q} starts again from its start value; its value before the migration is unknown")
    col.identity = None
    col.identity_options = None
    del cat.sequences[(seq.schema, seq.name)]
    cat.drop_object_refs(("sequence", q))
    return [step]
