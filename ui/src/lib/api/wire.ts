/**
 * The desk's wire types in TypeScript: the JSON of the `carddesk-wire` Rust
 * types (crates/carddesk-wire/src/*.rs), field for field. Enums are their
 * snake_case names, `Option` is `null`, times are RFC 3339 strings. The
 * video-interview queue's types are in `wire-interviews.ts`, re-exported here.
 */
import type { ApplicationState, InterviewStep, VirtualCard } from './wire-interviews';

export * from './wire-interviews';

/** Each enum's names, as arrays, so answers can be checked against them. */
export const ERROR_CODES = [
  'invalid_input',
  'not_found',
  'not_remote',
  'card_not_frozen',
  'forbidden',
  'maker_checker',
  'expired',
  'illegal_state',
  'illegal_card_state',
  'case_open',
  'verification_failed',
  'locked',
  'code_used',
  'case_closed',
  'unauthenticated',
  'rate_limited',
  'too_large',
  'conflict',
  'idempotency_key_reused',
  'method_not_allowed',
  'not_available',
  'unavailable',
  'internal',
  'open_application',
  'court_order_freeze',
  'too_many_applications',
  'too_many_from_address',
  'invalid_upload',
  'already_shown',
  'not_completed',
] as const;
/** `ErrorCode`. */
export type ErrorCode = (typeof ERROR_CODES)[number];

export const DESK_MODES = ['offline', 'connected'] as const;
/** `DeskMode`. */
export type DeskMode = (typeof DESK_MODES)[number];

export const ROLES = ['agent', 'supervisor', 'admin'] as const;
/** `Role`. */
export type Role = (typeof ROLES)[number];

export const CARD_STATUSES = ['active', 'frozen', 'lost', 'stolen', 'closed'] as const;
/** `CardStatus`. */
export type CardStatus = (typeof CARD_STATUSES)[number];

export const FREEZE_REASONS = [
  'wrong_pin_limit',
  'customer_request',
  'dormant',
  'suspicious_transaction',
  'risk_review',
  'court_order',
] as const;
/** `FreezeReason`. */
export type FreezeReason = (typeof FREEZE_REASONS)[number];

export const CREDENTIALS = ['id_number', 'transaction_password'] as const;
/** `Credential`. */
export type Credential = (typeof CREDENTIALS)[number];

export const CASE_STATES = [
  'marked',
  'packaged',
  'instructed',
  'requested',
  'challenged',
  'verified',
  'approved',
  'unfrozen',
  'locked',
  'expired',
  'cancelled',
  'rejected',
] as const;
/** `CaseState`. */
export type CaseState = (typeof CASE_STATES)[number];

/** The states a case never leaves. */
export const FINAL_CASE_STATES: readonly CaseState[] = ['unfrozen', 'locked', 'expired', 'cancelled', 'rejected'];

export const MATCH_KINDS = [
  'id_number',
  'card_number',
  'phone',
  'phone_last_four',
  'card_last_four',
  'id_last_four',
  'name_prefix',
] as const;
/** `MatchKind`. */
export type MatchKind = (typeof MATCH_KINDS)[number];

export const OUTCOMES = ['success', 'failure', 'refused'] as const;
/** `Outcome`. */
export type Outcome = (typeof OUTCOMES)[number];

/** The shell's `DeskInfo`. */
export interface DeskInfo {
  readonly mode: DeskMode;
  readonly version: string;
  readonly server_url: string | null;
  readonly demo: boolean;
  /** Offline demo only: the last four digits of a demo caller's phone to try (a wrong-PIN freeze, no open case). */
  readonly demo_hint: string | null;
}

/** The shell's `ConsoleSettings`; `ca_certificate` is a PEM file's path. */
export interface ConsoleSettings {
  readonly mode: DeskMode;
  readonly server_url: string | null;
  readonly ca_certificate: string | null;
}

/** One of the offline demo's staff, offered as a one-click sign-in. */
export interface DemoStaff {
  readonly username: string;
  readonly display_name: string;
  readonly role: Role;
}

/** `StaffProfile`. */
export interface StaffProfile {
  readonly username: string;
  readonly display_name: string;
  readonly role: Role;
  readonly expires_at: string;
}

/** `RemoteUnfreezeDto`. */
export interface RemoteUnfreeze {
  readonly allowed: boolean;
  readonly credentials: readonly Credential[];
  readonly supervisor_approval: boolean;
}

/** `CardDto`. */
export interface Card {
  readonly id: number;
  readonly masked_number: string;
  readonly product: string;
  readonly status: CardStatus;
  readonly freeze_reason: FreezeReason | null;
  readonly frozen_since: string | null;
  readonly remote_unfreeze: RemoteUnfreeze | null;
}

/** `CustomerDto`. */
export interface Customer {
  readonly id: number;
  readonly name: string;
  readonly document_kind: string;
  readonly document_masked: string;
  readonly phone_masked: string;
  readonly language: string;
  readonly cards: readonly Card[];
}

/** `CaseDto`. */
export interface Case {
  readonly id: number;
  readonly card_id: number;
  readonly customer_id: number;
  readonly reason: FreezeReason;
  readonly state: CaseState;
  readonly failed_attempts: number;
  readonly attempts_left: number;
  readonly needs_approval: boolean;
  readonly credentials: readonly Credential[];
  readonly opened_by: string;
  readonly assigned_to: string;
  readonly opened_at: string;
  readonly updated_at: string;
  readonly expires_at: string | null;
}

/** `CustomerView`. */
export interface CustomerView {
  readonly customer: Customer;
  readonly open_cases: readonly Case[];
  /** How each of the customer's virtual cards came to be (`interviews.ts`). */
  readonly virtual_cards: readonly VirtualCard[];
}

/** `TransitionDto`. */
export interface Transition {
  readonly from: CardStatus;
  readonly to: CardStatus;
  readonly reason: FreezeReason | null;
  readonly channel: string;
  readonly actor: string;
  readonly at: string;
}

/** `SearchRequest`. */
export interface SearchRequest {
  readonly query: string;
  readonly limit?: number;
}

/** `SearchHit`. */
export interface SearchHit {
  readonly matched_by: MatchKind;
  readonly customer: Customer;
  readonly open_cases: readonly Case[];
}

/** `SearchResults`. */
export interface SearchResults {
  readonly hits: readonly SearchHit[];
  readonly truncated: boolean;
}

/** `InstructionPreview`. */
export interface InstructionPreview {
  readonly language: string;
  readonly text: string;
  readonly voice: string;
  readonly credentials: readonly Credential[];
  readonly lifetime_minutes: number;
}

/** `InstructRequest`: at least one channel. */
export interface Channels {
  readonly text: boolean;
  readonly voice: boolean;
}

/** `AuditDto`. */
export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly object: string;
  readonly origin: string;
  readonly outcome: Outcome;
  readonly detail: string;
}

/** `QueueQuery`. */
export interface QueueQuery {
  readonly state?: string;
  readonly opened_by?: string;
  readonly older_than_minutes?: number;
  readonly before?: number;
  readonly limit?: number;
}

/** `AuditQuery`. */
export interface AuditQuery {
  readonly object?: string;
  readonly after?: number;
  readonly limit?: number;
}

/** `Page<T>`. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next: number | null;
}

/** `ChainDto`. */
export interface Chain {
  readonly intact: boolean;
  readonly entries: number | null;
  readonly broken_at: number | null;
}

/** `DeskEvent`, tagged by `kind`. */
export type DeskEvent =
  | { readonly kind: 'case'; readonly case_id: number; readonly state: CaseState }
  | { readonly kind: 'attempt'; readonly case_id: number; readonly remaining: number }
  | { readonly kind: 'card'; readonly card_id: number; readonly status: CardStatus }
  | { readonly kind: 'instruction'; readonly case_id: number; readonly outbox_id: number }
  | {
      readonly kind: 'application';
      readonly application_id: number;
      readonly state: ApplicationState;
      readonly step: InterviewStep;
    }
  | { readonly kind: 'resync' };
