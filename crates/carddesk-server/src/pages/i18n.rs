//! The pages' two languages: which one a request gets (`?lang=`, then the
//! cookie a `?lang=` left, then `Accept-Language`, then Chinese), and every
//! word the pages say in each. The failure messages are the processor's own,
//! translated: they never say which credential was wrong.

use chrono::{DateTime, FixedOffset, Utc};

mod texts;
pub use texts::{EN, Texts, ZH};

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Simplified Chinese (mainland).
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The language a tag names (`zh`, `zh-CN`, `zh-Hans-CN`, `en`, `en-GB`…).
    pub fn from_tag(tag: &str) -> Option<Self> {
        let tag = tag.trim().to_ascii_lowercase();
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        match primary {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first language of ours in an `Accept-Language` header, by
    /// quality (ties keep the header's order).
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut ranked: Vec<(u16, usize, Lang)> = header
            .split(',')
            .take(16)
            .enumerate()
            .filter_map(|(i, item)| {
                let mut parts = item.split(';');
                let lang = Lang::from_tag(parts.next()?)?;
                let quality =
                    parts
                        .find_map(|p| p.trim().strip_prefix("q="))
                        .map_or(Some(1000), |q| {
                            q.trim()
                                .parse::<f32>()
                                .ok()
                                .filter(|q| (0.0..=1.0).contains(q))
                                // The quality has three decimals at most.
                                .map(|q| (q * 1000.0).round() as u16)
                        })?;
                (quality > 0).then_some((quality, i, lang))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.first().map(|r| r.2)
    }

    /// The tag for `lang=` and the cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The other language, the one the switch link offers.
    pub fn other(self) -> Self {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The words.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// "To unfreeze the card ending 1234, enter:".
    pub fn details_intro(self, last_four: &str) -> String {
        match self {
            Lang::Zh => format!("为解冻尾号 {last_four} 的银行卡，请输入以下信息。"),
            Lang::En => format!("To unfreeze your card ending {last_four}, please enter:"),
        }
    }

    /// Attempts left on the case.
    pub fn attempts_left(self, n: u32) -> String {
        match (self, n) {
            (Lang::Zh, n) => format!("剩余 {n} 次尝试机会"),
            (Lang::En, 1) => "1 attempt left".to_owned(),
            (Lang::En, n) => format!("{n} attempts left"),
        }
    }

    /// Until when the request works, in Beijing time (the bank's).
    pub fn valid_until(self, at: DateTime<Utc>) -> String {
        let beijing = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("+08:00"));
        let hm = at.with_timezone(&beijing).format("%H:%M");
        match self {
            Lang::Zh => format!("有效期至北京时间 {hm}"),
            Lang::En => format!("Valid until {hm} Beijing time"),
        }
    }

    /// The processor's `VerificationFailed`, translated: the same words
    /// whichever credential was wrong.
    pub fn verification_failed(self, remaining: u32) -> String {
        match (self, remaining) {
            (Lang::Zh, n) => {
                format!("您输入的信息与我们的记录不符。您还可以尝试 {n} 次。")
            }
            (Lang::En, 1) => {
                "The details you entered do not match our records. You have 1 attempt left."
                    .to_owned()
            }
            (Lang::En, n) => format!(
                "The details you entered do not match our records. You have {n} attempts left."
            ),
        }
    }

    /// The success page's words.
    pub fn unfrozen_body(self, last_four: &str) -> String {
        match self {
            Lang::Zh => format!("尾号 {last_four} 的银行卡已恢复正常，现在即可使用。"),
            Lang::En => format!("Your card ending {last_four} works again and can be used now."),
        }
    }

    /// "Step 2 of 3".
    pub fn step(self, n: u8) -> String {
        match self {
            Lang::Zh => format!("第 {n} 步，共 3 步"),
            Lang::En => format!("Step {n} of 3"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_of_ours() {
        assert_eq!(Lang::from_accept_language("en-GB,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("fr-FR, zh-CN;q=0.8, en;q=0.7"),
            Some(Lang::Zh)
        );
        assert_eq!(
            Lang::from_accept_language("zh;q=0.5, en;q=0.9"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("zh-Hans-CN"), Some(Lang::Zh));
        assert_eq!(Lang::from_accept_language("en;q=0, de"), None);
        assert_eq!(Lang::from_accept_language("fr, de"), None);
        assert_eq!(Lang::from_accept_language(""), None);
        assert_eq!(Lang::from_accept_language("en;q=banana"), None);
    }

    #[test]
    fn failure_messages_name_no_credential() {
        for lang in [Lang::Zh, Lang::En] {
            for n in 0..3 {
                let message = lang.verification_failed(n).to_lowercase();
                for word in [
                    "password",
                    "密码",
                    "id number",
                    "身份证",
                    "passport",
                    "护照",
                ] {
                    assert!(!message.contains(word), "{message} names {word}");
                }
            }
        }
    }
}
