"""Partitions: CREATE TABLE ... PARTITION OF, ALTER TABLE ... ATTACH / DETACH PARTITION.

Rules:
- ``CREATE TABLE p PARTITION OF parent FOR VALUES ...`` → ``DROP TABLE p`` (its rows are
  backed up first: DELETES_DATA). The catalog records the partition's columns (those of
  the parent) and its bound. The indexes and constraints PostgreSQL clones onto it are not
  modelled, so what later migrations do to the partition itself is not trusted.
- ``ATTACH PARTITION p FOR VALUES ...`` → ``DETACH PARTITION p``, when the parent has no
  index or foreign key (attaching creates or attaches partition indexes and clones foreign
  keys, which detaching leaves behind); otherwise manual.
- ``DETACH PARTITION p [CONCURRENTLY]`` → ``ATTACH PARTITION p <recorded bound>``.
(``PARTITION BY`` itself is recorded by ``tables.create_table``; dropping a partitioned
table or a partition is manual there.)
"""

from __future__ import annotations

import copy

from pglast import ast
from pglast.enums import AlterTableType as AT

from ..catalog import Key, Table
from ..engine import Context, Unsupported, handles_alter
from ..sqltext import qname, render
from ..steps import Hazard, Step
from .tables import drop_new_table_step


def create_partition(node: ast.CreateStmt, ctx: Context) -> list[Step]:
    """``CREATE TABLE ... PARTITION OF`` → ``DROP TABLE`` (called by tables.create_table)."""
    cat = ctx.catalog
    if node.tableElts:
        raise Unsupported("a partition with its own column or constraint definitions is not supported")
    rv = node.relation
    parent_rv = node.inhRelations[0]
    parent_key = cat.resolve_relation(parent_rv.schemaname, parent_rv.relname)
    parent = cat.tables.get(parent_key)
    if parent is None or not parent.partition_by:
        raise Unsupported(f"partitioned table {qname(*parent_key)} is not in the migration history")
    reason = ctx.tainted_reason(("table", qname(*parent_key)))
    if reason:
        raise Unsupported(reason)
    if any(c.identity for c in parent.columns.values()):
        raise Unsupported(f"{qname(*parent_key)} has identity columns; their partitions are not modelled")
    key = (rv.schemaname or cat.creation_schema(), rv.relname)
    if cat.relation_name_taken(*key):
        if node.if_not_exists:
            return []
        raise Unsupported(f"relation {qname(*key)} already exists, so this statement fails")
    child = Table(schema=key[0], name=key[1], columns=copy.deepcopy(parent.columns),
                  partition_of=(parent_key, render(node.partbound)), owner=cat.current_user,
                  search_path=cat.search_path)
    if node.partspec is not None:
        child.partition_by = render(node.partspec)
    cat.tables[key] = child
    cat.apply_default_privileges("table", key[0], ("table", qname(*key)))
    ctx.catalog.tainted[("table", qname(*key))] = (
        f"{ctx.stmt.where} (the indexes and constraints a partition inherits are not modelled)"
    )
    return [drop_new_table_step(child, ctx)]


def _partition(ctx: Context, cmd: ast.AlterTableCmd) -> tuple[Key, Table]:
    cat = ctx.catalog
    rv = cmd.def_.name
    key = cat.resolve_relation(rv.schemaname, rv.relname)
    table = cat.tables.get(key)
    if table is None:
        raise Unsupported(f"table {qname(*key)} is not in the migration history")
    return key, table


@handles_alter(AT.AT_AttachPartition)
def attach_partition(cmd: ast.AlterTableCmd, parent: Key, ctx: Context) -> list[Step]:
    """``ATTACH PARTITION p FOR VALUES ...`` → ``DETACH PARTITION p``."""
    cat = ctx.catalog
    key, child = _partition(ctx, cmd)
    ptable = cat.tables[parent]
    if not ptable.partition_by:
        raise Unsupported(f"{qname(*parent)} is not a partitioned table in the migration history")
    indexes = [i.name for i in cat.indexes.values() if i.table == parent]
    fks = [c.name for c in ptable.constraints.values() if c.kind == "f"]
    if indexes or fks:
        raise Unsupported(
            f"attaching to {qname(*parent)} created or attached indexes ({', '.join(indexes) or 'none'}) and foreign "
            f"keys ({', '.join(fks) or 'none'}) on {qname(*key)}; DETACH PARTITION leaves them behind: detach it and "
            "drop the ones the attach created"
        )
    child.partition_of = (parent, render(cmd.def_.bound))
    return [Step(title=f"Detach partition {qname(*key)} from {qname(*parent)}", group="Restore Partitions",
                 sql=[f"ALTER TABLE {qname(*parent)} DETACH PARTITION {qname(*key)};"])]


@handles_alter(AT.AT_DetachPartition)
def detach_partition(cmd: ast.AlterTableCmd, parent: Key, ctx: Context) -> list[Step]:
    """``DETACH PARTITION p`` → ``ATTACH PARTITION p <bound it had>``."""
    key, child = _partition(ctx, cmd)
    if child.partition_of is None or child.partition_of[0] != parent:
        raise Unsupported(f"the partition bound of {qname(*key)} in {qname(*parent)} is not in the migration history")
    bound = child.partition_of[1]
    child.partition_of = None
    return [Step(
        title=f"Attach {qname(*key)} to {qname(*parent)} again", group="Restore Partitions",
        sql=[f"ALTER TABLE {qname(*parent)} ATTACH PARTITION {qname(*key)} {bound};"],
    ).hazard(Hazard.ACCESS_EXCLUSIVE_LOCK,
             f"{qname(*key)} is scanned to check that its rows fit the partition bound while it is locked")]
