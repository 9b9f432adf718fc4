"""The speed claims of budget-realloc, one suite: each benchmark times ours beside a named
baseline in one run and writes perf/results/<name>.json (see perf.suite; ``python -m perf``)."""
