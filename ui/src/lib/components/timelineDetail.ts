/**
 * A timeline entry's detail in the console's language. The processor writes
 * each detail in English for the audit log (and must keep doing so: the log
 * is the record); for the details of the steps the console knows, it reads
 * the facts back out of that English and says them in the agent's language.
 * Any other detail (a cancellation's reason, a newer processor's wording)
 * is shown as written, marked as English.
 */
import type { AuditEntry } from '../api/wire';
import type { I18n } from '../i18n/index.svelte';

/** What to show: the text, and `raw` when it is the processor's own words. */
export interface Detail {
  readonly text: string;
  readonly raw: boolean;
}

type Say = (i18n: I18n, m: RegExpMatchArray) => string;

const reason = (i18n: I18n, name: string) => i18n.maybe(`reason.${name}`) ?? name;
const credentials = (i18n: I18n, list: string) =>
  list
    .split(' + ')
    .map((c) => i18n.maybe(`credential.${c}`) ?? c)
    .join(' + ');
const channels = (i18n: I18n, list: string) =>
  list
    .split(' + ')
    .map((c) => (c === 'text' || c === 'voice' ? i18n.t(`unfreeze.${c}`) : c))
    .join(' + ');
const fixed = (key: 'detail.codeAccepted' | 'detail.matched' | 'detail.tooManyFailures' | 'detail.expired'): Say => (i18n) => i18n.t(key);

/** Each known action's detail formats, as the processor writes them, and how to say them. */
const KNOWN: Readonly<Record<string, readonly (readonly [RegExp, Say])[]>> = {
  'case.marked': [[/^card (\d+) frozen for (\w+)$/, (i18n, m) => i18n.t('detail.marked', { card: m[1]!, reason: reason(i18n, m[2]!) })]],
  'case.packaged': [[/^asks (.+)$/, (i18n, m) => i18n.t('detail.asks', { credentials: credentials(i18n, m[1]!) })]],
  'case.challenged': [[/^asked (.+)$/, (i18n, m) => i18n.t('detail.asked', { credentials: credentials(i18n, m[1]!) })]],
  'case.instructed': [[/^(\S+(?: \+ \S+)*) to (\S+)$/, (i18n, m) => i18n.t('detail.sent', { channels: channels(i18n, m[1]!), phone: m[2]! })]],
  'case.reinstructed': [[/^(\S+(?: \+ \S+)*) to (\S+)$/, (i18n, m) => i18n.t('detail.sent', { channels: channels(i18n, m[1]!), phone: m[2]! })]],
  'case.requested': [[/^one-time code accepted$/, fixed('detail.codeAccepted')]],
  'case.verification': [[/attempt (\d+) of (\d+)$/, (i18n, m) => i18n.t('detail.attempt', { attempt: m[1]!, max: m[2]! })]],
  'case.verified': [[/^credentials matched the package$/, fixed('detail.matched')]],
  'case.locked': [
    [/^too many failed verifications$/, fixed('detail.tooManyFailures')],
    [/^customer reached (\d+) failures in (\d+) h$/, (i18n, m) => i18n.t('detail.customerLimit', { count: m[1]!, hours: m[2]! })],
  ],
  'case.approved': [[/^opened by (.+)$/, (i18n, m) => i18n.t('detail.openedBy', { name: m[1]! })]],
  'card.unfrozen': [[/^card (\d+) unfrozen, lifting (\w+)$/, (i18n, m) => i18n.t('detail.unfrozen', { card: m[1]!, reason: reason(i18n, m[2]!) })]],
  'case.expired': [[/^the one-time code outlived its lifetime$/, fixed('detail.expired')]],
  'instruction.audio': [[/^voice prompt \(outbox (\d+)\) rendered by (.+)$/, (i18n, m) => i18n.t('detail.audio', { outbox: m[1]!, engine: m[2]! })]],
};

/** The entry's detail to show, or `null` when it has none. */
export function timelineDetail(i18n: I18n, entry: Pick<AuditEntry, 'action' | 'detail'>): Detail | null {
  if (entry.detail === '') return null;
  for (const [pattern, say] of KNOWN[entry.action] ?? []) {
    const match = entry.detail.match(pattern);
    if (match !== null) return { text: say(i18n, match), raw: false };
  }
  return { text: entry.detail, raw: true };
}
