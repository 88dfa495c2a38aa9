//! Prints the program's exact compute units per instruction and batch size, and
//! the transactions each path needs (`bench/onchain.sh` runs it after building
//! the ELF):
//!
//! ```sh
//! scripts/build-sbf.sh && cargo run --release -p x402-zk-solana-harness --example cu
//! ```

use x402_zk_solana_harness::{elf_path, not_before, terms_of, vectors, Chain, WRITE_CHUNK};

/// Syscall charges alone (Agave 4.2 prices): 7 G1 mul + add, a 4-pair pairing.
const SYSCALL_FLOOR_VERIFY: u64 = 7 * (3_840 + 334) + 36_364 + 3 * 12_121 + 85 + 4 * 192 + 32;
/// With a policy, three inputs are multiplied.
const SYSCALL_FLOOR_POLICY: u64 = SYSCALL_FLOOR_VERIFY - 4 * (3_840 + 334);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let elf = std::fs::read(elf_path())
        .map_err(|e| format!("{}: {e}; run scripts/build-sbf.sh", elf_path().display()))?;
    let all = vectors()?;
    println!("ELF {} ({} bytes)\n", elf_path().display(), elf.len());
    println!("| instruction | CU | CU per proof | transactions | largest tx, bytes |");
    println!("|---|---|---|---|---|");
    let mut chain = Chain::new(&elf);
    let check = chain.send(&[chain.check_ix(&all[0])])?;
    println!(
        "| Check (verify only; syscalls alone {SYSCALL_FLOOR_VERIFY}) | {} | {} | 1 | {} |",
        check.compute_units, check.compute_units, check.tx_bytes
    );
    let spend = chain.send(&[chain.verify_ix(&all[0])])?;
    println!(
        "| Verify + nullifier record | {} | {} | 1 | {} |",
        spend.compute_units, spend.compute_units, spend.tx_bytes
    );
    let (policy, created) = chain.create_policy(&terms_of(&all[0], 600))?;
    println!(
        "| CreatePolicy (once per seller policy; 4 scalar multiplications) | {} | — | 1 | {} |",
        created.compute_units, created.tx_bytes
    );
    chain.set_time(not_before(&all[2]));
    let with_policy = chain.send(&[chain.verify_with_policy_ix(&all[2], policy)])?;
    println!(
        "| VerifyWithPolicy + nullifier record (terms and clock checked; syscalls alone {SYSCALL_FLOOR_POLICY}) | {} | {} | 1 | {} |",
        with_policy.compute_units, with_policy.compute_units, with_policy.tx_bytes
    );
    let inline = chain.send(&[chain.verify_batch_ix(&all[1..2], None)])?;
    println!(
        "| VerifyBatch n = 1, inline, + record | {} | {} | 1 | {} |",
        inline.compute_units, inline.compute_units, inline.tx_bytes
    );
    for n in [8usize, 16] {
        let mut chain = Chain::new(&elf);
        let (policy, _) = chain.create_policy(&terms_of(&all[0], 600))?;
        chain.set_time(not_before(&all[0]) + 600);
        let (buffer, _) = chain.stage(&all[..n])?;
        let batch =
            chain.send(&[chain.verify_batch_with_policy_ix(&all[..n], policy, Some(buffer))])?;
        println!(
            "| VerifyBatchWithPolicy n = {n} from a buffer, + {n} records | {} | {} | as VerifyBatch | {} |",
            batch.compute_units,
            batch.compute_units / n as u64,
            batch.tx_bytes
        );
    }
    for n in [2usize, 4, 8, 16] {
        let mut chain = Chain::new(&elf);
        let (buffer, writes) = chain.stage(&all[..n])?;
        let batch = chain.send(&[chain.verify_batch_ix(&all[..n], Some(buffer))])?;
        let close = chain.send(&[chain.close_buffer_ix(buffer)])?;
        let write_cu: u64 = writes.iter().map(|w| w.compute_units).sum();
        let largest = writes
            .iter()
            .map(|w| w.tx_bytes)
            .chain([batch.tx_bytes, close.tx_bytes])
            .max()
            .unwrap_or(0);
        println!(
            "| VerifyBatch n = {n} from a buffer, + {n} records | {} | {} | {} (create + claim, {} more WriteBuffer of ≤ {WRITE_CHUNK} B; {write_cu} CU in all; verify; close: {} CU) | {largest} |",
            batch.compute_units,
            batch.compute_units / n as u64,
            writes.len() + 2,
            writes.len() - 1,
            close.compute_units,
        );
    }
    Ok(())
}
