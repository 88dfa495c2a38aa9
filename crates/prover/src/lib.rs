//! x402-zk prover
