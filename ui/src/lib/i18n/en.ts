/**
 * The console's English messages, the reference catalogue: its keys are the
 * keys every other language must have (see `Messages`).
 *
 * Keys are grouped by the part of the screen that shows them. `{name}` marks a
 * placeholder that `t()` fills in.
 */
export const en = {
  'app.name': 'CardDesk',
  'app.tagline': 'Card services console',

  'language.label': 'Language',
  'language.shortcut': 'Alt+L switches the language',

  'main.title': 'The console is starting',
  'main.body': 'Card lookup, cases and queues will appear here as they are added to the desk.',

  'status.label': 'Desk status',
  'status.desk': 'Desk',
  'status.loading': 'Connecting to the desk…',
  'status.version': 'Version {version}',
  'status.error': 'The desk did not answer: {message}',
  'status.errorCode': 'Error code {code}',
  'status.retry': 'Try again',

  'mode.offline-demo': 'Offline demo',
} as const;

/** A message's key, one of the English catalogue's. */
export type MessageKey = keyof typeof en;

/**
 * A complete catalogue: every key of the English one, each a string.
 *
 * A catalogue declared with this type fails to compile if it misses a key or
 * has one English does not (object literals allow no extra properties).
 */
export type Messages = { readonly [K in MessageKey]: string };
