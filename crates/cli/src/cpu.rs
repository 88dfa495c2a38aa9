//! The CPU features this binary was compiled to use (`.cargo/config.toml`): on a CPU
//! without them the first field multiplication would end the process with an
//! illegal instruction, so `main` checks first and explains.

/// Features the build enabled that this CPU lacks (empty when it can run us).
pub fn missing_features() -> Vec<&'static str> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{__cpuid, __cpuid_count};
        // Leaf 7 holds the extended features; a CPU without it has neither.
        let ebx = if __cpuid(0).eax >= 7 {
            __cpuid_count(7, 0).ebx
        } else {
            0
        };
        missing_from_leaf7(ebx)
    }
    #[cfg(not(target_arch = "x86_64"))]
    Vec::new()
}

/// The enabled features absent from CPUID leaf 7's `ebx` (BMI2 is bit 8, ADX bit 19).
#[cfg(target_arch = "x86_64")]
fn missing_from_leaf7(ebx: u32) -> Vec<&'static str> {
    let enabled = [
        ("bmi2", cfg!(target_feature = "bmi2"), 8),
        ("adx", cfg!(target_feature = "adx"), 19),
    ];
    enabled
        .into_iter()
        .filter(|&(_, on, bit)| on && ebx & (1 << bit) == 0)
        .map(|(name, _, _)| name)
        .collect()
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    #[test]
    fn names_each_enabled_feature_the_cpu_lacks() {
        let mut expected = Vec::new();
        if cfg!(target_feature = "bmi2") {
            expected.push("bmi2");
        }
        if cfg!(target_feature = "adx") {
            expected.push("adx");
        }
        assert_eq!(missing_from_leaf7(0), expected);
        assert_eq!(missing_from_leaf7(1 << 8 | 1 << 19), Vec::<&str>::new());
        // This test runs, so the CPU has what the build enabled.
        assert_eq!(missing_features(), Vec::<&str>::new());
    }
}
