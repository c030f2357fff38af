//! Staff sign-in: Argon2id passwords, a user ID locked for 30 minutes after
//! 10 failed sign-ins (PCI DSS 8.3.4), opaque session tokens kept only as
//! keyed hashes, expiry (12 hours after sign-in, or 15 minutes after the
//! last use, PCI DSS 8.2.8) and sign-out. Every sign-in, failed or not, is
//! audited. Failures are counted by one database statement, so guesses sent
//! in parallel are each counted, and a right password is refused once any
//! committed failure has locked the ID.

use carddesk_domain::{Actor, Role, StaffMember};
use carddesk_store::{Outcome, SigninFailures, StaffRecord, StoreError};
use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::hashing::Budget;
use crate::keyring::Purpose;
use crate::{Processor, ProcessorError, Result, append_audit, instructions, passwords};

/// Failed sign-ins after which a user ID locks.
pub const MAX_FAILED_SIGNINS: u32 = 10;
/// How long a locked user ID stays locked.
pub const LOCKOUT: Duration = Duration::minutes(30);
/// How long a staff session lasts at most (one shift).
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
/// A staff session not used for this long stops working (PCI DSS 8.2.8).
/// A use is a call the session authenticates; watching events is not one
/// (see `Processor::session_is_live`), so an open event stream alone
/// never keeps an unattended console signed in.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(15);

/// A signed-in member of staff.
#[derive(Debug)]
pub struct StaffSession {
    /// The bearer token, shown once to the console.
    pub token: SecretString,
    /// Who.
    pub member: StaffMember,
    /// Name for display.
    pub display_name: String,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
}

/// A sign-in failure, deliberately the same whether the user is unknown,
/// the password wrong, or the ID locked: nothing tells an attacker which.
fn signin_refused() -> ProcessorError {
    ProcessorError::Unauthenticated
}

impl Processor {
    /// Adds a member of staff (an admin's act, or seeding).
    pub async fn add_staff(
        &self,
        by: &Actor,
        member: StaffMember,
        display_name: &str,
        password: &SecretString,
        origin: &str,
    ) -> Result<()> {
        if let Actor::Staff(admin) = by
            && admin.role < Role::Admin
        {
            return Err(ProcessorError::Forbidden);
        }
        if password.expose_secret().chars().count() < 12 {
            return Err(ProcessorError::InvalidInput(
                "a staff password has at least 12 characters".to_owned(),
            ));
        }
        let hash = {
            let password = password.clone();
            self.inner
                .hashing
                .run(Budget::Staff, move || passwords::hash(&password))
                .await?
        };
        let now = self.now();
        let mut tx = self.inner.store.begin().await?;
        let record = StaffRecord {
            member: member.clone(),
            display_name: display_name.to_owned(),
            password_hash: hash,
            failed_signins: 0,
            locked_until: None,
        };
        tx.insert_staff_user(&record, now)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    ProcessorError::InvalidInput("that username is taken".to_owned())
                }
                other => other.into(),
            })?;
        append_audit(
            tx.as_mut(),
            by,
            now,
            "staff.added",
            &format!("staff:{}", member.username),
            origin,
            Outcome::Success,
            format!("role {}", member.role.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Signs a member of staff in. Unknown users, wrong passwords and
    /// locked IDs all get the same answer; the password is checked even for
    /// unknown users so the answer takes as long.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &SecretString,
        origin: &str,
    ) -> Result<StaffSession> {
        let now = self.now();
        let user = self.inner.store.staff_user(username).await?;
        let hash = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.to_owned());
        let matched = {
            let password = password.clone();
            self.inner
                .hashing
                .run(Budget::Staff, move || passwords::verify(&hash, &password))
                .await?
        };
        let object = format!("staff:{}", username.chars().take(64).collect::<String>());
        let Some(user) = user else {
            let mut tx = self.inner.store.begin().await?;
            append_audit(
                tx.as_mut(),
                &Actor::System,
                now,
                "staff.sign_in",
                &object,
                origin,
                Outcome::Failure,
                "unknown user".to_owned(),
            )
            .await?;
            tx.commit().await?;
            return Err(signin_refused());
        };
        let actor = Actor::Staff(user.member.clone());
        // The count and the lock are decided by the database, in this
        // transaction, from what it holds now; never from `user`, which was
        // read before the slow hash and may be stale by many failures.
        let mut tx = self.inner.store.begin().await?;
        if !matched {
            let counted = tx
                .record_signin_failure(
                    &user.member.username,
                    now,
                    MAX_FAILED_SIGNINS,
                    now + LOCKOUT,
                )
                .await?;
            append_audit(
                tx.as_mut(),
                &actor,
                now,
                "staff.sign_in",
                &object,
                origin,
                Outcome::Failure,
                failure_detail(counted, now),
            )
            .await?;
            tx.commit().await?;
            return Err(signin_refused());
        }
        // A right password still loses to a lock: clearing the count only
        // happens if, under the row's write lock, the ID is not locked now.
        if !tx.clear_signin_failures(&user.member.username, now).await? {
            append_audit(
                tx.as_mut(),
                &actor,
                now,
                "staff.sign_in",
                &object,
                origin,
                Outcome::Refused,
                "user ID locked".to_owned(),
            )
            .await?;
            tx.commit().await?;
            return Err(signin_refused());
        }
        let token = instructions::new_session_token();
        let expires_at = now + SESSION_LIFETIME;
        tx.insert_staff_session(
            &self
                .inner
                .keys
                .digest(Purpose::StaffSession, token.expose_secret().as_bytes()),
            &user.member.username,
            now,
            expires_at,
        )
        .await?;
        append_audit(
            tx.as_mut(),
            &actor,
            now,
            "staff.sign_in",
            &object,
            origin,
            Outcome::Success,
            "signed in".to_owned(),
        )
        .await?;
        tx.commit().await?;
        Ok(StaffSession {
            token,
            member: user.member,
            display_name: user.display_name,
            expires_at,
        })
    }

    /// The member of staff a session token belongs to, if it is live.
    pub async fn authenticate(&self, token: &SecretString) -> Result<StaffMember> {
        Ok(self.session_of(token).await?.0)
    }

    /// Uses a live session: the member of staff it belongs to, and when it
    /// ends at the latest. Its last use moves on to now; a session signed
    /// out, past its lifetime or idle for [`IDLE_TIMEOUT`] is
    /// `unauthenticated`. The store checks and touches in one statement.
    ///
    /// A session the store confirmed less than
    /// [`crate::session_memo::RECHECK_AFTER`] ago is believed without
    /// asking it again (see [`crate::session_memo`]).
    pub async fn session_of(&self, token: &SecretString) -> Result<(StaffMember, DateTime<Utc>)> {
        let now = self.now();
        let digest = self.session_digest(token);
        if let Some(known) = self.inner.sessions.recall(&digest, now) {
            return Ok(known);
        }
        let Some(session) = self
            .inner
            .store
            .use_staff_session(&digest, now, now - IDLE_TIMEOUT)
            .await?
        else {
            self.inner.sessions.forget(&digest);
            return Err(ProcessorError::Unauthenticated);
        };
        self.inner
            .sessions
            .remember(digest, session.member.clone(), session.expires_at, now);
        Ok((session.member, session.expires_at))
    }

    /// Whether the session with this keyed hash is still live, without
    /// using it: an event stream's periodic check, which must not keep an
    /// idle session alive.
    pub(crate) async fn session_is_live(&self, digest: &[u8]) -> Result<bool> {
        let now = self.now();
        Ok(self
            .inner
            .store
            .staff_session(digest)
            .await?
            .is_some_and(|s| {
                s.revoked_at.is_none() && now < s.expires_at && s.last_used_at > now - IDLE_TIMEOUT
            }))
    }

    /// The keyed hash a session token is stored and announced by.
    pub(crate) fn session_digest(&self, token: &SecretString) -> Vec<u8> {
        self.inner
            .keys
            .digest(Purpose::StaffSession, token.expose_secret().as_bytes())
    }

    /// Hears the keyed hash of every session signed out from now on, here
    /// or in another process sharing the database.
    pub(crate) fn sign_outs(&self) -> tokio::sync::broadcast::Receiver<Vec<u8>> {
        self.inner.sign_outs.hear()
    }

    /// Ends a session.
    pub async fn sign_out(&self, token: &SecretString, origin: &str) -> Result<()> {
        let member = self.authenticate(token).await?;
        let now = self.now();
        let digest = self.session_digest(token);
        self.inner.sessions.signed_out(&digest, now);
        let mut tx = self.inner.store.begin().await?;
        tx.revoke_staff_session(&digest, now).await?;
        append_audit(
            tx.as_mut(),
            &Actor::Staff(member.clone()),
            now,
            "staff.sign_out",
            &format!("staff:{}", member.username),
            origin,
            Outcome::Success,
            "signed out".to_owned(),
        )
        .await?;
        tx.commit().await?;
        // After the commit, so a stream or a process that hears it and
        // checks finds the session revoked.
        self.inner
            .sign_outs
            .announce(self.inner.store.as_ref(), digest)
            .await;
        Ok(())
    }
}

/// The audit detail of a wrong password, from the state the failure left.
fn failure_detail(counted: Option<SigninFailures>, now: DateTime<Utc>) -> String {
    let Some(counted) = counted else {
        // Removed between the first read and this transaction.
        return "unknown user".to_owned();
    };
    let failed = counted.failed_signins;
    match counted.locked_until {
        // Only the failure that reached the limit set the lock.
        Some(until) if until > now && failed == MAX_FAILED_SIGNINS => format!(
            "wrong password; {failed} failures, user ID locked for {} min",
            LOCKOUT.num_minutes()
        ),
        Some(until) if until > now => {
            format!("wrong password while user ID locked; {failed} failures")
        }
        _ => format!("wrong password; {failed} failures"),
    }
}

/// A valid Argon2id hash of a random password nobody knows, checked
/// against for unknown users so their sign-in takes as long as a real one.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2tqZS0Ns1NDRJ8oJJyVp4M7HkW2TrTN7nRWbyykOaVE";
