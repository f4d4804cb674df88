//! `abcrm user create|password`: the people who sign in to the web UI.

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
