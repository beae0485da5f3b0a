//! Benchmark tools for the container server.
//!
//! This crate owns the measuring side only: a closed-loop HTTP load generator that speaks the
//! request shapes the proxy and object servers send to a container server (`container-bench`),
//! a bare axum server that answers every request at once (`bench-bare-server`, the HTTP limit),
//! and a SQLite batched-insert run into Swift's object table (`bench-sqlite-limit`, the disk and
//! database limit). It knows nothing about the server's internals: it talks to any container
//! server, ours or Swift's, over 127.0.0.1. `scripts/bench` drives it and prints the table.

pub mod args;
pub mod names;
pub mod procfs;
pub mod runner;
pub mod shapes;
pub mod stats;
pub mod table;
