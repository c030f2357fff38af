/** Interview-queue answers as the desk gives them, and a desk opened on the interview screen. */
import { screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';

import type { Interview, StaffProfile, Upload, VerdictAnswer, VirtualCard } from '../lib/api/wire';
import { deskReady, signedInDesk } from './desk';
import { alice, customerView } from './fixtures';
import type { Answer } from './ipc';

export const uploads: Upload[] = [
  { kind: 'id_front', container: 'jpeg', bytes: 1474, width: 64, height: 40, duration_ms: null },
  { kind: 'id_back', container: 'png', bytes: 552, width: 64, height: 40, duration_ms: null },
  { kind: 'selfie', container: 'jpeg', bytes: 1474, width: 48, height: 64, duration_ms: null },
  { kind: 'video', container: 'webm', bytes: 10507, width: null, height: null, duration_ms: 2000 },
];

/** Minutes before the real now, as RFC 3339. */
export function minutesAgo(minutes: number): string {
  return new Date(Date.now() - minutes * 60_000).toISOString();
}

export function interview(id: number, name: string, overrides: Partial<Interview> = {}): Interview {
  return {
    application_id: id,
    step: 'queued',
    queued_since: minutesAgo(5),
    late: false,
    reviewer: null,
    name,
    document_masked: '310101********123X',
    phone_masked: '139****5678',
    product: 'virtual_debit',
    uploads,
    ticked: [],
    ...overrides,
  };
}

export const liu = interview(1, 'Liu Yang', { queued_since: minutesAgo(42), late: true });
export const emma = interview(2, 'Emma Clark');

export const sam: StaffProfile = { username: 'sam', display_name: 'Sam Supervisor', role: 'supervisor', expires_at: '2030-01-01T08:00:00Z' };

export function virtualCard(overrides: Partial<VirtualCard> = {}): VirtualCard {
  return {
    card_id: 91,
    application_id: 1,
    route: 'video_interview',
    decided_by: 'agent:alice',
    issued_at: '2024-05-01T07:30:00Z',
    expiry_month: 5,
    expiry_year: 2027,
    ...overrides,
  };
}

export const issued: VerdictAnswer = { state: 'issued', step: 'claimed', card: virtualCard() };
export const rejected: VerdictAnswer = { state: 'rejected', step: 'claimed', card: null };

/**
 * A signed-in desk whose queue is `queue` (changeable as the test goes),
 * opened on the interview screen with Alt+I. Claims mark the interview as
 * the signed-in member's.
 */
export async function onInterviews(
  queue: Interview[] = [liu, emma],
  extra: Record<string, Answer> = {},
  profile: StaffProfile = alice,
) {
  const state = { queue: [...queue] };
  const label = `${profile.role}:${profile.username}`;
  const desk = signedInDesk(customerView(), {
    me: profile,
    interviews: () => state.queue,
    claim_interview: (args: Record<string, unknown>) => {
      const id = args['applicationId'];
      state.queue = state.queue.map((i) => (i.application_id === id ? { ...i, step: 'claimed', reviewer: label } : i));
      return state.queue.find((i) => i.application_id === id);
    },
    interview_media: (args: Record<string, unknown>) => (args['kind'] === 'video' ? [26, 69, 223, 163] : [255, 216, 255]),
    ...extra,
  });
  const user = userEvent.setup();
  (await deskReady()).blur();
  await user.keyboard('{Alt>}i{/Alt}');
  await screen.findByTestId('interviews-screen');
  return { ...desk, user, state };
}
