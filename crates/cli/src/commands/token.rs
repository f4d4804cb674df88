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

/// `abcrm token list`.
pub async fn run_list(url: &str, format: crate::cli::Format) -> anyhow::Result<()> {
    let store = abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))?;
    let tokens = store.list_api_tokens().await?;
    let users: Vec<_> = tokens.iter().map(|t| t.user_id).collect();
    let users = store.user_names(&users).await?;
    let day = |t: &Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    };
    let mut table = crate::output::Table::new(&[
        "id",
        "user",
        "name",
        "prefix",
        "created",
        "last used",
        "revoked",
    ]);
    for t in &tokens {
        table.row(vec![
            t.id.to_string(),
            users
                .get(&t.user_id)
                .cloned()
                .unwrap_or_else(|| t.user_id.to_string()),
            t.name.clone(),
            t.prefix.clone(),
            day(&Some(t.created_at)),
            day(&t.last_used_at),
            day(&t.revoked_at),
        ]);
    }
    crate::output::emit(format, &tokens, &table)
}
