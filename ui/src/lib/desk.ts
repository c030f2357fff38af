/** What the console knows about its desk while it starts, as the shell shows it. */
import type { BackendError, DeskInfo, Result } from './backend';

/** The desk while the console asks about it, once it has answered, or after it failed. */
export type DeskState =
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly info: DeskInfo }
  | { readonly status: 'error'; readonly error: BackendError };

/** The state a command's result leads to. */
export function deskStateOf(result: Result<DeskInfo>): DeskState {
  return result.ok ? { status: 'ready', info: result.value } : { status: 'error', error: result.error };
}
