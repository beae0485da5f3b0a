//! The container server's HTTP app: routing, one handler per operation, listings, account
//! updates, middleware, and the one place errors become HTTP responses.
//!
//! It knows HTTP and Swift's backend API; the database, config files and hashing come from
//! `swift-common`, and the background tasks from `swift-sync`.

pub mod account_update;
pub mod app;
pub mod error;
pub mod handlers;
pub mod listing;
pub mod logging;
pub mod middleware;
pub mod request;
pub mod response;
pub mod serve;
pub mod settings;
pub mod storage;
pub mod sync_to;
