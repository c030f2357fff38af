//! Two servers over one PostgreSQL database (issue 7, scale): every step
//! of eight remote-unfreeze flows at once goes to whichever server the
//! step's turn picks, the customer's final upload to both at the same
//! instant, and every flow completes exactly once: each card unfrozen
//! once, each case unfrozen, one `card.unfrozen` per card, the audit chain
//! intact. (On two cores the servers share the CPU: this shows
//! correctness across servers, not added throughput.)

mod common;

use std::sync::Arc;

use carddesk_domain::case::CaseId;
use carddesk_domain::{Actor, CardStatus, CaseState, FreezeReason, Role, StaffMember};
use carddesk_processor::{Keyring, Processor, passwords};
use carddesk_store::{ChainReport, OutboxChannel};
use secrecy::SecretString;
use serde_json::{Value, json};
use sqlx::PgPool;

const FLOWS: u32 = 8;
const STAFF_PASSWORD: &str = "correct horse battery";

async fn server(pool: &PgPool, keys: &Arc<Keyring>) -> (String, Processor, common::Running) {
    common::server_over(pool, keys, |state| {
        state.with_customer_limits(carddesk_server::customer::CustomerLimits {
            exempt_loopback: true,
            ..Default::default()
        })
    })
    .await
}

async fn call(
    client: &reqwest::Client,
    url: String,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let request = match body {
        Some(body) => client.post(url).json(&body),
        None => client.post(url),
    };
    let answer = request.bearer_auth(token).send().await.expect("send");
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

fn code_in(processor_outbox: &[carddesk_processor::LocalInstruction], case: i64) -> String {
    let text = processor_outbox
        .iter()
        .rfind(|m| m.case_id == CaseId(case) && m.channel == OutboxChannel::Text)
        .expect("a text message");
    common::parse_code(&text.body).expect("a code")
}

#[sqlx::test(migrations = false)]
async fn every_flow_completes_once_whichever_server_each_step_reaches(pool: PgPool) {
    let keys = Arc::new(Keyring::generate());
    let (a, processor, _a) = server(&pool, &keys).await;
    let (b, _, _b) = server(&pool, &keys).await;
    let servers = [a, b];
    processor
        .add_staff(
            &Actor::System,
            StaffMember {
                username: "alice".to_owned(),
                role: Role::Agent,
            },
            "Alice",
            &SecretString::from(STAFF_PASSWORD.to_owned()),
            "test",
        )
        .await
        .expect("add staff");
    let hash = passwords::hash(&SecretString::from(common::PASSWORD.to_owned()));
    let mut people = Vec::new();
    for seed in 0..FLOWS {
        people.push(
            common::enrol(
                processor.store().as_ref(),
                &keys,
                800 + seed,
                &[common::frozen(FreezeReason::WrongPinLimit)],
                common::PASSWORD,
                &hash,
            )
            .await,
        );
    }
    let client = reqwest::Client::new();
    let signed_in: Value = client
        .post(format!("{}/api/agent/sign-in", servers[1]))
        .json(&json!({ "username": "alice", "password": STAFF_PASSWORD }))
        .send()
        .await
        .expect("sign in")
        .json()
        .await
        .expect("json");
    let token = signed_in["token"].as_str().expect("token").to_owned();

    let flows = people.iter().enumerate().map(|(i, person)| {
        let client = client.clone();
        let servers = servers.clone();
        let token = token.clone();
        let processor = processor.clone();
        async move {
            // Step n of flow i goes to server (i + n) % 2.
            let at = |n: usize| servers[(i + n) % 2].clone();
            let card = person.card(0).0;
            let (status, case) = call(
                &client,
                format!("{}/api/agent/cards/{card}/cases", at(0)),
                &token,
                None,
            )
            .await;
            assert_eq!(status, 200, "{case}");
            let id = case["id"].as_i64().expect("id");
            let (status, body) = call(
                &client,
                format!("{}/api/agent/cases/{id}/package", at(1)),
                &token,
                None,
            )
            .await;
            assert_eq!(status, 200, "{body}");
            let (status, body) = call(
                &client,
                format!("{}/api/agent/cases/{id}/instructions", at(2)),
                &token,
                Some(json!({ "text": true, "voice": false })),
            )
            .await;
            assert_eq!(status, 200, "{body}");
            let code = code_in(&processor.local_outbox(10_000).await.expect("outbox"), id);
            let opened: Value = client
                .post(format!("{}/api/customer/unfreeze-requests", at(3)))
                .json(&json!({ "code": code }))
                .send()
                .await
                .expect("open")
                .json()
                .await
                .expect("json");
            let session = opened["session_token"]
                .as_str()
                .expect("session")
                .to_owned();
            let (status, body) = call(
                &client,
                format!("{}/api/customer/challenge", at(4)),
                &session,
                None,
            )
            .await;
            assert_eq!(status, 200, "{body}");
            // The final upload reaches both servers at once.
            let upload = person.right();
            let (first, second) = tokio::join!(
                call(
                    &client,
                    format!("{}/api/customer/verification", servers[0]),
                    &session,
                    Some(upload.clone())
                ),
                call(
                    &client,
                    format!("{}/api/customer/verification", servers[1]),
                    &session,
                    Some(upload)
                ),
            );
            let unfrozen = [&first, &second]
                .iter()
                .filter(|(status, body)| *status == 200 && body["outcome"] == "unfrozen")
                .count();
            assert_eq!(
                unfrozen, 1,
                "exactly one upload unfreezes: {first:?} {second:?}"
            );
            (id, card)
        }
    });
    let done = futures::future::join_all(flows).await;

    let store = processor.store();
    for (case, card) in &done {
        let record = store
            .case(CaseId(*case))
            .await
            .expect("read")
            .expect("case");
        assert_eq!(record.case.state, CaseState::Unfrozen);
        let card = carddesk_domain::CardId(*card);
        let status = store.card(card).await.expect("read").expect("card").status;
        assert_eq!(status, CardStatus::Active);
        assert_eq!(store.card_history(card).await.expect("history").len(), 1);
    }
    let unfrozen: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'card.unfrozen'")
            .fetch_one(&pool)
            .await
            .expect("count");
    assert_eq!(unfrozen, i64::from(FLOWS));
    assert!(matches!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact { .. }
    ));
}
