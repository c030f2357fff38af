//! Reading what reaches the customer and the logs: the one-time code in a
//! message, the code as a voice prompt spells it, and a byte search. Written
//! apart from the processor's own code (`instructions.rs`), so that a test
//! reading a code does not trust what it checks.

/// Crockford's base32, the alphabet of the one-time codes.
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

/// Whether `needle` occurs in `haystack`. An empty needle is a broken
/// test, not an answer: a check that an empty secret is absent would pass
/// whatever the haystack holds.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    assert!(!needle.is_empty(), "searching for an empty secret");
    haystack.windows(needle.len()).any(|w| w == needle)
}
