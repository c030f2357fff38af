//! The texts an applicant receives, in zh-CN and English. None carries the
//! card's number or security code: those are shown once, on the page.

use carddesk_domain::application::{ApplicationLimits, VerdictReason};

fn zh(language: &str) -> bool {
    language == "zh-CN"
}

/// The two-card route's one-time code.
pub(super) fn code_text(language: &str, code: &str, limits: &ApplicationLimits) -> String {
    let minutes = limits.code_lifetime.num_minutes();
    if zh(language) {
        format!(
            "【长城银行】您正在申请虚拟卡，验证码 {code}，{minutes} 分钟内有效。银行工作人员不会向您索要验证码，请勿告诉任何人。"
        )
    } else {
        format!(
            "Great Wall Bank: your virtual card application code is {code}, valid for {minutes} minutes. The bank never asks for it; do not share it."
        )
    }
}

/// The card is ready.
pub(super) fn issued_text(language: &str, last_four: &str) -> String {
    if zh(language) {
        format!(
            "【长城银行】您的虚拟卡（尾号 {last_four}）已开通。请回到申请页面查看卡号与安全码，仅显示一次。"
        )
    } else {
        format!(
            "Great Wall Bank: your virtual card ending {last_four} is ready. Return to your application page to see its number and security code, shown once."
        )
    }
}

/// The application stopped where the card was to be issued: it says
/// nothing of why (which check failed is the bank's to know).
pub(super) fn not_completed_text(language: &str) -> String {
    if zh(language) {
        "【长城银行】很抱歉，您的虚拟卡申请未能完成，未开通任何卡片。如有疑问请致电银行或前往网点。"
            .to_owned()
    } else {
        "Great Wall Bank: we are sorry, your virtual card application could not be completed and no card was issued. Call us or visit a branch with any question."
            .to_owned()
    }
}

/// The interview failed, or asks for new uploads.
pub(super) fn verdict_text(language: &str, retry: bool, reasons: &[VerdictReason]) -> String {
    let listed: Vec<&str> = reasons.iter().map(|r| reason_text(language, *r)).collect();
    match (zh(language), retry) {
        (true, true) => format!(
            "【长城银行】您的视频面签需要重新提交：{}。请回到申请页面重新上传。",
            listed.join("；")
        ),
        (true, false) => format!(
            "【长城银行】很抱歉，您的虚拟卡申请未通过审核：{}。如有疑问请致电银行或前往网点。",
            listed.join("；")
        ),
        (false, true) => format!(
            "Great Wall Bank: please upload your interview again: {}. Return to your application page to do so.",
            listed.join("; ")
        ),
        (false, false) => format!(
            "Great Wall Bank: we are sorry, your virtual card application was not approved: {}. Call us or visit a branch with any question.",
            listed.join("; ")
        ),
    }
}

/// One reason, as the applicant is told it.
pub fn reason_text(language: &str, reason: VerdictReason) -> &'static str {
    use VerdictReason::*;
    match (zh(language), reason) {
        (true, FaceMismatch) => "面部与证件照片不符",
        (true, NotLive) => "未能确认为本人实时拍摄",
        (true, DocumentNotGenuine) => "证件无法确认真实或已损坏",
        (true, PhotoUnreadable) => "照片无法看清",
        (true, ConsentMissing) => "未在视频中表示同意",
        (true, QuestionsUnanswered) => "未回答所问问题",
        (true, SomeoneElsePresent) => "有他人在场或提示",
        (false, FaceMismatch) => "the face does not match the ID photo",
        (false, NotLive) => "we could not confirm it was you, live",
        (false, DocumentNotGenuine) => "the document could not be confirmed genuine, or is damaged",
        (false, PhotoUnreadable) => "a photo cannot be read",
        (false, ConsentMissing) => "consent was not given in the video",
        (false, QuestionsUnanswered) => "the questions were not answered",
        (false, SomeoneElsePresent) => "someone else was present or prompting",
    }
}
