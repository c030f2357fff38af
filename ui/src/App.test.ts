/**
 * The console as an agent meets it: start, sign-in, the session's end. The
 * Rust side is `mockIPC`; the real commands call the real `invoke`.
 */
import { cleanup, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';

import { alice, demoInfo } from './test/fixtures';
import { Failure, shell, shellEvent } from './test/ipc';
import { renderConsole } from './test/render';

afterEach(() => {
  cleanup();
  clearMocks();
});

const signedOut = {
  desk_info: demoInfo,
  me: new Failure('unauthenticated'),
  demo_staff: [
    { username: 'alice', display_name: 'Alice Agent', role: 'agent' },
    { username: 'sam', display_name: 'Sam Supervisor', role: 'supervisor' },
  ],
  search: { hits: [], truncated: false },
};

describe('starting the console', () => {
  it('says it is connecting until the desk answers', async () => {
    let answer: (value: unknown) => void = () => {};
    shell({ ...signedOut, desk_info: () => new Promise((resolve) => (answer = resolve)) });
    renderConsole('en');
    expect(screen.getByTestId('desk-status').dataset['state']).toBe('loading');
    expect(screen.getByRole('status').textContent).toContain('Connecting to the desk');
    answer(demoInfo);
    expect(await screen.findByTestId('sign-in-username')).toBeTruthy();
    expect(screen.getByTestId('desk-mode').textContent).toBe('Offline demo');
  });

  it('shows an error with its code when desk_info fails, and retries on request', async () => {
    const mock = shell({ ...signedOut, desk_info: new Failure('unavailable', 'server down') });
    const user = userEvent.setup();
    renderConsole('en');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The desk cannot be reached');
    expect(alert.textContent).toContain('Error code unavailable');
    mock.answers['desk_info'] = demoInfo;
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('sign-in-username')).toBeTruthy();
  });

  it('goes straight to the desk when the shell still holds a session', async () => {
    shell({ ...signedOut, me: alice });
    renderConsole('en');
    expect((await screen.findByTestId('staff-name')).textContent).toBe('Alice Agent');
    expect(screen.getByTestId('staff-role').textContent).toBe('Agent');
  });
});

describe('signing in', () => {
  it('submits with Enter and shows “sign-in failed” for unauthenticated, without the password kept', async () => {
    const mock = shell({ ...signedOut, sign_in: new Failure('unauthenticated', 'bad credentials') });
    const user = userEvent.setup();
    renderConsole('en');
    await user.type(await screen.findByTestId('sign-in-username'), 'alice');
    await user.type(screen.getByTestId('sign-in-password'), 'wrong{Enter}');
    await waitFor(() => expect(screen.getByTestId('sign-in-error').textContent).toContain('Sign-in failed'));
    expect(mock.named('sign_in')[0]?.args).toEqual({ request: { username: 'alice', password: 'wrong' } });
    expect((screen.getByTestId('sign-in-password') as HTMLInputElement).value).toBe('');

    mock.answers['sign_in'] = alice;
    await user.type(screen.getByTestId('sign-in-password'), 'right{Enter}');
    expect((await screen.findByTestId('staff-name')).textContent).toBe('Alice Agent');
  });

  it('offers the demo staff as one-click buttons in the offline demo', async () => {
    const mock = shell({ ...signedOut, sign_in_demo: { ...alice, username: 'sam', display_name: 'Sam Supervisor', role: 'supervisor' } });
    const user = userEvent.setup();
    renderConsole('en');
    await user.click(await screen.findByTestId('demo-staff-sam'));
    expect((await screen.findByTestId('staff-role')).textContent).toBe('Supervisor');
    expect(mock.named('sign_in_demo')[0]?.args).toEqual({ username: 'sam' });
  });

  it('offers no demo staff on a connected desk', async () => {
    const mock = shell({ ...signedOut, desk_info: { ...demoInfo, mode: 'connected', server_url: 'https://desk.example', demo: false, demo_hint: null } });
    renderConsole('en');
    await screen.findByTestId('sign-in-username');
    expect(screen.getByTestId('desk-mode').textContent).toBe('Connected to https://desk.example');
    expect(screen.queryByTestId('demo-staff-alice')).toBeNull();
    expect(mock.named('demo_staff')).toHaveLength(0);
  });

  it('saves the settings and shows sign-in again on the switched desk', async () => {
    const mock = shell({
      ...signedOut,
      settings_get: { mode: 'offline', server_url: null, ca_certificate: null },
      settings_save: { mode: 'connected', version: '9.8.7', server_url: 'https://desk.example', demo: false, demo_hint: null },
    });
    const user = userEvent.setup();
    renderConsole('en');
    await user.click(await screen.findByTestId('open-settings'));
    await user.click(await screen.findByTestId('settings-connected'));
    await user.click(screen.getByTestId('settings-save'));
    expect(await screen.findByText('Enter the server URL (https://…).')).toBeTruthy();
    await user.type(screen.getByTestId('settings-url'), 'https://desk.example');
    await user.type(screen.getByTestId('settings-ca'), '/etc/bank-ca.pem');
    await user.click(screen.getByTestId('settings-save'));
    await waitFor(() => expect(screen.getByTestId('sign-in-notice').dataset['notice']).toBe('settings_saved'));
    expect(mock.named('settings_save')[0]?.args).toEqual({
      settings: { mode: 'connected', server_url: 'https://desk.example', ca_certificate: '/etc/bank-ca.pem' },
    });
    expect(screen.getByTestId('desk-mode').textContent).toBe('Connected to https://desk.example');
  });
});

describe('the session', () => {
  it('goes back to sign-in with a message when the shell says the session ended', async () => {
    shell({ ...signedOut, me: alice });
    renderConsole('en');
    await screen.findByTestId('staff-name');
    await shellEvent('desk-session-ended', null);
    const notice = await screen.findByTestId('sign-in-notice');
    expect(notice.textContent).toBe('Your session ended. Please sign in again.');
    expect(screen.queryByTestId('search-input')).toBeNull();
  });

  it('signs out from the header', async () => {
    const mock = shell({ ...signedOut, me: alice, sign_out: null });
    const user = userEvent.setup();
    renderConsole('en');
    await user.click(await screen.findByTestId('sign-out'));
    expect((await screen.findByTestId('sign-in-notice')).dataset['notice']).toBe('signed_out');
    expect(mock.named('sign_out')).toHaveLength(1);
  });
});

describe('languages', () => {
  it('switches every visible text at run time, with the buttons or Alt+L', async () => {
    shell(signedOut);
    const user = userEvent.setup();
    renderConsole('en');
    await screen.findByTestId('sign-in-username');
    expect(screen.getByRole('heading', { level: 2, name: 'Sign in' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: '简体中文' }));
    expect(screen.getByRole('heading', { level: 2, name: '登录' })).toBeTruthy();
    expect(screen.getByTestId('desk-mode').textContent).toBe('离线演示');
    expect(document.documentElement.lang).toBe('zh-CN');
    await user.keyboard('{Alt>}l{/Alt}');
    expect(screen.getByTestId('desk-mode').textContent).toBe('Offline demo');
    expect(document.body.textContent).not.toContain('离线演示');
  });
});
