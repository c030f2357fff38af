/**
 * The timeline's entry details, in English (part of the English catalogue).
 * The processor writes each detail in English for the audit log; the console
 * re-says the ones it knows (see `components/timelineDetail.ts`).
 */
export const enDetail = {
  'detail.marked': 'Card {card}, frozen for: {reason}',
  'detail.asks': 'Asks for {credentials}',
  'detail.asked': 'Asked for {credentials}',
  'detail.sent': 'By {channels} to {phone}',
  'detail.codeAccepted': 'One-time code accepted',
  'detail.attempt': 'Attempt {attempt} of {max}',
  'detail.matched': 'The details match the reserved ones',
  'detail.tooManyFailures': 'Too many failed verifications',
  'detail.customerLimit': 'The customer reached {count} failures in {hours} h',
  'detail.openedBy': 'Case opened by {name}',
  'detail.unfrozen': 'Card {card} unfrozen, lifting: {reason}',
  'detail.expired': 'The one-time code ran past its lifetime',
  'detail.audio': 'Voice prompt (outbox {outbox}) rendered by {engine}',
} as const;
