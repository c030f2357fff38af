/**
 * The shell as an agent meets it, with the Rust side replaced by `mockIPC`:
 * the real `backend.ts` calls the real `invoke`, whose IPC answers from here.
 */
import { cleanup, render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';

import App from './App.svelte';
import type { Locale } from './lib/i18n/index.svelte';

/** Answers `desk_info` as the offline Rust desk does, and counts the calls. */
function mockOfflineDesk(): { calls: string[] } {
  const calls: string[] = [];
  mockIPC((command) => {
    calls.push(command);
    if (command === 'desk_info') return { mode: 'offline-demo', version: '9.8.7' };
    throw new Error(`unexpected command ${command}`);
  });
  return { calls };
}

function renderApp(initialLocale: Locale = 'en') {
  return render(App, { props: { initialLocale } });
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('the console shell', () => {
  it('shows the desk mode the Rust side reports, in English', async () => {
    const { calls } = mockOfflineDesk();
    renderApp('en');

    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('CardDesk');
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe('The console is starting');
    const mode = await screen.findByTestId('desk-mode');
    expect(mode.textContent).toBe('Offline demo');
    expect(screen.getByTestId('desk-version').textContent).toBe('Version 9.8.7');
    expect(screen.getByTestId('desk-status').dataset['state']).toBe('ready');
    expect(calls).toEqual(['desk_info']);
    expect(document.documentElement.lang).toBe('en');
  });

  it('shows the desk mode the Rust side reports, in Simplified Chinese', async () => {
    mockOfflineDesk();
    renderApp('zh-CN');

    const mode = await screen.findByTestId('desk-mode');
    expect(mode.textContent).toBe('离线演示');
    expect(screen.getByTestId('desk-version').textContent).toBe('版本 9.8.7');
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe('控制台正在启动');
    expect(document.documentElement.lang).toBe('zh-CN');
  });

  it('says it is connecting until the desk answers', async () => {
    let answer: (value: unknown) => void = () => {};
    mockIPC(() => new Promise((resolve) => (answer = resolve)));
    renderApp('en');

    expect(screen.getByTestId('desk-status').dataset['state']).toBe('loading');
    expect(screen.getByRole('status').textContent).toContain('Connecting to the desk');
    answer({ mode: 'offline-demo', version: '1.0.0' });
    expect((await screen.findByTestId('desk-mode')).textContent).toBe('Offline demo');
  });

  it('switches every visible text when the agent picks the other language', async () => {
    mockOfflineDesk();
    const user = userEvent.setup();
    renderApp('en');
    await screen.findByTestId('desk-mode');

    const chinese = screen.getByRole('button', { name: '简体中文' });
    expect(chinese.getAttribute('aria-pressed')).toBe('false');
    await user.click(chinese);

    expect(chinese.getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByRole('button', { name: 'English' }).getAttribute('aria-pressed')).toBe('false');
    expect(screen.getByTestId('desk-mode').textContent).toBe('离线演示');
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe('控制台正在启动');
    expect(screen.getByRole('group', { name: '语言' })).toBeTruthy();
    expect(document.body.textContent).not.toContain('Offline demo');
    expect(document.documentElement.lang).toBe('zh-CN');

    await user.click(screen.getByRole('button', { name: 'English' }));
    expect(screen.getByTestId('desk-mode').textContent).toBe('Offline demo');
    expect(document.body.textContent).not.toContain('离线演示');
  });

  it('toggles the language with Alt+L from the keyboard', async () => {
    mockOfflineDesk();
    const user = userEvent.setup();
    renderApp('en');
    await screen.findByTestId('desk-mode');

    await user.keyboard('{Alt>}l{/Alt}');
    expect(screen.getByTestId('desk-mode').textContent).toBe('离线演示');
    await user.keyboard('{Alt>}l{/Alt}');
    expect(screen.getByTestId('desk-mode').textContent).toBe('Offline demo');
    // A plain L is typing, not a shortcut.
    await user.keyboard('l');
    expect(screen.getByTestId('desk-mode').textContent).toBe('Offline demo');
  });

  it('reaches the language switch with Tab and switches with Enter', async () => {
    mockOfflineDesk();
    const user = userEvent.setup();
    renderApp('en');
    await screen.findByTestId('desk-mode');

    await user.tab();
    expect(document.activeElement?.textContent?.trim()).toBe('English');
    await user.tab();
    expect(document.activeElement?.textContent?.trim()).toBe('简体中文');
    await user.keyboard('{Enter}');
    expect(screen.getByTestId('desk-mode').textContent).toBe('离线演示');
  });

  it('shows an error with its code when the command fails, and retries on request', async () => {
    let fail = true;
    mockIPC((command) => {
      if (command !== 'desk_info') throw new Error(`unexpected command ${command}`);
      if (fail) throw { code: 'desk-unavailable', message: 'The desk has not started.' };
      return { mode: 'offline-demo', version: '1.2.3' };
    });
    const user = userEvent.setup();
    renderApp('en');

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The desk did not answer: The desk has not started.');
    expect(alert.textContent).toContain('Error code desk-unavailable');
    expect(screen.getByTestId('desk-status').dataset['state']).toBe('error');
    expect(screen.queryByTestId('desk-mode')).toBeNull();

    await user.click(screen.getByRole('button', { name: '简体中文' }));
    expect(screen.getByRole('alert').textContent).toContain('服务台没有响应');

    fail = false;
    await user.click(screen.getByRole('button', { name: '重试' }));
    expect((await screen.findByTestId('desk-mode')).textContent).toBe('离线演示');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows an error, not an empty status, when the answer has the wrong shape', async () => {
    mockIPC(() => ({ mode: 'connected-somewhere', version: 1 }));
    renderApp('en');

    const alert = await screen.findByRole('alert');
    expect(alert.dataset['code']).toBe('bad-response');
    await waitFor(() => expect(screen.getByTestId('desk-status').dataset['state']).toBe('error'));
  });
});
