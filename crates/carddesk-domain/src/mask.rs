//! Masking for display: what an agent may see of a number.
//!
//! A card number shows at most its BIN (first six) and last four digits
//! (PCI DSS v4 3.4.1); an ID number its first three and last four characters.

/// Masks a card number to `BIN******last4`, keeping its length. Numbers too
/// short to keep both parts show only the last four.
pub fn card_number(pan: &str) -> String {
    keep_ends(pan, if pan.chars().count() >= 13 { 6 } else { 0 }, 4)
}

/// Masks a card from its stored parts, for when the full number is not at
/// hand: `622848******1234` for a 16-digit card.
pub fn card_parts(bin: &str, last_four: &str, length: usize) -> String {
    let hidden = length.saturating_sub(bin.len() + last_four.len());
    format!("{bin}{}{last_four}", "*".repeat(hidden))
}

/// Masks an identity-document number to its first three and last four
/// characters; short ones show only the last two.
pub fn id_number(id: &str) -> String {
    if id.chars().count() >= 10 {
        keep_ends(id, 3, 4)
    } else {
        keep_ends(id, 0, 2)
    }
}

/// Masks a phone number to its last four digits.
pub fn phone(number: &str) -> String {
    keep_ends(number, 0, 4)
}

fn keep_ends(s: &str, head: usize, tail: usize) -> String {
    let n = s.chars().count();
    if n <= head + tail {
        return "*".repeat(n);
    }
    s.chars()
        .enumerate()
        .map(|(i, c)| if i < head || i >= n - tail { c } else { '*' })
        .collect()
}
