//! Challenges the seller can re-derive instead of storing: `HMAC-SHA256(secret,
//! resource ‖ bucket)` with `bucket = ⌊now / period⌋`. A payment must echo the
//! challenge of the current or the previous bucket, so a proof is usable for one
//! to two periods and only on the resource it names.

use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Clone)]
pub(crate) struct Challenges {
    secret: [u8; 32],
    period: u64,
}

impl Challenges {
    pub(crate) fn new(secret: [u8; 32], period: u64) -> Self {
        Challenges {
            secret,
            period: period.max(1),
        }
    }

    fn at(&self, resource: &str, bucket: u64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes any key");
        mac.update(&(resource.len() as u64).to_be_bytes());
        mac.update(resource.as_bytes());
        mac.update(&bucket.to_be_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    fn bucket(&self) -> u64 {
        x402_zk_protocol::unix_now() / self.period
    }

    pub(crate) fn current(&self, resource: &str) -> String {
        self.at(resource, self.bucket())
    }

    /// The challenges accepted now: this bucket's and the previous one's.
    pub(crate) fn valid(&self, resource: &str) -> [String; 2] {
        let b = self.bucket();
        [self.at(resource, b), self.at(resource, b.saturating_sub(1))]
    }
}

#[cfg(test)]
mod tests {
    use super::Challenges;

    #[test]
    fn challenges_depend_on_secret_resource_and_bucket() {
        let c = Challenges::new([1; 32], 300);
        assert_eq!(c.at("/a", 7), c.at("/a", 7));
        assert_ne!(c.at("/a", 7), c.at("/a", 8));
        assert_ne!(c.at("/a", 7), c.at("/b", 7));
        assert_ne!(c.at("/a", 7), Challenges::new([2; 32], 300).at("/a", 7));
        assert!(c.valid("/a").contains(&c.current("/a")));
    }
}
