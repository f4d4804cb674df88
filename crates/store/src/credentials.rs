//! The API tokens and web sessions this process verified, kept in memory so that a request does
//! not read (nor, for `last_used_at`, write) the database to know who sent it.
//!
//! What makes forgetting safe is the database's credential epoch (migration 0018): triggers move
//! it whenever a token is revoked, a session ends or a user changes, whichever process did it.
//! The epoch is read at most every [`RECHECK`]; a new value drops everything kept, so a revoked
//! token or an ended session is refused everywhere within that time. A change made through this
//! process forgets at once ([`CredentialCache::forget_all`]).

use abcrm_core::model::Actor;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::WebSession;

/// How often the epoch is read: a revocation elsewhere is seen within this time (the issue asks
/// for one second; half leaves room for the read itself).
pub(crate) const RECHECK: Duration = Duration::from_millis(500);

/// How often a token in use has its `last_used_at` written: once a minute is what a person
/// reading "last used" needs, and it keeps reads from being writes.
pub(crate) const LAST_USED_EVERY: Duration = Duration::from_secs(60);

/// Most credentials kept; past it everything is forgotten and verified again. Only credentials
/// that verified are kept, so this bounds memory, not correctness.
const MAX_KEPT: usize = 10_000;

/// A verified token: its row id, who it acts as, and when its use was last written.
struct KeptToken {
    id: i64,
    actor: Actor,
    written_at: Instant,
}

#[derive(Default)]
struct Kept {
    /// The epoch last read, and when.
    epoch: Option<i64>,
    read_at: Option<Instant>,
    tokens: HashMap<String, KeptToken>,
    sessions: HashMap<String, WebSession>,
}

/// Verified credentials by the SHA-256 of their secret (the secrets themselves are never kept).
#[derive(Default)]
pub(crate) struct CredentialCache {
    kept: Mutex<Kept>,
}

/// A token found in memory: who it acts as, and its row id when its use is due to be written.
pub(crate) struct TokenHit {
    pub actor: Actor,
    pub write_use_of: Option<i64>,
}

impl CredentialCache {
    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        // A panic while the lock was held leaves plain maps behind: still usable.
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the epoch must be read before what is kept can be trusted.
    pub(crate) fn epoch_due(&self) -> bool {
        self.kept().read_at.is_none_or(|at| at.elapsed() >= RECHECK)
    }

    /// Takes the epoch just read: a value other than the last one forgets everything.
    pub(crate) fn saw_epoch(&self, epoch: i64) {
        let mut kept = self.kept();
        if kept.epoch != Some(epoch) {
            kept.tokens.clear();
            kept.sessions.clear();
            kept.epoch = Some(epoch);
        }
        kept.read_at = Some(Instant::now());
    }

    /// Forgets everything and reads the epoch again on the next request: after a change this
    /// process made.
    pub(crate) fn forget_all(&self) {
        let mut kept = self.kept();
        kept.tokens.clear();
        kept.sessions.clear();
        kept.read_at = None;
    }

    /// The token kept under this hash; its use is due to be written once a minute.
    pub(crate) fn token(&self, hash: &str) -> Option<TokenHit> {
        let mut kept = self.kept();
        let token = kept.tokens.get_mut(hash)?;
        let due = token.written_at.elapsed() >= LAST_USED_EVERY;
        if due {
            token.written_at = Instant::now();
        }
        Some(TokenHit {
            actor: token.actor.clone(),
            write_use_of: due.then_some(token.id),
        })
    }

    /// Keeps a token just verified (whose use the caller writes now).
    pub(crate) fn keep_token(&self, hash: String, id: i64, actor: Actor) {
        let mut kept = self.kept();
        if kept.tokens.len() >= MAX_KEPT {
            kept.tokens.clear();
        }
        kept.tokens.insert(
            hash,
            KeptToken {
                id,
                actor,
                written_at: Instant::now(),
            },
        );
    }

    /// The session kept under this hash, unless it has expired.
    pub(crate) fn session(
        &self,
        hash: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<WebSession> {
        let mut kept = self.kept();
        match kept.sessions.get(hash) {
            Some(s) if s.expires_at > now => Some(s.clone()),
            Some(_) => {
                kept.sessions.remove(hash);
                None
            }
            None => None,
        }
    }

    /// Keeps a session just verified.
    pub(crate) fn keep_session(&self, hash: String, session: WebSession) {
        let mut kept = self.kept();
        if kept.sessions.len() >= MAX_KEPT {
            kept.sessions.clear();
        }
        kept.sessions.insert(hash, session);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use abcrm_core::model::{Role, User};
    use abcrm_core::UserId;
    use chrono::{Duration as Days, Utc};

    fn actor() -> Actor {
        Actor {
            user_id: Some(UserId(1)),
            label: "ada via token".into(),
            role: Role::Sales,
        }
    }

    fn session(expires_in: Days) -> WebSession {
        WebSession {
            user: User {
                id: UserId(1),
                email: abcrm_core::normalize::Email::parse("ada@example.com").unwrap(),
                name: "Ada".into(),
                role: Role::Admin,
                created_at: Utc::now(),
            },
            csrf: "c".into(),
            expires_at: Utc::now() + expires_in,
        }
    }

    #[test]
    fn a_new_epoch_forgets_what_was_kept_and_the_same_epoch_keeps_it() {
        let cache = CredentialCache::default();
        assert!(cache.epoch_due(), "nothing read yet");
        cache.saw_epoch(3);
        assert!(!cache.epoch_due());
        cache.keep_token("h".into(), 7, actor());
        cache.keep_session("s".into(), session(Days::hours(1)));
        cache.saw_epoch(3);
        assert!(cache.token("h").is_some());
        assert!(cache.session("s", Utc::now()).is_some());
        cache.saw_epoch(4);
        assert!(cache.token("h").is_none());
        assert!(cache.session("s", Utc::now()).is_none());
    }

    #[test]
    fn a_kept_token_has_its_use_written_once_a_minute_and_an_expired_session_is_gone() {
        let cache = CredentialCache::default();
        cache.saw_epoch(0);
        cache.keep_token("h".into(), 7, actor());
        let hit = cache.token("h").unwrap();
        assert_eq!(hit.actor, actor());
        assert_eq!(hit.write_use_of, None, "written when verified");
        cache.keep_session("old".into(), session(Days::seconds(-1)));
        assert!(cache.session("old", Utc::now()).is_none());
        cache.forget_all();
        assert!(cache.epoch_due());
        assert!(cache.token("h").is_none());
    }
}
