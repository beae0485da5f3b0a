//! Swift rings: reading the `*.ring.gz` files swift-ring-builder writes (v1 and v2), and answering
//! which partition a name is in, which devices hold it, and in what order to try handoffs.
//!
//! This crate knows nothing of HTTP or databases. It reads ring files, hashes names with the
//! cluster's `[swift-hash]` salt, and finds this node's own devices in a ring.

mod device;
mod error;
mod format;
mod handoffs;
mod local;
mod reload;
mod ring;

pub use device::Device;
pub use error::RingError;
pub use format::RingData;
pub use handoffs::Handoffs;
pub use local::{is_local_device, whataremyips};
pub use reload::{ReloadingRing, DEFAULT_RELOAD_TIME};
pub use ring::{ring_path, Ring};
