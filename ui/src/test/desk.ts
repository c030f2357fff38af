/** A signed-in desk as the mock shell answers it, for the desk's screen tests. */
import { screen } from '@testing-library/svelte';

import type { Case, CustomerView } from '../lib/api/wire';
import { alice, caseOf, customerView, demoInfo, entry, preview, results } from './fixtures';
import { Failure, shell, type Answer } from './ipc';
import { renderConsole } from './render';

export function signedInDesk(view: CustomerView = customerView(), extra: Record<string, Answer> = {}) {
  let current: Case = caseOf('instructed');
  const mock = shell({
    desk_info: demoInfo,
    me: alice,
    search: (args: Record<string, unknown>) => {
      const query = (args['request'] as { query: string }).query;
      if (query.length < 4 && /^\d+$/.test(query)) return new Failure('invalid_input', 'too short');
      if (query === 'nobody') return { hits: [], truncated: false };
      return results(view);
    },
    customer: () => view,
    card_history: [{ from: 'active', to: 'frozen', reason: 'wrong_pin_limit', channel: 'system', actor: 'system', at: '2024-05-01T06:00:00Z' }],
    preview,
    send_unfreeze: () => current,
    get_case: () => current,
    timeline: () => [entry(1, 'case.marked'), entry(2, 'case.packaged'), entry(3, 'case.instructed')],
    voice_audio: (args: Record<string, unknown>) => (args['messageId'] === 41 ? [82, 73, 70, 70] : new Failure('not_found')),
    ...extra,
  });
  renderConsole('en');
  return {
    mock,
    setCase: (next: Case) => {
      current = next;
    },
  };
}

/** Waits for the desk, then for the search field. */
export async function deskReady(): Promise<HTMLInputElement> {
  return (await screen.findByTestId('search-input')) as HTMLInputElement;
}
