import { describe, expect, it } from 'vitest';

import { emma, liu } from '../../test/interviews';
import type { Result } from '../api/ipc';
import type { Interview } from '../api/wire';
import { InterviewQueue, type QueueApi } from './interviews.svelte';

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function api(overrides: Partial<QueueApi> = {}): QueueApi {
  const never = async (): Promise<never> => {
    throw new Error('not expected');
  };
  return {
    interviews: async () => ({ ok: true, value: [liu, emma] }),
    claimInterview: never,
    reassignInterview: never,
    approveOverride: never,
    declineOverride: never,
    ...overrides,
  };
}

describe('the interview queue', () => {
  it('loads, then keeps the list on screen while re-reading, and says why when the first read fails', async () => {
    const failing = new InterviewQueue(api({ interviews: async () => ({ ok: false, error: { code: 'unavailable', message: 'down' } }) }));
    await failing.load();
    expect(failing.list).toEqual({ status: 'error', error: { code: 'unavailable', message: 'down' } });

    const queue = new InterviewQueue(api());
    await queue.load();
    expect(queue.items.map((i) => i.name)).toEqual(['Liu Yang', 'Emma Clark']);
  });

  it('re-reads on application events and resync, one read at a time, the last event always heard', async () => {
    const reads: ReturnType<typeof deferred<Result<readonly Interview[]>>>[] = [];
    const queue = new InterviewQueue(
      api({
        interviews: () => {
          const next = deferred<Result<readonly Interview[]>>();
          reads.push(next);
          return next.promise;
        },
      }),
    );
    const first = queue.load();
    queue.handle({ kind: 'application', application_id: 1, state: 'routed', step: 'claimed' });
    queue.handle({ kind: 'resync' });
    queue.handle({ kind: 'card', card_id: 4, status: 'active' });
    expect(reads).toHaveLength(1);
    reads[0]!.resolve({ ok: true, value: [liu, emma] });
    await Promise.resolve();
    await Promise.resolve();
    expect(reads).toHaveLength(2);
    reads[1]!.resolve({ ok: true, value: [emma] });
    await first;
    expect(queue.items.map((i) => i.name)).toEqual(['Emma Clark']);
  });

  it('puts the claimed interview in the list and selects the next queued one', async () => {
    const claimed = { ...liu, step: 'claimed' as const, reviewer: 'agent:alice' };
    const queue = new InterviewQueue(api({ claimInterview: async () => ({ ok: true, value: claimed }) }));
    await queue.load();
    expect((await queue.claim(1)).ok).toBe(true);
    expect(queue.items[0]).toEqual(claimed);
    queue.select(1);
    expect(queue.next()?.name).toBe('Emma Clark');
    expect(queue.selectedId).toBe(2);
  });

  it('keeps a refusal to show beside the item, and runs one action at a time', async () => {
    const gate = deferred<Result<Interview>>();
    const queue = new InterviewQueue(api({ claimInterview: () => gate.promise }));
    await queue.load();
    const claiming = queue.claim(1);
    expect(queue.busy).toEqual({ action: 'claim', applicationId: 1 });
    expect((await queue.claim(2)).ok).toBe(false);
    gate.resolve({ ok: false, error: { code: 'illegal_state', message: 'taken' } });
    await claiming;
    expect(queue.busy).toBeNull();
    expect(queue.error?.code).toBe('illegal_state');
  });
});
