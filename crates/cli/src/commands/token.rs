//! `abcrm token create|revoke`: API tokens, stored hashed, shown once.

use abcrm_core::model::{Actor, NewUser, Role};
use abcrm_core::normalize::Email;
use abcrm_core::TokenId;
use abcrm_store::Store;
use anyhow::Context;

/// Creates a token for `user` (creating the user with `role` if it does not exist) and returns
/// the secret.
pub async fn create(
    store: &dyn Store,
    user: &str,
    name: &str,
    role: &str,
) -> anyhow::Result<String> {
    let actor = Actor::system("cli");
    let email =
        Email::parse(user).map_err(|e| anyhow::anyhow!("--user {user:?}: the email {e}"))?;
    let user = match store.find_user_by_email(&email).await? {
        Some(u) => u,
        None => {
            let role: Role = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let name = email.local().to_string();
            store
                .create_user(
                    &actor,
                    NewUser {
                        email: email.clone(),
                        name,
                        role,
                    },
                )
                .await?
        }
    };
    let (token, secret) = store.create_api_token(&actor, user.id, name).await?;
    eprintln!(
        "Created token {} {:?} for {} ({}). The secret is printed once, below; keep it safe.",
        token.id, token.name, user.email, user.role
    );
    Ok(secret)
}

/// `abcrm token create`: the secret alone on stdout, so `TOKEN=$(abcrm token create)` works.
pub async fn run_create(url: &str, user: &str, name: &str, role: &str) -> anyhow::Result<()> {
    let store = abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))?;
    let secret = create(store.as_ref(), user, name, role).await?;
    println!("{secret}");
    Ok(())
}

/// `abcrm token revoke ID`.
pub async fn run_revoke(url: &str, id: i64) -> anyhow::Result<()> {
    let store = abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))?;
    store
        .revoke_api_token(&Actor::system("cli"), TokenId(id))
        .await?;
    eprintln!("Revoked token {id}.");
    Ok(())
}
