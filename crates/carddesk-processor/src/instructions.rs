//! The instructions sent to a customer: the one-time code and the text and
//! voice messages that carry it, in the customer's language.

use chrono::{DateTime, Utc};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};

/// Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or
/// typed from a text message is hard to get wrong.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters in a code: 10 × 5 bits = 50 bits, far beyond guessing within
/// a 15-minute lifetime and three attempts.
pub const CODE_LEN: usize = 10;

/// A new random one-time code, `XXXXX-XXXXX`.
pub fn new_code() -> SecretString {
    let mut rng = rand::rngs::OsRng;
    let chars: String = (0..CODE_LEN)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect();
    SecretString::from(format!("{}-{}", &chars[..5], &chars[5..]))
}

/// The canonical form of a code as typed: upper case, without separators,
/// with the look-alikes Crockford allows (O→0, I/L→1). `None` when it
/// cannot be a code at all.
pub fn normalize_code(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// A new random customer session token (256 bits, hex).
pub fn new_session_token() -> SecretString {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill(&mut bytes);
    SecretString::from(hex::encode(bytes))
}

/// Which channels to send instructions through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channels {
    /// A text message.
    pub text: bool,
    /// A voice prompt.
    pub voice: bool,
}

/// What goes into an instruction.
#[derive(Debug)]
pub struct InstructionFacts<'a> {
    /// The card's last four digits.
    pub last_four: &'a str,
    /// The one-time code.
    pub code: &'a SecretString,
    /// Where the customer's pages are.
    pub link_base: &'a str,
    /// When the code stops working.
    pub expires_at: DateTime<Utc>,
    /// Minutes the code lives.
    pub lifetime_minutes: i64,
}

/// The text message, in `zh-CN` or (for anything else) English.
pub fn text_message(language: &str, f: &InstructionFacts<'_>) -> String {
    let code = f.code.expose_secret();
    let link = format!("{}/u/{}", f.link_base.trim_end_matches('/'), code);
    if language == "zh-CN" {
        format!(
            "【CardDesk】您尾号{}的银行卡可远程解冻。请在{}分钟内打开 {} ，或在手机银行输入解冻码 {}。银行工作人员不会向您索取密码或解冻码。",
            f.last_four, f.lifetime_minutes, link, code
        )
    } else {
        format!(
            "CardDesk: your card ending {} can be unfrozen without a branch visit. Within {} minutes open {} or enter code {} in the bank's app. Bank staff will never ask for your password or this code.",
            f.last_four, f.lifetime_minutes, link, code
        )
    }
}

/// The voice prompt's words: the code spelled out one character at a time,
/// said twice, since a listener cannot scroll back.
pub fn voice_message(language: &str, f: &InstructionFacts<'_>) -> String {
    let spelled: String = f
        .code
        .expose_secret()
        .chars()
        .filter(|c| *c != '-')
        .map(String::from)
        .collect::<Vec<_>>()
        .join(" ");
    if language == "zh-CN" {
        format!(
            "您好，这里是CardDesk银行。您尾号{}的银行卡可以远程解冻。您的解冻码是：{}。再说一遍：{}。请在{}分钟内在手机银行中输入。",
            spaced(f.last_four),
            spelled,
            spelled,
            f.lifetime_minutes
        )
    } else {
        format!(
            "Hello, this is CardDesk bank. Your card ending {} can be unfrozen remotely. Your unfreeze code is: {}. Again: {}. Please enter it in the bank's app within {} minutes.",
            spaced(f.last_four),
            spelled,
            spelled,
            f.lifetime_minutes
        )
    }
}

fn spaced(digits: &str) -> String {
    digits
        .chars()
        .map(String::from)
        .collect::<Vec<_>>()
        .join(" ")
}
