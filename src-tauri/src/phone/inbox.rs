//! What the demo phone shows: each instruction from the local outbox, the
//! one-time code picked out of its words, and what the case's customer
//! knows about themselves (demo data).

use carddesk_domain::customer::IdDocument;
use carddesk_seed::DemoFacts;
use carddesk_wire::OutboxChannel;
use secrecy::ExposeSecret;
use serde::Serialize;

/// Crockford's base32, as the processor writes codes.
const CODE_ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a code.
const CODE_LEN: usize = 10;

/// One message on the phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhoneMessage {
    /// Outbox message id.
    pub id: i64,
    /// The unfreeze case, for an instruction.
    pub case_id: Option<i64>,
    /// The virtual-card application, for a text to an applicant (its
    /// two-card code, or a notice: issued, failed, retry).
    pub application_id: Option<i64>,
    /// Text or voice.
    pub channel: OutboxChannel,
    /// `zh-CN` or `en`.
    pub language: String,
    /// The message's words.
    pub body: String,
    /// The one-time code in it, `XXXXX-XXXXX`.
    pub code: Option<String>,
    /// What the customer knows, when they are a demo customer.
    pub customer: Option<PhoneCustomer>,
}

/// What a demo customer knows about themselves: what the demonstrator
/// types on the phone when playing them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhoneCustomer {
    /// Full name.
    pub name: String,
    /// Their resident ID or passport number.
    pub id_number: String,
    /// The card's transaction password.
    pub transaction_password: String,
}

impl From<&DemoFacts> for PhoneCustomer {
    fn from(facts: &DemoFacts) -> Self {
        Self {
            name: facts.name.clone(),
            id_number: document_number(&facts.document),
            transaction_password: facts.transaction_password.expose_secret().to_owned(),
        }
    }
}

/// The number as the customer would type it.
pub fn document_number(document: &IdDocument) -> String {
    match document {
        IdDocument::ResidentId(number) => number.expose().to_owned(),
        IdDocument::Passport { number, .. } => number.clone(),
    }
}

/// The one-time code in a message: ten code characters in a row, written
/// `XXXXX-XXXXX` in a text or spelled out with spaces in a voice prompt,
/// standing apart from the words around it. Given as `XXXXX-XXXXX`.
pub fn extract_code(body: &str) -> Option<String> {
    let chars: Vec<char> = body.chars().collect();
    let is_code = |c: char| CODE_ALPHABET.contains(c);
    let stands_apart = |c: Option<&char>| c.is_none_or(|c| !c.is_ascii_alphanumeric());
    for start in 0..chars.len() {
        if !is_code(chars[start]) || !stands_apart(start.checked_sub(1).and_then(|i| chars.get(i)))
        {
            continue;
        }
        let mut code = String::new();
        let mut at = start;
        while code.len() < CODE_LEN && at < chars.len() && is_code(chars[at]) {
            code.push(chars[at]);
            at += 1;
            // One separator between characters, never after the last.
            if code.len() < CODE_LEN
                && chars.get(at).is_some_and(|c| matches!(c, '-' | ' '))
                && chars.get(at + 1).is_some_and(|&c| is_code(c))
            {
                at += 1;
            }
        }
        if code.len() == CODE_LEN && stands_apart(chars.get(at)) {
            return Some(format!("{}-{}", &code[..5], &code[5..]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_code_in_a_chinese_text() {
        let body = "【CardDesk】您尾号1234的银行卡可远程解冻。请在15分钟内打开 http://127.0.0.1:8080/u/7K3QZ-M9XPA ，或在手机银行输入解冻码 7K3QZ-M9XPA。银行工作人员不会向您索取密码或解冻码。";
        assert_eq!(extract_code(body).as_deref(), Some("7K3QZ-M9XPA"));
    }

    #[test]
    fn finds_the_code_in_an_english_text() {
        let body = "CardDesk: your card ending 0042 can be unfrozen without a branch visit. Within 15 minutes open http://127.0.0.1:8080/u/ABCDE-FGHJK or enter code ABCDE-FGHJK in the bank's app.";
        assert_eq!(extract_code(body).as_deref(), Some("ABCDE-FGHJK"));
    }

    #[test]
    fn finds_the_code_spelled_out_in_a_voice_prompt() {
        let zh = "您好，这里是CardDesk银行。您尾号1 2 3 4的银行卡可以远程解冻。您的解冻码是：7 K 3 Q Z M 9 X P A。再说一遍：7 K 3 Q Z M 9 X P A。请在15分钟内在手机银行中输入。";
        assert_eq!(extract_code(zh).as_deref(), Some("7K3QZ-M9XPA"));
        let en = "Hello, this is CardDesk bank. Your card ending 1 2 3 4 can be unfrozen remotely. Your unfreeze code is: 0 1 2 3 4 5 6 7 8 9. Again: 0 1 2 3 4 5 6 7 8 9. Please enter it within 15 minutes.";
        assert_eq!(extract_code(en).as_deref(), Some("01234-56789"));
    }

    #[test]
    fn no_code_where_there_is_none() {
        for body in [
            "",
            "Your card ending 1234 is frozen.",
            "CARDDESKBANK is not a code",
            "ABCDE-FGHJ is one short",
            "ABCDE-FGHJKM is one long",
            "ILOU1-23456 has letters codes never use",
        ] {
            assert_eq!(extract_code(body), None, "{body}");
        }
    }
}
