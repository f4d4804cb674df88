//! Bearer-token authentication and role checks for `/api/v1`.

use crate::problem::ApiError;
use crate::AppState;
use abcrm_core::model::{Actor, Role};
use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::Response;

/// Resolves the bearer token to an [`Actor`], checks that its role may make this request, and
/// hands the actor to the handler as a request extension.
pub async fn require_token(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let secret = match header {
        None => return Err(ApiError::unauthorized("this endpoint needs an API token: send Authorization: Bearer <token> (create one with `abcrm token create`)")),
        Some(h) => match h.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => token.trim().to_string(),
            _ => return Err(ApiError::unauthorized("the Authorization header must be `Bearer <token>`")),
        },
    };
    let actor = state
        .store
        .authenticate_token(&secret)
        .await?
        .ok_or_else(|| {
            ApiError::unauthorized(
                "the API token is unknown or revoked; create a new one with `abcrm token create`",
            )
        })?;
    check_role(&actor, req.method(), req.uri().path())?;
    req.extensions_mut().insert(actor);
    Ok(next.run(req).await)
}

/// What each role may do: read-only reads; marketing may not delete accounts or opportunities.
fn check_role(actor: &Actor, method: &Method, path: &str) -> Result<(), ApiError> {
    let reading = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    match actor.role {
        Role::Admin | Role::Sales => Ok(()),
        Role::ReadOnly if !reading => Err(ApiError::forbidden(format!(
            "{} has the read_only role and may not change data",
            actor.label
        ))),
        Role::Marketing
            if *method == Method::DELETE
                && (path.contains("/accounts/") || path.contains("/opportunities/")) =>
        {
            Err(ApiError::forbidden(format!(
                "{} has the marketing role and may not delete accounts or opportunities",
                actor.label
            )))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_role(role: Role) -> Actor {
        Actor {
            user_id: None,
            label: "t".into(),
            role,
        }
    }

    #[test]
    fn read_only_reads_and_marketing_cannot_delete_accounts() {
        assert!(check_role(&as_role(Role::ReadOnly), &Method::GET, "/api/v1/accounts").is_ok());
        assert!(check_role(&as_role(Role::ReadOnly), &Method::POST, "/api/v1/accounts").is_err());
        assert!(check_role(
            &as_role(Role::Marketing),
            &Method::DELETE,
            "/api/v1/accounts/1"
        )
        .is_err());
        assert!(check_role(
            &as_role(Role::Marketing),
            &Method::DELETE,
            "/api/v1/contacts/1"
        )
        .is_ok());
    }
}
