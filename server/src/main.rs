//! `swift-container-server [CONF]`.
fn main() {}
