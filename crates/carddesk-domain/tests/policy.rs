//! The unfreeze policy table and the limits every case obeys.

use carddesk_domain::policy::PolicyError;
use carddesk_domain::{Credential, FreezeReason, PolicyLimits, PolicyRule, UnfreezePolicy};
use chrono::Duration;

use Credential::{IdNumber, TransactionPassword};
use FreezeReason::*;

fn rule(
    reason: FreezeReason,
    remote_unfreeze: bool,
    credentials: &[Credential],
    supervisor_approval: bool,
) -> PolicyRule {
    PolicyRule {
        reason,
        remote_unfreeze,
        credentials: credentials.to_vec(),
        supervisor_approval,
    }
}

/// domain.md's table, row by row.
fn domain_table() -> Vec<PolicyRule> {
    let both = &[IdNumber, TransactionPassword];
    vec![
        // reason                remote  credentials  supervisor approval
        rule(WrongPinLimit, true, both, false),
        rule(CustomerRequest, true, both, false),
        rule(Dormant, true, both, false),
        rule(SuspiciousTransaction, true, both, true),
        rule(RiskReview, true, both, true),
        rule(CourtOrder, false, &[], false),
    ]
}

#[test]
fn the_default_table_is_domain_md_row_by_row() {
    let policy = UnfreezePolicy::default();
    for expected in domain_table() {
        assert_eq!(
            policy.rule(expected.reason),
            &expected,
            "{}",
            expected.reason.as_str()
        );
    }
    assert_eq!(policy.rules(), domain_table().as_slice());
}

#[test]
fn the_default_table_passes_its_own_checks() {
    assert_eq!(
        UnfreezePolicy::new(domain_table()),
        Ok(UnfreezePolicy::default())
    );
}

#[test]
fn rules_come_back_in_reason_order_whatever_order_they_were_given() {
    let mut shuffled = domain_table();
    shuffled.reverse();
    shuffled.swap(1, 4);
    let policy = UnfreezePolicy::new(shuffled).unwrap();
    let order: Vec<_> = policy.rules().iter().map(|r| r.reason).collect();
    assert_eq!(order, FreezeReason::ALL);
    for reason in FreezeReason::ALL {
        assert_eq!(policy.rule(reason).reason, reason);
    }
}

#[test]
fn court_orders_can_never_be_made_remote() {
    let mut rules = domain_table();
    rules[5] = rule(CourtOrder, true, &[IdNumber, TransactionPassword], true);
    assert_eq!(
        UnfreezePolicy::new(rules),
        Err(PolicyError::CourtOrderRemote)
    );
}

#[test]
fn every_reason_needs_a_rule() {
    for missing in 0..6 {
        let mut rules = domain_table();
        let gone = rules.remove(missing);
        assert_eq!(
            UnfreezePolicy::new(rules),
            Err(PolicyError::Coverage(gone.reason.as_str()))
        );
    }
}

#[test]
fn no_reason_may_have_two_rules() {
    let mut rules = domain_table();
    rules.push(rule(Dormant, false, &[], false));
    assert_eq!(
        UnfreezePolicy::new(rules),
        Err(PolicyError::Coverage("dormant"))
    );

    // Even an exact copy of a rule is refused.
    let mut rules = domain_table();
    rules.push(rules[0].clone());
    assert_eq!(
        UnfreezePolicy::new(rules),
        Err(PolicyError::Coverage("wrong_pin_limit"))
    );
}

#[test]
fn a_remote_rule_must_ask_for_a_credential() {
    let mut rules = domain_table();
    rules[2] = rule(Dormant, true, &[], false);
    assert_eq!(
        UnfreezePolicy::new(rules),
        Err(PolicyError::NoCredential("dormant"))
    );
}

#[test]
fn a_remote_rule_may_ask_for_one_credential_only() {
    let mut rules = domain_table();
    rules[1] = rule(CustomerRequest, true, &[TransactionPassword], false);
    let policy = UnfreezePolicy::new(rules).unwrap();
    assert_eq!(
        policy.rule(CustomerRequest).credentials,
        [TransactionPassword]
    );
}

#[test]
fn default_limits_are_3_5_24h_15min() {
    assert_eq!(
        PolicyLimits::default(),
        PolicyLimits {
            attempts_per_case: 3,
            failures_per_customer: 5,
            failure_window: Duration::hours(24),
            code_lifetime: Duration::minutes(15),
        }
    );
}

#[test]
fn names_round_trip() {
    for (c, name) in [
        (IdNumber, "id_number"),
        (TransactionPassword, "transaction_password"),
    ] {
        assert_eq!(c.as_str(), name);
        assert_eq!(Credential::parse(name), Some(c));
    }
    assert_eq!(Credential::parse("pin"), None);
    let names = [
        "wrong_pin_limit",
        "customer_request",
        "dormant",
        "suspicious_transaction",
        "risk_review",
        "court_order",
    ];
    for (r, name) in FreezeReason::ALL.into_iter().zip(names) {
        assert_eq!(r.as_str(), name);
        assert_eq!(FreezeReason::parse(name), Some(r));
    }
    assert_eq!(FreezeReason::parse("lost"), None);
}
