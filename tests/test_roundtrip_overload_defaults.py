"""Round trip (real PostgreSQL) of functions overloaded with DEFAULT parameters that a
migration replaces: a wider overload is created, the old ones dropped, and a narrow one
that calls the wide one created again (calls that two overloads could both take would be
ambiguous, so the order of the rollback's drops and creates matters)."""

from __future__ import annotations


def test_overloads_with_defaults_replaced(roundtrip):
    _, sql = roundtrip(
        history=[
            """
            create schema queue;
            create table queue.jobs (name text primary key, tries int, wait_s int);
            create function queue.push(job_name text, max_tries integer default null::integer)
              returns queue.jobs language sql set search_path = '' as $$
              insert into queue.jobs (name, tries) values (job_name, max_tries) returning *;
            $$;
            create function queue.push(job_name text, after text[], max_tries integer default null::integer)
              returns queue.jobs language sql set search_path = '' as $$
              insert into queue.jobs (name, tries) values (job_name, max_tries) returning *;
            $$;
            """,
        ],
        migration="""
        create function queue.push(job_name text, after text[], max_tries integer default null::integer,
                                   wait_s integer default null::integer)
          returns queue.jobs language sql set search_path = '' as $$
          insert into queue.jobs (name, tries, wait_s) values (job_name, max_tries, wait_s) returning *;
        $$;
        drop function queue.push(text, integer);
        drop function queue.push(text, text[], integer);
        create function queue.push(job_name text, max_tries integer default null::integer, wait_s integer default null::integer)
          returns queue.jobs language sql set search_path = '' as $$
          select * from queue.push(job_name, '{}'::text[], max_tries, wait_s);
        $$;
        """,
    )
    # the narrow overload calls the wide one: it goes first, the wide one last
    assert sql.index("DROP FUNCTION queue.push(text, integer, integer)") < sql.index(
        "DROP FUNCTION queue.push(text, text[], integer, integer)")
