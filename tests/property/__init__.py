"""Property-based tests (hypothesis) of issue 7: strategies, the linear round-trip harness,
the hypothesis profiles, and the failing examples kept as regression tests
(tests/property/regressions/)."""
