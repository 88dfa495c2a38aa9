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

    fn mac(&self, resource: &str, bucket: u64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes any key");
        mac.update(&(resource.len() as u64).to_be_bytes());
        mac.update(resource.as_bytes());
        mac.update(&bucket.to_be_bytes());
        mac
    }

    fn at(&self, resource: &str, bucket: u64) -> String {
        hex::encode(self.mac(resource, bucket).finalize().into_bytes())
    }

    fn bucket(&self) -> u64 {
        x402_zk_protocol::unix_now() / self.period
    }

    pub(crate) fn current(&self, resource: &str) -> String {
        self.at(resource, self.bucket())
    }

    /// Whether `challenge` is this bucket's or the previous one's for `resource`.
    /// The comparison is constant-time (`Mac::verify_slice`), so response times
    /// say nothing about how much of a guessed challenge was right.
    pub(crate) fn accepts(&self, resource: &str, challenge: &str) -> bool {
        let Ok(tag) = hex::decode(challenge) else {
            return false;
        };
        let b = self.bucket();
        // Both buckets are always checked: which one matched does not show either.
        let current = self.mac(resource, b).verify_slice(&tag).is_ok();
        let previous = self
            .mac(resource, b.saturating_sub(1))
            .verify_slice(&tag)
            .is_ok();
        current | previous
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
        assert!(c.accepts("/a", &c.current("/a")));
        let previous = c.at("/a", c.bucket() - 1);
        assert!(c.accepts("/a", &previous));
        assert!(!c.accepts("/a", &c.at("/a", c.bucket() - 2)));
        assert!(!c.accepts("/b", &c.current("/a")));
        assert!(!c.accepts("/a", "not hex"));
        assert!(!c.accepts("/a", &c.current("/a")[..62]));
        let mut flipped = c.current("/a").into_bytes();
        flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
        assert!(!c.accepts("/a", std::str::from_utf8(&flipped).unwrap()));
    }
}
