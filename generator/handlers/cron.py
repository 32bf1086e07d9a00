"""pg_cron jobs: ``cron.schedule`` / ``cron.unschedule`` called from a migration's SELECT.

Jobs are tracked by name in ``catalog.cron_jobs`` (name -> (schedule, command)):

- ``cron.schedule('name', 'schedule', 'command')`` creates or replaces the job of that
  name. Its inverse re-schedules the job the catalog knew under that name, else
  unschedules it.
- ``cron.unschedule('name')`` of a job the catalog knows inverts to scheduling it again;
  of any other job, manual (its schedule and command are not in the history).
- Unnamed jobs (``cron.schedule(schedule, command)``), jobs given by id, arguments that
  are not constants, ``cron.alter_job`` and ``cron.schedule_in_database``: manual.
"""

from __future__ import annotations

from pglast import ast

from ..engine import Context
from ..sqltext import literal, render
from ..steps import Step

CRON_FUNCTIONS = frozenset({"schedule", "unschedule", "alter_job", "schedule_in_database"})
_PARAMS = {"schedule": ("job_name", "schedule", "command"), "unschedule": ("job_name",)}


def is_cron_call(call: ast.FuncCall) -> bool:
    names = [n.sval for n in call.funcname]
    return len(names) == 2 and names[0] == "cron" and names[1] in CRON_FUNCTIONS


def _const(node: ast.Node) -> str | None:
    if isinstance(node, ast.TypeCast):
        node = node.arg
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
        return node.val.sval
    return None


def _args(call: ast.FuncCall, fname: str) -> list[str] | None:
    """Constant string arguments in parameter order (named arguments allowed)."""
    params = _PARAMS.get(fname)
    if params is None:
        return None
    values: dict[str, str] = {}
    for i, arg in enumerate(call.args or ()):
        if isinstance(arg, ast.NamedArgExpr):
            name, arg = arg.name, arg.arg
        elif i < len(params):
            name = params[i]
        else:
            return None
        v = _const(arg)
        if v is None:
            return None
        values[name] = v
    if set(values) != set(params):
        return None
    return [values[p] for p in params]


def schedule_sql(name: str, schedule: str, command: str) -> str:
    return f"SELECT cron.schedule({literal(name)}, {literal(schedule)}, {literal(command)});"


def cron_call(call: ast.FuncCall, ctx: Context) -> list[Step]:
    """Inverse steps of one cron function call (applies it to the catalog)."""
    cat = ctx.catalog
    fname = call.funcname[-1].sval
    text = render(call)
    args = _args(call, fname)
    if fname == "schedule" and args is not None:
        name, schedule, command = args
        prior = cat.cron_jobs.get(name)
        cat.cron_jobs[name] = (schedule, command)
        if prior is not None:
            return [Step(title=f"Restore cron job {literal(name)} to its previous schedule", group="Restore Cron Jobs",
                         sql=[schedule_sql(name, *prior)])]
        return [Step(title=f"Unschedule cron job {literal(name)}", group="Unschedule Cron Jobs",
                     sql=[f"SELECT cron.unschedule({literal(name)});"])]
    if fname == "unschedule" and args is not None:
        (name,) = args
        prior = cat.cron_jobs.pop(name, None)
        if prior is None:
            return ctx.manual(
                f"`{text}` removed cron job {literal(name)}, whose schedule and command are not in the migration "
                "history; schedule it again by hand",
                title=f"Schedule cron job {literal(name)} again",
            )
        return [Step(title=f"Schedule cron job {literal(name)} again", group="Restore Cron Jobs",
                     sql=[schedule_sql(name, *prior)])]
    if fname == "schedule":
        return ctx.manual(
            f"`{text}` schedules a job without a constant name (its id is only known at run time); "
            "unschedule it by hand (SELECT cron.unschedule(jobid) FROM cron.job WHERE ...)",
            title="Unschedule the cron job this migration scheduled",
        )
    return ctx.manual(f"`{text}` changes pg_cron jobs in a way the generator cannot invert; undo it by hand",
                      title=f"Undo `{text}`")
