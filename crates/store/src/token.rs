//! API token secrets: generated here, stored only as a SHA-256 hash.

use rand::distributions::Alphanumeric;
use rand::Rng;
use sha2::{Digest, Sha256};

/// A new random secret: `abcrm_` and 40 alphanumeric characters (about 238 bits).
pub fn generate() -> String {
    let body: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(40)
        .map(char::from)
        .collect();
    format!("abcrm_{body}")
}

/// The hex SHA-256 of a secret: what the database keeps. A fast hash is right here because the
/// secret is long and random, unlike a password.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The first characters of a secret, kept in clear so people can tell their tokens apart.
pub fn prefix(secret: &str) -> String {
    secret.chars().take(12).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_unique_and_only_their_hash_is_stable() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), a);
        assert_eq!(hash(&a).len(), 64);
    }
}
