//! Challenges the seller can re-derive instead of storing: `HMAC-SHA256(secret,
//! resource ‖ bucket)` with `bucket = ⌊now / period⌋`. A payment must echo the
//! challenge of the current or the previous bucket, so a proof is usable for one
//! to two periods and only on the resource it names.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use x402_zk_primitives::{h2f, FieldElement};

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

    /// The challenge a proof with public input `context` binds, for a payment that
    /// echoes none (x402 v1): this bucket's or the previous one's, as [`Self::accepts`]
    /// allows for v2, so a proof made across a bucket's end is not refused. This
    /// bucket's when neither matches (the payment is then refused for its context).
    pub(crate) fn bound_by(&self, resource: &str, context: Option<FieldElement>) -> String {
        let b = self.bucket();
        let previous = self.at(resource, b.saturating_sub(1));
        if context.is_some_and(|c| c == h2f::context(resource, &previous)) {
            previous
        } else {
            self.at(resource, b)
        }
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
    use x402_zk_primitives::h2f;

    #[test]
    fn a_v1_proof_binds_this_or_the_previous_buckets_challenge() {
        // Buckets of ~16 years: none ends while the test runs.
        let c = Challenges::new([3; 32], 500_000_000);
        let b = c.bucket();
        let (now, previous, older) = (c.at("/a", b), c.at("/a", b - 1), c.at("/a", b - 2));
        let context = |resource: &str, challenge: &str| Some(h2f::context(resource, challenge));
        assert_eq!(c.bound_by("/a", context("/a", &now)), now);
        assert_eq!(c.bound_by("/a", context("/a", &previous)), previous);
        assert_eq!(c.bound_by("/a", context("/a", &older)), now);
        assert_eq!(c.bound_by("/a", None), now);
        let previous_b = c.at("/b", b - 1);
        assert_eq!(c.bound_by("/b", context("/b", &previous_b)), previous_b);
        // The previous challenge of another resource binds nothing here.
        assert_eq!(c.bound_by("/b", context("/a", &previous)), c.at("/b", b));
    }

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
