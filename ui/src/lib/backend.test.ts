import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';

import { backend, toBackendError } from './backend';

afterEach(() => clearMocks());

describe('backend', () => {
  it('returns the desk info the command answers', async () => {
    mockIPC((command, args) => {
      expect(command).toBe('desk_info');
      expect(args).toEqual({});
      return { mode: 'offline-demo', version: '0.1.0' };
    });
    expect(await backend.deskInfo()).toEqual({ ok: true, value: { mode: 'offline-demo', version: '0.1.0' } });
  });

  it('passes a Rust `{code, message}` error through', async () => {
    mockIPC(() => {
      throw { code: 'desk-unavailable', message: 'No desk yet.' };
    });
    expect(await backend.deskInfo()).toEqual({
      ok: false,
      error: { code: 'desk-unavailable', message: 'No desk yet.' },
    });
  });

  it('turns Tauri’s plain-string rejections into an internal error', async () => {
    mockIPC(() => Promise.reject('Command desk_info not found'));
    expect(await backend.deskInfo()).toEqual({
      ok: false,
      error: { code: 'internal', message: 'Command desk_info not found' },
    });
  });

  it('rejects an answer whose shape does not match', async () => {
    mockIPC(() => ({ mode: 'offline-demo' }));
    const result = await backend.deskInfo();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('bad-response');
  });

  it('says so when there is no Tauri to talk to', async () => {
    // No IPC, as in a plain browser page (`npm run dev` without the shell).
    clearMocks();
    const result = await backend.deskInfo();
    expect(result).toEqual({
      ok: false,
      error: { code: 'ipc-unavailable', message: 'The console’s Rust side is not available here.' },
    });
    expect(toBackendError(new TypeError('x')).code).toBe('ipc-unavailable');
  });
});
