//! `cfg(onchain)`: compiling for Solana, either upstream `bpfel-unknown-none`
//! (`target_arch = "bpf"`, scripts/build-sbf.sh) or Solana's platform-tools
//! (`target_arch = "sbf"`, `cargo build-sbf`).
fn main() {
    println!("cargo::rustc-check-cfg=cfg(onchain)");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if arch == "bpf" || arch == "sbf" {
        println!("cargo::rustc-cfg=onchain");
    }
}
