"""How ``verify`` scales with the length of the history (fresh mode).

Writes a synthetic Supabase project of N migrations (tables with RLS, policies,
indexes, functions, triggers, added columns, views, enums) into a temporary folder and
times ``supabase-rollback verify --format json`` on it, for each N given:

    /tmp/venv/bin/python benchmarks/verify_scaling.py 50 100 200

Verifying N migrations should cost about N times one migration (the history is replayed
once), so the time per migration stays flat as N grows.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def migration(i: int) -> str:
    """The i-th migration: a mix of the statements real Supabase projects are made of."""
    t = f"public.item_{i // 4}"
    kind = i % 4
    if kind == 0:
        return (
            f"create table {t} (id bigint generated always as identity primary key, owner uuid not null,"
            f" title text not null, created_at timestamptz not null default now());\n"
            f"alter table {t} enable row level security;\n"
            f"create policy \"owner reads {i}\" on {t} for select to authenticated using (owner = auth.uid());\n"
            f"create index item_{i // 4}_owner_idx on {t} (owner, created_at desc);\n"
        )
    if kind == 1:
        return (
            f"alter table {t} add column status text not null default 'new', add column body jsonb;\n"
            f"create index item_{i // 4}_body_gin on {t} using gin (body);\n"
            f"comment on column {t}.status is 'workflow status';\n"
        )
    if kind == 2:
        return (
            f"create function public.touch_{i // 4}() returns trigger language plpgsql as $$\n"
            f"begin new.created_at := now(); return new; end $$;\n"
            f"create trigger touch_{i // 4} before update on {t} for each row execute function public.touch_{i // 4}();\n"
            f"create view public.item_{i // 4}_open as select id, title from {t} where status <> 'done';\n"
            f"grant select on public.item_{i // 4}_open to authenticated;\n"
        )
    return (
        f"create type public.prio_{i // 4} as enum ('low', 'high');\n"
        f"alter table {t} add column prio public.prio_{i // 4};\n"
        f"drop policy \"owner reads {i - 3}\" on {t};\n"
        f"create policy \"owner reads {i}\" on {t} for select to authenticated using (owner = auth.uid() and prio is not null);\n"
    )


def project(root: Path, n: int) -> Path:
    folder = root / "supabase" / "migrations"
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"{20250101000000 + i * 100}_m{i}.sql").write_text(migration(i))
    return root


def main(sizes: list[int]) -> None:
    exe = Path(sys.executable).parent / "supabase-rollback"
    print(f"{'migrations':>10} {'seconds':>8} {'ms/migration':>13}  statuses")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = project(Path(tmp), n)
            t0 = time.monotonic()
            res = subprocess.run([str(exe), "verify", "--project-dir", str(root), "--format", "json"],
                                 capture_output=True, text=True, check=False)
            took = time.monotonic() - t0
            doc = json.loads(res.stdout)
            print(f"{n:>10} {took:>8.2f} {1000 * took / n:>13.1f}  {doc['summary']} (exit {res.returncode})")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [50, 100, 200])
