/** The demo phone's second action on a text: the bank's real customer page, with the shell mocked. */
import { cleanup, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';

import type { PhoneMessage } from '../lib/api/phone';
import { Failure, shell } from '../test/ipc';
import { renderPhone } from '../test/render';

afterEach(() => {
  cleanup();
  clearMocks();
});

const text: PhoneMessage = {
  id: 40,
  case_id: 31,
  application_id: null,
  channel: 'text',
  language: 'en',
  body: 'Open http://127.0.0.1:8080/u/ABCDE-FGHJK or enter code ABCDE-FGHJK.',
  code: 'ABCDE-FGHJK',
  customer: null,
};
const voice: PhoneMessage = { ...text, id: 41, channel: 'voice', body: 'Your code is A B C D E …' };

describe('the customer page from a text', () => {
  it('is offered on texts only and asks the shell to open that message’s page', async () => {
    const mock = shell({ phone_inbox: [voice, text], phone_open_page: null });
    const user = userEvent.setup();
    renderPhone();
    const [voiceItem, textItem] = await screen.findAllByTestId('phone-message');
    expect(within(voiceItem!).queryByTestId('phone-open-page')).toBeNull();
    await user.click(within(textItem!).getByRole('button', { name: 'Open the customer page' }));
    expect(mock.named('phone_open_page').map((c) => c.args)).toEqual([{ messageId: 40 }]);
    expect(screen.queryByRole('alert')).toBeNull();
    // The native flow stays.
    expect(within(textItem!).getByTestId('phone-start')).not.toBeNull();
  });

  it('says why when the page cannot open, in the phone’s language', async () => {
    shell({ phone_inbox: [text], phone_open_page: new Failure('not_available') });
    const user = userEvent.setup();
    renderPhone('zh-CN');
    await user.click(await screen.findByRole('button', { name: '打开客户页面' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).not.toBe(''));
  });
});
