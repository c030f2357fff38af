//! Every word the application pages say, in Chinese and English, beside
//! the unfreeze pages' (`pages::i18n`, whose chrome and generic failure
//! message these pages share). A failure never says which credential was
//! wrong; the interview's verdict reasons are the processor's own texts.

use carddesk_domain::application::VirtualProduct;
use carddesk_store::MediaKind;

use super::super::i18n::Lang;

/// The fixed words of the application pages in one language.
#[derive(Debug)]
pub struct ApplyTexts {
    // The chrome.
    pub service: &'static str,
    pub safety: &'static str,
    pub continue_: &'static str,
    pub start_again: &'static str,
    pub see_status: &'static str,

    // The application form.
    pub apply_title: &'static str,
    pub apply_intro: &'static str,
    pub name_label: &'static str,
    pub name_hint: &'static str,
    pub document_label: &'static str,
    pub resident_id: &'static str,
    pub passport: &'static str,
    pub id_number_label: &'static str,
    pub id_number_hint: &'static str,
    pub country_label: &'static str,
    pub phone_label: &'static str,
    pub phone_hint: &'static str,
    pub product_label: &'static str,
    pub language_label: &'static str,
    pub consent_title: &'static str,
    pub consent_text: &'static str,
    pub consent_terms: &'static str,
    pub consent_recording: &'static str,
    pub apply_submit: &'static str,
    pub missing_name: &'static str,
    pub bad_phone: &'static str,
    pub missing_consent: &'static str,
    pub check_form: &'static str,
    pub open_application: &'static str,
    pub court_order: &'static str,
    pub too_many: &'static str,

    // The two-card route.
    pub two_card_title: &'static str,
    pub two_card_intro: &'static str,
    pub card_number_label: &'static str,
    pub card_number_hint: &'static str,
    pub two_card_submit: &'static str,
    pub bad_card_number: &'static str,
    pub code_title: &'static str,
    pub code_intro: &'static str,
    /// Before the masked phone the code went to.
    pub code_sent_to: &'static str,
    pub code_label: &'static str,
    pub code_submit: &'static str,
    pub bad_code: &'static str,
    pub code_expired: &'static str,

    // The video interview.
    pub interview_title: &'static str,
    pub interview_intro: &'static str,
    pub photo_hint: &'static str,
    pub video_hint: &'static str,
    pub received: &'static str,
    pub still_needed: &'static str,
    pub upload_submit: &'static str,
    pub upload_limit: &'static str,
    pub record_start: &'static str,
    pub record_stop: &'static str,
    pub record_ready: &'static str,
    pub record_failed: &'static str,
    pub no_file: &'static str,
    pub too_large: &'static str,

    // Where the application stands.
    pub status_title: &'static str,
    pub routed_two_card: &'static str,
    pub routed_interview: &'static str,
    pub retry_intro: &'static str,
    pub queued_title: &'static str,
    pub queued_body: &'static str,
    pub reviewing_title: &'static str,
    pub reviewing_body: &'static str,
    pub issuing_title: &'static str,
    pub issued_title: &'static str,
    pub reveal_button: &'static str,
    pub reveal_note: &'static str,
    pub already_shown: &'static str,
    pub rejected_title: &'static str,
    /// A rejection without a reviewer's reasons: attempts or the
    /// customer's allowance used up, or the card could not be issued; one
    /// text for all, so the page tells none of them apart.
    pub rejected_stopped: &'static str,
    pub rejected_reasons: &'static str,
    pub expired_title: &'static str,
    pub expired_body: &'static str,
    pub withdrawn_title: &'static str,
    pub withdrawn_body: &'static str,
    pub withdraw_button: &'static str,
    pub withdraw_note: &'static str,

    // The card, shown once.
    pub card_title: &'static str,
    pub number_label: &'static str,
    pub expiry_label: &'static str,
    pub security_code_label: &'static str,
    pub shown_once: &'static str,
    pub done: &'static str,

    // Ends and refusals.
    pub session_title: &'static str,
    pub session_body: &'static str,
}

impl ApplyTexts {
    /// The words in `lang`.
    pub fn of(lang: Lang) -> &'static Self {
        match lang {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

/// A product's name in `lang`.
pub fn product_name(lang: Lang, product: &VirtualProduct) -> &'static str {
    match lang {
        Lang::Zh => product.name_zh,
        Lang::En => product.name_en,
    }
}

/// "Terms version 2026-12-v1".
pub fn consent_version(lang: Lang, version: &str) -> String {
    match lang {
        Lang::Zh => format!("条款版本 {version}"),
        Lang::En => format!("Terms version {version}"),
    }
}

/// What an upload is, as its field is labelled.
pub fn media_label(lang: Lang, kind: MediaKind) -> &'static str {
    match (lang, kind) {
        (Lang::Zh, MediaKind::IdFront) => "证件正面照片",
        (Lang::Zh, MediaKind::IdBack) => "证件背面照片",
        (Lang::Zh, MediaKind::Selfie) => "本人自拍照",
        (Lang::Zh, MediaKind::Video) => "面签视频",
        (Lang::En, MediaKind::IdFront) => "ID document, front",
        (Lang::En, MediaKind::IdBack) => "ID document, back",
        (Lang::En, MediaKind::Selfie) => "A selfie",
        (Lang::En, MediaKind::Video) => "Interview video",
    }
}

/// An upload the checks refused, naming the file (not the check).
pub fn bad_upload(lang: Lang, kind: MediaKind) -> String {
    let what = media_label(lang, kind);
    match (lang, kind) {
        (Lang::Zh, MediaKind::Video) => format!(
            "{what}无法接收：请上传 1 至 60 秒的 WebM 或 MP4 视频，不超过 25 MB。未保存该文件。"
        ),
        (Lang::Zh, _) => {
            format!("{what}无法接收：请上传清晰的 JPEG 或 PNG 照片，不超过 5 MB。未保存该文件。")
        }
        (Lang::En, MediaKind::Video) => format!(
            "{what}: we cannot accept this file. Upload a WebM or MP4 video of 1 to 60 seconds, at most 25 MB. Nothing was stored."
        ),
        (Lang::En, _) => format!(
            "{what}: we cannot accept this file. Upload a clear JPEG or PNG photo of at most 5 MB. Nothing was stored."
        ),
    }
}

/// "Valid until 09/28".
pub fn valid_through(lang: Lang, month: u32, year: i32) -> String {
    let yy = year.rem_euclid(100);
    match lang {
        Lang::Zh => format!("有效期至 {month:02}/{yy:02}"),
        Lang::En => format!("Valid until {month:02}/{yy:02}"),
    }
}

/// The issued card's summary.
pub fn issued_body(lang: Lang, masked: &str, product: &str) -> String {
    match lang {
        Lang::Zh => format!("您的{product}（{masked}）已开通，现在即可在线使用。"),
        Lang::En => format!("Your {product} ({masked}) is ready to use online now."),
    }
}

/// Chinese.
pub static ZH: ApplyTexts = ApplyTexts {
    service: "在线申请虚拟卡",
    safety: "银行工作人员不会通过电话或短信向您索取交易密码或验证码。请只在本页面输入。",
    continue_: "继续",
    start_again: "重新申请",
    see_status: "查看申请进度",

    apply_title: "申请虚拟卡",
    apply_intro: "几分钟即可开通虚拟卡。已持有本行银行卡的客户用该卡验证身份；首次申请的客户需完成视频面签。",
    name_label: "姓名",
    name_hint: "与证件上的姓名一致",
    document_label: "证件类型",
    resident_id: "居民身份证",
    passport: "护照",
    id_number_label: "证件号码",
    id_number_hint: "居民身份证为 18 位，最后一位可能是 X",
    country_label: "护照签发国家或地区（仅护照填写）",
    phone_label: "手机号码",
    phone_hint: "11 位大陆手机号，或以 + 开头的国际号码",
    product_label: "申请的卡片",
    language_label: "短信语言",
    consent_title: "同意事项",
    consent_text: "提交申请即表示您确认所填信息真实，并同意本行依据《虚拟卡领用合约》核实您的身份、开立并管理虚拟卡。首次申请需进行视频面签：您的证件照片、自拍照和视频将加密保存，仅供本行工作人员审核及依法留存。",
    consent_terms: "我已阅读并同意上述条款",
    consent_recording: "我同意本行录制并保存我的视频面签",
    apply_submit: "提交申请",
    missing_name: "请填写您的姓名（1 至 100 个字）。",
    bad_phone: "请检查手机号码：11 位大陆手机号，或以 + 开头的国际号码。",
    missing_consent: "请勾选同意条款及视频录制后再提交。",
    check_form: "请检查填写的内容后重新提交。",
    open_application: "您已有一份正在办理的申请。请先完成或撤回该申请。",
    court_order: "我们无法在线受理该申请，请携带证件前往网点办理。",
    too_many: "今日申请次数过多，请明天再试。",

    two_card_title: "用您已有的银行卡验证",
    two_card_intro: "请输入您在本行已持有的银行卡卡号及其交易密码。核对无误后，我们会向该卡预留的手机号发送验证码。",
    card_number_label: "银行卡卡号",
    card_number_hint: "13 至 19 位数字",
    two_card_submit: "发送验证码",
    bad_card_number: "请检查卡号：银行卡卡号为 13 至 19 位数字。",
    code_title: "输入验证码",
    code_intro: "我们已通过短信向该卡在本行预留的手机号发送 6 位验证码（不一定是您刚才填写的号码）。",
    code_sent_to: "已发送至：",
    code_label: "6 位验证码",
    code_submit: "确认并开卡",
    bad_code: "验证码为 6 位数字。",
    code_expired: "验证码已过期。请重新输入银行卡信息，我们会发送新的验证码。",

    interview_title: "视频面签",
    interview_intro: "请上传证件正反面照片、一张本人自拍照，以及一段 5 至 30 秒的视频：请在视频中说出您的姓名，并说明您同意申请此卡。银行工作人员将进行审核。",
    photo_hint: "JPEG 或 PNG 照片，不超过 5 MB",
    video_hint: "WebM 或 MP4 视频，1 至 60 秒",
    received: "已收到",
    still_needed: "待上传",
    upload_submit: "上传",
    upload_limit: "每次上传合计不超过 25 MB；可逐个上传。",
    record_start: "用摄像头录制",
    record_stop: "停止录制",
    record_ready: "视频已录好，请点击“上传”。",
    record_failed: "无法使用摄像头，请选择视频文件。",
    no_file: "请至少选择一个文件。",
    too_large: "文件过大：每次上传合计不超过 25 MB，请逐个上传。",

    status_title: "申请进度",
    routed_two_card: "请用您已持有的本行银行卡验证身份。",
    routed_interview: "请完成视频面签的上传。",
    retry_intro: "审核人员请您重新上传：",
    queued_title: "正在等待工作人员审核",
    queued_body: "您的面签资料已全部收到，正在排队等候审核。本页会自动刷新，您也可以稍后再回来查看。",
    reviewing_title: "工作人员正在审核",
    reviewing_body: "工作人员正在审核您的面签资料，请稍候。本页会自动刷新。",
    issuing_title: "正在开卡",
    issued_title: "您的虚拟卡已开通",
    reveal_button: "查看卡号与安全码（仅显示一次）",
    reveal_note: "为保障安全，完整卡号和安全码只显示一次，请在方便记录时查看。",
    already_shown: "卡号与安全码已显示过一次，无法再次显示。如未保存，请致电银行。",
    rejected_title: "申请未通过",
    rejected_stopped: "本次申请未能完成，未开通任何卡片。如有疑问请致电银行或前往网点。",
    rejected_reasons: "审核未通过的原因：",
    expired_title: "申请已过期",
    expired_body: "本次申请未在有效期内完成。您可以重新申请。",
    withdrawn_title: "申请已撤回",
    withdrawn_body: "您已撤回本次申请。您可以随时重新申请。",
    withdraw_button: "撤回申请",
    withdraw_note: "撤回后本次申请即结束，您可以重新申请。",

    card_title: "您的虚拟卡信息",
    number_label: "卡号",
    expiry_label: "有效期（月/年）",
    security_code_label: "安全码",
    shown_once: "以上信息不会再次显示。请立即妥善保存，切勿将安全码告诉任何人。",
    done: "我已保存",

    session_title: "会话已结束",
    session_body: "请在提交申请的浏览器中打开本页，或重新申请。",
};

/// English.
pub static EN: ApplyTexts = ApplyTexts {
    service: "Apply for a virtual card",
    safety: "Bank staff will never ask for your transaction password or a code by phone or text. Enter them only on these pages.",
    continue_: "Continue",
    start_again: "Apply again",
    see_status: "See where my application stands",

    apply_title: "Apply for a virtual card",
    apply_intro: "Get a virtual card in minutes. If you already hold one of our cards, you confirm it's you with that card; otherwise a short video interview does.",
    name_label: "Full name",
    name_hint: "As on your identity document",
    document_label: "Identity document",
    resident_id: "Resident ID card",
    passport: "Passport",
    id_number_label: "Document number",
    id_number_hint: "A resident ID number has 18 characters; the last may be X",
    country_label: "Passport issuing country (passports only)",
    phone_label: "Mobile phone",
    phone_hint: "An 11-digit mainland number, or + and the country code",
    product_label: "Card",
    language_label: "Language of text messages",
    consent_title: "Consent",
    consent_text: "By applying you confirm that your details are true and agree that the bank checks your identity, opens and runs the virtual card under its Virtual Card Terms. A first card needs a video interview: your ID photos, selfie and video are kept encrypted, seen only by the bank's reviewing staff and retained as the law requires.",
    consent_terms: "I have read and agree to the terms above",
    consent_recording: "I agree that my video interview is recorded and kept by the bank",
    apply_submit: "Apply",
    missing_name: "Enter your full name (1 to 100 characters).",
    bad_phone: "Check the phone number: an 11-digit mainland number, or + and the country code.",
    missing_consent: "Please tick both consent boxes to apply.",
    check_form: "Please check the form and try again.",
    open_application: "You already have an application in progress. Finish or withdraw it first.",
    court_order: "We cannot take this application online. Please visit a branch with your ID.",
    too_many: "Too many applications today. Please try again tomorrow.",

    two_card_title: "Confirm with your card",
    two_card_intro: "Enter the number of a card you already hold with us and its transaction password. When they match, we text a code to the phone number we hold for that card.",
    card_number_label: "Card number",
    card_number_hint: "13 to 19 digits",
    two_card_submit: "Text me a code",
    bad_card_number: "Check the card number: it has 13 to 19 digits.",
    code_title: "Enter the code",
    code_intro: "We texted a six-digit code to the phone number we hold for that card (not necessarily the one you typed in).",
    code_sent_to: "Sent to:",
    code_label: "Six-digit code",
    code_submit: "Confirm and get my card",
    bad_code: "The code has six digits.",
    code_expired: "That code has expired. Enter your card details again and we will text a new one.",

    interview_title: "Video interview",
    interview_intro: "Upload photos of both sides of your ID, a selfie, and a video of 5 to 30 seconds in which you say your name and that you apply for this card. A member of our staff reviews them.",
    photo_hint: "A JPEG or PNG photo, at most 5 MB",
    video_hint: "A WebM or MP4 video, 1 to 60 seconds",
    received: "Received",
    still_needed: "Still needed",
    upload_submit: "Upload",
    upload_limit: "At most 25 MB per upload in all; you can upload the files one at a time.",
    record_start: "Record with my camera",
    record_stop: "Stop recording",
    record_ready: "Your video is recorded: tap Upload to send it.",
    record_failed: "The camera cannot be used; choose a video file instead.",
    no_file: "Choose at least one file.",
    too_large: "Too large: at most 25 MB per upload in all. Upload the files one at a time.",

    status_title: "Your application",
    routed_two_card: "Confirm it's you with a card you already hold with us.",
    routed_interview: "Finish the uploads of your video interview.",
    retry_intro: "Our reviewer asks you to upload again:",
    queued_title: "Waiting for an agent",
    queued_body: "We have everything we need and your interview is in the queue. This page refreshes by itself; you can also come back later.",
    reviewing_title: "An agent is reviewing your interview",
    reviewing_body: "A member of our staff is looking at your interview now. This page refreshes by itself.",
    issuing_title: "Issuing your card",
    issued_title: "Your virtual card is ready",
    reveal_button: "Show my card details (shown only once)",
    reveal_note: "For your security, the full number and security code are shown only once. Open them when you can write them down.",
    already_shown: "Your card's details were shown once and cannot be shown again. If you did not save them, call the bank.",
    rejected_title: "Application not approved",
    rejected_stopped: "This application could not be completed, and no card was issued. Call us or visit a branch with any question.",
    rejected_reasons: "Why it was not approved:",
    expired_title: "Application expired",
    expired_body: "This application was not finished in time. You can apply again.",
    withdrawn_title: "Application withdrawn",
    withdrawn_body: "You withdrew this application. You can apply again at any time.",
    withdraw_button: "Withdraw my application",
    withdraw_note: "Withdrawing ends this application; you can apply again.",

    card_title: "Your virtual card",
    number_label: "Card number",
    expiry_label: "Expiry (month/year)",
    security_code_label: "Security code",
    shown_once: "These details will not be shown again. Save them somewhere safe now, and never tell anyone the security code.",
    done: "I have saved them",

    session_title: "Your session has ended",
    session_body: "Open this page in the browser you applied from, or apply again.",
};
