//! The scenario: 200 customers and their bystanders enrolled, their cases
//! sent, the customers all at once, then what each saw, the database and
//! the audit log checked.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use carddesk_domain::case::CaseId;
use carddesk_domain::{CardStatus, CaseState, FreezeReason, StaffMember};
use carddesk_processor::{Channels, passwords};
use carddesk_store::{ChainReport, OutboxChannel};
use secrecy::SecretString;
use serde_json::json;

use super::customer::{Plan, customer, plan};
use super::{BYSTANDERS, CUSTOMERS};
use crate::common::{self, RawDb, TestApp, frozen};

async fn card_rows(raw: &RawDb) -> BTreeMap<i64, String> {
    raw.texts(
        "SELECT CAST(id AS TEXT) || ' ' || status || ' ' || COALESCE(freeze_reason, '-') \
         FROM cards ORDER BY id",
    )
    .await
    .into_iter()
    .map(|row| {
        let id = row
            .split(' ')
            .next()
            .and_then(|id| id.parse().ok())
            .expect("an id first");
        (id, row)
    })
    .collect()
}

pub(crate) async fn two_hundred_customers(app: Arc<TestApp>) {
    let started = Instant::now();
    // One Argon2id hash for every card: hashing is the slow part of setup.
    let hash = passwords::hash(&SecretString::from(common::PASSWORD.to_owned()));
    let mut people = Vec::new();
    for seed in 0..CUSTOMERS {
        people.push(
            common::enrol(
                app.store.as_ref(),
                &app.keys,
                100 + seed,
                &[frozen(FreezeReason::WrongPinLimit), CardStatus::Active],
                common::PASSWORD,
                &hash,
            )
            .await,
        );
    }
    for seed in 0..BYSTANDERS {
        common::enrol(
            app.store.as_ref(),
            &app.keys,
            1_000 + seed,
            &[frozen(FreezeReason::Dormant)],
            common::PASSWORD,
            &hash,
        )
        .await;
    }

    // The agents' side through the processor, to keep setup quick.
    let agent = StaffMember {
        username: "alice".to_owned(),
        role: carddesk_domain::Role::Agent,
    };
    let text = Channels {
        text: true,
        voice: false,
    };
    let mut cases = Vec::new();
    for chunk in people.chunks(20) {
        let opened = futures::future::join_all(chunk.iter().map(|person| {
            let (p, agent) = (&app.processor, &agent);
            async move {
                let case = p
                    .mark(agent, person.card(0), "console")
                    .await
                    .expect("mark")
                    .id;
                p.package(agent, case, "console").await.expect("package");
                p.instruct(agent, case, text, "console")
                    .await
                    .expect("instruct");
                case
            }
        }))
        .await;
        cases.extend(opened);
    }
    let codes: HashMap<CaseId, String> = app
        .processor
        .local_outbox(10_000)
        .await
        .expect("outbox")
        .into_iter()
        .filter(|m| m.channel == OutboxChannel::Text)
        .map(|m| (m.case_id, common::parse_code(&m.body).expect("a code")))
        .collect();
    assert_eq!(codes.len(), cases.len());
    let set_up = started.elapsed();

    let cards_before = card_rows(&app.raw).await;
    let audit_before = app.raw.count("FROM audit_log").await;
    let snapshot_before = app.raw.snapshot().await;

    // The customers, all at once.
    let racing = Instant::now();
    let tasks: Vec<_> = people
        .iter()
        .zip(&cases)
        .enumerate()
        .map(|(i, (person, case))| {
            let plan = plan(u32::try_from(i).expect("few"));
            tokio::spawn(customer(
                app.clone(),
                person.clone(),
                codes[case].clone(),
                plan,
            ))
        })
        .collect();
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(task.await.expect("a customer task"));
    }
    let raced = racing.elapsed();

    // What each customer saw.
    let mut right = Vec::new();
    let mut wrong = Vec::new();
    let mut duplicates = 0;
    for (i, ((person, case), seen)) in people.iter().zip(&cases).zip(&seen).enumerate() {
        let plan = plan(u32::try_from(i).expect("few"));
        seen.opened.ok();
        assert_eq!(seen.challenge.ok()["attempts_left"], 3);
        match plan {
            Plan::Right | Plan::RightTwice => {
                let unfrozen = seen
                    .uploads
                    .iter()
                    .filter(|r| r.status == 200 && r.json() == json!({ "outcome": "unfrozen" }))
                    .count();
                assert_eq!(unfrozen, 1, "customer {i}: exactly one upload unfreezes");
                for other in seen.uploads.iter().filter(|r| r.status != 200) {
                    other.error(409, "case_closed");
                    duplicates += 1;
                }
                right.push((person, *case));
            }
            Plan::WrongId | Plan::WrongPassword => {
                let message = seen.uploads[0].error(401, "verification_failed");
                assert!(message.contains("2 attempt"), "{message}");
                wrong.push((person, *case));
            }
        }
    }
    assert_eq!(right.len(), 180);
    assert_eq!(wrong.len(), 20);
    assert_eq!(
        duplicates, 20,
        "every second upload of a pair lost the race"
    );

    // The database: each right card unfrozen once, each wrong one counted.
    for (person, case) in &right {
        let record = app.case(case.0).await;
        assert_eq!(record.case.state, CaseState::Unfrozen);
        assert_eq!(record.case.failed_attempts, 0);
        assert_eq!(app.card_status(person.card(0)).await, CardStatus::Active);
        assert_eq!(app.card_status(person.card(1)).await, CardStatus::Active);
    }
    for (person, case) in &wrong {
        let record = app.case(case.0).await;
        assert_eq!(record.case.state, CaseState::Challenged);
        assert_eq!(record.case.failed_attempts, 1);
        assert!(matches!(
            app.card_status(person.card(0)).await,
            CardStatus::Frozen { .. }
        ));
    }
    let transitions: BTreeSet<String> = app
        .raw
        .texts(
            "SELECT CAST(card_id AS TEXT) || ' ' || from_status || '>' || to_status || ' ' \
             || CAST(COUNT(*) AS TEXT) FROM card_transitions \
             GROUP BY card_id, from_status, to_status",
        )
        .await
        .into_iter()
        .collect();
    let expected: BTreeSet<String> = right
        .iter()
        .map(|(person, _)| format!("{} frozen>active 1", person.card(0).0))
        .collect();
    assert_eq!(
        transitions, expected,
        "each right card unfrozen exactly once"
    );
    let failures: BTreeSet<String> = app
        .raw
        .texts(
            "SELECT CAST(customer_id AS TEXT) || ' ' || CAST(case_id AS TEXT) || ' ' \
             || CAST(COUNT(*) AS TEXT) FROM credential_failures GROUP BY customer_id, case_id",
        )
        .await
        .into_iter()
        .collect();
    let expected: BTreeSet<String> = wrong
        .iter()
        .map(|(person, case)| format!("{} {} 1", person.id.0, case.0))
        .collect();
    assert_eq!(failures, expected, "each wrong upload counted once");

    // Nothing else changed: the other cards, and no rows but those the
    // flow writes.
    let cards_after = card_rows(&app.raw).await;
    let right_cards: BTreeSet<i64> = right.iter().map(|(p, _)| p.card(0).0).collect();
    for (id, row) in &cards_before {
        if right_cards.contains(id) {
            assert_eq!(cards_after[id], format!("{id} active -"));
        } else {
            assert_eq!(&cards_after[id], row, "card {id} is untouched");
        }
    }
    let counted = |snapshot: &[String]| -> Vec<String> {
        snapshot
            .iter()
            .filter(|row| {
                row.contains(" rows")
                    && !["audit_log", "card_transitions", "credential_failures"]
                        .iter()
                        .any(|t| row.starts_with(&format!("{t}:")))
            })
            .cloned()
            .collect()
    };
    let snapshot_after = app.raw.snapshot().await;
    assert_eq!(counted(&snapshot_after), counted(&snapshot_before));
    let staff_and_sessions = |snapshot: &[String]| -> Vec<String> {
        snapshot
            .iter()
            .filter(|row| row.starts_with("staff:") || row.starts_with("session:"))
            .cloned()
            .collect()
    };
    assert_eq!(
        staff_and_sessions(&snapshot_after),
        staff_and_sessions(&snapshot_before)
    );

    // The audit log: every step once, the losing uploads refused, and the
    // chain intact.
    let audit_after = app.raw.count("FROM audit_log").await;
    // Right: requested, challenged, verified, unfrozen; wrong: requested,
    // challenged, verification; each lost race: one refusal.
    assert_eq!(
        audit_after - audit_before,
        180 * 4 + 20 * 3 + i64::from(duplicates)
    );
    assert_eq!(
        app.processor.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact {
            entries: u64::try_from(audit_after).expect("count")
        }
    );
    let outcomes: BTreeMap<String, i64> = app
        .raw
        .texts(&format!(
            "SELECT action || ' ' || outcome FROM audit_log WHERE seq > {audit_before}"
        ))
        .await
        .into_iter()
        .fold(BTreeMap::new(), |mut m, row| {
            *m.entry(row).or_default() += 1;
            m
        });
    let expected: BTreeMap<String, i64> = [
        ("card.unfrozen success", 180),
        ("case.challenged success", 200),
        ("case.requested success", 200),
        ("case.verification failure", 20),
        ("case.verified success", 180),
        ("case.verify refused", i64::from(duplicates)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(outcomes, expected);

    eprintln!(
        "{}: set up in {set_up:?}, {CUSTOMERS} customers through in {raced:?}",
        app.store.kind()
    );
    assert!(
        raced < Duration::from_secs(60),
        "the customers took {raced:?}"
    );
}
