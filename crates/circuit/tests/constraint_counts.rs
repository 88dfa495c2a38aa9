//! Constraint counts per gadget and for the whole receipt circuit, diffed against
//! the committed `constraint_counts.txt`. Regenerate on purpose with
//! `X402ZK_BLESS=1 cargo test -p x402-zk-circuit --test constraint_counts`.

use ark_bn254::Fr;
use ark_relations::r1cs::{ConstraintSystem, SynthesisMode};
use x402_zk_circuit::{
    constraint_breakdown,
    gadgets::{bits, curve::PointVar, eddsa, poseidon::poseidon, range, scalar_mul},
    num::{Bit, Cs, Num},
};
use x402_zk_primitives::babyjubjub::{base8, subgroup_order};

/// Constraints added by `f` on top of its inputs.
fn count(f: impl Fn(&Cs)) -> usize {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    f(&cs);
    cs.num_constraints()
}

fn w(cs: &Cs) -> Num {
    Num::witness(cs, None).unwrap()
}

fn point(cs: &Cs) -> PointVar {
    PointVar { x: w(cs), y: w(cs) }
}

/// Free bits (no booleanity constraint), to count only the gadget using them.
fn free_bits(cs: &Cs, n: usize) -> Vec<Bit> {
    let before = cs.num_constraints();
    let bits = (0..n).map(|_| Bit::witness(cs, None).unwrap()).collect();
    assert_eq!(cs.num_constraints() - before, n);
    bits
}

fn report() -> String {
    let gadgets: Vec<(&str, usize)> = vec![
        (
            "poseidon/1 input",
            count(|cs| drop(poseidon(cs, &[w(cs)]).unwrap())),
        ),
        (
            "poseidon/2 inputs",
            count(|cs| drop(poseidon(cs, &[w(cs), w(cs)]).unwrap())),
        ),
        (
            "poseidon/5 inputs",
            count(|cs| drop(poseidon(cs, &(0..5).map(|_| w(cs)).collect::<Vec<_>>()).unwrap())),
        ),
        (
            "babyjubjub/on_curve",
            count(|cs| point(cs).enforce_on_curve(cs).unwrap()),
        ),
        (
            "babyjubjub/add",
            count(|cs| drop(point(cs).add(cs, &point(cs)).unwrap())),
        ),
        (
            "babyjubjub/double",
            count(|cs| drop(point(cs).double(cs).unwrap())),
        ),
        (
            "range/u64",
            count(|cs| range::enforce_u64(cs, &w(cs)).unwrap()),
        ),
        (
            "range/ge_u64",
            count(|cs| range::enforce_ge_u64(cs, &w(cs), &w(cs)).unwrap()),
        ),
        (
            "bits/strict_254 (incl. alias check)",
            count(|cs| drop(bits::to_bits_strict(cs, &w(cs)).unwrap())),
        ),
        (
            "bits/le_constant l-1 on 251 bits",
            count(|cs| {
                let b = free_bits(cs, 251);
                bits::enforce_le_constant(cs, &b, &(subgroup_order() - 1u32)).unwrap();
            }) - 251,
        ),
        (
            "bits/at_most_254 H_MAX (eddsa: canonical bits of h)",
            count(|cs| drop(bits::to_bits_at_most(cs, &w(cs), eddsa::h_max()).unwrap())),
        ),
        (
            "bits/le_constant S_MAX on 251 bits (eddsa: S < l)",
            count(|cs| {
                let b = free_bits(cs, 251);
                bits::enforce_le_constant(cs, &b, eddsa::s_max()).unwrap();
            }) - 251,
        ),
        (
            "scalar_mul/fixed_base 251 bits",
            count(|cs| {
                let b = free_bits(cs, 251);
                drop(scalar_mul::fixed_base_mul(cs, &b, &base8()).unwrap());
            }) - 251,
        ),
        (
            "scalar_mul/variable_base 254 bits",
            count(|cs| {
                let b = free_bits(cs, 254);
                drop(scalar_mul::variable_base_mul(cs, &b, &point(cs)).unwrap());
            }) - 254,
        ),
        (
            "eddsa/verify",
            count(|cs| eddsa::verify(cs, &point(cs), &point(cs), &w(cs), &w(cs)).unwrap()),
        ),
    ];
    let mut out = String::from(
        "# Constraint counts of circuit v1 (generated; see tests/constraint_counts.rs).\n\
         # circomlib reference: whole statement 5366, EdDSAPoseidonVerifier 4207.\n\n[gadgets]\n",
    );
    for (name, n) in gadgets {
        out += &format!("{n:>6}  {name}\n");
    }
    out += "\n[receipt circuit]\n";
    for (name, n) in constraint_breakdown() {
        out += &format!("{n:>6}  {name}\n");
    }
    out
}

#[test]
fn constraint_counts_match_committed_file() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/constraint_counts.txt");
    let now = report();
    if std::env::var_os("X402ZK_BLESS").is_some() {
        std::fs::write(path, &now).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(
        committed, now,
        "constraint counts changed; if on purpose, rerun with X402ZK_BLESS=1 and commit the file"
    );
}
