//! What a Swift container node's processes share: reading Swift's config files, `hash_path` and the
//! on-disk layout, Swift's timestamps, request constraints, sync realms, and the container
//! database broker used by both the HTTP server and the background tasks.
//!
//! This crate knows nothing of HTTP servers, rings or the network: it is files and SQLite only.

pub mod config;
pub mod constraints;
pub mod db;
pub mod hash;
pub mod realms;
pub mod timestamp;
