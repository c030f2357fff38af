/** The interview screens' words for wire values: who, which product, which failure. */
import type { BackendError } from '../api/ipc';
import type { StaffProfile } from '../api/wire';
import { errorText } from '../errors';
import type { I18n } from '../i18n/index.svelte';
import { staffLabel, usernameOf } from '../interviews';

/** A staff label as the reviewer reads it: `you`, `the system`, or the username. */
export function whoText(i18n: I18n, label: string, profile: Pick<StaffProfile, 'role' | 'username'> | null): string {
  if (label === 'system') return i18n.t('interview.system');
  if (profile !== null && label === staffLabel(profile)) return i18n.t('interview.you');
  return usernameOf(label);
}

/** A product's name in the current language (its code when unknown). */
export function productText(i18n: I18n, code: string): string {
  return i18n.maybe(`product.${code}`) ?? code;
}

/** A refusal, in the interview's words where the desk's general ones speak of cases. */
export function interviewErrorText(i18n: I18n, error: BackendError): string {
  return i18n.maybe(`interview.error.${error.code}`) ?? errorText(i18n, error);
}

/** A card's expiry as printed on cards (`05/27`). */
export function expiryText(month: number, year: number): string {
  return `${String(month).padStart(2, '0')}/${String(year % 100).padStart(2, '0')}`;
}
