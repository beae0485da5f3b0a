//! The container server's HTTP app: routing, one handler per operation, listings, account
//! updates, middleware, and the one place errors become HTTP responses.

pub mod listing;
pub mod middleware;
