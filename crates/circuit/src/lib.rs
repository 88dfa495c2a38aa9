//! x402-zk circuit
