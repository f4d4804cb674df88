//! The limits the server puts on connections, requests and password checks, in one place with
//! their defaults (`abcrm serve` takes each from a flag or an `ABCRM_*` environment variable).

use std::time::Duration;

/// How much the server takes on at once, and how long it waits for a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once. Past it, new connections wait in the operating system's
    /// accept queue until one closes, so file descriptors stay bounded.
    pub max_connections: usize,
    /// How long a client has to send a request's headers. hyper starts this clock whenever it
    /// waits for a request, so it is also how long a kept-alive connection may sit idle.
    pub header_read_timeout: Duration,
    /// How long a request may take, body and answer included (past it: 408).
    pub request_timeout: Duration,
    /// The same for the requests that are long by nature: the web import's upload (5 MB may
    /// come over a slow line) and a full score recompute (a minute or more on a large store;
    /// `abcrm score recompute` takes any time).
    pub long_request_timeout: Duration,
    /// Password checks (argon2, 19 MiB of memory each) run at once.
    pub password_checks: usize,
    /// Sign-ins waiting for a password check; past it, a sign-in is answered 503 at once.
    pub password_queue: usize,
    /// Web import uploads one person may keep between the steps of an import.
    pub uploads_per_user: usize,
    /// The memory all kept uploads may take together, in bytes.
    pub upload_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            long_request_timeout: Duration::from_secs(10 * 60),
            password_checks: 2,
            password_queue: 32,
            uploads_per_user: 3,
            upload_bytes: 128 * 1024 * 1024,
        }
    }
}
