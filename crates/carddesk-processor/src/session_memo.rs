//! Staff sessions the store confirmed a moment ago, remembered for
//! [`RECHECK_AFTER`]: checking and touching a session is a write to its row
//! (one statement and one commit), and a console busy with a caller calls
//! several times a second. Within the window a call is answered from
//! memory and does not move the session's last use; the next call after
//! it goes to the store again, which checks revocation, lifetime and the
//! idle limit and touches the row. So a session idles out at most
//! `RECHECK_AFTER` early, never late. A sign-out forgets its session at
//! once and for good (a check that raced it included), in this process
//! and, as soon as its notification arrives, in every other process that
//! shares the database (`sign_outs.rs`); should that notification be
//! lost, the other processes see it within `RECHECK_AFTER`.

use std::collections::HashMap;
use std::sync::Mutex;

use carddesk_domain::StaffMember;
use chrono::{DateTime, Duration, Utc};

/// How long a session the store confirmed is believed without asking.
pub const RECHECK_AFTER: Duration = Duration::seconds(5);

/// Sessions remembered at most; past it, the ones due a check go first.
const MAX_REMEMBERED: usize = 4_096;

/// How long a sign-out's mark is kept: long enough for any check that read
/// the session before the sign-out committed to have come back (a store
/// call is bounded by the pool's and the request's time limits, seconds).
/// Past it the store itself refuses the session, so nothing needs the
/// mark; kept longer, every sign-out of every server sharing the database
/// (each process hears them all) would fill the memo.
const SIGN_OUT_MARK: Duration = Duration::minutes(2);

#[derive(Debug)]
struct Confirmed {
    /// `None` once signed out here, for good: a check that read the
    /// session before the sign-out committed may come back any time after
    /// it, and must not be believed. (A token is never issued twice, so no
    /// later sign-in needs the digest again.)
    member: Option<StaffMember>,
    expires_at: DateTime<Utc>,
    at: DateTime<Utc>,
}

impl Confirmed {
    fn fresh(&self, now: DateTime<Utc>) -> bool {
        // A clock that went back is no reason to believe it longer.
        self.at <= now && now - self.at < RECHECK_AFTER
    }
}

/// Keyed hashes of sessions (never tokens) and who they belong to.
#[derive(Debug, Default)]
pub(crate) struct SessionMemo {
    confirmed: Mutex<HashMap<Vec<u8>, Confirmed>>,
}

impl SessionMemo {
    /// Who the session belongs to and when it ends, if the store confirmed
    /// it less than [`RECHECK_AFTER`] before `now` (by the processor's
    /// clock) and it has not ended since.
    pub(crate) fn recall(
        &self,
        digest: &[u8],
        now: DateTime<Utc>,
    ) -> Option<(StaffMember, DateTime<Utc>)> {
        let confirmed = self.lock();
        let c = confirmed.get(digest)?;
        let member = c.member.as_ref()?;
        (c.fresh(now) && now < c.expires_at).then(|| (member.clone(), c.expires_at))
    }

    /// Records that the store confirmed the session at `now`.
    pub(crate) fn remember(
        &self,
        digest: Vec<u8>,
        member: StaffMember,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) {
        let mut confirmed = self.lock();
        if confirmed.get(&digest).is_some_and(|c| c.member.is_none()) {
            return;
        }
        if confirmed.len() >= MAX_REMEMBERED {
            // Sign-outs are kept while a check that raced them could come
            // back.
            confirmed.retain(|_, c| {
                c.fresh(now) || (c.member.is_none() && c.at <= now && now - c.at < SIGN_OUT_MARK)
            });
        }
        if confirmed.len() < MAX_REMEMBERED {
            confirmed.insert(
                digest,
                Confirmed {
                    member: Some(member),
                    expires_at,
                    at: now,
                },
            );
        }
    }

    /// Forgets a session the store refused (a sign-out's mark stays).
    pub(crate) fn forget(&self, digest: &[u8]) {
        let mut confirmed = self.lock();
        if confirmed.get(digest).is_some_and(|c| c.member.is_some()) {
            confirmed.remove(digest);
        }
    }

    /// Forgets every confirmation (sign-outs' marks stay): notifications of
    /// sign-outs elsewhere may have been missed.
    pub(crate) fn forget_all(&self) {
        self.lock().retain(|_, c| c.member.is_none());
    }

    /// Forgets a session signed out (here, or in another process that told
    /// this one) and never remembers it again (a check racing the sign-out
    /// may come back after it).
    pub(crate) fn signed_out(&self, digest: &[u8], now: DateTime<Utc>) {
        self.lock().insert(
            digest.to_vec(),
            Confirmed {
                member: None,
                expires_at: now,
                at: now,
            },
        );
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, Confirmed>> {
        // Nothing here can panic while holding the lock; if it ever did,
        // what is inside is still a valid map.
        self.confirmed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use carddesk_domain::Role;

    fn alice() -> StaffMember {
        StaffMember {
            username: "alice".to_owned(),
            role: Role::Agent,
        }
    }

    fn t(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).expect("valid")
    }

    #[test]
    fn believed_for_the_window_then_asked_again() {
        let memo = SessionMemo::default();
        assert_eq!(memo.recall(b"s", t(0)), None, "never confirmed");
        memo.remember(b"s".to_vec(), alice(), t(3_600), t(0));
        assert_eq!(memo.recall(b"s", t(4)), Some((alice(), t(3_600))));
        assert_eq!(memo.recall(b"s", t(5)), None, "due a check at 5 s");
        assert_eq!(memo.recall(b"s", t(-1)), None, "the clock went back");
        assert_eq!(memo.recall(b"other", t(1)), None);
    }

    #[test]
    fn never_past_the_sessions_end_and_forgotten_on_sign_out() {
        let memo = SessionMemo::default();
        memo.remember(b"s".to_vec(), alice(), t(2), t(0));
        assert!(memo.recall(b"s", t(1)).is_some());
        assert_eq!(memo.recall(b"s", t(2)), None, "the session ended");
        memo.remember(b"s".to_vec(), alice(), t(3_600), t(10));
        memo.forget(b"s");
        assert_eq!(memo.recall(b"s", t(11)), None);
        memo.remember(b"s".to_vec(), alice(), t(3_600), t(20));
        memo.signed_out(b"s", t(21));
        assert_eq!(memo.recall(b"s", t(21)), None, "signed out");
        // A check that read the session before the sign-out committed
        // comes back after it, whenever it started: not remembered.
        memo.remember(b"s".to_vec(), alice(), t(3_600), t(19));
        memo.remember(b"s".to_vec(), alice(), t(3_600), t(22));
        memo.remember(b"s".to_vec(), alice(), t(3_600), t(60));
        assert_eq!(
            memo.recall(b"s", t(60)),
            None,
            "not believed after a sign-out"
        );
        // The store refusing it later keeps the mark.
        memo.forget(b"s");
        memo.remember(b"s".to_vec(), alice(), t(3_600), t(61));
        assert_eq!(memo.recall(b"s", t(61)), None, "still signed out");
    }

    #[test]
    fn a_full_memo_makes_room_from_the_stale() {
        let memo = SessionMemo::default();
        for i in 0..MAX_REMEMBERED {
            memo.remember(i.to_be_bytes().to_vec(), alice(), t(3_600), t(0));
        }
        memo.remember(b"late".to_vec(), alice(), t(3_600), t(1));
        assert_eq!(
            memo.recall(b"late", t(2)),
            None,
            "full of fresh ones: not kept"
        );
        memo.remember(b"later".to_vec(), alice(), t(3_600), t(10));
        assert!(
            memo.recall(b"later", t(11)).is_some(),
            "the stale made room"
        );
    }

    #[test]
    fn sign_out_marks_make_room_once_no_check_can_race_them() {
        let memo = SessionMemo::default();
        for i in 0..MAX_REMEMBERED {
            memo.signed_out(&i.to_be_bytes(), t(0));
        }
        memo.remember(b"new".to_vec(), alice(), t(3_600), t(60));
        assert_eq!(memo.recall(b"new", t(61)), None, "the marks still count");
        memo.remember(b"new".to_vec(), alice(), t(3_600), t(121));
        assert!(
            memo.recall(b"new", t(122)).is_some(),
            "past the mark's time"
        );
    }
}
