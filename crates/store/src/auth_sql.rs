// Users and API tokens (this file is `include!`d after `shared.rs`): who may sign in, and the last
// admin kept.

fn user_row(r: &DbRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: UserId(r.try_get("id")?),
        email: parse(r.try_get::<&str, _>("email")?)?,
        name: r.try_get("name")?,
        role: parse(r.try_get::<&str, _>("role")?)?,
        created_at: r.try_get("created_at")?,
    })
}

fn token_row(r: &DbRow) -> Result<ApiToken, sqlx::Error> {
    Ok(ApiToken {
        id: TokenId(r.try_get("id")?),
        user_id: UserId(r.try_get("user_id")?),
        name: r.try_get("name")?,
        prefix: r.try_get("prefix")?,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

/// One user, read inside a write.
async fn load_user(tx: &mut Tx<'_>, user: UserId) -> Result<User> {
    let row = sqlx::query("SELECT id, email, name, role, created_at FROM users WHERE id = $1")
        .bind(user.0)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound { entity: "user", id: user.0 })?;
    Ok(user_row(&row)?)
}

/// Refuses to take the admin role's last holder with access (a password or a live token) away:
/// nobody could then manage users.
async fn refuse_last_admin(tx: &mut Tx<'_>, user: UserId, what: &str) -> Result<()> {
    let others: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users u WHERE u.role = 'admin' AND u.id <> $1
           AND (u.password_hash IS NOT NULL OR EXISTS (SELECT 1 FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL))",
    )
    .bind(user.0)
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?;
    if others == 0 {
        return Err(StoreError::Conflict {
            field: Some("role".into()),
            message: format!("user {user} is the last admin who can sign in or holds a token; make someone else an admin first, then {what}"),
        });
    }
    Ok(())
}

/// Reads the credential epoch when it is due, so that the credentials this process keeps are at
/// most `credentials::RECHECK` older than the database's (see `credentials.rs`).
async fn credentials_checked(store: &ThisStore) -> Result<()> {
    if store.credentials.epoch_due() {
        let epoch: i64 = sqlx::query_scalar("SELECT epoch FROM credential_epoch WHERE id = 1")
            .fetch_one(&store.pool)
            .await
            .map_err(db)?;
        store.credentials.saw_epoch(epoch);
    }
    Ok(())
}

/// Notes that a token was used, off the request's path: a busy database delays the note, never
/// the request.
fn write_token_use(pool: &sqlx::Pool<Db>, id: i64) {
    let pool = pool.clone();
    tokio::spawn(async move {
        let done = sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(now()).bind(id).execute(&pool).await;
        if let Err(e) = done {
            tracing::warn!(error = %e, token = id, "could not note that an API token was used");
        }
    });
}

// --- what the `Store` methods of this aggregate do (`shared.rs` delegates to these) ---

async fn create_api_token_in(store: &ThisStore, actor: &Actor, user: UserId, name: &str) -> Result<(ApiToken, String)> {
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid("name", "a token needs a name, to tell it apart from others"));
    }
    let secret = crate::token::generate();
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
    require(&mut tx, "users", "user", "user_id", user.0).await?;
    let row = sqlx::query(
        "INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, user_id, name, prefix, created_at, last_used_at, revoked_at",
    )
    .bind(user.0)
    .bind(name)
    .bind(crate::token::prefix(&secret))
    .bind(crate::token::hash(&secret))
    .bind(now())
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    let token = ApiToken {
        id: TokenId(row.try_get("id")?),
        user_id: UserId(row.try_get("user_id")?),
        name: row.try_get("name")?,
        prefix: row.try_get("prefix")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    };
    audit::<(), _>(&mut tx, actor, "api_token", token.id.0, "create", None, Some(&token)).await?;
    tx.commit().await.map_err(db)?;
    Ok((token, secret))
}

async fn authenticate_token_in(store: &ThisStore, secret: &str) -> Result<Option<Actor>> {
    credentials_checked(store).await?;
    let hash = crate::token::hash(secret.trim());
    if let Some(hit) = store.credentials.token(&hash) {
        if let Some(id) = hit.write_use_of {
            write_token_use(&store.pool, id);
        }
        return Ok(Some(hit.actor));
    }
    let row = sqlx::query(
        "SELECT t.id, t.name, u.id AS user_id, u.email, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
    )
    .bind(&hash)
    .fetch_optional(&store.pool)
    .await
    .map_err(db)?;
    let Some(row) = row else { return Ok(None) };
    let token_id: i64 = row.try_get("id")?;
    let name: String = row.try_get("name")?;
    let email: String = row.try_get("email")?;
    let actor = Actor {
        user_id: Some(UserId(row.try_get("user_id")?)),
        label: format!("{email} via token {name:?}"),
        role: parse(row.try_get::<&str, _>("role")?)?,
    };
    store.credentials.keep_token(hash, token_id, actor.clone());
    write_token_use(&store.pool, token_id);
    Ok(Some(actor))
}

async fn user_access_in(store: &ThisStore) -> Result<Vec<crate::UserAccess>> {
    let rows = sqlx::query(
        "SELECT u.id, u.email, u.name, u.role, u.created_at, u.password_hash IS NOT NULL AS can_sign_in,
                (SELECT COUNT(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL) AS live_tokens,
                (SELECT MAX(i.expires_at) FROM user_invites i WHERE i.user_id = u.id AND i.used_at IS NULL AND i.expires_at > $2) AS invited_until
         FROM users u ORDER BY lower(u.name), u.id LIMIT $1",
    )
    .bind(crate::MAX_USERS_LISTED)
    .bind(now())
    .fetch_all(&store.pool)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|r| {
            Ok(crate::UserAccess {
                user: user_row(r)?,
                can_sign_in: r.try_get("can_sign_in")?,
                live_tokens: r.try_get("live_tokens")?,
                invited_until: r.try_get("invited_until")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(db)
}

async fn create_user_in(store: &ThisStore, actor: &Actor, new: NewUser) -> Result<User> {
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
    if sqlx::query("SELECT id FROM users WHERE email = $1").bind(new.email.as_str()).fetch_optional(&mut *tx).await.map_err(db)?.is_some() {
        return Err(conflict("email", format!("a user with the email {} already exists", new.email)));
    }
    let name = new.name.trim();
    if name.is_empty() {
        return Err(invalid("name", "is required and must not be blank"));
    }
    let row = sqlx::query("INSERT INTO users (email, name, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id, email, name, role, created_at")
        .bind(new.email.as_str())
        .bind(name)
        .bind(new.role.as_str())
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
    let user = user_row(&row)?;
    audit::<(), _>(&mut tx, actor, "user", user.id.0, "create", None, Some(&user)).await?;
    tx.commit().await.map_err(db)?;
    Ok(user)
}

async fn accept_invite_in(store: &ThisStore, secret: &str, password_hash: &str) -> Result<Option<User>> {
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
    let at = now();
    // Spending the link first, in the same statement that checks it, makes a second use wait
    // for this transaction and then find it spent.
    let user: Option<i64> = sqlx::query_scalar(
        "UPDATE user_invites SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
    )
    .bind(at)
    .bind(crate::token::hash(secret))
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?;
    let Some(user) = user else { return Ok(None) };
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(password_hash).bind(user).execute(&mut *tx).await.map_err(db)?;
    let actor = Actor { user_id: Some(UserId(user)), ..Actor::system("invitation") };
    audit::<(), ()>(&mut tx, &actor, "user", user, "accept_invite", None, None).await?;
    let account = load_user(&mut tx, UserId(user)).await?;
    tx.commit().await.map_err(db)?;
    store.credentials.forget_all();
    Ok(Some(account))
}

async fn web_session_in(store: &ThisStore, secret: &str) -> Result<Option<WebSession>> {
    credentials_checked(store).await?;
    let hash = crate::token::hash(secret);
    if let Some(session) = store.credentials.session(&hash, now()) {
        return Ok(Some(session));
    }
    let row = sqlx::query(
        "SELECT u.id, u.email, u.name, u.role, u.created_at, s.csrf_token, s.expires_at
         FROM web_sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(&hash)
    .bind(now())
    .fetch_optional(&store.pool)
    .await
    .map_err(db)?;
    let Some(row) = row else { return Ok(None) };
    let session = WebSession { user: user_row(&row)?, csrf: row.try_get("csrf_token")?, expires_at: row.try_get("expires_at")? };
    store.credentials.keep_session(hash, session.clone());
    Ok(Some(session))
}
