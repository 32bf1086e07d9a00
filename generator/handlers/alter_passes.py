"""The order in which PostgreSQL runs the subcommands of one ALTER TABLE.

PostgreSQL does not run ``ALTER TABLE t a, b, c`` in text order: ATController sorts the
subcommands into passes (``AlterTablePass`` in tablecmds.c) and runs pass after pass,
each in text order. So ``add constraint c check (x > 0), add column x int`` works: the
column is added (ADD_COL) before the constraint (ADD_OTHERCONSTR). The catalog must be
replayed in that order, and the inverses must run in that order reversed.

The passes as of PostgreSQL 13 to 17 (the numbers only matter relative to each other;
PostgreSQL 17 added passes for subcommands not modelled here).
"""

from __future__ import annotations

from pglast import ast
from pglast.enums import AlterTableType as AT
from pglast.enums import ConstrType

DROP = 0
ALTER_TYPE = 1
ADD_COL = 4
COL_ATTRS = 6
ADD_INDEXCONSTR = 7
ADD_INDEX = 8
ADD_OTHERCONSTR = 9
MISC = 10

_FIXED: dict[AT, int] = {
    AT.AT_DropColumn: DROP,
    AT.AT_DropConstraint: DROP,
    AT.AT_DropNotNull: DROP,
    AT.AT_DropIdentity: DROP,
    AT.AT_DropExpression: DROP,
    AT.AT_AlterColumnType: ALTER_TYPE,
    AT.AT_AddColumn: ADD_COL,
    AT.AT_SetNotNull: COL_ATTRS,
    AT.AT_AddIndexConstraint: ADD_INDEXCONSTR,
    AT.AT_AddIndex: ADD_INDEX,
    AT.AT_CookedColumnDefault: ADD_OTHERCONSTR,
    AT.AT_AddIdentity: ADD_OTHERCONSTR,
}

_INDEX_BACKED = (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_EXCLUSION)


def alter_pass(cmd: ast.AlterTableCmd) -> int:
    """The pass PostgreSQL runs ``cmd`` in (ATPrepCmd, and ATParseTransformCmd for ADD
    CONSTRAINT: keys backed by an index before the indexes, other constraints after)."""
    st = AT(cmd.subtype)
    if st in _FIXED:
        return _FIXED[st]
    if st == AT.AT_ColumnDefault:  # SET DEFAULT adds, DROP DEFAULT drops
        return ADD_OTHERCONSTR if cmd.def_ is not None else DROP
    if st == AT.AT_AddConstraint:
        con = cmd.def_
        if isinstance(con, ast.Constraint) and con.contype in _INDEX_BACKED:
            return ADD_INDEXCONSTR
        return ADD_OTHERCONSTR
    return MISC


def in_execution_order(cmds: tuple[ast.AlterTableCmd, ...] | list[ast.AlterTableCmd]) -> list[ast.AlterTableCmd]:
    """``cmds`` in the order PostgreSQL runs them: by pass, in text order within a pass
    (so a column's SET DEFAULT runs after its TYPE change and is cooked for the new type,
    and a CHECK on a column the same statement adds comes after the column)."""
    return [c for _, c in sorted(enumerate(cmds), key=lambda item: (alter_pass(item[1]), item[0]))]
