"""Command-line tools: set-up, tests, the demo (and its Home Assistant driver and photo player), benchmarks."""
