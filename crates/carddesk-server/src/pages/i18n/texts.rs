//! Every fixed word of the pages, in Chinese and in English.

/// Every fixed word of the pages in one language.
#[derive(Debug)]
pub struct Texts {
    /// The `lang` attribute of `<html>`.
    pub html_lang: &'static str,
    /// This language's own name, on the other language's switch link.
    pub name: &'static str,
    /// The bank.
    pub bank: &'static str,
    /// The service the pages offer.
    pub service: &'static str,
    /// The phishing warning in every page's footer.
    pub safety: &'static str,
    /// Where to call.
    pub call_bank: &'static str,
    /// The button that goes on.
    pub continue_: &'static str,
    /// The link back to the start.
    pub start_again: &'static str,
    /// The link back one page.
    pub back: &'static str,

    /// Code entry: heading.
    pub start_title: &'static str,
    /// Code entry: what to do.
    pub start_intro: &'static str,
    /// Code entry: field.
    pub code_label: &'static str,
    /// Code entry: the code's shape.
    pub code_hint: &'static str,
    /// The link page: what happens on continue.
    pub open_intro: &'static str,
    /// The link page: the link's limits.
    pub open_hint: &'static str,

    /// Card confirmation: heading.
    pub card_title: &'static str,
    /// Card confirmation: what to check.
    pub card_intro: &'static str,
    /// Card confirmation: the label on the card picture.
    pub card_ending: &'static str,
    /// Card confirmation: yes.
    pub card_yes: &'static str,
    /// Card confirmation: no.
    pub card_no: &'static str,

    /// Credentials: heading.
    pub details_title: &'static str,
    /// Credentials: resident ID field.
    pub resident_id_label: &'static str,
    /// Credentials: resident ID shape.
    pub resident_id_hint: &'static str,
    /// Credentials: passport number field.
    pub passport_label: &'static str,
    /// Credentials: passport country field.
    pub passport_country_label: &'static str,
    /// Credentials: passport country shape.
    pub passport_country_hint: &'static str,
    /// Credentials: transaction password field.
    pub password_label: &'static str,
    /// Credentials: which password.
    pub password_hint: &'static str,
    /// Credentials: the button.
    pub details_submit: &'static str,
    /// Credentials: how they are protected.
    pub details_privacy: &'static str,

    /// Refusal at the edge: ID number malformed.
    pub bad_resident_id: &'static str,
    /// Refusal at the edge: passport malformed.
    pub bad_passport: &'static str,
    /// Refusal at the edge: something asked was left empty.
    pub missing_detail: &'static str,
    /// Refusal at the edge: password too long.
    pub bad_password: &'static str,
    /// Code entry: the code's shape is wrong.
    pub bad_code: &'static str,
    /// Code entry: no case has this code.
    pub unknown_code: &'static str,

    /// Result: unfrozen.
    pub unfrozen_title: &'static str,
    /// Result: verified, a supervisor approves next.
    pub approval_title: &'static str,
    /// Result: verified, a supervisor approves next.
    pub approval_body: &'static str,
    /// Result: locked.
    pub locked_title: &'static str,
    /// Result: locked.
    pub locked_body: &'static str,
    /// Result: expired.
    pub expired_title: &'static str,
    /// Result: expired.
    pub expired_body: &'static str,
    /// Result: code already used.
    pub used_title: &'static str,
    /// Result: code already used.
    pub used_body: &'static str,
    /// Result: the case is closed.
    pub closed_title: &'static str,
    /// Result: the case is closed.
    pub closed_body: &'static str,
    /// Result: not the customer's card.
    pub not_mine_title: &'static str,
    /// Result: not the customer's card.
    pub not_mine_body: &'static str,
    /// Result: no session.
    pub session_title: &'static str,
    /// Result: no session.
    pub session_body: &'static str,
    /// Result: CSRF check failed.
    pub csrf_title: &'static str,
    /// Result: CSRF check failed.
    pub csrf_body: &'static str,
    /// Result: rate limited.
    pub rate_title: &'static str,
    /// Result: rate limited.
    pub rate_body: &'static str,
    /// Result: unreadable request.
    pub bad_request_title: &'static str,
    /// Result: unreadable request.
    pub bad_request_body: &'static str,
    /// Result: our failure.
    pub internal_title: &'static str,
    /// Result: our failure.
    pub internal_body: &'static str,
    /// Result: the service is briefly unavailable (its database).
    pub unavailable_title: &'static str,
    /// Result: the service is briefly unavailable.
    pub unavailable_body: &'static str,
}

/// Chinese.
pub static ZH: Texts = Texts {
    html_lang: "zh-CN",
    name: "中文",
    bank: "CardDesk 银行",
    service: "银行卡远程解冻",
    safety: "银行工作人员不会通过电话或短信向您索取交易密码或解冻码。请只在本页面输入。",
    call_bank: "如需帮助，请拨打银行卡背面的客服电话。",
    continue_: "继续",
    start_again: "重新开始",
    back: "返回上一步",

    start_title: "解冻您的银行卡",
    start_intro: "请输入我们通过短信发送给您的解冻码。",
    code_label: "解冻码",
    code_hint: "10 位字母和数字，例如 ABCDE-12345",
    open_intro: "您打开了短信中的解冻链接。点击“继续”开始办理。",
    open_hint: "该链接只能使用一次，并在短信所示时间后失效。",

    card_title: "这是您的银行卡吗？",
    card_intro: "请核对待解冻银行卡的卡号末四位。",
    card_ending: "卡号末四位",
    card_yes: "是的，这是我的卡",
    card_no: "不是我的卡",

    details_title: "验证您的身份",
    resident_id_label: "居民身份证号码",
    resident_id_hint: "18 位，最后一位可能是 X",
    passport_label: "护照号码",
    passport_country_label: "签发国家或地区",
    passport_country_hint: "3 位字母代码，例如 GBR",
    password_label: "交易密码",
    password_hint: "您使用此卡付款时输入的密码",
    details_submit: "解冻银行卡",
    details_privacy: "您的信息经加密传输，仅用于本次核验，银行不会以明文保存。",

    bad_resident_id: "请检查身份证号码：居民身份证号码为 18 位，最后一位可能是 X。",
    bad_passport: "请检查护照号码和签发国家或地区代码。",
    missing_detail: "请填写所有要求的信息。",
    bad_password: "交易密码最多 64 位。",
    bad_code: "解冻码由 10 位字母和数字组成，请核对后重新输入。",
    unknown_code: "未找到该解冻码，请核对短信后重新输入。",

    unfrozen_title: "银行卡已解冻",
    approval_title: "身份已核实",
    approval_body: "您的信息核对无误。为保障资金安全，银行审核人员将在解冻前复核本次申请，您无需再做任何操作。",
    locked_title: "请求已锁定",
    locked_body: "由于多次验证失败，本次解冻请求已锁定。请致电银行重新办理。",
    expired_title: "解冻码已过期",
    expired_body: "该解冻码已过期。请致电银行获取新的解冻码。",
    used_title: "解冻码已使用",
    used_body: "该解冻码已经使用过。如非本人操作，请立即致电银行。",
    closed_title: "请求已结束",
    closed_body: "本次解冻请求已结束，无法继续办理。",
    not_mine_title: "请勿继续操作",
    not_mine_body: "如果这不是您的银行卡，请不要输入任何信息，并拨打您本人银行卡背面的客服电话告知银行。",
    session_title: "会话已结束",
    session_body: "请重新打开短信中的链接，或输入解冻码。",
    csrf_title: "页面已失效",
    csrf_body: "为保障您的安全，请重新开始办理。",
    rate_title: "操作过于频繁",
    rate_body: "请稍候一分钟再试。",
    bad_request_title: "无法处理该请求",
    bad_request_body: "我们无法读取您提交的内容，请重新开始。",
    internal_title: "系统繁忙",
    internal_body: "我们这边出现了问题，请稍后再试。",
    unavailable_title: "服务暂时不可用",
    unavailable_body: "刚才的操作可能没有生效。请稍等片刻，先查看结果再重试。",
};

/// English.
pub static EN: Texts = Texts {
    html_lang: "en",
    name: "English",
    bank: "CardDesk Bank",
    service: "Unfreeze your card online",
    safety: "Bank staff will never ask for your transaction password or unfreeze code by phone or text. Enter them only on this page.",
    call_bank: "If you need help, call the number on the back of your card.",
    continue_: "Continue",
    start_again: "Start again",
    back: "Back",

    start_title: "Unfreeze your card",
    start_intro: "Enter the unfreeze code from the text message we sent you.",
    code_label: "Unfreeze code",
    code_hint: "10 letters and digits, for example ABCDE-12345",
    open_intro: "You opened the unfreeze link from your text message. Tap Continue to start.",
    open_hint: "The link works once, and only until the time given in the message.",

    card_title: "Is this your card?",
    card_intro: "Check the last four digits of the card to unfreeze.",
    card_ending: "Card ending",
    card_yes: "Yes, this is my card",
    card_no: "No, this is not my card",

    details_title: "Confirm it's you",
    resident_id_label: "Resident ID card number",
    resident_id_hint: "18 characters; the last may be X",
    passport_label: "Passport number",
    passport_country_label: "Issuing country",
    passport_country_hint: "3-letter code, for example GBR",
    password_label: "Transaction password",
    password_hint: "The password you enter when you pay with this card",
    details_submit: "Unfreeze my card",
    details_privacy: "Your details are sent encrypted, used only for this check, and never stored in clear.",

    bad_resident_id: "Check the ID number: a resident ID number has 18 characters, the last of which may be X.",
    bad_passport: "Check the passport number and the issuing country's code.",
    missing_detail: "Please enter every detail asked for.",
    bad_password: "A transaction password has at most 64 characters.",
    bad_code: "An unfreeze code has 10 letters and digits. Please check it and try again.",
    unknown_code: "We could not find this unfreeze code. Please check your text message and try again.",

    unfrozen_title: "Your card is unfrozen",
    approval_title: "Details confirmed",
    approval_body: "Your details match. For your security, a bank officer reviews the request before the card is unfrozen; there is nothing more you need to do.",
    locked_title: "Request locked",
    locked_body: "This unfreeze request is locked after too many failed attempts. Please call the bank to start again.",
    expired_title: "Code expired",
    expired_body: "This unfreeze code has expired. Please call the bank for a new one.",
    used_title: "Code already used",
    used_body: "This unfreeze code has already been used. If that was not you, call the bank now.",
    closed_title: "Request closed",
    closed_body: "This unfreeze request is no longer open.",
    not_mine_title: "Please stop here",
    not_mine_body: "If this is not your card, do not enter any details. Call the number on the back of your own card and tell the bank.",
    session_title: "Your session has ended",
    session_body: "Open the link in your text message again, or enter your unfreeze code.",
    csrf_title: "This page has expired",
    csrf_body: "For your security, please start again.",
    rate_title: "Too many attempts",
    rate_body: "Please wait a minute and try again.",
    bad_request_title: "We could not read that",
    bad_request_body: "We could not read what was sent. Please start again.",
    internal_title: "Something went wrong",
    internal_body: "Something went wrong on our side. Please try again later.",
    unavailable_title: "Briefly unavailable",
    unavailable_body: "That may not have gone through. Please wait a moment, and check before trying again.",
};
