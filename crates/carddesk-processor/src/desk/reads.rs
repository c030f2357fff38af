//! The desk's reads of customer data, each audited (PCI DSS 10.2.1.1:
//! every access to cardholder data is logged, by whom, from where, and
//! what was shown; never what was typed, which may be a full ID number).

use carddesk_domain::case::CaseId;
use carddesk_domain::{Actor, CardId, CustomerId, StaffMember};
use carddesk_store::Outcome;
use carddesk_wire as wire;
use secrecy::SecretString;

use super::access::Action;
use super::{LocalDesk, convert};
use crate::instructions::{self, InstructionFacts};
use crate::{ProcessorError, Result};

/// The most open cases the customer view lists.
const OPEN_CASES_SHOWN: u32 = 50;

impl LocalDesk {
    /// Writes the audit entry of a read, in a transaction of its own.
    async fn audit_read(
        &self,
        staff: &StaffMember,
        action: &str,
        object: &str,
        detail: String,
    ) -> Result<()> {
        self.processor
            .audit_alone(
                &Actor::Staff(staff.clone()),
                action,
                object,
                &self.origin,
                Outcome::Success,
                detail,
            )
            .await
    }

    pub(super) async fn search_audited(
        &self,
        token: &SecretString,
        request: &wire::SearchRequest,
    ) -> Result<wire::SearchResults> {
        let staff = self.authorize(token, Action::Search, "customers").await?;
        let limit = request.limit.unwrap_or(20);
        if !(1..=50).contains(&limit) {
            return Err(ProcessorError::InvalidInput(
                "a search shows 1 to 50 results".to_owned(),
            ));
        }
        if request.query.chars().count() > 64 {
            return Err(ProcessorError::InvalidInput(
                "a search has at most 64 characters".to_owned(),
            ));
        }
        let p = &self.processor;
        let found = p.search(&request.query, limit).await?;
        let mut hits = Vec::with_capacity(found.hits.len());
        for hit in &found.hits {
            hits.push(wire::SearchHit {
                matched_by: hit.matched_by,
                customer: convert::customer(&hit.customer, &hit.cards, self.processor.policy()),
                open_cases: hit
                    .open_cases
                    .iter()
                    .map(|c| convert::case(c, self.max_attempts()))
                    .collect(),
            });
        }
        let kinds: std::collections::BTreeSet<_> =
            hits.iter().map(|h| format!("{:?}", h.matched_by)).collect();
        let shown: Vec<String> = hits.iter().map(|h| h.customer.id.to_string()).collect();
        self.audit_read(
            &staff,
            "customer.searched",
            "customers",
            format!(
                "{} found by {}; shown: [{}]",
                hits.len(),
                kinds.into_iter().collect::<Vec<_>>().join(", "),
                shown.join(",")
            ),
        )
        .await?;
        Ok(wire::SearchResults {
            hits,
            truncated: found.truncated,
        })
    }

    pub(super) async fn customer_audited(
        &self,
        token: &SecretString,
        id: i64,
    ) -> Result<wire::CustomerView> {
        let object = format!("customer:{id}");
        let staff = self.authorize(token, Action::ViewCustomer, &object).await?;
        let p = &self.processor;
        let found = p
            .store()
            .customer_overview(CustomerId(id), OPEN_CASES_SHOWN)
            .await?
            .ok_or(ProcessorError::NotFound("customer"))?;
        let cards = found.cards.len();
        let view = wire::CustomerView {
            customer: convert::customer(&found.customer, &found.cards, p.policy()),
            open_cases: found
                .open_cases
                .iter()
                .map(|c| convert::case(c, self.max_attempts()))
                .collect(),
            virtual_cards: found
                .virtual_cards
                .iter()
                .map(convert::virtual_card)
                .collect(),
        };
        self.audit_read(&staff, "customer.viewed", &object, format!("{cards} cards"))
            .await?;
        Ok(view)
    }

    pub(super) async fn card_history_audited(
        &self,
        token: &SecretString,
        card: i64,
    ) -> Result<Vec<wire::TransitionDto>> {
        let object = format!("card:{card}");
        let staff = self.authorize(token, Action::CardHistory, &object).await?;
        let store = self.processor.store();
        // A card that does not exist is not found, not an empty history.
        store
            .card(CardId(card))
            .await?
            .ok_or(ProcessorError::NotFound("card"))?;
        let history = store.card_history(CardId(card)).await?;
        self.audit_read(
            &staff,
            "card.history_read",
            &object,
            format!("{} changes", history.len()),
        )
        .await?;
        Ok(history.iter().map(convert::transition).collect())
    }

    pub(super) async fn timeline_audited(
        &self,
        token: &SecretString,
        case: i64,
    ) -> Result<Vec<wire::AuditDto>> {
        let object = format!("case:{case}");
        let staff = self.authorize(token, Action::Timeline, &object).await?;
        let p = &self.processor;
        p.case(CaseId(case)).await?;
        let entries = p.timeline(CaseId(case)).await?;
        // Filed under its own object, so reading a timeline does not add
        // to the timeline it reads.
        self.audit_read(
            &staff,
            "case.timeline_read",
            &format!("timeline:{object}"),
            format!("{} entries", entries.len()),
        )
        .await?;
        Ok(entries.iter().map(convert::audit).collect())
    }

    pub(super) async fn preview_for(
        &self,
        token: &SecretString,
        card: i64,
    ) -> Result<wire::InstructionPreview> {
        let object = format!("card:{card}");
        let staff = self.authorize(token, Action::Preview, &object).await?;
        let p = &self.processor;
        let card = p
            .store()
            .card(CardId(card))
            .await?
            .ok_or(ProcessorError::NotFound("card"))?;
        let language = p
            .store()
            .customer(card.customer_id)
            .await?
            .map_or_else(|| "zh-CN".to_owned(), |c| c.language);
        let limits = &p.config().limits;
        let hidden = SecretString::from("•••••-•••••".to_owned());
        let facts = InstructionFacts {
            last_four: &card.last_four,
            code: &hidden,
            link_base: &p.config().link_base,
            expires_at: p.now() + limits.code_lifetime,
            lifetime_minutes: limits.code_lifetime.num_minutes(),
        };
        let credentials = card
            .status
            .freeze_reason()
            .map(|r| {
                p.policy()
                    .rule(r)
                    .credentials
                    .iter()
                    .map(|&c| c.into())
                    .collect()
            })
            .unwrap_or_default();
        // It shows the card's last four and the customer's language.
        self.audit_read(&staff, "card.previewed", &object, format!("in {language}"))
            .await?;
        Ok(wire::InstructionPreview {
            text: instructions::text_message(&language, &facts),
            voice: instructions::voice_message(&language, &facts),
            language,
            credentials,
            lifetime_minutes: u32::try_from(limits.code_lifetime.num_minutes()).unwrap_or(0),
        })
    }
}
