//! BN254's `Fq12` in portable 64-bit arithmetic, the [`crate::tower::Tower`] of CPUs
//! without AVX-512 IFMA: arkworks' tower and formulas, on a base field whose `Fq2`
//! products reduce each coordinate once (three 256-bit products and two
//! Montgomery reductions, against arkworks' four products with two reductions)
//! and whose additions are a few branch-free instructions. Elements convert
//! to and from arkworks' by copying limbs (the same Montgomery form).

mod fq;
mod fq12;
mod fq2;

pub(crate) use fq12::Fq12;
pub(crate) use fq2::Fq2;
