"""Tables: CREATE TABLE and DROP TABLE (renames: ``table_renames``; SET SCHEMA: ``table_moves``).

The shared machinery that ``alter_table`` reuses lives here too: turning a
``ColumnDef`` into a catalog ``Column`` (serial and identity sequences included),
naming and recording constraints exactly as PostgreSQL does, and the SQL that recreates
a table with everything hanging off it.

Constraint definitions are stored as text rendered by pglast (``CHECK (a > 0)``,
``FOREIGN KEY (a) REFERENCES public.o (id)``). When something they name is renamed,
they are parsed back, the names are replaced structurally and they are rendered again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pglast import ast, parse_sql
from pglast.enums import ConstrType, DropBehavior, ObjectType
from pglast.visitors import Visitor

from ..catalog import Catalog, Column, Constraint, Index, Key, ObjRef, Sequence, Table
from ..engine import Context, Unsupported, handles
from .. import refs
from ..refs import comment_sql, restore_refs_sql, table_ref
from ..sqltext import choose_name, literal, name_addition, qname, quote_ident, render, truncate_identifier, clone
from ..steps import Backup, Hazard, Step

SERIAL_TYPES = {
    "serial": "integer", "serial4": "integer",
    "bigserial": "bigint", "serial8": "bigint",
    "smallserial": "smallint", "serial2": "smallint",
}
CON_KIND = {
    ConstrType.CONSTR_PRIMARY: "p",
    ConstrType.CONSTR_UNIQUE: "u",
    ConstrType.CONSTR_EXCLUSION: "x",
    ConstrType.CONSTR_FOREIGN: "f",
    ConstrType.CONSTR_CHECK: "c",
}


# -- small parsing helpers ---------------------------------------------------------------


def parse_expr(sql: str) -> ast.Node:
    """An expression's pglast node, parsed back from its SQL text."""
    return parse_sql(f"SELECT {sql}")[0].stmt.targetList[0].val


def parse_constraint(definition: str) -> ast.Constraint:
    """A constraint definition (``CHECK (a > 0)``) parsed back into its node."""
    return parse_sql(f"ALTER TABLE x ADD {definition}")[0].stmt.cmds[0].def_


def parse_stmt(sql: str) -> ast.Node:
    return parse_sql(sql)[0].stmt


class _Refs(Visitor):
    """Collects the column references of an expression, and whether it has subqueries."""

    def __init__(self) -> None:
        self.refs: list[tuple[str, ...]] = []
        self.sublink = False

    def visit_ColumnRef(self, ancestors, node):  # noqa: N802
        self.refs.append(tuple(f.sval if isinstance(f, ast.String) else "*" for f in node.fields))

    def visit_SubLink(self, ancestors, node):  # noqa: N802
        self.sublink = True


def column_refs(node: ast.Node | None) -> _Refs:
    v = _Refs()
    if node is not None:
        v(node)
    return v


def referenced_columns(node: ast.Node | None, qualifiers: set[str]) -> list[str]:
    """Distinct columns of the table an expression names (``a`` or ``t.a``), in order."""
    out: list[str] = []
    for ref in column_refs(node).refs:
        if len(ref) == 1 or (len(ref) == 2 and ref[0] in qualifiers):
            if ref[-1] != "*" and ref[-1] not in out:
                out.append(ref[-1])
    return out


class _RenameRefs(Visitor):
    def __init__(self, old: str, new: str, qualifiers: set[str]) -> None:
        self.old, self.new, self.qualifiers = old, new, qualifiers

    def visit_ColumnRef(self, ancestors, node):  # noqa: N802
        names = [f.sval if isinstance(f, ast.String) else None for f in node.fields]
        if names[-1] == self.old and (len(names) == 1 or (len(names) == 2 and names[0] in self.qualifiers)):
            node.fields = (*node.fields[:-1], ast.String(self.new))


def rename_refs(node: ast.Node | None, old: str, new: str, qualifiers: set[str]) -> None:
    if node is not None:
        _RenameRefs(old, new, qualifiers)(node)


# -- types and columns -------------------------------------------------------------------


def type_sql(tn: ast.TypeName, cat: Catalog) -> str:
    """A column type as SQL, with user-defined types resolved and schema-qualified."""
    if tn.pct_type:
        raise Unsupported("%TYPE column types are not supported")
    tn = clone(tn)
    names = [n.sval for n in tn.names]
    if names[0] != "pg_catalog" and len(names) <= 2:
        key = cat.resolve_type(names[0] if len(names) == 2 else None, names[-1])
        if key is not None:
            tn.names = (ast.String(key[0]), ast.String(key[1]))
    return render(tn)


def type_shape(type_text: str) -> tuple[str, tuple[str, ...], int]:
    """(base type name, type modifiers, array dimensions) of a type, for comparisons."""
    tn = parse_expr(f"NULL::{type_text}").typeName
    mods = tuple(render(m) for m in tn.typmods or ())
    return (tn.names[-1].sval, mods, len(tn.arrayBounds or ()))


def collation_sql(clause: ast.CollateClause | None) -> str | None:
    if clause is None:
        return None
    return ".".join(quote_ident(n.sval) for n in clause.collname)


def identity_options(con: ast.Constraint) -> tuple[str | None, list[str] | None]:
    """The ``(START WITH ...)`` options of an identity column, and its SEQUENCE NAME if given."""
    seqname = None
    keep = []
    for opt in con.options or ():
        if opt.defname == "sequence_name":
            seqname = [s.sval for s in opt.arg]
        else:
            keep.append(opt)
    if not keep:
        return None, seqname
    probe = clone(con)
    probe.options = tuple(keep)
    text = render(probe)
    return text[text.index("IDENTITY") + len("IDENTITY"):].strip(), seqname


@dataclass
class NewColumn:
    """A column being created, with the constraints written inline on it."""

    column: Column
    constraints: list[ast.Constraint] = field(default_factory=list)
    sequence: Sequence | None = None  # implicit serial/identity sequence


def build_column(cd: ast.ColumnDef, table: Table, ctx: Context) -> NewColumn:
    """Turn a ``ColumnDef`` into a catalog column; choose its implicit sequence's name.

    serial types become integer/bigint/smallint with ``nextval('<seq>'::regclass)``;
    serial and identity sequences are named ``<table>_<column>_seq`` like PostgreSQL's
    ChooseRelationName (numeric suffix on collision with any relation of the schema).
    """
    cat = ctx.catalog
    if cd.typeName is None:
        raise Unsupported(f"column {cd.colname} has no type")
    names = [n.sval for n in cd.typeName.names]
    serial = SERIAL_TYPES.get(names[0]) if len(names) == 1 and not cd.typeName.arrayBounds else None
    col = Column(name=cd.colname, type=serial or type_sql(cd.typeName, cat))
    col.collation = collation_sql(cd.collClause)
    out = NewColumn(col)
    last: ast.Constraint | None = None
    for con in cd.constraints or ():
        ct = con.contype
        if ct == ConstrType.CONSTR_NOTNULL:
            col.not_null = True
        elif ct == ConstrType.CONSTR_NULL:
            col.not_null = False
        elif ct == ConstrType.CONSTR_DEFAULT:
            col.default = render(con.raw_expr)
            col.default_path = written_path(cat, table)
        elif ct == ConstrType.CONSTR_IDENTITY:
            col.identity = "ALWAYS" if con.generated_when == "a" else "BY DEFAULT"
            col.identity_options, seqname = identity_options(con)
            col.not_null = True
            out.sequence = _implicit_sequence(table, col, ctx, seqname, identity=True)
        elif ct == ConstrType.CONSTR_GENERATED:
            col.generated = render(con.raw_expr)
        elif ct in CON_KIND:
            con = clone(con)
            out.constraints.append(con)
            last = con
            continue
        elif ct in (ConstrType.CONSTR_ATTR_DEFERRABLE, ConstrType.CONSTR_ATTR_NOT_DEFERRABLE,
                    ConstrType.CONSTR_ATTR_DEFERRED, ConstrType.CONSTR_ATTR_IMMEDIATE):
            if last is None:
                raise Unsupported("constraint attribute without a constraint")
            if ct == ConstrType.CONSTR_ATTR_DEFERRABLE:
                last.deferrable = True
            elif ct == ConstrType.CONSTR_ATTR_DEFERRED:
                last.deferrable = last.initdeferred = True
            elif ct == ConstrType.CONSTR_ATTR_NOT_DEFERRABLE:
                last.deferrable = False
            continue
        else:
            raise Unsupported(f"column constraint {ct.name} is not supported")
        last = None
    if serial:
        if col.default is not None or col.identity:
            raise Unsupported(f"serial column {col.name} has a default or identity")
        seq = _implicit_sequence(table, col, ctx, None, identity=False)
        col.default = f"nextval({literal(qname(seq.schema, seq.name))}::regclass)"
        col.not_null = True
        out.sequence = seq
    return out


def _implicit_sequence(table: Table, col: Column, ctx: Context, seqname: list[str] | None, identity: bool) -> Sequence:
    cat = ctx.catalog
    if seqname:
        schema = seqname[0] if len(seqname) == 2 else table.schema
        name = seqname[-1]
    else:
        schema = table.schema
        name = choose_name(table.name, col.name, "seq", lambda n: cat.relation_name_taken(schema, n))
    return Sequence(
        schema=schema,
        name=name,
        definition=f"CREATE SEQUENCE {qname(schema, name)} AS {col.type};",
        owned_by=(table.key, col.name),
        identity=identity,
    )


def add_sequence(seq: Sequence, ctx: Context) -> None:
    ctx.catalog.sequences[(seq.schema, seq.name)] = seq
    ctx.catalog.apply_default_privileges("sequence", seq.schema, ("sequence", qname(seq.schema, seq.name)))


def written_path(cat: Catalog, table: Table) -> tuple[str, ...] | None:
    """The path an expression on ``table`` is being written under, when it is not the
    table's own (None: the table's)."""
    return None if cat.search_path == table.search_path else cat.search_path


def under_path(sql: list[str], path: tuple[str, ...] | None, home: tuple[str, ...]) -> list[str]:
    """``sql`` run under ``path`` inside a step that runs under ``home`` (and back to it)."""
    from ..render import search_path_sql

    if path is None or tuple(path) == tuple(home):
        return sql
    return [search_path_sql(path, True), *sql, search_path_sql(home, True)]


def column_sql(col: Column, cat: Catalog, key: Key, with_not_null: bool = True, with_default: bool = True) -> str:
    """The column definition that recreates ``col`` (identity keeps its sequence's name)."""
    parts = [quote_ident(col.name), col.type]
    if col.collation:
        parts.append(f"COLLATE {col.collation}")
    if col.generated is not None:
        parts.append(f"GENERATED ALWAYS AS ({col.generated}) STORED")
    if col.identity:
        opts = []
        seq = owned_sequence(cat, key, col.name, identity=True)
        if seq is not None:
            opts.append(f"SEQUENCE NAME {qname(seq.schema, seq.name)}")
        if col.identity_options:
            opts.append(col.identity_options.strip("()"))
        parts.append(f"GENERATED {col.identity} AS IDENTITY" + (f" ({' '.join(opts)})" if opts else ""))
    if col.default is not None and col.generated is None and not col.identity and with_default:
        parts.append(f"DEFAULT {col.default}")
    if col.not_null and with_not_null and not col.identity:
        parts.append("NOT NULL")
    return " ".join(parts)


def owned_sequence(cat: Catalog, key: Key, column: str, identity: bool | None = None) -> Sequence | None:
    for seq in cat.sequences.values():
        if seq.owned_by == (key, column) and (identity is None or seq.identity == identity):
            return seq
    return None


def describe_columns(table: Table) -> str:
    return ", ".join(f"{quote_ident(c.name)} {c.type}" for c in table.columns.values())


# -- constraints -------------------------------------------------------------------------


def _index_column_names(elems) -> list[str]:
    """PostgreSQL's ChooseIndexColumnNames: column names, ``expr`` for expressions, deduplicated."""
    out: list[str] = []
    for el in elems:
        base = el.name if el.name else "expr"
        name, i = base, 0
        while name in out:
            i += 1
            name = f"{base}{i}"
        out.append(name)
    return out


def constraint_columns(con: ast.Constraint, qualifiers: set[str]) -> list[str]:
    """Every column of its table a constraint involves."""
    kind = CON_KIND[con.contype]
    if kind in ("p", "u"):
        return [k.sval for k in (con.keys or ())] + [k.sval for k in (con.including or ())]
    if kind == "f":
        return [k.sval for k in (con.fk_attrs or ())]
    if kind == "c":
        return referenced_columns(con.raw_expr, qualifiers)
    cols: list[str] = []
    for pair in con.exclusions or ():
        elem = pair[0]
        for c in [elem.name] if elem.name else referenced_columns(elem.expr, qualifiers):
            if c not in cols:
                cols.append(c)
    for c in referenced_columns(con.where_clause, qualifiers):
        if c not in cols:
            cols.append(c)
    return cols


def choose_constraint_name(con: ast.Constraint, table: Table, cat: Catalog) -> str:
    """The name PostgreSQL gives a constraint written without one.

    PRIMARY KEY/UNIQUE/EXCLUDE are named like their index (ChooseIndexName: unique
    among relations and constraints of the schema); CHECK and FOREIGN KEY by
    ChooseConstraintName (unique among constraints of the schema). A CHECK is named
    after its column when it references exactly one distinct column.
    """
    if con.conname:
        return con.conname
    if con.indexname:
        return con.indexname
    schema, kind = table.schema, CON_KIND[con.contype]

    def rel_or_con(n: str) -> bool:
        return cat.relation_name_taken(schema, n) or cat.constraint_name_taken(schema, n)

    def con_taken(n: str) -> bool:
        return cat.constraint_name_taken(schema, n)

    if kind == "p":
        return choose_name(table.name, None, "pkey", rel_or_con)
    if kind == "u":
        cols = [k.sval for k in (con.keys or ())] + [k.sval for k in (con.including or ())]
        return choose_name(table.name, name_addition(cols), "key", rel_or_con)
    if kind == "x":
        cols = _index_column_names([p[0] for p in con.exclusions])
        return choose_name(table.name, name_addition(cols), "excl", rel_or_con)
    if kind == "f":
        return choose_name(table.name, name_addition([k.sval for k in con.fk_attrs]), "fkey", con_taken)
    cols = referenced_columns(con.raw_expr, {table.name})
    return choose_name(table.name, cols[0] if len(cols) == 1 else None, "check", con_taken)


def record_constraint(con: ast.Constraint, table: Table, ctx: Context, column: str | None = None) -> Constraint:
    """Name ``con`` (a pglast node) and add it, and its backing index, to the catalog."""
    cat = ctx.catalog
    con = clone(con)
    kind = CON_KIND[con.contype]
    if column is not None:
        if kind in ("p", "u") and not con.keys:
            con.keys = (ast.String(column),)
        if kind == "f" and not con.fk_attrs:
            con.fk_attrs = (ast.String(column),)
    if kind in ("p", "u", "x") and (con.options or con.indexspace):
        raise Unsupported("index options (WITH/USING INDEX TABLESPACE) on constraints are not supported")
    name = choose_constraint_name(con, table, cat)
    if name in table.constraints:
        raise Unsupported(f"constraint {name} already exists on {qname(*table.key)} in the catalog")
    not_valid = bool(con.skip_validation)
    references = None
    if kind == "f":
        rv = con.pktable
        references = cat.resolve_relation(rv.schemaname, rv.relname)
        con.pktable = ast.RangeVar(schemaname=references[0], relname=references[1], inh=True, relpersistence="p")
        if not con.pk_attrs:
            target = table if references == table.key else cat.tables.get(references)
            pk = next((c for c in target.constraints.values() if c.kind == "p"), None) if target else None
            if pk is not None:
                con.pk_attrs = tuple(ast.String(c) for c in pk.columns)
    definition = _definition(con)
    rec = Constraint(
        name=name,
        kind=kind,
        definition=definition,
        columns=constraint_columns(con, {table.name}),
        references=references,
        deferrable=bool(con.deferrable),
        not_valid=not_valid,
        search_path=None if tuple(cat.search_path) == tuple(table.search_path) else tuple(cat.search_path),
    )
    if kind in ("p", "u", "x"):
        rec.index = name
        cat.indexes[(table.schema, name)] = Index(
            schema=table.schema, name=name, table=table.key,
            definition=_constraint_index_sql(con, name, table), unique=kind != "x", constraint=name,
        )
    if kind == "p":
        for c in rec.columns[: len(con.keys or ())]:
            if c in table.columns:
                table.columns[c].not_null = True
    table.constraints[name] = rec
    note_added_constraint(ctx, table, name)
    return rec


def note_added_constraint(ctx: Context, table: Table, name: str) -> None:
    """Remember that the file being replayed added constraint ``name`` to ``table`` (also when
    the statement could not be analysed: it ran, so the constraint exists since), with the
    constraint the catalog then holds under that name and the distrust that is no news."""
    cat, key = ctx.catalog, table.key
    seen = {cat.tainted.get(("table", qname(*key))), cat.tainted.get(constraint_ref(key, name)), ctx.stmt.where}
    cat.file_constraints[(key, name)] = (table, table.constraints.get(name), seen)


def added_by_this_file(cat: Catalog, key: Key, name: str) -> bool:
    """Is constraint ``name`` of ``key`` one the file being replayed added, so that the inverse
    of that statement drops it again? Not if the table or the constraint under that name is
    another object now (renamed in its place), or a later statement the generator could not
    analyse may have changed either."""
    entry = cat.file_constraints.get((key, name))
    if entry is None:
        return False
    table, con, seen = entry
    return (cat.tables.get(key) is table and table.constraints.get(name) is con
            and cat.tainted.get(("table", qname(*key))) in seen and cat.tainted.get(constraint_ref(key, name)) in seen)


def _definition(con: ast.Constraint) -> str:
    con = clone(con)
    con.conname = None
    con.skip_validation = False
    con.initially_valid = True
    con.indexname = None
    return render(con)


def _constraint_index_sql(con: ast.Constraint, name: str, table: Table) -> str:
    if con.contype == ConstrType.CONSTR_EXCLUSION:
        elems = ", ".join(render(p[0]) for p in con.exclusions)
        return f"CREATE INDEX {quote_ident(name)} ON {qname(*table.key)} USING {con.access_method or 'btree'} ({elems})"
    cols = ", ".join(quote_ident(k.sval) for k in con.keys)
    sql = f"CREATE UNIQUE INDEX {quote_ident(name)} ON {qname(*table.key)} USING btree ({cols})"
    if con.including:
        sql += f" INCLUDE ({', '.join(quote_ident(k.sval) for k in con.including)})"
    return sql


def add_constraint_sql(key: Key, con: Constraint) -> str:
    sql = f"ALTER TABLE {qname(*key)} ADD CONSTRAINT {quote_ident(con.name)} {con.definition}"
    return sql + (" NOT VALID;" if con.not_valid else ";")


def fk_target_columns(con: Constraint) -> list[str]:
    node = parse_constraint(con.definition)
    return [s.sval for s in node.pk_attrs or ()]


def referencing_fks(cat: Catalog, key: Key, exclude: set[Key] = frozenset()) -> list[tuple[Table, Constraint]]:
    """Foreign keys of other tables (not in ``exclude``) that reference ``key``."""
    return [
        (t, c)
        for tk, t in cat.tables.items()
        if tk not in exclude
        for c in t.constraints.values()
        if c.kind == "f" and c.references == key
    ]


def drop_constraint_from_catalog(cat: Catalog, table: Table, name: str) -> None:
    con = table.constraints.pop(name)
    q = qname(*table.key)
    cat.drop_object_refs(("constraint", f"{quote_ident(name)} ON {q}"))
    if con.index:
        cat.indexes.pop((table.schema, con.index), None)
        cat.drop_object_refs(("index", qname(table.schema, con.index)))


def add_new_constraints(table: Table, pending: list[tuple[ast.Constraint, str | None]], ctx: Context) -> list[Constraint]:
    """Record constraints of one CREATE TABLE / ADD COLUMN in PostgreSQL's creation order.

    CHECKs are created with the table, then PRIMARY KEY, UNIQUE and EXCLUDE indexes
    (primary key first, duplicates of an earlier index dropped), then foreign keys.
    """
    checks = [p for p in pending if p[0].contype == ConstrType.CONSTR_CHECK]
    pkeys = [p for p in pending if p[0].contype == ConstrType.CONSTR_PRIMARY]
    others = [p for p in pending if p[0].contype in (ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_EXCLUSION)]
    fks = [p for p in pending if p[0].contype == ConstrType.CONSTR_FOREIGN]
    if len(pkeys) > 1:
        raise Unsupported("multiple primary keys")
    out = [record_constraint(c, table, ctx, col) for c, col in checks]
    kept: dict[tuple, list] = {}  # signature -> [constraint node, column]
    for c, col in pkeys + others:
        sig = _index_signature(c, col)
        prior = kept.get(sig)
        if prior is None:
            kept[sig] = [c, col]
        elif prior[0].conname is None and c.conname is not None:
            # PostgreSQL (transformIndexConstraints): an unnamed index takes the name of a
            # named duplicate, so that the name the user wrote exists
            prior[0] = clone(prior[0])
            prior[0].conname = c.conname
    for c, col in kept.values():
        out.append(record_constraint(c, table, ctx, col))
    out += [record_constraint(c, table, ctx, col) for c, col in fks]
    return out


def _index_signature(c: ast.Constraint, col: str | None) -> tuple:
    keys = tuple(k.sval for k in c.keys) if c.keys else (col,)
    if c.contype == ConstrType.CONSTR_EXCLUSION:
        keys = tuple(render(p[0]) for p in c.exclusions)
    return (keys, tuple(k.sval for k in c.including or ()), c.contype == ConstrType.CONSTR_EXCLUSION,
            bool(c.deferrable), bool(c.initdeferred), bool(c.nulls_not_distinct))


# -- object refs hanging off a table ------------------------------------------------------


def constraint_ref(key: Key, name: str) -> ObjRef:
    return refs.constraint_ref(key, name)


def policy_ref(key: Key, name: str) -> ObjRef:
    return refs.policy_ref(key[0], key[1], name)


def trigger_ref(key: Key, name: str) -> ObjRef:
    return refs.trigger_ref(key[0], key[1], name)


def index_ref(schema: str, name: str) -> ObjRef:
    return ("index", qname(schema, name))


def comment_restore(cat: Catalog, ref: ObjRef) -> list[str]:
    text = cat.comments.get(ref)
    return [comment_sql(ref[0], ref[1], text)] if text is not None else []


def index_sql(idx: Index) -> str:
    return idx.definition.rstrip().rstrip(";") + ";"


def trigger_sql(cat: Catalog, trg) -> list[str]:
    key = (trg.schema, trg.table)
    out = [trg.definition.rstrip().rstrip(";") + ";"]
    state = {"D": "DISABLE TRIGGER", "R": "ENABLE REPLICA TRIGGER", "A": "ENABLE ALWAYS TRIGGER"}.get(trg.enabled)
    if state:
        out.append(f"ALTER TABLE {qname(*key)} {state} {quote_ident(trg.name)};")
    return out + comment_restore(cat, trigger_ref(key, trg.name))


def policy_sql(cat: Catalog, pol, home: tuple[str, ...] | None = None) -> list[str]:
    """``pol`` created again (under its own path, when ``home``, the step's, is another)."""
    key = (pol.schema, pol.table)
    create = [pol.create_sql().rstrip(";") + ";"]
    if home is not None:
        create = under_path(create, pol.search_path, home)
    return create + comment_restore(cat, policy_ref(key, pol.name))


def default_sql(key: Key, col: Column, home: tuple[str, ...]) -> list[str]:
    """``SET DEFAULT`` of ``col`` under the path its default was written under."""
    sql = [f"ALTER TABLE {qname(*key)} ALTER COLUMN {quote_ident(col.name)} SET DEFAULT {col.default};"]
    return under_path(sql, col.default_path, home)


def own_default_path(col: Column, table: Table) -> bool:
    """Whether ``col``'s default must be set under a path other than ``table``'s."""
    return (col.default is not None and col.default_path is not None
            and tuple(col.default_path) != tuple(table.search_path) and col.generated is None and not col.identity)


def sequence_restore_sql(cat: Catalog, seq: Sequence) -> list[str]:
    return restore_refs_sql(cat, ("sequence", qname(seq.schema, seq.name)), seq.schema)


# -- recreating a dropped table ------------------------------------------------------------


@dataclass
class Recreation:
    create: list[str]  # sequences, CREATE TABLE, OWNED BY, what hangs off the table
    fks: list[str]  # foreign keys (run after every table exists)
    notes: list[str]  # sequences whose value is lost


def recreate_table(cat: Catalog, table: Table) -> Recreation:
    """SQL that recreates ``table`` as the catalog knows it (structure, never rows)."""
    key, q = table.key, qname(*table.key)
    serials = [s for s in cat.sequences.values() if s.owned_by and s.owned_by[0] == key and not s.identity]
    identities = [s for s in cat.sequences.values() if s.owned_by and s.owned_by[0] == key and s.identity]
    create = [s.definition.rstrip().rstrip(";") + ";" for s in serials]
    elems = [column_sql(c, cat, key, with_default=not own_default_path(c, table)) for c in table.columns.values()]
    later: list[str] = []
    fks: list[str] = []
    # CREATE TABLE keeps one index of identical PRIMARY KEY/UNIQUE/EXCLUDE specifications
    # (the primary key first) and silently drops the others; a duplicate the table has
    # (added later by ALTER TABLE) is added back by ALTER TABLE after it
    signatures: set[tuple] = set()
    indexed = sorted((c for c in table.constraints.values() if c.kind in ("p", "u", "x") and not c.not_valid),
                     key=lambda c: c.kind != "p")
    duplicates = set()
    for con in indexed:
        sig = _index_signature(parse_constraint(con.definition), None)
        if sig in signatures:
            duplicates.add(con.name)
        signatures.add(sig)
    for con in table.constraints.values():
        if con.kind == "f":
            fks.append(add_constraint_sql(key, con))  # (its referenced table is qualified; no expression)
        elif con.not_valid or con.name in duplicates or con.search_path is not None:  # (under its own path)
            later += under_path([add_constraint_sql(key, con)], con.search_path, table.search_path)
        else:
            elems.append(f"CONSTRAINT {quote_ident(con.name)} {con.definition}")
    unlogged = "UNLOGGED " if table.persistence == "unlogged" else ""
    sql = f"CREATE {unlogged}TABLE {q} (\n    " + ",\n    ".join(elems) + "\n)"
    if table.options:
        sql += f" {table.options}"
    create.append(sql + ";")
    for c in table.columns.values():
        if own_default_path(c, table):
            create += default_sql(key, c, table.search_path)
    for s in serials:
        create.append(f"ALTER SEQUENCE {qname(s.schema, s.name)} OWNED BY {q}.{quote_ident(s.owned_by[1])};")
    create += later
    if table.owner:
        create.append(f"ALTER TABLE {q} OWNER TO {quote_ident(table.owner)};")
    for idx in cat.indexes.values():
        if idx.table == key and idx.constraint is None:
            create += under_path([index_sql(idx)], idx.search_path, table.search_path)
    if table.replica_identity != "default":
        ri = table.replica_identity
        ri_sql = f"USING INDEX {quote_ident(ri[6:])}" if ri.startswith("index:") else ri.upper()
        create.append(f"ALTER TABLE {q} REPLICA IDENTITY {ri_sql};")
    if table.rls_enabled:
        create.append(f"ALTER TABLE {q} ENABLE ROW LEVEL SECURITY;")
    if table.rls_forced:
        create.append(f"ALTER TABLE {q} FORCE ROW LEVEL SECURITY;")
    for pol in cat.policies.values():
        if (pol.schema, pol.table) == key:
            create += policy_sql(cat, pol, table.search_path)
    for trg in cat.triggers.values():
        if (trg.schema, trg.table) == key:
            create += trigger_sql(cat, trg)
    create += restore_refs_sql(cat, table_ref(key), table.schema, list(table.columns))
    for con in table.constraints.values():
        create += comment_restore(cat, constraint_ref(key, con.name))
        if con.index:
            create += comment_restore(cat, index_ref(table.schema, con.index))
    for idx in cat.indexes.values():
        if idx.table == key and idx.constraint is None:
            create += comment_restore(cat, index_ref(idx.schema, idx.name))
    for s in serials + identities:
        create += sequence_restore_sql(cat, s)
    for pub in cat.publications.values():
        if key in pub.tables:
            create.append(f"ALTER PUBLICATION {quote_ident(pub.name)} ADD TABLE {q};")
    notes = [qname(s.schema, s.name) for s in serials + identities]
    return Recreation(create, fks, notes)


def sequence_note(names: list[str]) -> str:
    if len(names) == 1:
        return f"sequence {names[0]} starts again from its start value; its value before the migration is unknown"
    return (f"sequences {', '.join(names)} start again from their start values; "
            "their values before the migration are unknown")


def forget_table(cat: Catalog, key: Key) -> None:
    """Remove a table and everything that hangs off it from the catalog."""
    table = cat.tables.pop(key)
    q = qname(*key)
    for name in list(table.constraints):
        cat.drop_object_refs(constraint_ref(key, name))
    for ikey in [k for k, i in cat.indexes.items() if i.table == key]:
        del cat.indexes[ikey]
        cat.drop_object_refs(index_ref(*ikey))
    for skey in [k for k, s in cat.sequences.items() if s.owned_by and s.owned_by[0] == key]:
        del cat.sequences[skey]
        cat.drop_object_refs(("sequence", qname(*skey)))
    for pkey in [k for k in cat.policies if k[:2] == key]:
        del cat.policies[pkey]
        cat.drop_object_refs(policy_ref(key, pkey[2]))
    for tkey in [k for k in cat.triggers if k[:2] == key]:
        del cat.triggers[tkey]
        cat.drop_object_refs(trigger_ref(key, tkey[2]))
    for pub in cat.publications.values():
        pub.tables = [t for t in pub.tables if t != key]
    cat.drop_object_refs(("table", q))


def views_using(cat: Catalog, key: Key) -> list[Key]:
    """Views whose definition names the relation ``key``."""
    from ..engine import _Relations

    out = []
    for vkey, view in cat.views.items():
        v = _Relations()
        try:
            v(parse_stmt(view.definition))
        except Exception:  # unparsable stored text: assume it may depend
            out.append(vkey)
            continue
        path = view.search_path
        for schema, name in v.names:
            if schema == key[0] and name == key[1]:
                out.append(vkey)
                break
            if schema is None and name == key[1] and key[0] in [cat.current_user if s == "$user" else s for s in path]:
                out.append(vkey)
                break
    return out


# -- CREATE TABLE ----------------------------------------------------------------------------


@handles(ast.CreateStmt)
def create_table(node: ast.CreateStmt, ctx: Context) -> list[Step]:
    """CREATE TABLE → DROP TABLE (its rows are backed up first)."""
    cat = ctx.catalog
    rv = node.relation
    if rv.relpersistence == "t":
        return []  # a temporary table disappears with the migration's session
    if node.partbound is not None:
        from .partitions import create_partition

        return create_partition(node, ctx)
    for attr, what in (("inhRelations", "INHERITS"),
                       ("ofTypename", "OF type"), ("tablespacename", "TABLESPACE"), ("accessMethod", "USING")):
        if attr == "tablespacename" and node.tablespacename == "pg_default" and node.partspec is None:
            continue  # the database's own tablespace on Supabase: PostgreSQL records no tablespace at all
        if getattr(node, attr, None):
            raise Unsupported(f"CREATE TABLE ... {what} is not supported")
    schema = rv.schemaname or cat.creation_schema()
    key = (schema, rv.relname)
    q = qname(*key)
    if cat.relation_name_taken(*key):
        if node.if_not_exists:
            return []
        raise Unsupported(f"the catalog already has a relation {q}; its history is not known for certain")
    # a table an opaque statement may have made under this name is gone, or this would fail
    cat.tainted.pop(table_ref(key), None)
    table = Table(schema=schema, name=rv.relname, search_path=cat.search_path)
    if node.partspec is not None:
        table.partition_by = render(node.partspec)
    if rv.relpersistence == "u":
        table.persistence = "unlogged"
    if node.options:
        table.options = "WITH (" + ", ".join(render(o) for o in node.options) + ")"
    pending: list[tuple[ast.Constraint, str | None]] = []
    for elt in node.tableElts or ():
        if isinstance(elt, ast.ColumnDef):
            if elt.colname in table.columns:
                raise Unsupported(f"column {elt.colname} specified more than once")
            nc = build_column(elt, table, ctx)
            table.columns[elt.colname] = nc.column
            if nc.sequence:
                add_sequence(nc.sequence, ctx)
            pending += [(c, elt.colname) for c in nc.constraints]
        elif isinstance(elt, ast.Constraint) and elt.contype in CON_KIND:
            pending.append((elt, None))
        else:
            raise Unsupported(f"CREATE TABLE element {type(elt).__name__} is not supported")
    cat.tables[key] = table
    add_new_constraints(table, pending, ctx)
    cat.apply_default_privileges("table", schema, table_ref(key))
    return [drop_new_table_step(table, ctx)]


def backup_name(ctx: Context, *parts: str) -> str:
    version = ctx.migration.version if ctx.migration else "rollback"
    return truncate_identifier("_".join((version, *parts)))


def drop_new_table_step(table: Table, ctx: Context) -> Step:
    q = qname(*table.key)
    bname = backup_name(ctx, table.name)
    return Step(
        title=f"Drop table {q}",
        group="Drop Tables",
        sql=[f"DROP TABLE {q};"],
        lost=[f"table {q} ({describe_columns(table)})"],
        backups=[Backup(bname, f"TABLE {q}", f"rows of {q}")],
    ).hazard(Hazard.DELETES_DATA, f"rows written to {q} since the migration are dropped; backed up to {bname}")


# -- DROP TABLE --------------------------------------------------------------------------------


@handles(ast.DropStmt, ObjectType.OBJECT_TABLE)
def drop_table(node: ast.DropStmt, ctx: Context) -> list[Step]:
    """DROP TABLE → recreate each table's structure (its rows are gone for good).

    Foreign keys (its own, and those of other tables that CASCADE removed) are added
    after every dropped table exists again.
    """
    cat = ctx.catalog
    keys: list[Key] = []
    for obj in node.objects:
        names = [s.sval for s in obj]
        key = cat.resolve_relation(names[-2] if len(names) > 1 else None, names[-1])
        if key not in cat.tables:
            if node.missing_ok and not cat.relation_kind(key):
                continue
            raise Unsupported(f"table {qname(*key)} is not in the catalog, so its definition is not known")
        keys.append(key)
    cascade = node.behavior == DropBehavior.DROP_CASCADE
    dep_views: list[Key] = []
    dep_policies: list = []
    try:
        for key in keys:
            reason = ctx.tainted_reason(table_ref(key))
            if reason:
                raise Unsupported(reason)
            t = cat.tables[key]
            if t.partition_by or t.partition_of or any(o.partition_of and o.partition_of[0] == key
                                                       for o in cat.tables.values()):
                raise Unsupported(f"{qname(*key)} is a partitioned table or a partition; recreating partitions "
                                  "is not automated")
        if cascade:
            dep_views, dep_policies = _cascaded(ctx, keys)
    except Unsupported:
        _forget_dropped(cat, keys, cascade)
        raise
    steps: list[Step] = []
    fk_sql: list[str] = []
    dropped = set(keys)
    for key in keys:
        table = cat.tables[key]
        q = qname(*key)
        rec = recreate_table(cat, table)
        step = Step(
            title=f"Recreate table {q}",
            group="Recreate Tables",
            sql=rec.create,
            lost=[f"rows of table {q} ({describe_columns(table)})"],
            search_path=table.search_path,
        ).hazard(
            Hazard.DATA_NOT_RESTORED,
            f"the rows of {q} were deleted by the migration; the rollback restores the structure only; "
            "restore the data from a backup taken before the migration",
        )
        if rec.notes:
            step.hazard(Hazard.DATA_NOT_RESTORED, sequence_note(rec.notes))
        steps.append(step)
        fk_sql += rec.fks
    for key in keys:
        for t, con in referencing_fks(cat, key, exclude=dropped):
            if not con.not_valid:
                fk_sql.append(_referencing_rows_guard(t, con, key))
            fk_sql.append(add_constraint_sql(t.key, con))
            fk_sql += comment_restore(cat, constraint_ref(t.key, con.name))
    if fk_sql:
        steps.append(Step(title="Restore foreign keys of the recreated tables", group="Restore Foreign Keys", sql=fk_sql))
    from . import dependents

    steps += dependents.recreate_after_cascade(cat, dep_views, dep_policies)
    dependents.forget(cat, dep_views, dep_policies)
    _forget_dropped(cat, keys, cascade)
    return steps


def _referencing_rows_guard(t: Table, con: Constraint, key: Key) -> str:
    """A DO block that stops the rollback, saying what to do, while rows of ``t`` reference the
    recreated (empty) table ``key`` through ``con``: adding the foreign key back would fail
    on them with a bare foreign key violation. (A row with a NULL in the key is not checked.)"""
    from ..steps import DATA_FIRST

    cols = con.columns or []
    cond = " AND ".join(f"{quote_ident(c)} IS NOT NULL" for c in cols) or "true"
    message = (f"{DATA_FIRST}rows of {qname(*t.key)} reference {qname(*key)}, whose rows the migration deleted "
               f"(foreign key {con.name}): restore the rows of {qname(*key)} from a backup taken before the "
               "migration, then run this rollback again").replace("%", "%%")
    return (f"DO $rollback$ BEGIN IF EXISTS (SELECT 1 FROM {qname(*t.key)} WHERE {cond}) THEN "
            f"RAISE EXCEPTION {literal(message)}; END IF; END $rollback$;")


def _cascaded(ctx: Context, keys: list[Key]) -> tuple[list[Key], list]:
    """Views built on the dropped tables and policies of other tables that read them."""
    from . import dependents
    from . import views as view_handlers

    cat = ctx.catalog
    dep_views = view_handlers.creation_order(cat, view_handlers.dependent_views(cat, keys))
    dependents.check_trusted(ctx, dep_views)
    dep_policies = dependents.policies_on(cat, set(keys) | set(dep_views), exclude_tables=set(keys))
    for p in dep_policies:
        reason = ctx.tainted_reason(policy_ref((p.schema, p.table), p.name))
        if reason:
            raise Unsupported(reason)
    return dep_views, dep_policies


def _forget_dropped(cat: Catalog, keys: list[Key], cascade: bool) -> None:
    for key in keys:
        if cascade:
            for t, con in referencing_fks(cat, key, exclude=set(keys)):
                drop_constraint_from_catalog(cat, t, con.name)
            for vkey in views_using(cat, key):
                del cat.views[vkey]
                cat.drop_object_refs(("view", qname(*vkey)))
        forget_table(cat, key)
