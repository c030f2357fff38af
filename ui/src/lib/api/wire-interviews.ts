/**
 * The video-interview queue's wire types: the JSON of
 * crates/carddesk-wire/src/interviews.rs and applications.rs, field for
 * field (re-exported by `wire.ts`).
 */

export const APPLICATION_STATES = [
  'submitted',
  'routed',
  'authenticated',
  'issued',
  'rejected',
  'expired',
  'withdrawn',
] as const;
/** `ApplicationState`. */
export type ApplicationState = (typeof APPLICATION_STATES)[number];

export const AUTH_ROUTES = ['two_card', 'video_interview'] as const;
/** `AuthRoute`: the authentication page the transit service chose. */
export type AuthRoute = (typeof AUTH_ROUTES)[number];

export const INTERVIEW_STEPS = ['awaiting_uploads', 'queued', 'claimed', 'awaiting_override'] as const;
/** `InterviewStep`. */
export type InterviewStep = (typeof INTERVIEW_STEPS)[number];

/** `ChecklistItem`, in the order the reviewer sees them. */
export const CHECKLIST_ITEMS = [
  'face_matches_id',
  'liveness',
  'document_genuine',
  'consent_given',
  'questions_answered',
] as const;
export type ChecklistItem = (typeof CHECKLIST_ITEMS)[number];

/** `VerdictReason`, in the order the reviewer sees them. */
export const VERDICT_REASONS = [
  'face_mismatch',
  'not_live',
  'document_not_genuine',
  'photo_unreadable',
  'consent_missing',
  'questions_unanswered',
  'someone_else_present',
] as const;
export type VerdictReason = (typeof VERDICT_REASONS)[number];

export const VERDICT_KINDS = ['pass', 'fail', 'retry'] as const;
/** `VerdictKind`. */
export type VerdictKind = (typeof VERDICT_KINDS)[number];

/** `UploadKind`, in the order the reviewer sees them. */
export const UPLOAD_KINDS = ['id_front', 'id_back', 'selfie', 'video'] as const;
export type UploadKind = (typeof UPLOAD_KINDS)[number];

export const CONTAINERS = ['jpeg', 'png', 'webm', 'mp4'] as const;
/** `Container`: what the upload's bytes were found to be. */
export type Container = (typeof CONTAINERS)[number];

/** `UploadDto`: what was checked of one upload (never its content). */
export interface Upload {
  readonly kind: UploadKind;
  readonly container: Container;
  readonly bytes: number;
  readonly width: number | null;
  readonly height: number | null;
  readonly duration_ms: number | null;
}

/** `InterviewDto`: an interview in the queue. */
export interface Interview {
  readonly application_id: number;
  readonly step: InterviewStep;
  readonly queued_since: string | null;
  /** Whether it had waited past the SLA when the desk answered. */
  readonly late: boolean;
  /** `agent:agent.li`, once claimed. */
  readonly reviewer: string | null;
  readonly name: string;
  readonly document_masked: string;
  readonly phone_masked: string;
  readonly product: string;
  readonly uploads: readonly Upload[];
  /** The items the reviewer ticked, while a pass with some unticked waits for a supervisor. */
  readonly ticked: readonly ChecklistItem[];
}

/** `VerdictRequest`. */
export interface VerdictRequest {
  readonly verdict: VerdictKind;
  readonly checklist: readonly ChecklistItem[];
  readonly reasons: readonly VerdictReason[];
}

/** `VirtualCardDto`: a card issued virtually, and how. */
export interface VirtualCard {
  readonly card_id: number;
  readonly application_id: number;
  readonly route: AuthRoute;
  /** `system` for the two-card route, else the reviewer (or the supervisor who approved the override). */
  readonly decided_by: string;
  readonly issued_at: string;
  readonly expiry_month: number;
  readonly expiry_year: number;
}

/** `VerdictAnswer`: what a verdict or an override did. */
export interface VerdictAnswer {
  readonly state: ApplicationState;
  readonly step: InterviewStep;
  readonly card: VirtualCard | null;
}
