"""vigie's benchmarks: ``python -m bench`` (``make bench``) runs them all and prints one table each.

    match    matching throughput, 10 to 10,000 rules, beside a per-rule regex loop  (bench_match)
    poll     polling 100 and 1,000 local feeds, beside a feedparser.parse(url) loop  (bench_poll)
    e2e      one `vigie run` over a store of 100,000 articles, 1,000 feeds           (bench_e2e)
    prefect  the same cycle as plain function calls and as a Prefect flow run        (bench_prefect)
    stories  stories and alerts on labelled real news days, beside the frozen baseline (bench_stories)

Every ratio is measured in one run, on the same machine, minutes apart at most.
"""
