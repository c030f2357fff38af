//! What must hold after every `kill -9`, read straight from the database
//! while the server is down: each query lists what breaks its rule, so an
//! empty answer is a pass and a failure names the rows.

use carddesk_store::{ChainReport, Store};

use crate::common::RawDb;

/// Rules on cards, cases and their audit entries, each as a query of
/// violations (text rows); the same SQL on SQLite and PostgreSQL.
const RULES: [(&str, &str); 7] = [
    (
        "a card's status is its last transition's",
        "SELECT 'card ' || CAST(c.id AS TEXT) || ' is ' || c.status || ', its last transition says ' || t.to_status \
         FROM cards c JOIN card_transitions t ON t.card_id = c.id \
         WHERE t.id = (SELECT MAX(t2.id) FROM card_transitions t2 WHERE t2.card_id = c.id) \
         AND t.to_status <> c.status",
    ),
    (
        "no card is unfrozen twice",
        "SELECT 'card ' || CAST(card_id AS TEXT) || ' unfrozen ' || CAST(COUNT(*) AS TEXT) || ' times' \
         FROM card_transitions WHERE to_status = 'active' GROUP BY card_id HAVING COUNT(*) > 1",
    ),
    (
        "an active card has exactly one unfrozen case",
        "SELECT 'card ' || CAST(c.id AS TEXT) || ' is active with ' || \
         CAST((SELECT COUNT(*) FROM unfreeze_cases k WHERE k.card_id = c.id AND k.state = 'unfrozen') AS TEXT) || ' unfrozen cases' \
         FROM cards c WHERE c.status = 'active' \
         AND (SELECT COUNT(*) FROM unfreeze_cases k WHERE k.card_id = c.id AND k.state = 'unfrozen') <> 1",
    ),
    (
        "an unfrozen case's card is active",
        "SELECT 'case ' || CAST(k.id AS TEXT) || ' is unfrozen, its card ' || c.status \
         FROM unfreeze_cases k JOIN cards c ON c.id = k.card_id \
         WHERE k.state = 'unfrozen' AND c.status <> 'active'",
    ),
    (
        "an unfrozen case has one card.unfrozen audit entry, others none",
        "SELECT 'case ' || CAST(k.id AS TEXT) || ' (' || k.state || ') has ' || \
         CAST((SELECT COUNT(*) FROM audit_log a WHERE a.object = 'case:' || CAST(k.id AS TEXT) AND a.action = 'card.unfrozen') AS TEXT) || \
         ' card.unfrozen entries' FROM unfreeze_cases k \
         WHERE (SELECT COUNT(*) FROM audit_log a WHERE a.object = 'case:' || CAST(k.id AS TEXT) AND a.action = 'card.unfrozen') \
         <> CASE WHEN k.state = 'unfrozen' THEN 1 ELSE 0 END",
    ),
    (
        "no case is half-moved: every case is marked, packaged and instructed together",
        "SELECT 'case ' || CAST(k.id AS TEXT) || ' is ' || k.state || ', package ' || \
         CAST((SELECT COUNT(*) FROM packages p WHERE p.case_id = k.id) AS TEXT) || ', messages ' || \
         CAST((SELECT COUNT(*) FROM outbox o WHERE o.case_id = k.id) AS TEXT) \
         FROM unfreeze_cases k WHERE k.state IN ('marked', 'packaged') \
         OR NOT EXISTS (SELECT 1 FROM packages p WHERE p.case_id = k.id) \
         OR NOT EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = k.id)",
    ),
    (
        "each case was opened once, with the three steps audited",
        "SELECT 'case ' || CAST(k.id AS TEXT) || ' has ' || CAST(COUNT(a.seq) AS TEXT) || ' entries of its opening' \
         FROM unfreeze_cases k LEFT JOIN audit_log a ON a.object = 'case:' || CAST(k.id AS TEXT) \
         AND a.action IN ('case.marked', 'case.packaged', 'case.instructed') \
         GROUP BY k.id HAVING COUNT(a.seq) <> 3",
    ),
];

/// Every rule's violations, and the audit chain's, as lines naming the
/// rule; empty when all hold.
pub async fn broken(raw: &RawDb, store: &dyn Store) -> Vec<String> {
    let mut out = Vec::new();
    for (rule, sql) in RULES {
        for row in raw.texts(sql).await {
            out.push(format!("{rule}: {row}"));
        }
    }
    match store.verify_audit_chain().await {
        Ok(ChainReport::Intact { .. }) => {}
        other => out.push(format!("the audit chain verifies: {other:?}")),
    }
    out
}

/// After the run: every instruction asked for reached the gateway at
/// least once (its message id received). Returns what did not, how many
/// arrived more than once, and how many arrived although the outbox says
/// otherwise: sent by a server killed before it recorded the sending, then
/// not sent again because the customer had already used the code (the
/// outbox row says `failed`, `case_moved_on`).
pub async fn undelivered(raw: &RawDb, delivered: &[i64]) -> (Vec<String>, usize, usize) {
    let mut missing = Vec::new();
    let mut unrecorded = 0;
    for row in raw
        .texts("SELECT CAST(id AS TEXT) || ' ' || status FROM outbox")
        .await
    {
        let (id, status) = row.split_once(' ').expect("id and status");
        let id: i64 = id.parse().expect("an outbox id");
        match (delivered.contains(&id), status) {
            (false, _) => {
                missing.push(format!("message {id} ({status}) never reached the gateway"))
            }
            (true, "sent") => {}
            (true, _) => unrecorded += 1,
        }
    }
    let mut unique = delivered.to_vec();
    unique.sort_unstable();
    unique.dedup();
    (missing, delivered.len() - unique.len(), unrecorded)
}
