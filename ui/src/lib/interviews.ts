/**
 * The interview queue's rules as the console shows them, no I/O: the age
 * against the SLA, whose interview it is, the uploads' types, what a
 * verdict still lacks and what an answer means. The processor decides; these
 * only choose what to show and what to offer.
 */
import type { StaffProfile } from './api/wire';
import {
  CHECKLIST_ITEMS,
  type ChecklistItem,
  type Container,
  type Interview,
  type VerdictAnswer,
  type VerdictKind,
  type VerdictReason,
  type VerdictRequest,
} from './api/wire-interviews';

/** How long an interview may wait in the queue (the processor's `interview_sla`). */
export const SLA_MINUTES = 30;

/** Whole minutes `interview` has waited by `now` (0 for one not yet queued, or a clock behind). */
export function waitedMinutes(interview: Interview, now: number): number {
  if (interview.queued_since === null) return 0;
  const since = Date.parse(interview.queued_since);
  if (Number.isNaN(since)) return 0;
  return Math.max(0, Math.floor((now - since) / 60_000));
}

/** Whether it has waited past the SLA: as the desk said when it answered, or since by the clock. */
export function isLate(interview: Interview, now: number): boolean {
  return interview.late || (interview.queued_since !== null && waitedMinutes(interview, now) >= SLA_MINUTES);
}

/** How a member of staff is named as a reviewer (`agent:agent.li`), as the processor labels them. */
export function staffLabel(profile: Pick<StaffProfile, 'role' | 'username'>): string {
  return `${profile.role}:${profile.username}`;
}

/** The username of a staff label (`agent:agent.li` → `agent.li`); other labels as they are. */
export function usernameOf(label: string): string {
  const colon = label.indexOf(':');
  return colon < 0 ? label : label.slice(colon + 1);
}

/** Whether `profile` holds `interview` for review. */
export function isMine(interview: Interview, profile: Pick<StaffProfile, 'role' | 'username'>): boolean {
  return interview.step === 'claimed' && interview.reviewer === staffLabel(profile);
}

/** Whether a supervisor's actions are offered (the processor checks again). */
export function supervises(profile: Pick<StaffProfile, 'role'>): boolean {
  return profile.role === 'supervisor';
}

/** What `profile` may be offered to do with `interview`. */
export function offers(interview: Interview, profile: Pick<StaffProfile, 'role' | 'username'>) {
  const staff = profile.role === 'agent' || profile.role === 'supervisor';
  return {
    claim: staff && interview.step === 'queued',
    review: staff && isMine(interview, profile),
    approveOverride: supervises(profile) && interview.step === 'awaiting_override',
    reassign: supervises(profile) && interview.step === 'claimed',
  } as const;
}

/** The MIME type of an upload's container. */
export function mimeOf(container: Container): string {
  switch (container) {
    case 'jpeg':
      return 'image/jpeg';
    case 'png':
      return 'image/png';
    case 'webm':
      return 'video/webm';
    case 'mp4':
      return 'video/mp4';
  }
}

/** What the reviewer's verdict still lacks before it can be sent. */
export type VerdictProblem = 'verdict_required' | 'reasons_required';

export function verdictProblem(verdict: VerdictKind | null, reasons: readonly VerdictReason[]): VerdictProblem | null {
  if (verdict === null) return 'verdict_required';
  if (verdict !== 'pass' && reasons.length === 0) return 'reasons_required';
  return null;
}

/** Whether a pass leaves an item unticked, so a supervisor must approve the override. */
export function needsOverride(verdict: VerdictKind | null, checklist: readonly ChecklistItem[]): boolean {
  return verdict === 'pass' && CHECKLIST_ITEMS.some((item) => !checklist.includes(item));
}

/** The request to send: the items in the checklist's order; reasons only for a fail or a retry. */
export function verdictRequest(
  verdict: VerdictKind,
  checklist: readonly ChecklistItem[],
  reasons: readonly VerdictReason[],
): VerdictRequest {
  return {
    verdict,
    checklist: CHECKLIST_ITEMS.filter((item) => checklist.includes(item)),
    reasons: verdict === 'pass' ? [] : [...new Set(reasons)],
  };
}

/** What an answer means for the reviewer and the applicant. */
export type Outcome = 'issued' | 'rejected' | 'retry' | 'awaiting_override' | 'other';

export function outcomeOf(answer: VerdictAnswer): Outcome {
  if (answer.card !== null || answer.state === 'issued') return 'issued';
  if (answer.state === 'rejected') return 'rejected';
  if (answer.step === 'awaiting_override') return 'awaiting_override';
  if (answer.state === 'routed' && answer.step === 'awaiting_uploads') return 'retry';
  return 'other';
}

/** The interview after `current` in `queue` that someone could take (queued), wrapping; else the next one at all. */
export function nextInterview(queue: readonly Interview[], current: number | null): Interview | null {
  if (queue.length === 0) return null;
  const at = queue.findIndex((i) => i.application_id === current);
  const order = [...queue.slice(at + 1), ...queue.slice(0, at + 1)];
  return order.find((i) => i.step === 'queued' && i.application_id !== current) ?? order[0] ?? null;
}
