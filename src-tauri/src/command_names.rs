// The app's commands by window, read by build.rs (which generates an
// `allow-…` permission for each) and by the shell's tests (which check that
// tauri.conf.json grants each window exactly its own). Plain constants, no
// crate items: build.rs includes this file as is.

/// The main window's commands (docs/ipc.md).
pub const MAIN_COMMANDS: &[&str] = &[
    "desk_info",
    "settings_get",
    "settings_save",
    "demo_staff",
    "sign_in",
    "sign_in_demo",
    "sign_out",
    "me",
    "search",
    "customer",
    "card_history",
    "preview",
    "mark",
    "package",
    "instruct",
    "send_unfreeze",
    "resend",
    "cancel",
    "get_case",
    "timeline",
    "queue",
    "approve",
    "reject",
    "reassign",
    "audit",
    "verify_audit",
    "voice_audio",
    "interviews",
    "claim_interview",
    "reassign_interview",
    "decide_interview",
    "approve_override",
    "decline_override",
    "interview_media",
];

/// The demo phone window's commands.
pub const PHONE_COMMANDS: &[&str] = &[
    "phone_inbox",
    "phone_voice_audio",
    "phone_open_code",
    "phone_challenge",
    "phone_verify",
    "phone_open_page",
    "phone_open_apply",
];
