import { afterEach, describe, expect, it, vi } from 'vitest';

import type { Result } from '../api/ipc';
import type { SearchRequest, SearchResults } from '../api/wire';
import { customerView, results } from '../../test/fixtures';
import { Search } from './search.svelte';

/** A search API whose answers the test releases by hand, in any order. */
function controlled() {
  const pending: { request: SearchRequest; answer: (r: Result<SearchResults>) => void }[] = [];
  const api = {
    search: (request: SearchRequest) => new Promise<Result<SearchResults>>((answer) => pending.push({ request, answer })),
  };
  return { api, pending };
}

const named = (name: string): Result<SearchResults> => {
  const view = customerView();
  return { ok: true, value: results({ ...view, customer: { ...view.customer, name } }) };
};

afterEach(() => vi.useRealTimers());

describe('search as the agent types', () => {
  it('asks once after a pause in typing, not on every key', async () => {
    vi.useFakeTimers();
    const { api, pending } = controlled();
    const search = new Search(api, 150);
    for (const q of ['4', '43', '432', '4321']) {
      search.set(q);
      vi.advanceTimersByTime(100);
    }
    expect(pending).toHaveLength(0);
    expect(search.status).toBe('loading');
    vi.advanceTimersByTime(150);
    expect(pending.map((p) => p.request)).toEqual([{ query: '4321', limit: 20 }]);
  });

  it('drops a slow answer to an older query when a newer one was typed', async () => {
    vi.useFakeTimers();
    const { api, pending } = controlled();
    const search = new Search(api, 150);
    search.set('zhang');
    vi.advanceTimersByTime(150);
    search.set('zhang w');
    vi.advanceTimersByTime(150);
    expect(pending).toHaveLength(2);
    // The newer answer comes first, then the older, slower one.
    pending[1]!.answer(named('Zhang Wei'));
    await vi.runAllTimersAsync();
    pending[0]!.answer(named('Zhang San'));
    await vi.runAllTimersAsync();
    expect(search.hits.map((h) => h.customer.name)).toEqual(['Zhang Wei']);
    expect(search.status).toBe('done');
  });

  it('drops an answer that arrives after the query was cleared', async () => {
    vi.useFakeTimers();
    const { api, pending } = controlled();
    const search = new Search(api, 150);
    search.set('4321');
    vi.advanceTimersByTime(150);
    search.clear();
    pending[0]!.answer(named('Zhang Wei'));
    await vi.runAllTimersAsync();
    expect(search.status).toBe('idle');
    expect(search.hits).toEqual([]);
  });

  it('asks at once on flush (Enter while typing) and keeps the arrows within the results', async () => {
    const view = customerView();
    const two: SearchResults = {
      hits: [...results(view).hits, { ...results(view).hits[0]!, customer: { ...view.customer, id: 8 } }],
      truncated: false,
    };
    const search = new Search({ search: async () => ({ ok: true, value: two }) }, 10_000);
    search.set('zhang');
    await search.flush();
    expect(search.hits).toHaveLength(2);
    search.move(1);
    search.move(1);
    expect(search.active).toBe(1);
    search.move(-5);
    expect(search.current?.customer.id).toBe(7);
  });

  it('keeps the error code, so invalid input shows as a hint', async () => {
    const search = new Search({ search: async () => ({ ok: false, error: { code: 'invalid_input', message: 'x' } }) }, 0);
    search.set('12');
    await search.flush();
    expect(search.status).toBe('error');
    expect(search.error?.code).toBe('invalid_input');
  });
});
