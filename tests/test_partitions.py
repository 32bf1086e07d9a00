"""Unit tests of generator/handlers/partitions.py."""

from __future__ import annotations

from pathlib import Path

import generator.handlers  # noqa: F401  (registers every handler)
from generator.catalog import Catalog
from generator.engine import Rollback, baseline_catalog, replay
from generator.parse import Migration


def run(cat: Catalog, sql: str, version: str = "20250101000000") -> Rollback:
    return replay(Migration(version, "m", Path(f"{version}_m.sql"), sql), cat)


def sql_of(rb: Rollback) -> list[str]:
    return [s for step in rb.steps for s in step.sql]


def test_partition_lifecycle() -> None:
    cat = baseline_catalog()
    run(cat, "create table public.m (id int, at date) partition by range (at);")
    assert cat.tables[("public", "m")].partition_by == "range (at)"
    rb = run(cat, "create table public.m1 partition of public.m for values from ('2024-01-01') to ('2025-01-01');", "1")
    assert sql_of(rb) == ["DROP TABLE public.m1;"] and rb.steps[0].data_loss
    assert list(cat.tables[("public", "m1")].columns) == ["id", "at"]
    rb = run(cat, "alter table public.m detach partition public.m1;", "2")
    assert sql_of(rb) == ["ALTER TABLE public.m ATTACH PARTITION public.m1 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"]
    rb = run(cat, "alter table public.m attach partition public.m1 default;", "3")
    assert sql_of(rb) == ["ALTER TABLE public.m DETACH PARTITION public.m1;"]
    assert cat.tables[("public", "m1")].partition_of == (("public", "m"), "DEFAULT")
    assert run(cat, "drop table public.m cascade;", "4").manual_steps
