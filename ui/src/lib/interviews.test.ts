import { describe, expect, it } from 'vitest';

import { emma, interview, liu } from '../test/interviews';
import {
  isLate,
  isMine,
  mimeOf,
  needsOverride,
  nextInterview,
  offers,
  outcomeOf,
  staffLabel,
  usernameOf,
  verdictProblem,
  verdictRequest,
  waitedMinutes,
} from './interviews';

const agent = { role: 'agent', username: 'agent.li' } as const;
const supervisor = { role: 'supervisor', username: 'supervisor.zhang' } as const;
const NOW = Date.parse('2024-05-01T08:00:00Z');

describe('age against the SLA', () => {
  it('counts whole minutes since the interview was queued, never below zero', () => {
    const queued = interview(1, 'A', { queued_since: '2024-05-01T07:48:30Z' });
    expect(waitedMinutes(queued, NOW)).toBe(11);
    expect(waitedMinutes(interview(1, 'A', { queued_since: '2024-05-01T08:05:00Z' }), NOW)).toBe(0);
    expect(waitedMinutes(interview(1, 'A', { queued_since: null }), NOW)).toBe(0);
  });

  it('is late at 30 minutes by the clock, or when the desk said so', () => {
    expect(isLate(interview(1, 'A', { queued_since: '2024-05-01T07:31:00Z' }), NOW)).toBe(false);
    expect(isLate(interview(1, 'A', { queued_since: '2024-05-01T07:30:00Z' }), NOW)).toBe(true);
    expect(isLate(interview(1, 'A', { queued_since: '2024-05-01T07:59:00Z', late: true }), NOW)).toBe(true);
    expect(isLate(interview(1, 'A', { queued_since: null }), NOW)).toBe(false);
  });
});

describe('who may do what (shown; the processor decides)', () => {
  it('names staff as the processor labels them', () => {
    expect(staffLabel(agent)).toBe('agent:agent.li');
    expect(usernameOf('supervisor:supervisor.zhang')).toBe('supervisor.zhang');
    expect(usernameOf('system')).toBe('system');
  });

  it('offers the claim of a queued interview to agents and supervisors, the review only to its reviewer', () => {
    expect(offers(liu, agent)).toEqual({ claim: true, review: false, approveOverride: false, reassign: false });
    expect(offers(liu, { role: 'admin', username: 'root' }).claim).toBe(false);
    const mine = { ...liu, step: 'claimed' as const, reviewer: 'agent:agent.li' };
    expect(isMine(mine, agent)).toBe(true);
    expect(offers(mine, agent)).toEqual({ claim: false, review: true, approveOverride: false, reassign: false });
    expect(offers(mine, supervisor)).toEqual({ claim: false, review: false, approveOverride: false, reassign: true });
  });

  it('offers the override’s approval to supervisors only', () => {
    const waiting = { ...liu, step: 'awaiting_override' as const, reviewer: 'agent:agent.li' };
    expect(offers(waiting, agent).approveOverride).toBe(false);
    expect(offers(waiting, supervisor).approveOverride).toBe(true);
    expect(isMine(waiting, agent)).toBe(false);
  });
});

describe('uploads', () => {
  it('takes each container’s MIME type', () => {
    expect(['jpeg', 'png', 'webm', 'mp4'].map((c) => mimeOf(c as never))).toEqual([
      'image/jpeg',
      'image/png',
      'video/webm',
      'video/mp4',
    ]);
  });
});

describe('the verdict', () => {
  it('needs a verdict, and a reason for a fail or a retry', () => {
    expect(verdictProblem(null, [])).toBe('verdict_required');
    expect(verdictProblem('pass', [])).toBeNull();
    expect(verdictProblem('fail', [])).toBe('reasons_required');
    expect(verdictProblem('retry', [])).toBe('reasons_required');
    expect(verdictProblem('fail', ['not_live'])).toBeNull();
  });

  it('warns that a pass with an item unticked needs a supervisor', () => {
    const all = ['face_matches_id', 'liveness', 'document_genuine', 'consent_given', 'questions_answered'] as const;
    expect(needsOverride('pass', all)).toBe(false);
    expect(needsOverride('pass', all.slice(1))).toBe(true);
    expect(needsOverride('fail', [])).toBe(false);
  });

  it('sends the items in the checklist’s order and reasons only for a fail or a retry', () => {
    expect(verdictRequest('pass', ['liveness', 'face_matches_id'], ['not_live'])).toEqual({
      verdict: 'pass',
      checklist: ['face_matches_id', 'liveness'],
      reasons: [],
    });
    expect(verdictRequest('retry', [], ['photo_unreadable', 'photo_unreadable'])).toEqual({
      verdict: 'retry',
      checklist: [],
      reasons: ['photo_unreadable'],
    });
  });

  it('reads what the answer means', () => {
    expect(outcomeOf({ state: 'issued', step: 'claimed', card: null })).toBe('issued');
    expect(outcomeOf({ state: 'rejected', step: 'claimed', card: null })).toBe('rejected');
    expect(outcomeOf({ state: 'routed', step: 'awaiting_uploads', card: null })).toBe('retry');
    expect(outcomeOf({ state: 'routed', step: 'awaiting_override', card: null })).toBe('awaiting_override');
    expect(outcomeOf({ state: 'expired', step: 'claimed', card: null })).toBe('other');
  });
});

describe('the next interview', () => {
  it('moves to the next queued one after the current, wrapping, else to the next at all', () => {
    const claimed = { ...emma, application_id: 3, step: 'claimed' as const };
    const queue = [liu, claimed, emma];
    expect(nextInterview(queue, null)?.application_id).toBe(1);
    expect(nextInterview(queue, 1)?.application_id).toBe(2);
    expect(nextInterview(queue, 2)?.application_id).toBe(1);
    expect(nextInterview([claimed], 3)?.application_id).toBe(3);
    expect(nextInterview([], null)).toBeNull();
  });
});
