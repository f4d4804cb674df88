//! Slowing down password guessing without letting a stranger lock a user out.
//!
//! Failed sign-ins are counted per client address and email together, and per client address
//! alone (which slows one address trying one password on many emails). After a few free
//! failures each further one makes that key wait twice as long as the last (1 s, 2 s, 4 s, ...
//! up to a cap), instead of a hard lock of the email: guesses from elsewhere never hold up the
//! user's own address.
//!
//! An attempt is counted when it starts ([`Throttle::reserve`]), under the lock that checks it,
//! so guesses sent in parallel are all counted before any of them is verified; a success takes
//! its count back. Each map holds at most [`CAPACITY`] keys: past it, keys quiet for a while go
//! first, then the one quiet longest, so a flood of distinct emails cannot grow memory.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Keys kept per map (an entry is a few dozen bytes and its email).
pub const CAPACITY: usize = 10_000;

/// How failures turn into waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Failures that cost nothing.
    pub free: u32,
    /// The wait after the first failure past the free ones; each further one doubles it.
    pub first: Duration,
    /// The longest wait.
    pub max: Duration,
    /// A key with no attempt for this long (and no wait left) is forgotten.
    pub forget: Duration,
}

impl Backoff {
    /// The wait after `failures` failures.
    pub fn wait(&self, failures: u32) -> Option<Duration> {
        let past = failures.checked_sub(self.free)?;
        let doubled = self.first.saturating_mul(1u32 << past.min(20));
        Some(doubled.min(self.max))
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    blocked_until: Option<Instant>,
    last: Instant,
}

/// Failures per key, with their waits.
#[derive(Debug)]
pub struct Throttle<K> {
    policy: Backoff,
    capacity: usize,
    entries: Mutex<HashMap<K, Entry>>,
}

impl<K: Hash + Eq + Clone> Throttle<K> {
    /// An empty throttle of at most `capacity` keys.
    pub fn new(policy: Backoff, capacity: usize) -> Throttle<K> {
        Throttle {
            policy,
            capacity: capacity.max(1),
            entries: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts an attempt for `key` starting at `now`, as a failure until it is known to be one
    /// or not; or, when the key must wait, how long (and the attempt is not counted).
    pub fn reserve(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let mut map = self.lock();
        if let Some(until) = map.get(key).and_then(|e| e.blocked_until) {
            if until > now {
                return Err(until - now);
            }
        }
        if !map.contains_key(key) && map.len() >= self.capacity {
            self.make_room(&mut map, now);
        }
        let entry = map.entry(key.clone()).or_insert(Entry {
            failures: 0,
            blocked_until: None,
            last: now,
        });
        entry.failures = entry.failures.saturating_add(1);
        entry.last = now;
        if let Some(wait) = self.policy.wait(entry.failures) {
            entry.blocked_until = Some(now + wait);
        }
        Ok(())
    }

    /// The attempt reserved for `key` failed at `now`: its wait runs from now.
    pub fn failed(&self, key: &K, now: Instant) {
        let mut map = self.lock();
        if let Some(entry) = map.get_mut(key) {
            entry.last = now;
            if let Some(wait) = self.policy.wait(entry.failures) {
                entry.blocked_until = entry.blocked_until.max(Some(now + wait));
            }
        }
    }

    /// The attempt reserved for `key` was not made (or did not fail): it is not counted.
    pub fn refund(&self, key: &K) {
        let mut map = self.lock();
        if let Some(entry) = map.get_mut(key) {
            entry.failures = entry.failures.saturating_sub(1);
            if self.policy.wait(entry.failures).is_none() {
                entry.blocked_until = None;
            }
        }
    }

    /// `key` signed in: its failures are forgotten.
    pub fn clear(&self, key: &K) {
        self.lock().remove(key);
    }

    /// Keys kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no key is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the keys quiet for [`Backoff::forget`] with no wait left; if none is, the one
    /// quiet longest.
    fn make_room(&self, map: &mut HashMap<K, Entry>, now: Instant) {
        let forget = self.policy.forget;
        map.retain(|_, e| {
            now.saturating_duration_since(e.last) < forget
                || e.blocked_until.is_some_and(|u| u > now)
        });
        if map.len() >= self.capacity {
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, e)| e.last)
                .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
    }
}

/// The sign-in throttles of a server: per address and email, and per address.
#[derive(Debug)]
pub struct SignInThrottle {
    by_account: Throttle<(IpAddr, String)>,
    by_address: Throttle<IpAddr>,
}

impl Default for SignInThrottle {
    fn default() -> SignInThrottle {
        let minutes = |m: u64| Duration::from_secs(60 * m);
        SignInThrottle {
            by_account: Throttle::new(
                Backoff {
                    free: 5,
                    first: Duration::from_secs(1),
                    max: minutes(5),
                    forget: minutes(15),
                },
                CAPACITY,
            ),
            by_address: Throttle::new(
                Backoff {
                    free: 30,
                    first: Duration::from_secs(1),
                    max: minutes(5),
                    forget: minutes(15),
                },
                CAPACITY,
            ),
        }
    }
}

/// The address a client is throttled under: an IPv6 client by its /64, which one machine
/// usually has whole; a request with no known address (the application driven without a
/// listener) under one shared key.
pub fn client_key(addr: Option<IpAddr>) -> IpAddr {
    match addr {
        Some(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let segments = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(
                segments[0],
                segments[1],
                segments[2],
                segments[3],
                0,
                0,
                0,
                0,
            ))
        }
        Some(IpAddr::V6(v6)) => IpAddr::V4(v6.to_ipv4_mapped().expect("checked above")),
        Some(v4) => v4,
        None => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
    }
}

impl SignInThrottle {
    /// Counts a sign-in attempt by `client` for `email`, or says how long it must wait.
    pub fn reserve(&self, client: IpAddr, email: &str, now: Instant) -> Result<(), Duration> {
        self.by_address.reserve(&client, now)?;
        let account = (client, email.to_string());
        self.by_account.reserve(&account, now).inspect_err(|_| {
            self.by_address.refund(&client);
        })
    }

    /// The attempt failed: the wrong password.
    pub fn failed(&self, client: IpAddr, email: &str, now: Instant) {
        self.by_address.failed(&client, now);
        self.by_account.failed(&(client, email.to_string()), now);
    }

    /// The attempt was not made (the server was too busy to check the password).
    pub fn refund(&self, client: IpAddr, email: &str) {
        self.by_address.refund(&client);
        self.by_account.refund(&(client, email.to_string()));
    }

    /// The attempt signed in: the email's failures from this address are forgotten, and the
    /// address is not charged for it.
    pub fn succeeded(&self, client: IpAddr, email: &str) {
        self.by_address.refund(&client);
        self.by_account.clear(&(client, email.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Backoff {
        Backoff {
            free: 5,
            first: Duration::from_secs(1),
            max: Duration::from_secs(60),
            forget: Duration::from_secs(600),
        }
    }

    #[test]
    fn waits_double_past_the_free_failures_up_to_the_cap() {
        let p = policy();
        assert_eq!(p.wait(4), None);
        let secs: Vec<u64> = (5..=12).map(|n| p.wait(n).unwrap().as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(p.wait(u32::MAX), Some(p.max));
    }

    #[test]
    fn attempts_are_counted_when_they_start_so_parallel_ones_are_refused_past_the_free_ones() {
        let t = Throttle::new(policy(), 100);
        let now = Instant::now();
        let allowed = (0..20).filter(|_| t.reserve(&"a", now).is_ok()).count();
        assert_eq!(allowed, 5, "none of them had failed yet");
        assert_eq!(t.reserve(&"b", now), Ok(()), "other keys are not affected");
        let later = now + Duration::from_secs(1);
        assert_eq!(t.reserve(&"a", later), Ok(()), "the first wait is a second");
        assert_eq!(t.reserve(&"a", later), Err(Duration::from_secs(2)));
        t.clear(&"a");
        assert_eq!(t.reserve(&"a", later), Ok(()), "a success clears the key");
    }

    #[test]
    fn a_failure_starts_its_wait_when_it_is_known_and_a_refund_takes_the_attempt_back() {
        let t = Throttle::new(policy(), 100);
        let now = Instant::now();
        for _ in 0..5 {
            t.reserve(&"a", now).unwrap();
        }
        let answered = now + Duration::from_millis(500);
        t.failed(&"a", answered);
        assert!(t.reserve(&"a", now + Duration::from_secs(1)).is_err());
        t.refund(&"a");
        assert_eq!(t.reserve(&"a", now + Duration::from_secs(1)), Ok(()));
    }

    #[test]
    fn a_flood_of_distinct_keys_keeps_the_map_at_its_capacity() {
        let t = Throttle::new(policy(), 50);
        let now = Instant::now();
        for i in 0..10_000 {
            t.reserve(&format!("user{i}@example.com"), now).unwrap();
        }
        assert_eq!(t.len(), 50);
    }

    #[test]
    fn guesses_from_another_address_do_not_hold_up_the_users_own() {
        let t = SignInThrottle::default();
        let now = Instant::now();
        let attacker = client_key(Some("203.0.113.9".parse().unwrap()));
        let user = client_key(Some("198.51.100.7".parse().unwrap()));
        for _ in 0..50 {
            if t.reserve(attacker, "admin@example.com", now).is_ok() {
                t.failed(attacker, "admin@example.com", now);
            }
        }
        assert!(t.reserve(attacker, "admin@example.com", now).is_err());
        assert_eq!(t.reserve(user, "admin@example.com", now), Ok(()));
    }

    #[test]
    fn an_ipv6_client_is_throttled_by_its_64_and_a_mapped_ipv4_as_ipv4() {
        let a = client_key(Some("2001:db8:1:2:aaaa::1".parse().unwrap()));
        let b = client_key(Some("2001:db8:1:2:bbbb::2".parse().unwrap()));
        assert_eq!(a, b);
        assert_eq!(
            client_key(Some("::ffff:192.0.2.1".parse().unwrap())),
            client_key(Some("192.0.2.1".parse().unwrap()))
        );
        assert_eq!(client_key(None), IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    }
}
