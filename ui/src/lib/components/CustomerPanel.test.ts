/** The customer view says how each virtual card came to be. */
import { cleanup, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';

import { deskReady, signedInDesk } from '../../test/desk';
import { customerView, pinCard } from '../../test/fixtures';
import { virtualCard } from '../../test/interviews';

afterEach(() => {
  cleanup();
  clearMocks();
});

const virtualDebit = { ...pinCard, id: 91, masked_number: '621799******1234', product: 'virtual_debit', status: 'active' as const, freeze_reason: null, frozen_since: null, remote_unfreeze: null };
const secondVirtual = { ...virtualDebit, id: 92, masked_number: '621799******5678' };

describe('virtual cards in the customer view', () => {
  it('says when and how each was issued and who decided, in both languages; other cards say nothing', async () => {
    signedInDesk(
      customerView([pinCard, virtualDebit, secondVirtual], [], [
        virtualCard({ card_id: 91, decided_by: 'agent:agent.li', issued_at: '2024-05-01T07:30:00Z' }),
        virtualCard({ card_id: 92, application_id: 2, route: 'two_card', decided_by: 'system' }),
      ]),
    );
    const user = userEvent.setup();
    await user.type(await deskReady(), '4321{Enter}');
    const interviewed = await screen.findByTestId('card-virtual-91');
    expect(interviewed.textContent).toMatch(/^\s*Virtual card, issued .*2024.* via video interview, decided by agent\.li\s*$/);
    expect(screen.getByTestId('card-virtual-92').textContent).toContain('via two-card authentication, decided by the system');
    expect(screen.queryByTestId('card-virtual-11')).toBeNull();
    await user.keyboard('{Alt>}l{/Alt}');
    expect(screen.getByTestId('card-virtual-91').textContent).toContain('通过视频面审发卡，决定人：agent.li');
    expect(screen.getByTestId('card-virtual-92').textContent).toContain('通过双卡验证发卡，决定人：系统');
  });
});
