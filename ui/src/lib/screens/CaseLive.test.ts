/** The case's live timeline, its actions and the help panel, with the shell mocked and its events emitted. */
import { cleanup, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';

import { caseOf, customerView, entry, pinCard } from '../../test/fixtures';
import { deskReady, signedInDesk } from '../../test/desk';
import { fakeUrls, shellEvent } from '../../test/ipc';

afterEach(() => {
  cleanup();
  clearMocks();
});

/** A desk on a customer whose frozen card already has an instructed case, opened and shown. */
async function onOpenCase(extra: Record<string, unknown> = {}) {
  const steps = [entry(1, 'case.marked'), entry(2, 'case.packaged'), entry(3, 'case.instructed')];
  const desk = signedInDesk(customerView([pinCard], [caseOf('instructed')]), { timeline: () => [...steps], ...extra });
  const user = userEvent.setup();
  await user.type(await deskReady(), '4321{Enter}');
  await waitFor(() => expect(screen.getAllByTestId('timeline-entry')).toHaveLength(3));
  return { ...desk, steps, user };
}

describe('the live timeline', () => {
  it('follows the customer: code opened, challenged, a failure with attempts left, then unfrozen and the card’s badge', async () => {
    const { steps, setCase } = await onOpenCase();
    expect(screen.getByTestId('case-state').textContent).toBe('Instructions sent');

    steps.push(entry(4, 'case.requested'), entry(5, 'case.challenged'));
    setCase(caseOf('challenged'));
    await shellEvent('desk-event', { kind: 'case', case_id: 31, state: 'challenged' });
    await waitFor(() => expect(screen.getByTestId('case-state').textContent).toBe('Customer challenged'));
    expect(screen.getAllByTestId('timeline-entry').map((e) => e.dataset['action'])).toEqual([
      'case.marked', 'case.packaged', 'case.instructed', 'case.requested', 'case.challenged',
    ]);

    steps.push(entry(6, 'case.verification', 'failure'));
    setCase(caseOf('challenged', { attempts_left: 2, failed_attempts: 1 }));
    await shellEvent('desk-event', { kind: 'attempt', case_id: 31, remaining: 2 });
    await waitFor(() => expect(screen.getByTestId('attempts-left').textContent).toBe('2 attempts left'));
    await waitFor(() => expect(screen.getAllByTestId('timeline-entry').at(-1)?.dataset['outcome']).toBe('failure'));

    steps.push(entry(7, 'case.verified'), entry(8, 'card.unfrozen'));
    setCase(caseOf('unfrozen'));
    await shellEvent('desk-event', { kind: 'card', card_id: 11, status: 'active' });
    await shellEvent('desk-event', { kind: 'case', case_id: 31, state: 'unfrozen' });
    await waitFor(() => expect(screen.getByTestId('case-state').textContent).toBe('Unfrozen'));
    expect(screen.getByTestId('card-status-11').textContent).toBe('Active');
    expect(screen.getByText('Card unfrozen')).toBeTruthy();
    expect(screen.queryByTestId('resend')).toBeNull();
    expect(screen.queryByTestId('send-unfreeze')).toBeNull();
  });

  it('re-reads the case on resync, and ignores another case’s events', async () => {
    const { mock, setCase } = await onOpenCase();
    const reads = mock.named('get_case').length;
    await shellEvent('desk-event', { kind: 'case', case_id: 99, state: 'challenged' });
    setCase(caseOf('requested'));
    await shellEvent('desk-event', { kind: 'resync' });
    await waitFor(() => expect(screen.getByTestId('case-state').textContent).toBe('Code opened'));
    expect(mock.named('get_case').length).toBe(reads + 1);
  });

  it('offers the voice prompt to play on an instruction event', async () => {
    await onOpenCase();
    await shellEvent('desk-event', { kind: 'instruction', case_id: 31, outbox_id: 40 });
    await shellEvent('desk-event', { kind: 'instruction', case_id: 31, outbox_id: 41 });
    const player = (await screen.findByTestId('voice-player')) as HTMLAudioElement;
    expect(player.getAttribute('src')).toBe(fakeUrls.made.at(-1));
    expect(player.controls).toBe(true);
  });
});

describe('acting on the case', () => {
  it('cancels with a reason from the dialog (Alt+X), and needs one', async () => {
    const { mock, user, setCase } = await onOpenCase({ cancel: () => caseOf('cancelled') });
    await user.keyboard('{Alt>}x{/Alt}');
    const confirm = await screen.findByTestId('cancel-confirm');
    await user.click(confirm);
    expect(screen.getByText('Enter a reason (up to 500 characters).')).toBeTruthy();
    expect(mock.named('cancel')).toHaveLength(0);
    setCase(caseOf('cancelled'));
    await user.type(screen.getByTestId('cancel-reason'), 'caller asked to stop');
    await user.click(confirm);
    await waitFor(() => expect(mock.named('cancel')[0]?.args).toEqual({ caseId: 31, request: { reason: 'caller asked to stop' } }));
    await waitFor(() => expect(screen.queryByTestId('cancel-dialog')).toBeNull());
    expect((await screen.findByTestId('case-state')).textContent).toBe('Cancelled');
    // The card is still frozen and its case is over: it can be sent again.
    expect(await screen.findByTestId('send-unfreeze')).toBeTruthy();
  });

  it('resends on the chosen channels with Alt+R', async () => {
    const { mock, user } = await onOpenCase({ resend: () => caseOf('instructed') });
    await user.click(screen.getByTestId('resend-text'));
    await user.keyboard('{Alt>}r{/Alt}');
    await waitFor(() => expect(mock.named('resend')[0]?.args).toEqual({ caseId: 31, request: { text: false, voice: true } }));
  });

  it('shows a refused action by its code', async () => {
    const { user } = await onOpenCase({ resend: () => ({ __fail: true }) });
    await user.click(screen.getByTestId('resend'));
    expect((await screen.findByTestId('unfreeze-error')).textContent).toContain('was not understood');
  });
});

describe('the help panel', () => {
  it('lists every shortcut and closes with Escape', async () => {
    signedInDesk();
    const user = userEvent.setup();
    (await deskReady()).blur();
    await user.keyboard('?');
    const panel = await screen.findByTestId('help-panel');
    for (const text of [
      'Find a caller', 'Send unfreeze instructions', 'Resend the instructions', 'Cancel the case', 'Play the voice prompt', 'Switch the language',
      'Open the interview queue', 'Claim the selected interview', 'Verdict: Pass / Fail / Retry', 'Record the verdict',
    ]) {
      expect(panel.textContent).toContain(text);
    }
    // Shortcuts wait while the panel is open.
    await user.keyboard('/');
    expect(document.activeElement).not.toBe(screen.getByTestId('search-input'));
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('help-panel')).toBeNull());
    await user.click(screen.getByTestId('help-button'));
    expect(await screen.findByTestId('help-panel')).toBeTruthy();
  });

  it('says the steps’ details in Chinese once the agent switches, leaving an unknown one as written', async () => {
    const { steps, user } = await onOpenCase();
    steps.splice(0, steps.length,
      { ...entry(1, 'case.marked'), detail: 'card 41 frozen for wrong_pin_limit' },
      { ...entry(2, 'case.packaged'), detail: 'asks id_number + transaction_password' },
      { ...entry(3, 'case.cancelled'), detail: 'customer hung up' },
    );
    await shellEvent('desk-event', { kind: 'case', case_id: 31, state: 'instructed' });
    await waitFor(() => expect(screen.getAllByTestId('timeline-detail')[0]?.textContent).toBe('Card 41, frozen for: Wrong PIN limit'));
    await user.keyboard('{Alt>}l{/Alt}');
    await waitFor(() => expect(screen.getAllByTestId('timeline-detail')[0]?.textContent).toBe('卡 41，冻结原因：密码错误次数超限'));
    const [, packaged, cancelled] = screen.getAllByTestId('timeline-detail');
    expect(packaged!.textContent).toBe('需核验：证件号码 + 交易密码');
    expect(cancelled!.textContent).toBe('customer hung up');
    expect(cancelled!.getAttribute('lang')).toBe('en');
  });
});

