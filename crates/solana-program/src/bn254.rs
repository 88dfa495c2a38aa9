//! BN254 group operations through Solana's `alt_bn128` syscalls (big-endian,
//! EIP-197 encoding). On the host the same functions come from `solana-bn254`,
//! the code the validator's syscall handlers run, so host tests compute exactly
//! what the chain computes. Every failure is an encoding or curve error.

use crate::Error;

/// A G1 point, `x ‖ y`, 32 bytes big-endian each.
pub type G1 = [u8; 64];
/// A G2 point, `x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0`.
pub type G2 = [u8; 128];
/// One pairing-check term, `G1 ‖ G2`.
pub const PAIR_BYTES: usize = 192;

#[cfg(onchain)]
mod sys {
    use solana_define_syscall::definitions::sol_alt_bn128_group_op;
    pub const G1_ADD_BE: u64 = 0;
    pub const G1_MUL_BE: u64 = 2;
    pub const PAIRING_BE: u64 = 3;

    pub fn group_op(op: u64, input: &[u8], out: &mut [u8]) -> Result<(), crate::Error> {
        // SAFETY: the syscall reads `input.len()` bytes and writes at most 64
        // (add, mul) or 32 (pairing) bytes; callers pass buffers of that size.
        let rc = unsafe {
            sol_alt_bn128_group_op(op, input.as_ptr(), input.len() as u64, out.as_mut_ptr())
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(crate::Error::MalformedProof)
        }
    }
}

/// `p + q`.
pub fn g1_add(p: &G1, q: &G1) -> Result<G1, Error> {
    let mut input = [0u8; 128];
    input[..64].copy_from_slice(p);
    input[64..].copy_from_slice(q);
    let mut out = [0u8; 64];
    #[cfg(onchain)]
    sys::group_op(sys::G1_ADD_BE, &input, &mut out)?;
    #[cfg(not(onchain))]
    out.copy_from_slice(
        &solana_bn254::prelude::alt_bn128_g1_addition_be(&input)
            .map_err(|_| Error::MalformedProof)?,
    );
    Ok(out)
}

/// `k·p` for a 256-bit big-endian `k` (not reduced: any 256-bit value works).
pub fn g1_mul(p: &G1, k: &[u8; 32]) -> Result<G1, Error> {
    let mut input = [0u8; 96];
    input[..64].copy_from_slice(p);
    input[64..].copy_from_slice(k);
    let mut out = [0u8; 64];
    #[cfg(onchain)]
    sys::group_op(sys::G1_MUL_BE, &input, &mut out)?;
    #[cfg(not(onchain))]
    out.copy_from_slice(
        &solana_bn254::prelude::alt_bn128_g1_multiplication_be(&input)
            .map_err(|_| Error::MalformedProof)?,
    );
    Ok(out)
}

/// Whether `Π e(G1ᵢ, G2ᵢ) = 1` over the `G1 ‖ G2` terms of `pairs`. The
/// syscall rejects coordinates `≥ p`, points off the curve and G2 points outside
/// the prime-order subgroup (`MalformedProof`).
pub fn pairing_is_one(pairs: &[u8]) -> Result<bool, Error> {
    let mut out = [0u8; 32];
    #[cfg(onchain)]
    sys::group_op(sys::PAIRING_BE, pairs, &mut out)?;
    #[cfg(not(onchain))]
    out.copy_from_slice(
        &solana_bn254::prelude::alt_bn128_pairing_be(pairs).map_err(|_| Error::MalformedProof)?,
    );
    let mut one = [0u8; 32];
    one[31] = 1;
    Ok(out == one)
}
