//! What reaches the customer and the watchers: the one-time code read out of
//! a message, the code as a voice prompt spells it, and the events waiting
//! on a receiver.

use carddesk_processor::Event;
use tokio::sync::broadcast;

const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The `XXXXX-XXXXX` code in a message; every occurrence must agree.
pub fn parse_code(body: &str) -> Option<String> {
    let found: Vec<&[u8]> = body
        .as_bytes()
        .windows(11)
        .filter(|w| {
            w.iter().enumerate().all(|(i, b)| {
                if i == 5 {
                    *b == b'-'
                } else {
                    CODE_ALPHABET.contains(b)
                }
            })
        })
        .collect();
    let first = *found.first()?;
    assert!(
        found.iter().all(|w| *w == first),
        "one code per message: {body}"
    );
    Some(String::from_utf8(first.to_vec()).expect("ASCII"))
}

/// The code as a voice prompt says it: one character at a time.
pub fn spelled(code: &str) -> String {
    code.chars()
        .filter(|c| *c != '-')
        .map(String::from)
        .collect::<Vec<_>>()
        .join(" ")
}

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
