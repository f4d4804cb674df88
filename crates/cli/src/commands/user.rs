//! `abcrm user create|password`: the people who sign in to the web UI.

use crate::cli::Format;
use crate::output::{emit, Table};
use abcrm_core::model::{Actor, NewUser, Role, User};
use abcrm_core::normalize::Email;
use abcrm_server::web::password::hash_password;
use abcrm_server::web::session::random_secret;
use abcrm_store::Store;
use anyhow::Context;
use std::io::BufRead;

/// The password to set: the first line of stdin, or a new random one (then `true`: print it).
fn choose_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from stdin")?;
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        Ok((line, false))
    } else {
        Ok((random_secret(16), true))
    }
}

/// Creates a user with a password (or sets the password of an existing user who has none).
pub async fn create_with_password(
    store: &dyn Store,
    email: &str,
    name: Option<&str>,
    role: &str,
    password: &str,
) -> anyhow::Result<User> {
    let actor = Actor::system("cli");
    let email =
        Email::parse(email).map_err(|e| anyhow::anyhow!("--email {email:?}: the email {e}"))?;
    let role: Role = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
    let hash = hash_password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let user = match store.user_credentials(&email).await? {
        Some((_, Some(_))) => anyhow::bail!(
            "{email} can already sign in; set a new password with `abcrm user password --email {email}`"
        ),
        Some((user, None)) => user,
        None => {
            let name = name.map(str::to_string).unwrap_or_else(|| email.local().to_string());
            store
                .create_user(&actor, NewUser { email: email.clone(), name, role })
                .await?
        }
    };
    store
        .set_password_hash(&actor, user.id, Some(&hash))
        .await?;
    Ok(user)
}

/// `abcrm user create`.
pub async fn run_create(
    url: &str,
    email: &str,
    name: Option<&str>,
    role: &str,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let store = abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))?;
    let (password, generated) = choose_password(password_stdin)?;
    let user = create_with_password(store.as_ref(), email, name, role, &password).await?;
    eprintln!(
        "Created user {} ({}) who can sign in to the web UI.",
        user.email,
        user.role.as_str()
    );
    if generated {
        eprintln!("Their password is printed once, below; pass it on safely.");
        println!("{password}");
    }
    Ok(())
}

/// `abcrm user password`.
pub async fn run_password(url: &str, email: &str, password_stdin: bool) -> anyhow::Result<()> {
    let store = abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))?;
    let parsed =
        Email::parse(email).map_err(|e| anyhow::anyhow!("--email {email:?}: the email {e}"))?;
    let (user, _) = store.user_credentials(&parsed).await?.with_context(|| {
        format!(
            "no user has the email {email}; create one with `abcrm user create --email {email}`"
        )
    })?;
    let (password, generated) = choose_password(password_stdin)?;
    let hash = hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    store
        .set_password_hash(&Actor::system("cli"), user.id, Some(&hash))
        .await?;
    eprintln!(
        "Set a new password for {}; their open sessions are signed out.",
        user.email
    );
    if generated {
        eprintln!("The password is printed once, below.");
        println!("{password}");
    }
    Ok(())
}

/// The user with `email`, or an error saying how to make one.
async fn by_email(store: &dyn Store, email: &str) -> anyhow::Result<User> {
    let parsed =
        Email::parse(email).map_err(|e| anyhow::anyhow!("--email {email:?}: the email {e}"))?;
    store
        .find_user_by_email(&parsed)
        .await?
        .with_context(|| format!("no user has the email {email}; `abcrm user list` shows who does"))
}

/// `abcrm user list`.
pub async fn run_list(url: &str, format: Format) -> anyhow::Result<()> {
    let store = abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))?;
    let access = store.user_access().await?;
    let mut t = Table::new(&["id", "email", "name", "role", "signs in", "tokens"]);
    for a in &access {
        t.row(vec![
            a.user.id.to_string(),
            a.user.email.to_string(),
            a.user.name.clone(),
            a.user.role.as_str().to_string(),
            if a.can_sign_in { "yes" } else { "no" }.to_string(),
            a.live_tokens.to_string(),
        ]);
    }
    emit(format, &access, &t)
}

/// `abcrm user role`.
pub async fn run_role(url: &str, email: &str, role: &str) -> anyhow::Result<()> {
    let store = abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))?;
    let role: Role = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
    let user = by_email(store.as_ref(), email).await?;
    let user = store
        .set_user_role(&Actor::system("cli"), user.id, role)
        .await?;
    eprintln!("{} is now {}.", user.email, user.role.as_str());
    Ok(())
}

/// `abcrm user deactivate`.
pub async fn run_deactivate(url: &str, email: &str) -> anyhow::Result<()> {
    let store = abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))?;
    let user = by_email(store.as_ref(), email).await?;
    store
        .deactivate_user(&Actor::system("cli"), user.id)
        .await?;
    eprintln!(
        "{} can no longer sign in or use a token; what they own stays theirs. `abcrm user password --email {}` lets them back in.",
        user.email, user.email
    );
    Ok(())
}
