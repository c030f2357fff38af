/**
 * Where the console stands: starting (asking `desk_info`), failed to start,
 * signed out (the sign-in screen), or signed in (the desk). One object per
 * app, so tests get a fresh one each.
 */
import { desk as tauriDesk, type DeskApi } from '../api/commands';
import type { BackendError, Result } from '../api/ipc';
import type { DeskInfo, StaffProfile } from '../api/wire';

/** Why the sign-in screen is shown again, when it is not the first time. */
export type SignedOutNotice = 'session_ended' | 'signed_out' | 'settings_saved';

export type Phase =
  | { readonly status: 'starting' }
  | { readonly status: 'start_failed'; readonly error: BackendError }
  | { readonly status: 'signed_out'; readonly info: DeskInfo; readonly notice: SignedOutNotice | null }
  | { readonly status: 'signed_in'; readonly info: DeskInfo; readonly profile: StaffProfile };

export class Session {
  phase: Phase = $state({ status: 'starting' });

  readonly api: DeskApi;

  constructor(api: DeskApi = tauriDesk) {
    this.api = api;
  }

  /** The desk's info once known. */
  get info(): DeskInfo | null {
    return this.phase.status === 'signed_out' || this.phase.status === 'signed_in' ? this.phase.info : null;
  }

  /** Asks which desk this is, then whether a session is still open (the shell keeps it across reloads). */
  async start(): Promise<void> {
    this.phase = { status: 'starting' };
    const info = await this.api.deskInfo();
    if (!info.ok) {
      this.phase = { status: 'start_failed', error: info.error };
      return;
    }
    const me = await this.api.me();
    this.phase = me.ok
      ? { status: 'signed_in', info: info.value, profile: me.value }
      : { status: 'signed_out', info: info.value, notice: null };
  }

  async signIn(username: string, password: string): Promise<Result<StaffProfile>> {
    return this.#enter(await this.api.signIn(username, password));
  }

  async signInDemo(username: string): Promise<Result<StaffProfile>> {
    return this.#enter(await this.api.signInDemo(username));
  }

  #enter(result: Result<StaffProfile>): Result<StaffProfile> {
    const info = this.info;
    if (result.ok && info !== null) this.phase = { status: 'signed_in', info, profile: result.value };
    return result;
  }

  /** Signs out; the sign-in screen comes back even if the shell's answer failed (the session is gone either way). */
  async signOut(): Promise<void> {
    await this.api.signOut();
    this.ended('signed_out');
  }

  /** The shell said the session ended (`desk-session-ended`), or the agent left it. */
  ended(notice: SignedOutNotice = 'session_ended'): void {
    const info = this.info;
    if (info !== null) this.phase = { status: 'signed_out', info, notice };
  }

  /** The settings were saved and the desk switched: any session is over. */
  switched(info: DeskInfo): void {
    this.phase = { status: 'signed_out', info, notice: 'settings_saved' };
  }
}
