/**
 * The console's languages: English and Simplified Chinese.
 *
 * Components read messages through an `I18n` they get from context
 * (`getI18n()`), so every component re-renders when the agent switches
 * language, and tests give each rendered app its own language state.
 */
import { createContext } from 'svelte';

import { en, type MessageKey, type Messages } from './en';
import { zhCN } from './zh-CN';

export type { MessageKey, Messages } from './en';

/** The languages the console speaks, as BCP 47 tags. */
export type Locale = 'en' | 'zh-CN';

/** The languages in the order the language switch shows them. */
export const LOCALES: readonly Locale[] = ['en', 'zh-CN'];

/** Each language's name in itself, as the language switch shows it. */
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = {
  en: 'English',
  'zh-CN': '简体中文',
};

const CATALOGUES: Readonly<Record<Locale, Messages>> = { en, 'zh-CN': zhCN };

/** The catalogue of a language, for tests that compare catalogues. */
export function catalogue(locale: Locale): Messages {
  return CATALOGUES[locale];
}

/** The `{name}` placeholders of a message string, as a union of names. */
type Placeholders<S extends string> = S extends `${string}{${infer Name}}${infer Rest}`
  ? Name | Placeholders<Rest>
  : never;

/**
 * The arguments `t()` takes after the key: none for a message without
 * placeholders, otherwise one object with a value for each placeholder.
 */
export type MessageParams<K extends MessageKey> = [Placeholders<(typeof en)[K]>] extends [never]
  ? []
  : [params: Readonly<Record<Placeholders<(typeof en)[K]>, string>>];

/** Fills a message's `{name}` placeholders from `params`. */
function format(message: string, params: Readonly<Record<string, string>> | undefined): string {
  if (params === undefined) return message;
  return message.replace(/\{(\w+)\}/g, (whole, name: string) => params[name] ?? whole);
}

/**
 * Picks the console's first language from the browser's preferred ones:
 * Chinese for any `zh` tag, otherwise English.
 */
export function detectLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

/** The language the console speaks now, and its messages. */
export class I18n {
  /** The current language; assigning it re-renders every message shown. */
  locale: Locale = $state('en');

  constructor(initial: Locale) {
    this.locale = initial;
  }

  /** The message `key` in the current language, its placeholders filled in. */
  t = <K extends MessageKey>(key: K, ...params: MessageParams<K>): string =>
    format(CATALOGUES[this.locale][key], params[0]);

  /**
   * The message for a key built at run time (`action.${name}`), or `null`
   * when the catalogue has none (a name newer than this console).
   */
  maybe = (key: string): string | null => {
    const messages: Readonly<Record<string, string>> = CATALOGUES[this.locale];
    return Object.hasOwn(messages, key) ? (messages[key] ?? null) : null;
  };

  /** A time as the agent reads it, in the current language (`2024年5月1日 14:05`). */
  dateTime = (iso: string): string => {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    return new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
  };

  /** A number in the current language. */
  number = (value: number): string => new Intl.NumberFormat(this.locale).format(value);

  /** Moves to the next language, wrapping around (English ↔ 简体中文). */
  toggle = (): void => {
    const next = LOCALES[(LOCALES.indexOf(this.locale) + 1) % LOCALES.length];
    if (next !== undefined) this.locale = next;
  };
}

const [getI18n, setI18n] = createContext<I18n>();

/**
 * `getI18n()` gives a component the app's `I18n`; `setI18n()` provides it, once,
 * in the app's root component.
 */
export { getI18n, setI18n };
