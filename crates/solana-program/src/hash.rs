//! SHA-256 over several slices: the `sol_sha256` syscall on-chain, `sha2` on the host.

/// `SHA-256(parts[0] ‖ parts[1] ‖ …)`.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut out = [0u8; 32];
    #[cfg(onchain)]
    {
        use solana_define_syscall::definitions::sol_sha256;
        // SAFETY: `&[&[u8]]` is an array of (pointer, length) pairs, the layout
        // the syscall reads; it writes 32 bytes.
        unsafe {
            sol_sha256(
                parts.as_ptr() as *const u8,
                parts.len() as u64,
                out.as_mut_ptr(),
            );
        }
    }
    #[cfg(not(onchain))]
    {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for p in parts {
            h.update(p);
        }
        out.copy_from_slice(&h.finalize());
    }
    out
}
