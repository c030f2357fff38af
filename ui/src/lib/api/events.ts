/**
 * The shell's events (docs/ipc.md): live desk events and the end of the
 * session for the main window, new messages for the phone. Payloads are
 * checked like answers; one that does not match is dropped, and a
 * `resync` is delivered instead so the screen re-reads what it shows.
 */
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

import { isDeskEvent } from './schemas';
import type { DeskEvent } from './wire';

/** Stops listening. */
export type Unlisten = () => void;

/** Listens, and gives back a stop function that works even if `listen` failed (no IPC). */
async function subscribe<T>(name: string, handler: (payload: T) => void, map: (raw: unknown) => T): Promise<Unlisten> {
  let stop: UnlistenFn | undefined;
  try {
    stop = await listen<unknown>(name, (event) => handler(map(event.payload)));
  } catch {
    // Outside the console there is nothing to hear.
    return () => {};
  }
  return () => {
    void (async () => {
      try {
        await stop?.();
      } catch {
        // The window is going away; nothing is left to stop.
      }
    })();
  };
}

export const events = {
  /** The signed-in session's desk events. */
  onDeskEvent: (handler: (event: DeskEvent) => void): Promise<Unlisten> =>
    subscribe('desk-event', handler, (raw): DeskEvent => (isDeskEvent(raw) ? raw : { kind: 'resync' })),
  /** The session was signed out or expired. */
  onSessionEnded: (handler: () => void): Promise<Unlisten> => subscribe('desk-session-ended', handler, () => undefined),
  /** The phone's inbox changed. */
  onPhoneInbox: (handler: () => void): Promise<Unlisten> => subscribe('phone-inbox', handler, () => undefined),
} as const;
