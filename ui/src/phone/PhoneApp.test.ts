/** The demo phone as the demonstrator plays the customer, with the shell mocked. */
import { cleanup, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';

import type { PhoneMessage } from '../lib/api/phone';
import { Failure, shell, shellEvent } from '../test/ipc';
import { renderPhone } from '../test/render';

afterEach(() => {
  cleanup();
  clearMocks();
});

const facts = { name: 'Zhang Wei', id_number: '11010119900307123X', transaction_password: '246810' };
const text: PhoneMessage = {
  id: 40,
  case_id: 31,
  application_id: null,
  channel: 'text',
  language: 'en',
  body: 'Your card ending 4321: open code ABCDE-FGHJK within 15 minutes.',
  code: 'ABCDE-FGHJK',
  customer: facts,
};
const voice: PhoneMessage = { ...text, id: 41, channel: 'voice', body: 'Your code is A B C D E …' };

function challenge(attemptsLeft: number) {
  return {
    case_id: 31,
    credentials: ['id_number', 'transaction_password'],
    document_kind: 'resident_id',
    attempts_left: attemptsLeft,
    card_last_four: '4321',
    expires_at: '2024-05-01T07:15:00Z',
  };
}

function phoneShell(inbox: PhoneMessage[] = [voice, text]) {
  let left = 3;
  return shell({
    phone_inbox: () => inbox,
    phone_voice_audio: [82, 73, 70, 70],
    phone_open_code: { case_id: 31, card_last_four: '4321' },
    phone_challenge: () => challenge(left),
    phone_verify: (args: Record<string, unknown>) => {
      if (args['idNumber'] === facts.id_number && args['transactionPassword'] === facts.transaction_password) return { outcome: 'unfrozen' };
      left -= 1;
      return new Failure('verification_failed', `the details do not match; ${left} attempts left`);
    },
  });
}

describe('the demo phone', () => {
  it('shows the inbox newest first with the customer’s demo facts, and re-reads it on phone-inbox', async () => {
    const inbox: PhoneMessage[] = [];
    const mock = phoneShell(inbox);
    renderPhone('en');
    expect(await screen.findByText(/No messages yet/)).toBeTruthy();
    inbox.push(voice, text);
    await shellEvent('phone-inbox', null);
    await waitFor(() => expect(screen.getAllByTestId('phone-message')).toHaveLength(2));
    const [first] = screen.getAllByTestId('phone-message');
    expect(first!.dataset['channel']).toBe('voice');
    expect(first!.textContent).toContain('What this customer knows');
    expect(first!.textContent).toContain('Demo data');
    expect(first!.textContent).toContain('11010119900307123X');
    expect(mock.named('phone_inbox')).toHaveLength(2);
  });

  it('shows a text to a virtual-card applicant as such, without demo facts, and opens the application pages', async () => {
    const applicant: PhoneMessage = {
      id: 50,
      case_id: null,
      application_id: 7,
      channel: 'text',
      language: 'en',
      body: 'Great Wall Bank: your virtual card application code is 123456, valid for 10 minutes.',
      code: null,
      customer: null,
    };
    const mock = shell({ phone_inbox: () => [applicant, text], phone_open_apply: null });
    const user = userEvent.setup();
    renderPhone('en');
    await waitFor(() => expect(screen.getAllByTestId('phone-message')).toHaveLength(2));
    const [first] = screen.getAllByTestId('phone-message');
    expect(first!.dataset['applicationId']).toBe('7');
    expect(first!.textContent).toContain('Virtual card application 7');
    expect(first!.textContent).toContain('123456');
    expect(first!.textContent).not.toContain('What this customer knows');
    await user.click(screen.getByTestId('phone-apply'));
    await waitFor(() => expect(mock.named('phone_open_apply')).toHaveLength(1));
  });

  it('plays a voice prompt', async () => {
    const mock = phoneShell();
    const user = userEvent.setup();
    renderPhone('en');
    await user.click((await screen.findAllByTestId('phone-play'))[0]!);
    expect(await screen.findByTestId('phone-voice-player')).toBeTruthy();
    expect(mock.named('phone_voice_audio')[0]?.args).toEqual({ messageId: 41 });
  });

  it('opens the code, fails once with a wrong password (attempts left), then succeeds with the right details', async () => {
    const mock = phoneShell();
    const user = userEvent.setup();
    renderPhone('en');
    await user.click((await screen.findAllByTestId('phone-start'))[1]!);
    expect((screen.getByTestId('phone-code') as HTMLInputElement).value).toBe('ABCDE-FGHJK');
    await user.click(screen.getByTestId('phone-open-code'));
    expect(await screen.findByText('Unfreezing the card ending 4321')).toBeTruthy();
    expect(mock.named('phone_open_code')[0]?.args).toEqual({ code: 'ABCDE-FGHJK' });
    expect(screen.getByLabelText('Resident ID number')).toBeTruthy();

    await user.click(screen.getByTestId('phone-fill-wrong'));
    await user.click(screen.getByTestId('phone-submit'));
    const result = screen.getByTestId('phone-result');
    await waitFor(() => expect(result.dataset['outcome']).toBe('mismatch'));
    expect(result.textContent).toContain('The details do not match. 2 attempts left.');
    expect(screen.getByTestId('phone-attempts').textContent).toContain('2 attempts left');

    await user.click(screen.getByTestId('phone-fill-right'));
    expect((screen.getByTestId('phone-id-number') as HTMLInputElement).value).toBe(facts.id_number);
    await user.click(screen.getByTestId('phone-submit'));
    await waitFor(() => expect(screen.getByTestId('phone-result').dataset['outcome']).toBe('unfrozen'));
    expect(screen.getByTestId('phone-result').textContent).toContain('your card is unfrozen');
    expect(mock.named('phone_verify').map((c) => c.args['transactionPassword'])).toEqual(['000000', '246810']);
  });

  it('says the case is locked or the code expired, in Chinese too', async () => {
    const mock = phoneShell();
    const user = userEvent.setup();
    renderPhone('zh-CN');
    mock.answers['phone_open_code'] = new Failure('expired', 'expired');
    await user.click((await screen.findAllByTestId('phone-start'))[0]!);
    await user.click(screen.getByTestId('phone-open-code'));
    await waitFor(() => expect(screen.getByTestId('phone-result').dataset['outcome']).toBe('expired'));
    expect(screen.getByTestId('phone-result').textContent).toContain('验证码已过期');
  });

  it('goes back to the inbox when another case’s message arrives after an outcome, but never while the customer is answering', async () => {
    const inbox: PhoneMessage[] = [voice, text];
    const mock = phoneShell(inbox);
    const user = userEvent.setup();
    renderPhone('en');
    await user.click((await screen.findAllByTestId('phone-start'))[1]!);
    await user.click(screen.getByTestId('phone-open-code'));
    await user.click(await screen.findByTestId('phone-fill-right'));
    await user.click(screen.getByTestId('phone-submit'));
    await waitFor(() => expect(screen.getByTestId('phone-result').dataset['outcome']).toBe('unfrozen'));

    // Case 32's instructions arrive while case 31's outcome is on screen: the inbox shows them first.
    const next: PhoneMessage = { ...text, id: 42, case_id: 32, body: 'Your card ending 9876: open code KLMNP-QRSTV.', code: 'KLMNP-QRSTV' };
    inbox.unshift(next);
    await shellEvent('phone-inbox', null);
    await waitFor(() => expect(screen.queryByTestId('phone-result')).toBeNull());
    const [first] = screen.getAllByTestId('phone-message');
    expect(first!.dataset['caseId']).toBe('32');

    // Midway through answering case 32, case 33's message does not take the flow away.
    await user.click(screen.getAllByTestId('phone-start')[0]!);
    await user.click(screen.getByTestId('phone-open-code'));
    await user.click(await screen.findByTestId('phone-fill-wrong'));
    inbox.unshift({ ...next, id: 43, case_id: 33 });
    await shellEvent('phone-inbox', null);
    await waitFor(() => expect(mock.named('phone_inbox')).toHaveLength(3));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(screen.queryAllByTestId('phone-message')).toHaveLength(0);
    expect((screen.getByTestId('phone-id-number') as HTMLInputElement).value).toBe(facts.id_number);
    expect(screen.getByRole('heading', { name: 'Case 32' })).toBeTruthy();
  });

  it('stays on a case’s result when the new message is for the same case (a resend)', async () => {
    const inbox: PhoneMessage[] = [text];
    const mock = phoneShell(inbox);
    const user = userEvent.setup();
    renderPhone('en');
    await user.click(await screen.findByTestId('phone-start'));
    await user.click(screen.getByTestId('phone-open-code'));
    await user.click(await screen.findByTestId('phone-fill-right'));
    await user.click(screen.getByTestId('phone-submit'));
    await waitFor(() => expect(screen.getByTestId('phone-result').dataset['outcome']).toBe('unfrozen'));
    inbox.unshift({ ...text, id: 44 });
    await shellEvent('phone-inbox', null);
    await waitFor(() => expect(mock.named('phone_inbox')).toHaveLength(2));
    // Let the re-read inbox land before looking.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(screen.getByTestId('phone-result').dataset['outcome']).toBe('unfrozen');
  });
});
