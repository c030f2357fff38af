/**
 * The one way the front-end talks to the console's Rust side.
 *
 * Every Tauri command is listed once in `Commands` with its arguments and its
 * answer, and called through `call()`, which never throws: it returns a
 * `Result`, so each caller must handle the failure. Rust's commands fail with
 * `{code, message}` (`CommandError` in src-tauri/src/error.rs); anything else
 * that goes wrong on the way (no Tauri, an answer of the wrong shape) is
 * turned into the same `BackendError`.
 */
import { invoke, type InvokeArgs } from '@tauri-apps/api/core';

/** Which desk the console works against (Rust: `DeskMode`). */
export type DeskMode = 'offline-demo';

const DESK_MODES: readonly DeskMode[] = ['offline-demo'];

/** What the console says about its desk (Rust: `DeskInfo`). */
export interface DeskInfo {
  readonly mode: DeskMode;
  readonly version: string;
}

/**
 * A failure as the UI sees it. Codes from Rust are kebab-case (`desk-unavailable`,
 * `internal`); the front-end adds its own for failures on the way:
 * `ipc-unavailable` (not running inside the console) and `bad-response`.
 */
export interface BackendError {
  readonly code: string;
  readonly message: string;
}

/** A command's outcome: its value, or why there is none. */
export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: BackendError };

/** Every command of the Rust side: its name, arguments and answer. */
interface Commands {
  desk_info: { args: undefined; answer: DeskInfo };
}

type CommandName = keyof Commands;

/** Checks an answer's shape, so a mismatch with Rust fails here, not deep in a component. */
const VALIDATORS: { readonly [C in CommandName]: (value: unknown) => value is Commands[C]['answer'] } = {
  desk_info: (value): value is DeskInfo =>
    isRecord(value) &&
    typeof value['version'] === 'string' &&
    DESK_MODES.includes(value['mode'] as DeskMode),
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Whether this page runs inside the console, where Tauri provides its IPC. */
function hasIpc(): boolean {
  const internals: unknown = (globalThis as { __TAURI_INTERNALS__?: unknown }).__TAURI_INTERNALS__;
  return isRecord(internals) && typeof internals['invoke'] === 'function';
}

/** Turns whatever a failed `invoke` threw into a `BackendError`. */
export function toBackendError(thrown: unknown): BackendError {
  if (!hasIpc()) {
    // In a plain browser (`npm run dev` without the shell) invoke has nothing to call.
    return { code: 'ipc-unavailable', message: 'The console’s Rust side is not available here.' };
  }
  if (isRecord(thrown) && typeof thrown['code'] === 'string' && typeof thrown['message'] === 'string') {
    return { code: thrown['code'], message: thrown['message'] };
  }
  // Tauri itself rejects with a plain string, e.g. for an unknown command or a denied permission.
  if (typeof thrown === 'string') return { code: 'internal', message: thrown };
  if (thrown instanceof Error) return { code: 'internal', message: thrown.message };
  return { code: 'internal', message: String(thrown) };
}

async function call<C extends CommandName>(
  command: C,
  ...args: Commands[C]['args'] extends undefined ? [] : [Commands[C]['args']]
): Promise<Result<Commands[C]['answer']>> {
  let answer: unknown;
  try {
    answer = await invoke<unknown>(command, args[0] as InvokeArgs | undefined);
  } catch (thrown) {
    return { ok: false, error: toBackendError(thrown) };
  }
  if (!VALIDATORS[command](answer)) {
    return {
      ok: false,
      error: { code: 'bad-response', message: `The answer to ${command} has an unexpected shape.` },
    };
  }
  return { ok: true, value: answer };
}

/** The console's commands, each returning a `Result`. */
export const backend = {
  /** Which desk the console works against, and the console's version. */
  deskInfo: (): Promise<Result<DeskInfo>> => call('desk_info'),
} as const;

/** The shape of `backend`, for components that take a stand-in in tests or stories. */
export type Backend = typeof backend;
