/**
 * The console's keyboard shortcuts: one table for the help panel and the
 * bindings (tinykeys), so the list the agent reads is the list that works.
 */
import { tinykeys } from 'tinykeys';

import type { MessageKey } from './i18n/index.svelte';

/** What a shortcut does. */
export type ShortcutAction =
  | 'search'
  | 'send'
  | 'prevCard'
  | 'nextCard'
  | 'text'
  | 'voice'
  | 'play'
  | 'resend'
  | 'cancel'
  | 'language'
  | 'help'
  | 'interviews'
  | 'desk'
  | 'claim'
  | 'nextInterview'
  | 'pass'
  | 'fail'
  | 'retry'
  | 'decide';

/** Whether the platform's main modifier is ⌘ (macOS) rather than Ctrl. */
function isMac(): boolean {
  return typeof navigator === 'object' && /Mac|iPod|iPhone|iPad/.test(navigator.platform);
}

/** How `$mod` reads on this platform. */
export const MOD = isMac() ? '⌘' : 'Ctrl';

/** `$mod` as `aria-keyshortcuts` names it. */
export const ARIA_MOD = MOD === '⌘' ? 'Meta' : 'Control';

/** The bindings of each action, in tinykeys' syntax (`$mod` is ⌘ on macOS, Ctrl elsewhere). */
export const BINDINGS: Readonly<Record<ShortcutAction, readonly string[]>> = {
  search: ['/', '$mod+KeyK'],
  send: ['$mod+Enter'],
  prevCard: ['Alt+ArrowUp'],
  nextCard: ['Alt+ArrowDown'],
  text: ['Alt+KeyT'],
  voice: ['Alt+KeyV'],
  play: ['Alt+KeyP'],
  resend: ['Alt+KeyR'],
  cancel: ['Alt+KeyX'],
  language: ['Alt+KeyL'],
  help: ['Shift+?', '?', 'F1'],
  // The interview screens (never bound at the same time as the desk's send).
  interviews: ['Alt+KeyI'],
  desk: ['Alt+KeyD'],
  claim: ['Alt+KeyC'],
  nextInterview: ['Alt+KeyN'],
  pass: ['Alt+Digit1'],
  fail: ['Alt+Digit2'],
  retry: ['Alt+Digit3'],
  decide: ['$mod+Enter'],
};

/** One row of the help panel: the keys as shown and what they do. */
export interface HelpRow {
  readonly keys: readonly string[];
  readonly label: Extract<MessageKey, `shortcut.${string}`>;
}

/** The help panel's rows, the frequent actions first. */
export const HELP_ROWS: readonly HelpRow[] = [
  { keys: ['/', `${MOD}+K`], label: 'shortcut.search' },
  { keys: ['↑', '↓'], label: 'shortcut.results' },
  { keys: ['Enter'], label: 'shortcut.open' },
  { keys: [`${MOD}+Enter`], label: 'shortcut.send' },
  { keys: ['Alt+↑', 'Alt+↓'], label: 'shortcut.cards' },
  { keys: ['Alt+T'], label: 'shortcut.text' },
  { keys: ['Alt+V'], label: 'shortcut.voice' },
  { keys: ['Alt+P'], label: 'shortcut.play' },
  { keys: ['Alt+R'], label: 'shortcut.resend' },
  { keys: ['Alt+X'], label: 'shortcut.cancel' },
  { keys: ['Alt+I'], label: 'shortcut.interviews' },
  { keys: ['Alt+L'], label: 'shortcut.language' },
  { keys: ['?', 'F1'], label: 'shortcut.help' },
  { keys: ['Esc'], label: 'shortcut.escape' },
];

/** The interview screen's rows. */
export const INTERVIEW_HELP_ROWS: readonly HelpRow[] = [
  { keys: ['Alt+I'], label: 'shortcut.interviews' },
  { keys: ['Alt+N'], label: 'shortcut.nextInterview' },
  { keys: ['Alt+C'], label: 'shortcut.claim' },
  { keys: ['Alt+1', 'Alt+2', 'Alt+3'], label: 'shortcut.verdict' },
  { keys: [`${MOD}+Enter`], label: 'shortcut.decide' },
  { keys: ['Alt+D'], label: 'shortcut.desk' },
];

/** An action's main keys as `aria-keyshortcuts` names them (`Control+Enter`, `Alt+R`). */
export function keysOf(action: ShortcutAction): string {
  const binding = BINDINGS[action].find((b) => b !== '/') ?? '';
  return binding.replace('$mod', ARIA_MOD).replace(/Key([A-Z])/, '$1').replace(/Digit(\d)/, '$1');
}

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * Binds `handlers` on `target`. A key without Ctrl, ⌘ or Alt (`/`, `?`) is
 * typing while a field has focus, so it only acts elsewhere; and nothing acts
 * while `enabled()` says no (a dialog has the keyboard).
 */
export function bindShortcuts(
  target: Window | HTMLElement,
  handlers: Partial<Record<ShortcutAction, (event: KeyboardEvent) => void>>,
  enabled: () => boolean = () => true,
): () => void {
  const map: Record<string, (event: KeyboardEvent) => void> = {};
  for (const [action, handler] of Object.entries(handlers) as [ShortcutAction, (event: KeyboardEvent) => void][]) {
    for (const binding of BINDINGS[action]) {
      const plain = !/(\$mod|Control|Meta|Alt)\+/.test(binding) && binding !== 'F1';
      map[binding] = (event) => {
        if (event.defaultPrevented || !enabled() || (plain && isEditable(event.target))) return;
        event.preventDefault();
        handler(event);
      };
    }
  }
  return tinykeys(target, map);
}

/** An action's main keys as a person reads them (`Ctrl+Enter`). */
export function keyLabel(action: ShortcutAction): string {
  return keysOf(action).replace(ARIA_MOD, MOD).replace('Arrow', '');
}
