//! Security headers on every answer: a content security policy that allows only this site's own
//! scripts and styles (the templates have no inline script, style or `javascript:` link, and
//! htmx's injected indicator style is turned off in `base.html`), no framing, no MIME sniffing,
//! the referrer kept on this site, and nothing stored by caches unless the answer says
//! otherwise (the static files do).

use axum::http::{header, HeaderName, HeaderValue};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

/// The content security policy of every page.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// The headers and their values, each set unless the answer already has it.
const HEADERS: [(HeaderName, &str); 5] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "same-origin"),
    // Pages hold customer data and CSRF tokens: a shared or back-button cache must not keep them.
    (header::CACHE_CONTROL, "no-store"),
];

/// `router` with the security headers added to its answers.
pub fn secured(router: Router) -> Router {
    HEADERS.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ))
    })
}
