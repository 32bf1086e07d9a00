"""``learn`` proves itself: every rollback the new record changes is round-tripped on the server.

After ``learn`` has written its entries (in memory), each migration's rollback is generated
twice, statically: with the record and without any. A rollback that differs is what the
record produces; it is verified on the same throwaway server the way ``verify`` does it
(``verify.verify_fresh``: the history applied once going forward; for each of those
migrations the schema before, the migration, the rollback, the schema compared, the
migration again).

A rollback that fails (an error, or a schema that differs from the one before the
migration) is never written as automatic: the entries that changed it (those whose removal
alone changes that rollback; when no single one does, every effective entry up to that
migration) are dropped: kept as ``not_learned`` with the difference as the reason (a later
failure of the same round whose rollback those drops already changed is not searched: it
is round-tripped again in the next round). Then the
rollbacks are generated again and the ones that changed since the last round are verified
again, until none fails (each round drops at least one entry, so this ends).

Not round-tripped: a rollback that still has a manual step (it cannot run unedited; its
manual step stays the person's) and one the server cannot run (``SKIPPED``: an extension
this server lacks): the entries behind it are kept, and ``Proof`` counts them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..parse import Migration
from . import record


@dataclass
class Proof:
    verified: list[str] = field(default_factory=list)  # versions whose record-made rollback round-tripped
    failed: dict[str, str] = field(default_factory=dict)  # version -> what went wrong
    dropped: list[record.Entry] = field(default_factory=list)  # entries turned into not_learned
    unproven: list[str] = field(default_factory=list)  # versions not round-tripped (manual step left, skipped)
    rounds: int = 0
    seconds: float = 0.0


def effective(e: record.Entry) -> bool:
    """Whether the entry changes anything in a replay (a not_learned entry does not)."""
    return (bool(e.unchanged) or e.defaults_unchanged or bool(e.imported) or bool(e.changes) or e.defaults_imported
            or e.undo is not None or bool(e.created))


def drop(e: record.Entry, why: str) -> record.Entry:
    """The entry with nothing proven and the reason."""
    return replace(e, unchanged=(), defaults_unchanged=False, imported=(), changes=(), defaults_imported=False,
                   undo=None, created=(), not_learned=why)


def unimport(e: record.Entry, why: str) -> record.Entry:
    """The entry without what it imported and its own rollback (what it proved unchanged
    stays): an import that
    exposes an inverter's gap costs only itself; a second failure drops the rest."""
    skipped = dict(e.not_imported) | {f"{r[0]} {r[1]}": why for r in e.imported}
    if e.defaults_imported:
        skipped["default privileges"] = why
    if e.undo is not None:
        skipped["its own rollback"] = why
    for c in e.created:
        skipped[f"{c['kind']} {c['name']}"] = why
    return replace(e, imported=(), changes=(), defaults_imported=False, undo=None, created=(),
                   not_imported=tuple(sorted(skipped.items())))


def _oracle(entries: list[record.Entry]) -> record.Oracle:
    return record.Oracle({(e.migration, e.line): e for e in entries})


def _rendered(migrations: list[Migration], oracle: record.Oracle | None, manual_rule=None) -> dict[str, str]:
    """Per migration stem, its rollback's SQL (as ``verify`` renders a generated one)."""
    from ..engine import iter_generate
    from ..render import render_sql

    return {rb.migration.stem: render_sql(rb) for rb in iter_generate(migrations, None, manual_rule, oracle=oracle)
            if rb.broken is None}


def _rollback_sql(migrations: list[Migration], entries: list[record.Entry], target: Migration,
                  manual_rule=None) -> str:
    """``target``'s rollback (as ``verify`` renders it) with the record ``entries``."""
    from ..engine import generate
    from ..render import render_sql

    upto = migrations[: migrations.index(target) + 1]
    rbs = generate(upto, {target.version}, manual_rule, oracle=_oracle(entries))
    return next(render_sql(rb) for rb in rbs if rb.migration is target)


def culprits(migrations: list[Migration], entries: list[record.Entry], target: Migration,
             manual_rule=None) -> list[record.Entry]:
    """The effective entries that change ``target``'s rollback: each one whose removal alone
    changes it; where a group changes it and none of its halves does (several together),
    that group.

    Found by halving: a group whose removal leaves the rollback as it is holds none of them,
    so a history of n entries costs about k·log n generations for k culprits, not n. (Should
    two entries' removals cancel out, one is missed here; ``prove`` round-trips the rollback
    again in its next round, so a culprit missed is found then, never written.)"""
    names = {m.path.name for m in migrations[: migrations.index(target) + 1]}
    candidates = [e for e in entries if effective(e) and e.migration in names]
    full = _rollback_sql(migrations, entries, target, manual_rule)

    def changes(group: list[record.Entry]) -> bool:
        gone = {id(e) for e in group}
        return _rollback_sql(migrations, [x for x in entries if id(x) not in gone], target, manual_rule) != full

    def search(group: list[record.Entry]) -> list[record.Entry]:
        if len(group) == 1:
            return group
        half = len(group) // 2
        found = [e for part in (group[:half], group[half:]) if changes(part) for e in search(part)]
        return found or group

    return search(candidates) if candidates and changes(candidates) else candidates


def prove(server, migrations: list[Migration], entries: list[record.Entry], manual_rule=None,
          progress: Callable[[str], None] | None = None) -> tuple[list[record.Entry], Proof]:
    """Round-trip the rollbacks ``entries`` change; returns the entries (the harmful ones
    dropped) and what was done."""
    from ..verify import Status, candidate, verify_fresh

    started = time.monotonic()
    proof = Proof()
    entries = list(entries)
    if not any(effective(e) for e in entries):
        return entries, proof
    without = _rendered(migrations, None, manual_rule)
    by_stem = {m.stem: m for m in migrations}
    checked: dict[str, str] = {}  # stem -> the SQL already round-tripped successfully
    while True:
        proof.rounds += 1
        oracle = _oracle(entries)
        with_record = _rendered(migrations, oracle, manual_rule)
        todo = {stem for stem, sql in with_record.items() if sql != without.get(stem) and checked.get(stem) != sql}
        if not todo:
            break
        from ..engine import iter_generate

        candidates = {rb.migration.stem: candidate(rb, None, use_files=False)
                      for rb in iter_generate(migrations, {by_stem[s].version for s in todo}, manual_rule, oracle=oracle)
                      if rb.migration.stem in todo and rb.broken is None}
        if progress:
            progress(f"round-tripping {len(candidates)} rollback(s) the record changed")
        results = verify_fresh(server, migrations, candidates, dbname="supabase_rollback_learn_prove")
        failed = []
        for r in results:
            stem, version = r.migration.stem, r.migration.version
            if r.status in (Status.VERIFIED, Status.COLUMN_ORDER):
                checked[stem] = with_record[stem]
                if version not in proof.verified:
                    proof.verified.append(version)
            elif r.status is Status.FAILED:
                failed.append(r)
                proof.failed[version] = r.reason
                if progress:
                    progress(f"the rollback of {version} did not round-trip: {r.reason}")
            elif version not in proof.unproven:
                proof.unproven.append(version)
        if not failed:
            break
        dropped = len(proof.dropped)
        for k, r in enumerate(failed):
            if k and _rollback_sql(migrations, entries, r.migration, manual_rule) != with_record[r.migration.stem]:
                continue  # what was dropped for an earlier one changed it: it is round-tripped again next round
            why = (f"the rollback of {r.migration.path.name} this entry made automatic did not round-trip on the "
                   f"server: {r.reason}")
            bad_ones = culprits(migrations, entries, r.migration, manual_rule)
            importing = [b for b in bad_ones
                         if b.imported or b.changes or b.defaults_imported or b.undo is not None or b.created]
            for bad in importing or bad_ones:  # their imports first; what they proved unchanged next round
                i = next(k for k, e in enumerate(entries) if e is bad)
                entries[i] = unimport(bad, why) if importing else drop(bad, why)
                proof.dropped.append(entries[i])
        if len(proof.dropped) == dropped:  # (cannot happen: a changed rollback has an effective entry behind it)
            break
    proof.verified = [v for v in proof.verified if v not in proof.failed]
    proof.seconds = time.monotonic() - started
    return entries, proof


def proof_lines(proof: Proof) -> list[str]:
    """What ``learn`` prints about its proof."""
    if proof.rounds == 0:
        return []
    n = len(proof.verified)
    out = [f"proof: {n} rollback{'s' if n != 1 else ''} the record makes automatic round-tripped on the server "
           f"in {proof.seconds:.1f}s"]
    for version, why in sorted(proof.failed.items()):
        out.append(f"proof: the rollback of {version} did not round-trip ({why})")
    if proof.dropped:
        k = len(proof.dropped)
        where = ", ".join(sorted({f"{e.migration}:{e.line}" for e in proof.dropped}))
        out.append(f"proof: {k} entr{'y' if k == 1 else 'ies'} dropped (now not_learned, or without their imports, with the difference): {where}")
    if proof.unproven:
        k = len(proof.unproven)
        out.append(f"proof: {k} changed rollback{'s' if k != 1 else ''} not round-tripped (a manual step left, or "
                   f"the server lacks what it needs): {', '.join(proof.unproven[:5])}{' ...' if k > 5 else ''}")
    return out
