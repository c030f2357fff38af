/**
 * The demo phone: its inbox (newest first, re-read on `phone-inbox`), the
 * voice prompts' audio, and the customer's side of one case: open the code,
 * see what is asked, answer, and the outcome.
 */
import type { BackendError } from '../lib/api/ipc';
import type { PhoneApi, PhoneChallenge, PhoneMessage, PhoneVerified } from '../lib/api/phone';
import type { UrlMaker } from '../lib/stores/case.svelte';
import type { Loaded } from '../lib/stores/customer.svelte';

/** Where the customer stands in the flow. */
export type Flow =
  | { readonly step: 'code'; readonly message: PhoneMessage }
  | { readonly step: 'answer'; readonly message: PhoneMessage; readonly challenge: PhoneChallenge }
  | { readonly step: 'done'; readonly message: PhoneMessage; readonly outcome: PhoneVerified['outcome'] }
  | { readonly step: 'closed'; readonly message: PhoneMessage; readonly reason: 'locked' | 'expired' | 'code_used' };

export type PhoneVoice =
  | { readonly status: 'none' }
  | { readonly status: 'loading'; readonly messageId: number }
  | { readonly status: 'ready'; readonly messageId: number; readonly url: string }
  | { readonly status: 'error'; readonly messageId: number; readonly error: BackendError };

const CLOSING = ['locked', 'expired', 'code_used'] as const;
type Closing = (typeof CLOSING)[number];
const isClosing = (code: string): code is Closing => (CLOSING as readonly string[]).includes(code);

export class PhoneStore {
  inbox: Loaded<readonly PhoneMessage[]> = $state({ status: 'loading' });
  voice: PhoneVoice = $state({ status: 'none' });
  flow: Flow | null = $state(null);
  code = $state('');
  idNumber = $state('');
  password = $state('');
  busy = $state(false);
  /** Why the last text's customer page did not open. */
  pageFailure: { readonly messageId: number; readonly error: BackendError } | null = $state(null);
  /** Why the application pages could not be opened, if they could not. */
  applyFailure: BackendError | null = $state(null);
  /** The last failure: a wrong answer (with attempts left), or another error. */
  failure: { readonly kind: 'mismatch'; readonly attemptsLeft: number | null } | { readonly kind: 'error'; readonly error: BackendError } | null =
    $state(null);

  readonly #api: PhoneApi;
  readonly #urls: UrlMaker;
  #inboxSeq = 0;

  constructor(api: PhoneApi, urls: UrlMaker) {
    this.#api = api;
    this.#urls = urls;
  }

  /**
   * Re-reads the inbox. A new message for another case takes the phone back
   * to the inbox when the flow on screen is over or untouched, so the
   * demonstrator sees it; a customer midway through answering keeps their
   * flow. Says whether it went back.
   */
  async refresh(): Promise<boolean> {
    const seq = ++this.#inboxSeq;
    const known = this.inbox.status === 'ready' ? new Set(this.inbox.value.map((m) => m.id)) : null;
    const answer = await this.#api.inbox();
    if (seq !== this.#inboxSeq) return false;
    if (!answer.ok) {
      if (this.inbox.status !== 'ready') this.inbox = { status: 'error', error: answer.error };
      return false;
    }
    this.inbox = { status: 'ready', value: answer.value };
    const flow = this.flow;
    if (known === null || flow === null || !this.#idle(flow)) return false;
    if (!answer.value.some((m) => !known.has(m.id) && m.case_id !== flow.message.case_id)) return false;
    this.back();
    return true;
  }

  /** Whether leaving `flow` loses nothing: its outcome is shown, or its code step is as it opened. */
  #idle(flow: Flow): boolean {
    if (flow.step === 'done' || flow.step === 'closed') return true;
    return flow.step === 'code' && !this.busy && this.code === (flow.message.code ?? '');
  }

  async play(messageId: number): Promise<void> {
    if (this.voice.status === 'ready') this.#urls.revoke(this.voice.url);
    this.voice = { status: 'loading', messageId };
    const audio = await this.#api.voiceAudio(messageId);
    if (this.voice.status !== 'loading' || this.voice.messageId !== messageId) return;
    this.voice = audio.ok
      ? { status: 'ready', messageId, url: this.#urls.create(new Blob([audio.value], { type: 'audio/wav' })) }
      : { status: 'error', messageId, error: audio.error };
  }

  /** Opens a text's customer page in the shell's customer page window. */
  async openPage(messageId: number): Promise<void> {
    this.pageFailure = null;
    const answer = await this.#api.openPage(messageId);
    if (!answer.ok) this.pageFailure = { messageId, error: answer.error };
  }

  /** Opens the virtual-card application's pages in the customer page window. */
  async openApply(): Promise<void> {
    this.applyFailure = null;
    const answer = await this.#api.openApply();
    if (!answer.ok) this.applyFailure = answer.error;
  }

  /** Starts the customer's flow from a message, its code prefilled. */
  begin(message: PhoneMessage): void {
    this.flow = { step: 'code', message };
    this.code = message.code ?? '';
    this.idNumber = '';
    this.password = '';
    this.failure = null;
  }

  back(): void {
    this.flow = null;
    this.failure = null;
  }

  async openCode(): Promise<void> {
    const flow = this.flow;
    if (flow === null || this.busy) return;
    this.busy = true;
    this.failure = null;
    const opened = await this.#api.openCode(this.code.trim());
    const challenge = opened.ok ? await this.#api.challenge() : null;
    this.busy = false;
    if (!opened.ok) return this.#fail(flow.message, opened.error);
    if (challenge !== null && !challenge.ok) return this.#fail(flow.message, challenge.error);
    if (challenge !== null) this.flow = { step: 'answer', message: flow.message, challenge: challenge.value };
  }

  /** Fills the demo customer's true details. */
  fillRight(): void {
    const facts = this.flow?.message.customer;
    if (facts == null) return;
    this.idNumber = facts.id_number;
    this.password = facts.transaction_password;
  }

  /** Fills the true ID number and a password that is certainly wrong. */
  fillWrong(): void {
    const facts = this.flow?.message.customer;
    if (facts == null) return;
    this.idNumber = facts.id_number;
    this.password = facts.transaction_password === '000000' ? '111111' : '000000';
  }

  async verify(): Promise<void> {
    const flow = this.flow;
    if (flow?.step !== 'answer' || this.busy) return;
    this.busy = true;
    this.failure = null;
    const answer = await this.#api.verify(this.idNumber.trim(), this.password);
    if (answer.ok) {
      this.busy = false;
      this.flow = { step: 'done', message: flow.message, outcome: answer.value.outcome };
      return;
    }
    if (answer.error.code !== 'verification_failed') {
      this.busy = false;
      return this.#fail(flow.message, answer.error);
    }
    // The failure never says which detail was wrong; the count comes from a fresh challenge.
    const again = await this.#api.challenge();
    this.busy = false;
    const left = again.ok ? again.value.attempts_left : Math.max(0, flow.challenge.attempts_left - 1);
    if (again.ok) this.flow = { ...flow, challenge: again.value };
    this.password = '';
    this.failure = { kind: 'mismatch', attemptsLeft: left };
  }

  #fail(message: PhoneMessage, error: BackendError): void {
    if (isClosing(error.code)) this.flow = { step: 'closed', message, reason: error.code };
    else this.failure = { kind: 'error', error };
  }
}
