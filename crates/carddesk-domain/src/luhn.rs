//! The Luhn (mod 10) check used by card numbers (ISO/IEC 7812-1).

/// True when `digits` is all ASCII digits, at least two of them, and its last
/// digit is the Luhn check digit of the rest.
pub fn is_valid(digits: &str) -> bool {
    digits.len() >= 2
        && digits.bytes().all(|b| b.is_ascii_digit())
        && weighted_sum(digits.bytes().rev(), false).is_multiple_of(10)
}

/// The Luhn check digit to append to `payload` (ASCII digits), or `None` when
/// `payload` is empty or holds anything but digits.
pub fn check_digit(payload: &str) -> Option<u8> {
    if payload.is_empty() || !payload.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // The check digit will sit at the rightmost position, so the payload's
    // rightmost digit is the first one doubled.
    let sum = weighted_sum(payload.bytes().rev(), true);
    Some(((10 - sum % 10) % 10) as u8)
}

fn weighted_sum(reversed: impl Iterator<Item = u8>, double_first: bool) -> u32 {
    reversed
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if (i % 2 == 0) == double_first {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum()
}
