/**
 * The video-interview queue on screen: read on opening, re-read on every
 * `application` event and on `resync`, with the item the reviewer has
 * selected and the queue's own actions (claim, reassign, approve an
 * override). Re-reads never overlap: one asked for while another runs
 * follows it.
 */
import type { DeskApi } from '../api/commands';
import type { BackendError, Result } from '../api/ipc';
import type { DeskEvent, Interview, VerdictAnswer, VerdictReason } from '../api/wire';
import { nextInterview } from '../interviews';
import type { Loaded } from './customer.svelte';

export type QueueApi = Pick<DeskApi, 'interviews' | 'claimInterview' | 'reassignInterview' | 'approveOverride' | 'declineOverride'>;

/** An action on the queue under way (one at a time). */
export type QueueBusy = { readonly action: 'claim' | 'reassign' | 'override'; readonly applicationId: number } | null;

export class InterviewQueue {
  list: Loaded<readonly Interview[]> = $state({ status: 'idle' });
  selectedId: number | null = $state(null);
  busy: QueueBusy = $state(null);
  /** The last action's refusal, shown beside the item. */
  error: BackendError | null = $state(null);

  readonly #api: QueueApi;
  #reading: Promise<void> | null = null;
  #again = false;
  /** Counts the changes put in by hand: a read that began before one is stale, and read again. */
  #version = 0;

  constructor(api: QueueApi) {
    this.#api = api;
  }

  get items(): readonly Interview[] {
    return this.list.status === 'ready' ? this.list.value : [];
  }

  get selected(): Interview | null {
    return this.items.find((i) => i.application_id === this.selectedId) ?? null;
  }

  /** Reads the queue; the one on screen stays while a re-read runs. */
  load(): Promise<void> {
    if (this.#reading !== null) {
      this.#again = true;
      return this.#reading;
    }
    this.#reading = this.#read().finally(() => {
      this.#reading = null;
    });
    return this.#reading;
  }

  async #read(): Promise<void> {
    do {
      this.#again = false;
      if (this.list.status !== 'ready') this.list = { status: 'loading' };
      const version = this.#version;
      const answer = await this.#api.interviews();
      if (version !== this.#version) this.#again = true;
      else if (answer.ok) this.list = { status: 'ready', value: answer.value };
      else if (this.list.status !== 'ready') this.list = { status: 'error', error: answer.error };
    } while (this.#again);
  }

  /** A desk event: the queue moved, or events may have been missed. */
  handle(event: DeskEvent): void {
    if (event.kind === 'application' || event.kind === 'resync') void this.load();
  }

  select(applicationId: number | null): void {
    this.selectedId = applicationId;
    this.error = null;
  }

  /** Selects the next interview someone could take; returns it. */
  next(): Interview | null {
    const found = nextInterview(this.items, this.selectedId);
    if (found !== null) this.select(found.application_id);
    return found;
  }

  /** Puts an interview as the desk now shows it into the list. */
  put(updated: Interview): void {
    this.#version += 1;
    if (this.list.status !== 'ready') return;
    const known = this.list.value.some((i) => i.application_id === updated.application_id);
    const value = known
      ? this.list.value.map((i) => (i.application_id === updated.application_id ? updated : i))
      : [...this.list.value, updated];
    this.list = { status: 'ready', value };
  }

  /** Takes an interview out of the list (decided: it left the queue). */
  drop(applicationId: number): void {
    this.#version += 1;
    if (this.list.status !== 'ready') return;
    this.list = { status: 'ready', value: this.list.value.filter((i) => i.application_id !== applicationId) };
  }

  claim(applicationId: number): Promise<Result<Interview>> {
    return this.#act('claim', applicationId, () => this.#api.claimInterview(applicationId), (i) => this.put(i));
  }

  reassign(applicationId: number, username: string): Promise<Result<Interview>> {
    return this.#act(
      'reassign',
      applicationId,
      () => this.#api.reassignInterview(applicationId, username),
      (i) => this.put(i),
    );
  }

  approveOverride(applicationId: number): Promise<Result<VerdictAnswer>> {
    return this.#act('override', applicationId, () => this.#api.approveOverride(applicationId), () =>
      this.drop(applicationId),
    );
  }

  declineOverride(applicationId: number, reasons: readonly VerdictReason[]): Promise<Result<VerdictAnswer>> {
    return this.#act('override', applicationId, () => this.#api.declineOverride(applicationId, reasons), () =>
      this.drop(applicationId),
    );
  }

  async #act<T>(
    action: NonNullable<QueueBusy>['action'],
    applicationId: number,
    run: () => Promise<Result<T>>,
    done: (value: T) => void,
  ): Promise<Result<T>> {
    if (this.busy !== null) return { ok: false, error: { code: 'conflict', message: 'An action is under way.' } };
    this.busy = { action, applicationId };
    this.error = null;
    const answer = await run();
    this.busy = null;
    if (answer.ok) done(answer.value);
    else this.error = answer.error;
    // What others did meanwhile, and what this changed, as the desk now has it.
    void this.load();
    return answer;
  }
}
