"""The harness's scenarios, one module per family: pages (inbox, queue, case page),
dashboard, transitions (and pgbench as their ceiling), sweep (SLA sweep vs viewflow's timers),
web (the web worker's memory). bench/run.py runs them and writes the report."""
