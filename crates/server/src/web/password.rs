//! Passwords for the web UI's sign-in: argon2id with the crate's default parameters, stored as
//! PHC strings (the salt and parameters travel with the hash, so they can change later).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Why a password is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("the password must be at least {MIN_PASSWORD_CHARS} characters long")]
    TooShort,
    #[error("the password could not be hashed: {0}")]
    Hash(String),
}

/// The PHC hash of a new password, after checking it is long enough.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    let mut bytes = [0u8; 16];
    rand::Rng::fill(&mut rand::rngs::OsRng, &mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| PasswordError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches a stored PHC hash. A malformed hash matches nothing.
pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a password nobody has, checked when the email is unknown so that an unknown
/// email takes as long to refuse as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("not anyone's password").expect("a decoy hashes"))
}

/// The password checks of sign-ins: at most `running` at once (argon2 takes 19 MiB and tens of
/// milliseconds of CPU each, on the blocking pool) and `waiting` more in line. Past that a
/// sign-in is refused at once ([`Busy`]) instead of queueing without bound, which let a flood of
/// `POST /login` grow the server to gigabytes.
#[derive(Debug)]
pub struct PasswordChecks {
    /// Places in line or running: `running + waiting` of them.
    places: Arc<Semaphore>,
    running: Arc<Semaphore>,
}

/// Every place for a password check is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server is busy checking other sign-ins; try again in a few seconds")]
pub struct Busy;

/// A place in line for one password check, from [`PasswordChecks::admit`].
#[derive(Debug)]
pub struct Admitted {
    place: OwnedSemaphorePermit,
    running: Arc<Semaphore>,
}

impl PasswordChecks {
    /// Room for `running` checks at once and `waiting` more in line (at least one of each).
    pub fn new(running: usize, waiting: usize) -> PasswordChecks {
        let running = running.max(1);
        PasswordChecks {
            places: Arc::new(Semaphore::new(running + waiting.max(1))),
            running: Arc::new(Semaphore::new(running)),
        }
    }

    /// A place for one check, or [`Busy`] when every place is taken.
    pub fn admit(&self) -> Result<Admitted, Busy> {
        let place = self.places.clone().try_acquire_owned().map_err(|_| Busy)?;
        Ok(Admitted {
            place,
            running: self.running.clone(),
        })
    }
}

impl Admitted {
    /// Whether `password` matches `stored`; with no stored hash (an unknown email, or a user
    /// with no password) a decoy is checked, so that both refusals take the same time.
    pub async fn verify(self, password: String, stored: Option<String>) -> bool {
        let run = self
            .running
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let place = self.place;
        // The permits go with the blocking task: a client that hangs up does not free its
        // place while argon2 still runs.
        tokio::task::spawn_blocking(move || {
            let _held = (place, run);
            match stored {
                Some(hash) => verify_password(&password, &hash),
                None => {
                    verify_password(&password, decoy_hash());
                    false
                }
            }
        })
        .await
        .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn password_checks_past_the_running_and_waiting_places_are_refused_at_once() {
        let checks = PasswordChecks::new(1, 2);
        let held: Vec<Admitted> = (0..3).map(|_| checks.admit().unwrap()).collect();
        assert_eq!(
            checks.admit().unwrap_err(),
            Busy,
            "the fourth finds no place"
        );
        let hash = hash_password("correct horse battery").unwrap();
        let mut held = held.into_iter();
        let first = held.next().unwrap();
        assert!(
            first
                .verify("correct horse battery".into(), Some(hash))
                .await
        );
        assert!(checks.admit().is_ok(), "a finished check frees its place");
    }

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("correct horse battery", "not a hash"));
        assert_ne!(h, hash_password("correct horse battery").unwrap(), "salted");
    }

    #[test]
    fn short_passwords_are_refused() {
        assert_eq!(hash_password("short"), Err(PasswordError::TooShort));
    }
}
