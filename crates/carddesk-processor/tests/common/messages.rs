//! What reaches the customer and the watchers: the one-time code read out of
//! a message and the code as a voice prompt spells it (both
//! `carddesk-testkit`'s, shared with the server's tests), and the events
//! waiting on a receiver.

use carddesk_processor::Event;
use tokio::sync::broadcast;

#[allow(unused_imports)] // Each test binary uses its own part.
pub use carddesk_testkit::{parse_code, spelled};

/// Every event waiting on a receiver.
pub async fn drain(rx: &mut broadcast::Receiver<Event>) -> Vec<Event> {
    // On PostgreSQL events make a round trip through NOTIFY/LISTEN, so they
    // arrive a moment after the call returns: collect until a quiet spell.
    let mut events = Vec::new();
    loop {
        match tokio::time::timeout(std::time::Duration::from_millis(300), rx.recv()).await {
            Ok(Ok(event)) => events.push(event),
            Ok(Err(broadcast::error::RecvError::Lagged(n))) => panic!("watcher lagged by {n}"),
            Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => return events,
        }
    }
}
