//! Swift's request constraints (`swift/common/constraints.py`) with the `[swift-constraints]` overrides.
