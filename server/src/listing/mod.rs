//! Container listings exactly as Swift 2.38.3's container server answers them (the backend
//! answer, before any proxy middleware): query parameters and `limit` rules, `format=` and
//! Accept negotiation, and the json, xml and plain bodies of object and shard-range listings.
//!
//! A GET handler uses it in Swift's order:
//! ```ignore
//! let query = listing::ListingQuery::from_raw(uri.query())?;          // 400 / 412
//! let format = listing::negotiate(query.format.as_deref(), accept)?;   // 400 / 406
//! // ... check the drive (507), open the broker, list rows ...
//! let out = listing::render_objects(&entries, format, container)?;    // status, type, body
//! ```
//! HEAD negotiates too (`negotiate(params.get("format")?, accept)`) and sends
//! `format.content_type()`. Errors carry Swift's status, content type and body.

mod content_type;
mod error;
mod isoformat;
mod negotiate;
pub mod py;
pub mod pyjson;
mod query;
mod render;
mod xml;

#[cfg(test)]
pub(crate) mod interop_tests;

pub use content_type::{extract_swift_bytes, listed_type_and_bytes};
pub use error::ListingError;
pub use isoformat::{civil_from_unix, isoformat, isoformat_raw};
pub use negotiate::{negotiate, Format};
pub use query::{config_true, constrain_limit, ListingQuery, QueryParams, CONTAINER_LISTING_LIMIT};
pub use render::{render_objects, render_shard_ranges, Rendered};
