/** The offline demo's first-run tour on the desk, with the shell mocked. */
import { cleanup, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';

import { alice, demoInfo } from '../../test/fixtures';
import { shell } from '../../test/ipc';
import { renderConsole } from '../../test/render';
import type { Locale } from '../i18n/index.svelte';

afterEach(() => {
  cleanup();
  clearMocks();
  localStorage.clear();
});

/** Signs `username` in on a desk and waits for it. */
async function desk(locale: Locale = 'en', username = 'alice', info = demoInfo): Promise<void> {
  shell({ desk_info: info, me: { ...alice, username } });
  renderConsole(locale);
  await screen.findByTestId('search-input');
}

describe('the first-run tour', () => {
  it('says what to try, naming the demo caller, on the first sign-in only', async () => {
    await desk();
    const tour = screen.getByRole('region', { name: 'Try the offline demo' });
    const text = tour.textContent ?? '';
    for (const part of [
      'last four digits of their phone: try 0008',
      'press Ctrl+Enter to send the unfreeze instructions by text and voice',
      'open the code, enter their details (try a wrong password first)',
      'timeline update live',
      'Press ? for every shortcut',
    ]) {
      expect(text).toContain(part);
    }
    // In the search column's flow after the results: it covers neither a result nor the customer.
    const column = screen.getByTestId('search-input').closest('.search-col');
    expect(column?.contains(tour)).toBe(true);
    expect(document.getElementById('search-results')!.compareDocumentPosition(tour) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    // The search keeps the keyboard: the tour takes no focus.
    expect(document.activeElement).toBe(screen.getByTestId('search-input'));
    cleanup();
    await desk();
    expect(screen.queryByTestId('demo-tour')).toBeNull();
  });

  it('closes with its button or with Escape, and stays closed', async () => {
    const user = userEvent.setup();
    await desk();
    const close = within(screen.getByTestId('demo-tour')).getByRole('button', { name: 'Close the tour' });
    await user.click(close);
    expect(screen.queryByTestId('demo-tour')).toBeNull();
    cleanup();
    await desk();
    expect(screen.queryByTestId('demo-tour')).toBeNull();

    // Another member of staff sees it once too; the keyboard reaches its button and Escape closes it.
    cleanup();
    await desk('en', 'bob');
    expect(screen.getByTestId('demo-tour')).not.toBeNull();
    screen.getByTestId('demo-tour-close').focus();
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('demo-tour')).toBeNull());
    cleanup();
    await desk('en', 'bob');
    expect(screen.queryByTestId('demo-tour')).toBeNull();
  });

  it('speaks Chinese, and says what to try without a number when the desk names none', async () => {
    await desk('zh-CN', 'alice', { ...demoInfo, demo_hint: null });
    const tour = screen.getByRole('region', { name: '试用离线演示' });
    const text = tour.textContent ?? '';
    expect(text).toContain('按来电客户手机号后四位查找客户。');
    expect(text).not.toContain('试试');
    expect(text).toContain('按 Ctrl+Enter 通过短信和语音发送解冻指引');
    expect(text).toContain('先试一次错误的密码');
    expect(within(tour).getByRole('button', { name: '关闭导览' })).not.toBeNull();
  });

  it('is not shown on a shared server’s desk', async () => {
    await desk('en', 'alice', { ...demoInfo, mode: 'connected', server_url: 'https://desk.example', demo: false, demo_hint: null });
    expect(screen.queryByTestId('demo-tour')).toBeNull();
    // Nor is it used up there: the first demo sign-in still shows it.
    cleanup();
    await desk();
    expect(screen.getByTestId('demo-tour')).not.toBeNull();
  });
});
