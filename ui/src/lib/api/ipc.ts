/**
 * The one way the front-end calls the console's Rust side.
 *
 * `call()` never throws: it returns a `Result`, so each caller must handle
 * the failure. The shell fails with the wire's `DeskError`
 * (`{code, message}`, `code` an `ErrorCode`); anything else that goes wrong on
 * the way becomes the same `BackendError` with a front-end code:
 * `ipc_unavailable` (not running inside the console) or `bad_response` (an
 * answer that does not match the wire types).
 */
import { invoke, type InvokeArgs } from '@tauri-apps/api/core';

import { isRecord, type Guard } from './guards';
import { ERROR_CODES, type ErrorCode } from './wire';

/** The codes the front-end adds to the wire's. */
export type LocalErrorCode = 'ipc_unavailable' | 'bad_response';

/** A failure as the UI sees it. */
export interface BackendError {
  readonly code: ErrorCode | LocalErrorCode;
  readonly message: string;
}

/** A command's outcome: its value, or why there is none. */
export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: BackendError };

/** Whether this page runs inside the console, where Tauri provides its IPC. */
export function hasIpc(): boolean {
  const internals: unknown = (globalThis as { __TAURI_INTERNALS__?: unknown }).__TAURI_INTERNALS__;
  return isRecord(internals) && typeof internals['invoke'] === 'function';
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Turns whatever a failed `invoke` threw into a `BackendError`. */
export function toBackendError(thrown: unknown): BackendError {
  if (!hasIpc()) {
    // In a plain browser (`npm run dev` without the shell) invoke has nothing to call.
    return { code: 'ipc_unavailable', message: 'The console’s Rust side is not available here.' };
  }
  if (isRecord(thrown) && typeof thrown['message'] === 'string') {
    // An unknown code (a newer shell) is `internal`, as the Rust `ErrorCode::parse` does.
    return { code: isErrorCode(thrown['code']) ? thrown['code'] : 'internal', message: thrown['message'] };
  }
  // Tauri itself rejects with a plain string, e.g. for an unknown command or a denied permission.
  if (typeof thrown === 'string') return { code: 'internal', message: thrown };
  if (thrown instanceof Error) return { code: 'internal', message: thrown.message };
  return { code: 'internal', message: String(thrown) };
}

/** Calls `command` with `args` and checks the answer with `guard`. */
export async function call<T>(command: string, args: InvokeArgs | undefined, guard: Guard<T>): Promise<Result<T>> {
  let answer: unknown;
  try {
    answer = await invoke<unknown>(command, args);
  } catch (thrown) {
    return { ok: false, error: toBackendError(thrown) };
  }
  if (!guard(answer)) {
    return {
      ok: false,
      error: { code: 'bad_response', message: `The answer to ${command} has an unexpected shape.` },
    };
  }
  return { ok: true, value: answer };
}
