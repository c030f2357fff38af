/**
 * Whether a member of staff has seen the offline demo's first-run tour on
 * this computer, kept in localStorage per username. A storage that cannot
 * be read or written (a locked-down profile) shows the tour and forgets.
 */
const PREFIX = 'carddesk.tour.seen.';

/** Whether `username` has seen the tour here. */
export function tourSeen(username: string, storage: Storage | undefined = globalThis.localStorage): boolean {
  try {
    return storage?.getItem(PREFIX + username) === '1';
  } catch {
    return false;
  }
}

/** Remembers that `username` has seen the tour here. */
export function markTourSeen(username: string, storage: Storage | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(PREFIX + username, '1');
  } catch {
    // Nowhere to remember it: the tour shows again next time, which is harmless.
  }
}
