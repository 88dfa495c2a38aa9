//! x402-zk verifier
