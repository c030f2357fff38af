//! Live events across server processes: two servers over one PostgreSQL
//! database, a console watching one of them, a change or a sign-out made
//! through the other.

mod common;

use std::sync::Arc;
use std::time::Duration;

use carddesk_domain::card::CardNumber;
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_domain::{Actor, CardStatus, FreezeReason, Role, StaffMember, id_number, luhn};
use carddesk_processor::{Keyring, Processor, enrol, passwords};
use futures::StreamExt;
use secrecy::SecretString;
use serde_json::{Value, json};
use sqlx::PgPool;

const PASSWORD: &str = "correct horse battery";

/// A server over `pool`, with the default state.
async fn server(pool: &PgPool, keys: &Arc<Keyring>) -> (String, Processor, common::Running) {
    common::server_over(pool, keys, |state| state).await
}

async fn sign_in(client: &reqwest::Client, url: &str, username: &str) -> String {
    let body: Value = client
        .post(format!("{url}/api/agent/sign-in"))
        .json(&json!({ "username": username, "password": PASSWORD }))
        .send()
        .await
        .expect("sign in")
        .json()
        .await
        .expect("json");
    body["token"].as_str().expect("a token").to_owned()
}

#[sqlx::test(migrations = false)]
async fn an_event_raised_on_one_server_reaches_a_console_on_another(pool: PgPool) {
    let keys = Arc::new(Keyring::generate());
    let (a, processor, _a) = server(&pool, &keys).await;
    let (b, _, _b) = server(&pool, &keys).await;

    for name in ["alice", "bob"] {
        let member = StaffMember {
            username: name.into(),
            role: Role::Agent,
        };
        processor
            .add_staff(
                &Actor::System,
                member,
                name,
                &SecretString::from(PASSWORD),
                "test",
            )
            .await
            .expect("staff");
    }
    let first17 = "11010519491231002";
    let document = IdDocument::resident_id(&format!(
        "{first17}{}",
        id_number::check_character(first17).expect("digits")
    ))
    .expect("id");
    let payload = "623058000000123";
    let number = CardNumber::parse(&format!(
        "{payload}{}",
        luhn::check_digit(payload).expect("digits")
    ))
    .expect("pan");
    let phone = PhoneNumber::parse("13800138000").expect("phone");
    let mut tx = processor.store().begin().await.expect("tx");
    let customer = tx
        .insert_customer(&enrol::customer_record(
            processor.keys(),
            "李娜",
            &document,
            &phone,
            "zh-CN",
        ))
        .await
        .expect("customer");
    let frozen = CardStatus::Frozen {
        reason: FreezeReason::WrongPinLimit,
        since: chrono::Utc::now(),
    };
    let hash = passwords::hash(&SecretString::from("482915"));
    let card = tx
        .insert_card(&enrol::card_record(
            processor.keys(),
            customer,
            &number,
            hash,
            "Debit",
            frozen,
        ))
        .await
        .expect("card");
    tx.commit().await.expect("commit");

    let client = reqwest::Client::new();
    let watcher = sign_in(&client, &b, "bob").await;
    let response = client
        .get(format!("{b}/api/agent/events"))
        .bearer_auth(&watcher)
        .send()
        .await
        .expect("events");
    assert_eq!(response.status(), 200);
    let mut stream = response.bytes_stream();

    let actor = sign_in(&client, &a, "alice").await;
    let marked: Value = client
        .post(format!("{a}/api/agent/cards/{}/cases", card.0))
        .bearer_auth(&actor)
        .send()
        .await
        .expect("mark")
        .json()
        .await
        .expect("json");
    let case_id = marked["id"].as_i64().expect("a case id");

    let mut seen = String::new();
    let wanted = format!("\"case_id\":{case_id}");
    let found = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some(chunk) = stream.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk.expect("chunk")));
            if seen.contains("event: case")
                && seen.contains(&wanted)
                && seen.contains("\"state\":\"marked\"")
            {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(
        found,
        Ok(true),
        "server B's console did not hear of the case marked on server A; got {seen:?}"
    );
}

#[sqlx::test(migrations = false)]
async fn events_need_a_signed_in_member_of_staff(pool: PgPool) {
    let keys = Arc::new(Keyring::generate());
    let (url, _, _running) = server(&pool, &keys).await;
    let response = reqwest::get(format!("{url}/api/agent/events"))
        .await
        .expect("events");
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "unauthenticated");
}

#[sqlx::test(migrations = false)]
async fn a_bad_event_filter_is_refused_in_the_common_shape(pool: PgPool) {
    let keys = Arc::new(Keyring::generate());
    let (url, processor, _running) = server(&pool, &keys).await;
    let member = StaffMember {
        username: "carol".into(),
        role: Role::Agent,
    };
    processor
        .add_staff(
            &Actor::System,
            member,
            "carol",
            &SecretString::from(PASSWORD),
            "test",
        )
        .await
        .expect("staff");
    let client = reqwest::Client::new();
    let token = sign_in(&client, &url, "carol").await;
    let response = client
        .get(format!("{url}/api/agent/events?case=abc"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("events");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("a JSON error");
    assert_eq!(body["code"], "invalid_input");
}

/// Signed out through server A, a session stops at once on server B too:
/// its event stream there ends and B refuses it, though B confirmed it a
/// moment before (and would otherwise believe it for 5 s, its stream for
/// 30 s).
#[sqlx::test(migrations = false)]
async fn a_sign_out_on_one_server_ends_the_session_on_another(pool: PgPool) {
    let keys = Arc::new(Keyring::generate());
    let (a, processor, _a) = server(&pool, &keys).await;
    let (b, _, _b) = server(&pool, &keys).await;
    let member = StaffMember {
        username: "dora".into(),
        role: Role::Agent,
    };
    processor
        .add_staff(
            &Actor::System,
            member,
            "dora",
            &SecretString::from(PASSWORD),
            "test",
        )
        .await
        .expect("staff");
    let client = reqwest::Client::new();
    let token = sign_in(&client, &a, "dora").await;
    let me_on_b = || {
        client
            .get(format!("{b}/api/agent/me"))
            .bearer_auth(&token)
            .send()
    };
    let response = client
        .get(format!("{b}/api/agent/events"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("events");
    assert_eq!(response.status(), 200);
    let mut stream = response.bytes_stream();
    assert_eq!(me_on_b().await.expect("me").status(), 200);

    let signed_out = client
        .post(format!("{a}/api/agent/sign-out"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sign out");
    assert_eq!(signed_out.status(), 200);
    let ended = tokio::time::timeout(Duration::from_secs(3), async {
        while let Some(chunk) = stream.next().await {
            if chunk.is_err() {
                break;
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream on server B is still open");
    let refused = me_on_b().await.expect("me");
    assert_eq!(refused.status(), 401, "server B still believed the session");
}
