import { describe, expect, it, vi } from 'vitest';

import type { Result } from '../api/ipc';
import type { AuditEntry, Case } from '../api/wire';
import { caseOf, entry } from '../../test/fixtures';
import { fakeUrls } from '../../test/ipc';
import { CaseWatch } from './case.svelte';

const ok = <T>(value: T): Result<T> => ({ ok: true, value });

/** A case API over a mutable case and timeline, counting reads. */
function fakeCaseApi() {
  const state = { current: caseOf('instructed'), entries: [entry(1, 'case.marked'), entry(2, 'case.instructed')] as AuditEntry[] };
  const reads = { getCase: 0, timeline: 0 };
  const voiceIds: number[] = [];
  const api = {
    getCase: vi.fn(async () => (reads.getCase++, ok(state.current))),
    timeline: vi.fn(async () => (reads.timeline++, ok([...state.entries]))),
    mark: vi.fn(async () => ok(caseOf('marked'))),
    package: vi.fn(async () => ok(caseOf('packaged'))),
    instruct: vi.fn(async () => ok(caseOf('instructed'))),
    sendUnfreeze: vi.fn(async () => ok(caseOf('instructed'))),
    resend: vi.fn(async () => ok(caseOf('instructed'))),
    cancel: vi.fn(async () => ok(caseOf('cancelled'))),
    voiceAudio: vi.fn(async (id: number): Promise<Result<Uint8Array<ArrayBuffer>>> => {
      voiceIds.push(id);
      // Message 40 is the text (not a voice prompt), 41 the voice prompt.
      return id === 41 ? ok(new Uint8Array([1, 2])) : { ok: false, error: { code: 'not_found', message: 'voice instruction' } };
    }),
  };
  return { api, state, reads, voiceIds };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the case on screen', () => {
  it('re-reads the case and timeline on its events, and ignores other cases’', async () => {
    const { api, state, reads } = fakeCaseApi();
    const seen: Case[] = [];
    const watch = new CaseWatch(api, (c) => seen.push(c), fakeUrls);
    watch.watch(caseOf('instructed'));
    await settle();
    expect(watch.entries).toHaveLength(2);

    state.current = caseOf('challenged');
    state.entries.push(entry(3, 'case.requested'), entry(4, 'case.challenged'));
    watch.handle({ kind: 'case', case_id: 99, state: 'challenged' });
    await settle();
    expect(reads.getCase).toBe(1);

    watch.handle({ kind: 'case', case_id: 31, state: 'challenged' });
    await settle();
    expect(watch.current?.state).toBe('challenged');
    expect(watch.entries.map((e) => e.action)).toEqual(['case.marked', 'case.instructed', 'case.requested', 'case.challenged']);
    expect(seen.at(-1)?.state).toBe('challenged');
  });

  it('shows the attempts left at once on an attempt event, then re-reads', async () => {
    const { api, state } = fakeCaseApi();
    const watch = new CaseWatch(api, () => {}, fakeUrls);
    watch.watch(caseOf('challenged'));
    await settle();
    state.current = caseOf('challenged', { attempts_left: 2, failed_attempts: 1 });
    watch.handle({ kind: 'attempt', case_id: 31, remaining: 2 });
    expect(watch.current?.attempts_left).toBe(2);
    await settle();
    expect(watch.current?.failed_attempts).toBe(1);
  });

  it('re-reads everything on resync', async () => {
    const { api, reads } = fakeCaseApi();
    const watch = new CaseWatch(api, () => {}, fakeUrls);
    watch.watch(caseOf('instructed'));
    await settle();
    watch.handle({ kind: 'resync' });
    await settle();
    expect(reads).toEqual({ getCase: 2, timeline: 2 });
  });

  it('finds the voice prompt among the instruction messages, even those heard before the send answered', async () => {
    const { api, voiceIds } = fakeCaseApi();
    const watch = new CaseWatch(api, () => {}, fakeUrls);
    // The events come before the send's answer. The newest (40, a text) is tried first, then 41.
    watch.handle({ kind: 'instruction', case_id: 31, outbox_id: 41 });
    watch.handle({ kind: 'instruction', case_id: 31, outbox_id: 40 });
    watch.watch(caseOf('instructed'));
    await settle();
    await settle();
    expect(voiceIds).toEqual([40, 41]);
    expect(watch.voice.status).toBe('ready');
    expect(watch.voice.status === 'ready' && watch.voice.messageId).toBe(41);
  });

  it('does one action at a time, so a double press sends once', async () => {
    const { api } = fakeCaseApi();
    const watch = new CaseWatch(api, () => {}, fakeUrls);
    const [first, second] = await Promise.all([
      watch.sendUnfreeze(11, { text: true, voice: true }),
      watch.sendUnfreeze(11, { text: true, voice: true }),
    ]);
    expect(first.ok).toBe(true);
    expect(second.ok).toBe(false);
    expect(api.sendUnfreeze).toHaveBeenCalledTimes(1);
    expect(watch.current?.id).toBe(31);
  });
});
