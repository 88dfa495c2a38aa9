//! The `x402-zk` binary on emulated CPUs (qemu's user-mode emulator, Debian's
//! `qemu-user`): built with BMI2 and ADX (`.cargo/config.toml`), it must refuse to
//! start on a CPU without them, naming what is missing, before any instruction
//! they add can run; a portable build runs anywhere. Without `qemu-x86_64` the test
//! says loudly that it was skipped, unless X402ZK_REQUIRE_QEMU=1.
#![cfg(target_arch = "x86_64")]

use std::process::Command;

/// `(exit code, stdout, stderr)` of `x402-zk --version` on qemu's model `cpu`.
fn version_on(cpu: &str) -> Option<(Option<i32>, String, String)> {
    let out = Command::new("qemu-x86_64")
        .args(["-cpu", cpu, env!("CARGO_BIN_EXE_x402-zk"), "--version"])
        .output();
    match out {
        Ok(out) => Some((
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )),
        Err(e) if std::env::var_os("X402ZK_REQUIRE_QEMU").is_some() => {
            panic!("qemu-x86_64 is required (X402ZK_REQUIRE_QEMU=1) but cannot run: {e}; run scripts/install-test-deps.sh as root")
        }
        Err(_) => {
            eprintln!("SKIPPED: qemu-x86_64 is not installed (scripts/install-test-deps.sh installs it as root)");
            None
        }
    }
}

#[test]
fn refuses_to_start_on_a_cpu_without_the_features_it_was_built_for() {
    let built_for = |f: &str| match f {
        "bmi2" => cfg!(target_feature = "bmi2"),
        _ => cfg!(target_feature = "adx"),
    };
    // Westmere (2010) has neither, Haswell (2013) BMI2 only, Broadwell (2014) both.
    for (cpu, lacks) in [
        ("Westmere", &["bmi2", "adx"][..]),
        ("Haswell", &["adx"][..]),
        ("Broadwell", &[][..]),
    ] {
        let Some((code, stdout, stderr)) = version_on(cpu) else {
            return;
        };
        let missing: Vec<&str> = lacks.iter().copied().filter(|f| built_for(f)).collect();
        if missing.is_empty() {
            assert_eq!(code, Some(0), "{cpu}: {stderr}");
            assert!(stdout.starts_with("x402-zk "), "{cpu}: {stdout}");
        } else {
            assert_eq!(code, Some(1), "{cpu}: {stderr}");
            let named = format!("machine lacks ({})", missing.join(", "));
            assert!(
                stderr.contains(&named),
                "{cpu}: expected {named:?} in {stderr}"
            );
            assert!(stdout.is_empty(), "{cpu}: {stdout}");
        }
    }
}
