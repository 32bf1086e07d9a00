-- Stand-in for index_advisor (supabase-rollback verify): the function with its real
-- signature; it answers with an error row instead of advice.

create function index_advisor(query text)
    returns table (
        startup_cost_before jsonb,
        startup_cost_after jsonb,
        total_cost_before jsonb,
        total_cost_after jsonb,
        index_statements text[],
        errors text[]
    )
    language sql volatile
as $$
    select null::jsonb, null::jsonb, null::jsonb, null::jsonb, array[]::text[],
           array['index_advisor is a stand-in on this test server: no advice is computed']
$$;
