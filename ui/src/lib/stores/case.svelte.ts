/**
 * The case on screen: its state and timeline, kept live from the desk's
 * events, the agent's actions on it, and the voice prompt's audio.
 */
import type { DeskApi } from '../api/commands';
import type { BackendError, Result } from '../api/ipc';
import type { AuditEntry, Case, Channels, DeskEvent } from '../api/wire';

type CaseApi = Pick<
  DeskApi,
  'getCase' | 'timeline' | 'mark' | 'package' | 'instruct' | 'sendUnfreeze' | 'resend' | 'cancel' | 'voiceAudio'
>;

/** The voice prompt, ready to play into the call. */
export type Voice =
  | { readonly status: 'none' }
  | { readonly status: 'loading'; readonly messageId: number }
  | { readonly status: 'ready'; readonly messageId: number; readonly url: string }
  | { readonly status: 'error'; readonly messageId: number; readonly error: BackendError };

/** Makes and revokes object URLs; jsdom has none, tests pass their own. */
export interface UrlMaker {
  create(blob: Blob): string;
  revoke(url: string): void;
}

const browserUrls: UrlMaker = {
  create: (blob) => URL.createObjectURL(blob),
  revoke: (url) => URL.revokeObjectURL(url),
};

export class CaseWatch {
  current: Case | null = $state(null);
  entries: readonly AuditEntry[] = $state([]);
  loading = $state(false);
  error: BackendError | null = $state(null);
  /** The action under way (one at a time: a double press sends nothing twice). */
  busy: 'send' | 'mark' | 'package' | 'instruct' | 'resend' | 'cancel' | null = $state(null);
  voice: Voice = $state({ status: 'none' });

  readonly #api: CaseApi;
  readonly #urls: UrlMaker;
  readonly #onCase: (updated: Case) => void;
  #seq = 0;
  /**
   * Instruction messages heard per case. They can arrive before the
   * answer to the send that queued them, so they are kept for any case.
   */
  readonly #outbox = new Map<number, number[]>();

  constructor(api: CaseApi, onCase: (updated: Case) => void, urls: UrlMaker = browserUrls) {
    this.#api = api;
    this.#onCase = onCase;
    this.#urls = urls;
  }

  /** Shows `found` (or nothing) and reads its timeline. */
  watch(found: Case | null): void {
    if (found?.id === this.current?.id && found !== null) {
      this.current = found;
      return;
    }
    this.#seq += 1;
    this.current = found;
    this.entries = [];
    this.error = null;
    this.#dropVoice();
    if (found === null) return;
    void this.refresh();
    void this.#loadVoice(found.id);
  }

  /** Re-reads the case and its timeline. */
  async refresh(): Promise<void> {
    const id = this.current?.id;
    if (id === undefined) return;
    const seq = ++this.#seq;
    this.loading = true;
    const [found, timeline] = await Promise.all([this.#api.getCase(id), this.#api.timeline(id)]);
    if (seq !== this.#seq) return;
    this.loading = false;
    if (found.ok) this.#put(found.value);
    if (timeline.ok) this.entries = timeline.value;
    this.error = !found.ok ? found.error : !timeline.ok ? timeline.error : null;
  }

  /** A desk event: re-read what it touches. */
  handle(event: DeskEvent): void {
    if (event.kind === 'instruction') {
      const ids = this.#outbox.get(event.case_id) ?? [];
      this.#outbox.set(event.case_id, [...ids, event.outbox_id]);
    }
    if (event.kind === 'resync') {
      void this.refresh();
      return;
    }
    if (event.kind === 'card' || event.kind === 'application' || event.case_id !== this.current?.id) return;
    if (event.kind === 'attempt' && this.current !== null) {
      // Shown at once; the re-read below brings the rest.
      this.current = { ...this.current, attempts_left: event.remaining };
    }
    if (event.kind === 'instruction') void this.#loadVoice(event.case_id);
    void this.refresh();
  }

  #put(updated: Case): void {
    this.current = updated;
    this.#onCase(updated);
  }

  async #act(kind: NonNullable<CaseWatch['busy']>, run: () => Promise<Result<Case>>): Promise<Result<Case>> {
    if (this.busy !== null) return { ok: false, error: { code: 'conflict', message: 'An action is under way.' } };
    this.busy = kind;
    const answer = await run();
    this.busy = null;
    if (answer.ok) {
      if (answer.value.id !== this.current?.id) this.watch(answer.value);
      else void this.refresh();
      this.#put(answer.value);
    }
    return answer;
  }

  /** Marks, packages and sends in one go. */
  sendUnfreeze(cardId: number, channels: Channels): Promise<Result<Case>> {
    return this.#act('send', () => this.#api.sendUnfreeze(cardId, channels));
  }

  mark(cardId: number): Promise<Result<Case>> {
    return this.#act('mark', () => this.#api.mark(cardId));
  }

  package(): Promise<Result<Case>> {
    const id = this.current?.id;
    return this.#act('package', () => this.#api.package(id ?? -1));
  }

  instruct(channels: Channels): Promise<Result<Case>> {
    const id = this.current?.id;
    return this.#act('instruct', () => this.#api.instruct(id ?? -1, channels));
  }

  resend(channels: Channels): Promise<Result<Case>> {
    const id = this.current?.id;
    return this.#act('resend', () => this.#api.resend(id ?? -1, channels));
  }

  cancel(reason: string): Promise<Result<Case>> {
    const id = this.current?.id;
    return this.#act('cancel', () => this.#api.cancel(id ?? -1, reason));
  }

  /**
   * Fetches the newest voice prompt of `caseId`. The events do not say which
   * message is the voice one (text is queued first), so the newest is tried
   * first and a text message's `not_found` moves on to the one before.
   */
  async #loadVoice(caseId: number): Promise<void> {
    const ids = [...(this.#outbox.get(caseId) ?? [])].reverse();
    for (const messageId of ids) {
      if (this.voice.status !== 'none' && this.voice.messageId === messageId) return;
      this.#dropVoice();
      this.voice = { status: 'loading', messageId };
      const audio = await this.#api.voiceAudio(messageId);
      // The agent moved to another case meanwhile.
      if (this.current?.id !== caseId) return;
      if (audio.ok) {
        this.voice = {
          status: 'ready',
          messageId,
          url: this.#urls.create(new Blob([audio.value], { type: 'audio/wav' })),
        };
        return;
      }
      this.voice = { status: 'error', messageId, error: audio.error };
      if (audio.error.code !== 'not_found') return;
    }
    if (this.voice.status === 'error' && this.voice.error.code === 'not_found') this.voice = { status: 'none' };
  }

  #dropVoice(): void {
    if (this.voice.status === 'ready') this.#urls.revoke(this.voice.url);
    this.voice = { status: 'none' };
  }

  close(): void {
    this.watch(null);
  }
}
