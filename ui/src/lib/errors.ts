/** A failure in the agent's language, chosen by its code (the desk's own message only fills `invalid_input`). */
import type { BackendError } from './api/ipc';
import type { I18n } from './i18n/index.svelte';

export function errorText(i18n: I18n, error: BackendError): string {
  const message = i18n.maybe(`error.${error.code}`);
  if (message === null) return error.message;
  return message.replace('{message}', error.message);
}
