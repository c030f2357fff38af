/** The offline demo's first-run tour, in English (part of the English catalogue). */
export const enTour = {
  'tour.title': 'Try the offline demo',
  'tour.intro': 'Shown once, the first time you sign in on this computer.',
  'tour.find': 'Find a caller by the last four digits of their phone: try {digits}.',
  'tour.findAny': 'Find a caller by the last four digits of their phone.',
  'tour.send': 'The frozen card is selected: press {keys} to send the unfreeze instructions by text and voice.',
  'tour.phone': `Act as the customer in the phone window: open the code, enter their details (try a wrong password first). On a text, "Open the customer page" shows the bank's real pages too.`,
  'tour.timeline': "Watch the case's timeline update live.",
  'tour.help': 'Press ? for every shortcut.',
  'tour.close': 'Close the tour',
} as const;
