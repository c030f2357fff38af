/**
 * Search as the agent types: debounced, and only the newest query's answer
 * is shown (a slow answer to an older query is dropped).
 */
import type { DeskApi } from '../api/commands';
import type { BackendError } from '../api/ipc';
import type { CardStatus, SearchHit } from '../api/wire';

export type SearchStatus = 'idle' | 'loading' | 'done' | 'error';

/** Results per search: enough for a name prefix, a page the agent can scan. */
export const SEARCH_LIMIT = 20;

export class Search {
  query = $state('');
  status: SearchStatus = $state('idle');
  hits: readonly SearchHit[] = $state([]);
  truncated = $state(false);
  error: BackendError | null = $state(null);
  /** The highlighted result, moved with the arrow keys. */
  active = $state(0);

  readonly #api: Pick<DeskApi, 'search'>;
  readonly #delayMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by every new query, so an answer knows whether it is still wanted. */
  #seq = 0;
  #running: Promise<void> = Promise.resolve();

  constructor(api: Pick<DeskApi, 'search'>, delayMs = 150) {
    this.#api = api;
    this.#delayMs = delayMs;
  }

  /** The query changed: wait for a pause in typing, then ask. */
  set(query: string): void {
    this.query = query;
    this.#seq += 1;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (query.trim() === '') {
      this.status = 'idle';
      this.hits = [];
      this.error = null;
      return;
    }
    this.status = 'loading';
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#run();
    }, this.#delayMs);
  }

  /** Asks now if a query waits for its pause (Enter pressed while typing); resolves when the newest answer is in. */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#running = this.#run();
    }
    await this.#running;
  }

  async #run(): Promise<void> {
    const seq = this.#seq;
    const query = this.query.trim();
    const answer = await this.#api.search({ query, limit: SEARCH_LIMIT });
    if (seq !== this.#seq) return;
    if (answer.ok) {
      this.hits = answer.value.hits;
      this.truncated = answer.value.truncated;
      this.error = null;
      this.status = 'done';
    } else {
      this.hits = [];
      this.error = answer.error;
      this.status = 'error';
    }
    this.active = 0;
  }

  /** Moves the highlight by `delta`, staying within the results. */
  move(delta: number): void {
    if (this.hits.length === 0) return;
    this.active = Math.min(this.hits.length - 1, Math.max(0, this.active + delta));
  }

  /** The highlighted result. */
  get current(): SearchHit | undefined {
    return this.hits[this.active];
  }

  clear(): void {
    this.set('');
  }

  /** A card's status changed (a `card` event): the results on screen show it too. */
  setCardStatus(cardId: number, status: CardStatus): void {
    if (!this.hits.some((hit) => hit.customer.cards.some((card) => card.id === cardId))) return;
    this.hits = this.hits.map((hit) => ({
      ...hit,
      customer: {
        ...hit.customer,
        cards: hit.customer.cards.map((card) => (card.id === cardId ? { ...card, status } : card)),
      },
    }));
  }
}
