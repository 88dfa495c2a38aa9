//! The CPU features this binary was compiled to use (`.cargo/config.toml`): on a CPU
//! without them the first field multiplication would end the process with an
//! illegal instruction, so `main` checks first and explains. The check is compiled
//! with the same features, so it stays a CPUID read and tests of fixed bits;
//! `tests/cpu_features.rs` runs the binary under an emulated CPU that lacks both.

/// The features the build enabled that this CPU lacks (`"bmi2"`, `"adx"` or
/// `"bmi2, adx"`); `None` when it can run this binary.
#[inline(never)]
pub fn missing_features() -> Option<&'static str> {
    #[cfg(target_arch = "x86_64")]
    {
        use raw_cpuid::{CpuId, ExtendedFeatures};
        let features = CpuId::new().get_extended_feature_info();
        let has = |f: fn(&ExtendedFeatures) -> bool| features.as_ref().is_some_and(f);
        missing(
            has(ExtendedFeatures::has_bmi2),
            has(ExtendedFeatures::has_adx),
        )
    }
    #[cfg(not(target_arch = "x86_64"))]
    None
}

/// What the build enabled and the CPU lacks, given whether it has BMI2 and ADX.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
fn missing(bmi2: bool, adx: bool) -> Option<&'static str> {
    let lacks_bmi2 = cfg!(target_feature = "bmi2") && !bmi2;
    let lacks_adx = cfg!(target_feature = "adx") && !adx;
    match (lacks_bmi2, lacks_adx) {
        (true, true) => Some("bmi2, adx"),
        (true, false) => Some("bmi2"),
        (false, true) => Some("adx"),
        (false, false) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_each_enabled_feature_the_cpu_lacks() {
        assert_eq!(missing(true, true), None);
        if cfg!(all(target_feature = "bmi2", target_feature = "adx")) {
            assert_eq!(missing(false, false), Some("bmi2, adx"));
            assert_eq!(missing(false, true), Some("bmi2"));
            assert_eq!(missing(true, false), Some("adx"));
        } else {
            assert_eq!(
                missing(false, false),
                None,
                "a portable build needs nothing"
            );
        }
        // This test runs, so the CPU has what the build enabled.
        assert_eq!(missing_features(), None);
    }
}
