/**
 * The customer on screen: their cards and open cases, the selected card,
 * its history and the preview of what an unfreeze would send. Answers for
 * a customer or card no longer selected are dropped.
 */
import type { DeskApi } from '../api/commands';
import type { BackendError } from '../api/ipc';
import {
  FINAL_CASE_STATES,
  type Card,
  type CardStatus,
  type Case,
  type CustomerView,
  type InstructionPreview,
  type Transition,
} from '../api/wire';

/** Something loaded on demand. */
export type Loaded<T> =
  | { readonly status: 'idle' }
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly value: T }
  | { readonly status: 'error'; readonly error: BackendError };

/** Whether the agent can send unfreeze instructions for `card` now (ignoring open cases). */
export function remotelyUnfreezable(card: Card): boolean {
  return card.status === 'frozen' && card.remote_unfreeze?.allowed === true;
}

export class CustomerDesk {
  view: Loaded<CustomerView> = $state({ status: 'idle' });
  selectedCardId: number | null = $state(null);
  history: Loaded<readonly Transition[]> = $state({ status: 'idle' });
  preview: Loaded<InstructionPreview> = $state({ status: 'idle' });

  readonly #api: Pick<DeskApi, 'customer' | 'cardHistory' | 'preview'>;
  #customerSeq = 0;
  #cardSeq = 0;
  /** The customer asked for last, so a failed opening can be retried. */
  #customerId: number | null = null;

  constructor(api: Pick<DeskApi, 'customer' | 'cardHistory' | 'preview'>) {
    this.#api = api;
  }

  get customerView(): CustomerView | null {
    return this.view.status === 'ready' ? this.view.value : null;
  }

  get selectedCard(): Card | null {
    return this.customerView?.customer.cards.find((c) => c.id === this.selectedCardId) ?? null;
  }

  /** The open case on `cardId`, if any. */
  caseFor(cardId: number): Case | null {
    return this.customerView?.open_cases.find((c) => c.card_id === cardId && !FINAL_CASE_STATES.includes(c.state)) ?? null;
  }

  /** Opens a customer and selects the card the agent most likely called about. */
  async open(customerId: number): Promise<void> {
    const seq = ++this.#customerSeq;
    this.#customerId = customerId;
    this.view = { status: 'loading' };
    this.selectedCardId = null;
    this.history = { status: 'idle' };
    this.preview = { status: 'idle' };
    const answer = await this.#api.customer(customerId);
    if (seq !== this.#customerSeq) return;
    this.view = answer.ok ? { status: 'ready', value: answer.value } : { status: 'error', error: answer.error };
    if (answer.ok) {
      const first = this.#bestCard(answer.value);
      if (first !== undefined) await this.select(first.id);
    }
  }

  /** Re-reads the customer on screen, keeping the selected card (or opens them again after a failure). */
  async reload(): Promise<void> {
    if (this.#customerId === null) return;
    if (this.customerView === null) return this.open(this.#customerId);
    const seq = ++this.#customerSeq;
    const answer = await this.#api.customer(this.#customerId);
    if (seq !== this.#customerSeq || !answer.ok) return;
    this.view = { status: 'ready', value: answer.value };
  }

  /** A frozen card that can be unfrozen remotely and has no case yet, else one with a case, else the first. */
  #bestCard(view: CustomerView): Card | undefined {
    const cards = view.customer.cards;
    const hasCase = (card: Card) => view.open_cases.some((c) => c.card_id === card.id);
    return (
      cards.find((c) => remotelyUnfreezable(c) && !hasCase(c)) ??
      cards.find(hasCase) ??
      cards.find((c) => c.status === 'frozen') ??
      cards[0]
    );
  }

  /** Selects a card: its history, and the preview when it can be unfrozen remotely. */
  async select(cardId: number): Promise<void> {
    const seq = ++this.#cardSeq;
    this.selectedCardId = cardId;
    const card = this.selectedCard;
    this.history = { status: 'loading' };
    const wantsPreview = card !== null && remotelyUnfreezable(card);
    this.preview = wantsPreview ? { status: 'loading' } : { status: 'idle' };
    const [history, preview] = await Promise.all([
      this.#api.cardHistory(cardId),
      wantsPreview ? this.#api.preview(cardId) : Promise.resolve(null),
    ]);
    if (seq !== this.#cardSeq) return;
    this.history = history.ok ? { status: 'ready', value: history.value } : { status: 'error', error: history.error };
    if (preview !== null) {
      this.preview = preview.ok ? { status: 'ready', value: preview.value } : { status: 'error', error: preview.error };
    }
  }

  /** Moves the card selection by `delta` (wrapping). */
  async step(delta: number): Promise<void> {
    const cards = this.customerView?.customer.cards ?? [];
    if (cards.length === 0) return;
    const index = cards.findIndex((c) => c.id === this.selectedCardId);
    const next = cards[(index + delta + cards.length) % cards.length];
    if (next !== undefined) await this.select(next.id);
  }

  /** A case changed (sent, advanced, cancelled): keep the open cases in step without a re-read. */
  putCase(updated: Case): void {
    const current = this.customerView;
    if (current === null || current.customer.id !== updated.customer_id) return;
    const others = current.open_cases.filter((c) => c.id !== updated.id);
    const open = FINAL_CASE_STATES.includes(updated.state) ? others : [updated, ...others];
    this.view = { status: 'ready', value: { ...current, open_cases: open } };
  }

  /** A card's status changed (a `card` event): update its badge. */
  setCardStatus(cardId: number, status: CardStatus): void {
    const current = this.customerView;
    if (current === null || !current.customer.cards.some((c) => c.id === cardId)) return;
    const cards = current.customer.cards.map((c) =>
      c.id !== cardId
        ? c
        : status === 'frozen'
          ? { ...c, status }
          : { ...c, status, freeze_reason: null, frozen_since: null, remote_unfreeze: null },
    );
    this.view = { status: 'ready', value: { ...current, customer: { ...current.customer, cards } } };
    if (cardId === this.selectedCardId) void this.#refreshHistory(cardId);
  }

  async #refreshHistory(cardId: number): Promise<void> {
    const seq = this.#cardSeq;
    const history = await this.#api.cardHistory(cardId);
    if (seq === this.#cardSeq && history.ok) this.history = { status: 'ready', value: history.value };
  }

  close(): void {
    this.#customerId = null;
    this.#customerSeq += 1;
    this.#cardSeq += 1;
    this.view = { status: 'idle' };
    this.selectedCardId = null;
    this.history = { status: 'idle' };
    this.preview = { status: 'idle' };
  }
}
