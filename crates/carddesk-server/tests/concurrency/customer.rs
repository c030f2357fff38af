//! One customer's part: the plan they follow (right, right twice at once,
//! a wrong ID number, a wrong password) and what they saw doing it.

use std::sync::Arc;

use serde_json::json;

use crate::common::{Person, Resp, TestApp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    /// The right credentials, once.
    Right,
    /// The right credentials, twice at the same moment.
    RightTwice,
    /// A wrong ID number.
    WrongId,
    /// A wrong password.
    WrongPassword,
}

pub(crate) fn plan(i: u32) -> Plan {
    match i % 10 {
        3 if i % 20 == 3 => Plan::WrongId,
        3 => Plan::WrongPassword,
        5 => Plan::RightTwice,
        _ => Plan::Right,
    }
}

/// What one customer saw.
#[derive(Debug)]
pub(crate) struct Seen {
    pub(crate) opened: Resp,
    pub(crate) challenge: Resp,
    pub(crate) uploads: Vec<Resp>,
}

pub(crate) async fn customer(app: Arc<TestApp>, person: Person, code: String, plan: Plan) -> Seen {
    let opened = app
        .post(
            "/api/customer/unfreeze-requests",
            None,
            &json!({ "code": code }),
        )
        .await;
    let session = opened.json()["session_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let challenge = app
        .post_empty("/api/customer/challenge", Some(&session))
        .await;
    let upload = match plan {
        Plan::Right | Plan::RightTwice => person.right(),
        Plan::WrongId => person.wrong_id(),
        Plan::WrongPassword => person.wrong_password(),
    };
    let uploads = if plan == Plan::RightTwice {
        let (a, b) = tokio::join!(
            app.post("/api/customer/verification", Some(&session), &upload),
            app.post("/api/customer/verification", Some(&session), &upload),
        );
        vec![a, b]
    } else {
        vec![
            app.post("/api/customer/verification", Some(&session), &upload)
                .await,
        ]
    };
    Seen {
        opened,
        challenge,
        uploads,
    }
}
