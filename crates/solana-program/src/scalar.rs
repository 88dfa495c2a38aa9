//! Just enough scalar-field arithmetic for batch verification: sums of products
//! `Σⱼ rⱼ·xⱼ` (128-bit `rⱼ`, 256-bit `xⱼ`) accumulated exactly, then reduced mod
//! `r` once. Limbs are `u32` with `u64` products: sBPF has 64-bit multiplies
//! but no 128-bit ones, and the program links no `compiler_builtins` helpers.

/// The BN254 scalar field order `r`, little-endian `u32` limbs.
const R: [u32; 8] = [
    0xf000_0001,
    0x43e1_f593,
    0x79b9_7091,
    0x2833_e848,
    0x8181_585d,
    0xb850_45b6,
    0xe131_a029,
    0x3064_4e72,
];
/// `−r⁻¹ mod 2^32`, for Montgomery reduction.
const R_NEG_INV: u32 = 0xefff_ffff;
/// `2^512 mod r`: a Montgomery product with it multiplies by `2^256`.
const TWO_512: [u32; 8] = [
    0xae21_6da7,
    0x1bb8_e645,
    0xe35c_59e3,
    0x53fe_3ab1,
    0x53bb_8085,
    0x8c49_833d,
    0x7f4e_44a5,
    0x0216_d0b1,
];

/// `a·b mod r` for canonical big-endian `a` and `b`: two Montgomery products,
/// `(a·b·2^−256)·2^512·2^−256`.
pub fn mul_mod(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    be_bytes(&mont_mul(&mont_mul(&limbs(a), &limbs(b)), &TWO_512))
}

/// `r`, big-endian bytes.
pub const R_BE: [u8; 32] = be_bytes(&R);

const fn be_bytes(limbs: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 8 {
        let b = limbs[i].to_be_bytes();
        let at = 28 - 4 * i;
        out[at] = b[0];
        out[at + 1] = b[1];
        out[at + 2] = b[2];
        out[at + 3] = b[3];
        i += 1;
    }
    out
}

/// Whether a 32-byte big-endian value is below `r` (a canonical public input).
pub fn is_canonical(x: &[u8; 32]) -> bool {
    x < &R_BE
}

/// Little-endian limbs of a 32-byte big-endian value.
pub fn limbs(x: &[u8; 32]) -> [u32; 8] {
    let mut out = [0u32; 8];
    for (i, limb) in out.iter_mut().enumerate() {
        let at = 28 - 4 * i;
        *limb = u32::from_be_bytes([x[at], x[at + 1], x[at + 2], x[at + 3]]);
    }
    out
}

/// An exact sum of products of a 128-bit and a 256-bit number (up to `2^32`
/// terms fit in 13 limbs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Accumulator([u32; 13]);

impl Accumulator {
    /// `self += k·x` for `x` of up to 8 limbs (a `u64` input needs only 2).
    pub fn add_product(&mut self, k: &[u32; 4], x: &[u32]) {
        let width = x.len();
        for (i, &ki) in k.iter().enumerate() {
            let mut carry = 0u64;
            for (j, &xj) in x.iter().enumerate() {
                let t = (ki as u64) * (xj as u64) + self.0[i + j] as u64 + carry;
                self.0[i + j] = t as u32;
                carry = t >> 32;
            }
            let mut at = i + width;
            while carry != 0 && at < 13 {
                let t = self.0[at] as u64 + carry;
                self.0[at] = t as u32;
                carry = t >> 32;
                at += 1;
            }
        }
    }

    /// The sum mod `r`, big-endian: `lo mod r + (hi·2^256 mod r)`, the second
    /// term as one Montgomery product `hi·(2^512 mod r)·2^−256`.
    pub fn reduce(&self) -> [u8; 32] {
        let mut lo = [0u32; 8];
        lo.copy_from_slice(&self.0[..8]);
        let mut hi = [0u32; 8];
        hi[..5].copy_from_slice(&self.0[8..]);
        // lo < 2^256 < 6r.
        while !less_than(&lo, &R) {
            sub_assign(&mut lo, &R);
        }
        if hi == [0; 8] {
            return be_bytes(&lo);
        }
        let mut sum = mont_mul(&hi, &TWO_512);
        // Both terms are below r, so the sum is below 2r < 2^256: no overflow.
        add_assign(&mut sum, &lo);
        if !less_than(&sum, &R) {
            sub_assign(&mut sum, &R);
        }
        be_bytes(&sum)
    }
}

fn less_than(a: &[u32; 8], b: &[u32; 8]) -> bool {
    for i in (0..8).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

fn sub_assign(a: &mut [u32; 8], b: &[u32; 8]) {
    let mut borrow = 0u64;
    for i in 0..8 {
        let t = (a[i] as u64).wrapping_sub(b[i] as u64 + borrow);
        a[i] = t as u32;
        borrow = (t >> 63) & 1;
    }
}

fn add_assign(a: &mut [u32; 8], b: &[u32; 8]) {
    let mut carry = 0u64;
    for i in 0..8 {
        let t = a[i] as u64 + b[i] as u64 + carry;
        a[i] = t as u32;
        carry = t >> 32;
    }
}

/// Montgomery product `a·b·2^−256 mod r` for `a, b < r` (CIOS).
fn mont_mul(a: &[u32; 8], b: &[u32; 8]) -> [u32; 8] {
    let mut t = [0u32; 10];
    for &ai in a.iter() {
        let mut carry = 0u64;
        for j in 0..8 {
            let s = t[j] as u64 + (ai as u64) * (b[j] as u64) + carry;
            t[j] = s as u32;
            carry = s >> 32;
        }
        let s = t[8] as u64 + carry;
        t[8] = s as u32;
        t[9] = (s >> 32) as u32;
        let m = t[0].wrapping_mul(R_NEG_INV);
        let s = t[0] as u64 + (m as u64) * (R[0] as u64);
        let mut carry = s >> 32;
        for j in 1..8 {
            let s = t[j] as u64 + (m as u64) * (R[j] as u64) + carry;
            t[j - 1] = s as u32;
            carry = s >> 32;
        }
        let s = t[8] as u64 + carry;
        t[7] = s as u32;
        t[8] = t[9] + (s >> 32) as u32;
    }
    let mut out = [0u32; 8];
    out.copy_from_slice(&t[..8]);
    if t[8] != 0 || !less_than(&out, &R) {
        sub_assign(&mut out, &R);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::Fr;
    use ark_ff::{BigInteger, Field, PrimeField, UniformRand};

    fn be(x: Fr) -> [u8; 32] {
        x.into_bigint().to_bytes_be().try_into().unwrap()
    }

    #[test]
    fn r_matches_arkworks() {
        let mut modulus = [0u8; 32];
        modulus.copy_from_slice(&Fr::MODULUS.to_bytes_be());
        assert_eq!(R_BE, modulus);
        assert!(!is_canonical(&R_BE));
        assert!(is_canonical(&be(-Fr::from(1u64))));
    }

    #[test]
    fn sums_of_products_agree_with_arkworks() {
        let mut rng = rand::thread_rng();
        for terms in [1usize, 2, 5, 16, 40] {
            let mut acc = Accumulator::default();
            let mut expected = Fr::from(0u64);
            for t in 0..terms {
                let k: u128 = if t == 0 {
                    u128::MAX
                } else {
                    rand::Rng::gen(&mut rng)
                };
                let x = if t == 1 {
                    -Fr::from(1u64)
                } else {
                    Fr::rand(&mut rng)
                };
                let mut k_limbs = [0u32; 4];
                for (i, l) in k_limbs.iter_mut().enumerate() {
                    *l = (k >> (32 * i)) as u32;
                }
                acc.add_product(&k_limbs, &limbs(&be(x)));
                expected += Fr::from(k) * x;
            }
            assert_eq!(acc.reduce(), be(expected), "{terms} terms");
        }
    }

    #[test]
    fn short_factors_and_products_mod_r_agree_with_arkworks() {
        let mut rng = rand::thread_rng();
        let mut acc = Accumulator::default();
        let mut expected = Fr::from(0u64);
        for _ in 0..16 {
            let (k, x): (u128, u64) = (rand::Rng::gen(&mut rng), rand::Rng::gen(&mut rng));
            let k_limbs = [
                k as u32,
                (k >> 32) as u32,
                (k >> 64) as u32,
                (k >> 96) as u32,
            ];
            acc.add_product(&k_limbs, &[x as u32, (x >> 32) as u32]);
            expected += Fr::from(k) * Fr::from(x);
        }
        assert_eq!(acc.reduce(), be(expected));
        for _ in 0..20 {
            let (a, b) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
            assert_eq!(mul_mod(&be(a), &be(b)), be(a * b));
        }
        let minus_one = be(-Fr::from(1u64));
        assert_eq!(mul_mod(&minus_one, &minus_one), be(Fr::from(1u64)));
    }

    #[test]
    fn montgomery_product_agrees_with_arkworks() {
        let mut rng = rand::thread_rng();
        let two_256 = Fr::from(2u64).pow([256]);
        for _ in 0..20 {
            let (a, b) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
            let got = mont_mul(&limbs(&be(a)), &limbs(&be(b)));
            assert_eq!(be_bytes(&got), be(a * b / two_256));
        }
    }
}
