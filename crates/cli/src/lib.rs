//! Library side of the `x402-zk` binary: the loopback stack that `x402-zk demo`
//! and the integration tests run.
#![deny(missing_docs)]

pub mod stack;
