//! Swift rings: reading the `*.ring.gz` files swift-ring-builder writes (v1 and v2), and answering
//! which partition a name is in, which devices hold it, and in what order to try handoffs.
//!
//! This crate knows nothing of HTTP or databases.
