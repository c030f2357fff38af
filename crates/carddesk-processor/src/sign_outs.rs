//! Sign-outs, heard by every process that shares the database. A session
//! signed out through one server must stop working on all of them at once:
//! each keeps the sessions it confirmed a moment ago in memory
//! ([`crate::session_memo`]) and has event streams open for them. So a
//! sign-out is told here at once, and, where events travel through the
//! database (PostgreSQL), announced on its notification channel; every
//! process (the sender too) marks the session signed out in its memo and
//! ends the session's streams when it hears it.
//!
//! Only the session's keyed hash travels, never its token (the hash is the
//! session row's key; it cannot be turned back into a token). A
//! notification lost with the listening connection is made good by
//! [`SignOuts::missed`]: every confirmation is forgotten, so the next call
//! of each session asks the store.

use std::sync::Arc;

use carddesk_store::Store;
use tokio::sync::broadcast;

use crate::Clock;
use crate::session_memo::SessionMemo;

/// The notification's prefix: `signout:` and the keyed hash in hex.
const PREFIX: &str = "signout:";

/// Where sign-outs are told: the memo and the session's event streams.
#[derive(Debug, Clone)]
pub(crate) struct SignOuts {
    streams: broadcast::Sender<Vec<u8>>,
    memo: Arc<SessionMemo>,
    clock: Arc<dyn Clock>,
}

impl SignOuts {
    pub(crate) fn new(memo: Arc<SessionMemo>, clock: Arc<dyn Clock>) -> Self {
        Self {
            // A stream that lags behind this many sign-outs checks its
            // session in the store.
            streams: broadcast::channel(256).0,
            memo,
            clock,
        }
    }

    /// Hears the keyed hash of every session signed out from now on.
    pub(crate) fn hear(&self) -> broadcast::Receiver<Vec<u8>> {
        self.streams.subscribe()
    }

    /// Tells this process of a sign-out that committed, and announces it to
    /// the others through `store`'s notification channel (a no-op where
    /// the store has none). A failed announcement is logged, not returned:
    /// the sign-out is stored, and the others' memos recheck within
    /// [`crate::session_memo::RECHECK_AFTER`].
    pub(crate) async fn announce(&self, store: &dyn Store, digest: Vec<u8>) {
        let payload = format!("{PREFIX}{}", hex::encode(&digest));
        self.heard(digest);
        if let Err(e) = store.notify(&[payload]).await {
            tracing::warn!(error = %e, "could not tell other processes of a sign-out");
        }
    }

    /// Takes a notification that is a sign-out; `false` for any other.
    pub(crate) fn take(&self, payload: &str) -> bool {
        let Some(digest) = payload
            .strip_prefix(PREFIX)
            .and_then(|hex_digest| hex::decode(hex_digest).ok())
        else {
            return false;
        };
        self.heard(digest);
        true
    }

    /// Notifications may have been lost: no session is believed from
    /// memory until the store confirms it again.
    pub(crate) fn missed(&self) {
        self.memo.forget_all();
    }

    fn heard(&self, digest: Vec<u8>) {
        self.memo.signed_out(&digest, self.clock.now());
        // Nobody listening is not an error.
        let _ = self.streams.send(digest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;
    use carddesk_domain::{Role, StaffMember};
    use chrono::{DateTime, Duration};

    fn at(seconds: i64) -> DateTime<chrono::Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).expect("valid")
    }

    fn alice() -> StaffMember {
        StaffMember {
            username: "alice".to_owned(),
            role: Role::Agent,
        }
    }

    #[test]
    fn a_heard_sign_out_ends_the_memo_and_the_stream() {
        let memo = Arc::new(SessionMemo::default());
        let sign_outs = SignOuts::new(memo.clone(), Arc::new(ManualClock::new(at(0))));
        let mut streams = sign_outs.hear();
        memo.remember(b"\x01\xab".to_vec(), alice(), at(3_600), at(0));
        memo.remember(b"\x02".to_vec(), alice(), at(3_600), at(0));

        assert!(!sign_outs.take("case:42:unfrozen"), "not a sign-out");
        assert!(!sign_outs.take("signout:not-hex"), "not a keyed hash");
        assert!(memo.recall(b"\x01\xab", at(1)).is_some());

        assert!(sign_outs.take("signout:01ab"));
        assert_eq!(streams.try_recv().ok(), Some(b"\x01\xab".to_vec()));
        assert_eq!(memo.recall(b"\x01\xab", at(1)), None, "signed out");
        // A check that raced it is not believed afterwards.
        memo.remember(b"\x01\xab".to_vec(), alice(), at(3_600), at(1));
        assert_eq!(memo.recall(b"\x01\xab", at(2)), None);
        assert!(memo.recall(b"\x02", at(1)).is_some(), "the other session");

        sign_outs.missed();
        assert_eq!(memo.recall(b"\x02", at(1)), None, "asks the store again");
        memo.remember(b"\x02".to_vec(), alice(), at(3_600), at(2));
        assert!(memo.recall(b"\x02", at(2) + Duration::seconds(1)).is_some());
        memo.remember(b"\x01\xab".to_vec(), alice(), at(3_600), at(2));
        assert_eq!(memo.recall(b"\x01\xab", at(3)), None, "still signed out");
    }
}
