/**
 * Every screen passes axe-core with no serious or critical violation.
 * Contrast needs a real layout, which jsdom lacks: the end-to-end test runs
 * axe in the real window for that.
 */
import { cleanup, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import axe from 'axe-core';
import { afterEach, describe, expect, it } from 'vitest';

import { caseOf, customerView, demoInfo, pinCard } from './test/fixtures';
import { deskReady, signedInDesk } from './test/desk';
import { onInterviews, rejected, sam, liu } from './test/interviews';
import { Failure, shell } from './test/ipc';
import { renderConsole, renderPhone } from './test/render';

afterEach(() => {
  cleanup();
  clearMocks();
});

async function expectAccessible(): Promise<void> {
  const result = await axe.run(document, { rules: { 'color-contrast': { enabled: false } } });
  const bad = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(bad).toEqual([]);
}

const signedOut = {
  desk_info: demoInfo,
  me: new Failure('unauthenticated'),
  demo_staff: [{ username: 'alice', display_name: 'Alice Agent', role: 'agent' }],
  settings_get: { mode: 'connected', server_url: 'https://desk.example', ca_certificate: null },
};

describe('accessibility (axe-core)', () => {
  it('start: loading and failed', async () => {
    shell({ ...signedOut, desk_info: () => new Promise(() => {}) });
    renderConsole();
    await expectAccessible();
    cleanup();
    shell({ ...signedOut, desk_info: new Failure('unavailable') });
    renderConsole();
    await screen.findByTestId('desk-error');
    await expectAccessible();
  });

  it('sign-in with demo staff, and the settings dialog', async () => {
    shell(signedOut);
    const user = userEvent.setup();
    renderConsole('zh-CN');
    await screen.findByTestId('demo-staff-alice');
    await expectAccessible();
    await user.click(screen.getByTestId('open-settings'));
    await screen.findByTestId('settings-url');
    await expectAccessible();
  });

  it('the desk: empty, with results, a customer, the unfreeze panel and a live case', async () => {
    signedInDesk(customerView([pinCard, { ...pinCard, id: 15, status: 'active', freeze_reason: null, frozen_since: null, remote_unfreeze: null }]));
    const user = userEvent.setup();
    const input = await deskReady();
    await expectAccessible();
    await user.type(input, 'zhang');
    await screen.findByTestId('search-result');
    await expectAccessible();
    await user.keyboard('{Enter}');
    await screen.findByTestId('unfreeze-preview');
    await expectAccessible();
    await user.click(screen.getByTestId('send-unfreeze'));
    await waitFor(() => expect(screen.getAllByTestId('timeline-entry').length).toBeGreaterThan(0));
    await expectAccessible();
    await user.click(screen.getByTestId('cancel-case'));
    await screen.findByTestId('cancel-reason');
    await expectAccessible();
  });

  it('the first-run tour on the desk', async () => {
    localStorage.clear();
    signedInDesk();
    await deskReady();
    await screen.findByTestId('demo-tour');
    await expectAccessible();
  });

  it('the help panel', async () => {
    signedInDesk(customerView([pinCard], [caseOf('challenged')]));
    const user = userEvent.setup();
    await deskReady();
    await user.click(screen.getByTestId('help-button'));
    await screen.findByTestId('help-panel');
    await expectAccessible();
  });

  it('the interview queue, a review with the verdict’s reasons and its answer, and the reassign dialog', async () => {
    const { user } = await onInterviews(undefined, { decide_interview: rejected });
    await screen.findAllByTestId('interview-row');
    await expectAccessible();
    await user.click(screen.getByTestId('interview-claim'));
    await screen.findByTestId('media-video');
    await user.click(screen.getByTestId('verdict-fail'));
    await user.click(screen.getByTestId('reason-not_live'));
    await expectAccessible();
    await user.click(screen.getByTestId('verdict-submit'));
    await screen.findByTestId('verdict-answer');
    await expectAccessible();
    cleanup();
    const supervisor = await onInterviews([{ ...liu, step: 'claimed', reviewer: 'agent:alice' }], {}, sam);
    await supervisor.user.click(await screen.findByTestId('interview-reassign'));
    await screen.findByTestId('reassign-username');
    await expectAccessible();
  });

  it('the phone: inbox and the customer’s flow', async () => {
    const message = {
      id: 40, case_id: 31, application_id: null, channel: 'text', language: 'en', body: 'code ABCDE-FGHJK', code: 'ABCDE-FGHJK',
      customer: { name: 'Zhang Wei', id_number: '11010119900307123X', transaction_password: '246810' },
    };
    shell({
      phone_inbox: [message, { ...message, id: 41, channel: 'voice' }],
      phone_open_code: { case_id: 31, card_last_four: '4321' },
      phone_challenge: {
        case_id: 31, credentials: ['id_number', 'transaction_password'], document_kind: 'resident_id',
        attempts_left: 3, card_last_four: '4321', expires_at: '2024-05-01T07:15:00Z',
      },
      phone_verify: new Failure('verification_failed'),
    });
    const user = userEvent.setup();
    renderPhone();
    await screen.findAllByTestId('phone-message');
    await expectAccessible();
    await user.click(screen.getAllByTestId('phone-start')[0]!);
    await user.click(screen.getByTestId('phone-open-code'));
    await screen.findByTestId('phone-id-number');
    await user.click(screen.getByTestId('phone-submit'));
    await waitFor(() => expect(screen.getByTestId('phone-result').dataset['outcome']).toBe('mismatch'));
    await expectAccessible();
  });
});
