//! Test support: start the real binary on a generated config, talk HTTP to it, run Swift's Python.
