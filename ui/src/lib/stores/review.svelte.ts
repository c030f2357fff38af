/**
 * One claimed interview under review: its uploads fetched as bytes and
 * shown through object URLs (revoked when the review closes: the photos
 * are the applicant's ID), the checklist, the verdict with its reasons, and
 * the desk's answer once sent.
 */
import type { DeskApi } from '../api/commands';
import type { BackendError } from '../api/ipc';
import type {
  ChecklistItem,
  Interview,
  Upload,
  UploadKind,
  VerdictAnswer,
  VerdictKind,
  VerdictReason,
} from '../api/wire';
import { mimeOf, needsOverride, verdictProblem, verdictRequest, type VerdictProblem } from '../interviews';
import type { UrlMaker } from './case.svelte';

export type ReviewApi = Pick<DeskApi, 'interviewMedia' | 'decideInterview'>;

/** One upload as the reviewer sees it. */
export type Media =
  | { readonly status: 'loading'; readonly upload: Upload }
  | { readonly status: 'ready'; readonly upload: Upload; readonly url: string; readonly mime: string }
  | { readonly status: 'error'; readonly upload: Upload; readonly error: BackendError };

const browserUrls: UrlMaker = {
  create: (blob) => URL.createObjectURL(blob),
  revoke: (url) => URL.revokeObjectURL(url),
};

export class Review {
  readonly interview: Interview;
  media: Partial<Record<UploadKind, Media>> = $state({});
  checklist: readonly ChecklistItem[] = $state([]);
  verdict: VerdictKind | null = $state(null);
  reasons: readonly VerdictReason[] = $state([]);
  /** The verdict was asked to be sent: say what it lacks from now on. */
  tried = $state(false);
  busy = $state(false);
  error: BackendError | null = $state(null);
  answer: VerdictAnswer | null = $state(null);

  readonly #api: ReviewApi;
  readonly #urls: UrlMaker;
  #closed = false;

  constructor(api: ReviewApi, interview: Interview, urls: UrlMaker = browserUrls) {
    this.#api = api;
    this.interview = interview;
    this.#urls = urls;
  }

  get applicationId(): number {
    return this.interview.application_id;
  }

  /** What the verdict still lacks. */
  get problem(): VerdictProblem | null {
    return verdictProblem(this.verdict, this.reasons);
  }

  /** Whether the pass chosen leaves an item unticked. */
  get override(): boolean {
    return needsOverride(this.verdict, this.checklist);
  }

  /** Fetches every upload the interview has, side by side. */
  async loadMedia(): Promise<void> {
    await Promise.all(this.interview.uploads.map((upload) => this.#loadOne(upload)));
  }

  async #loadOne(upload: Upload): Promise<void> {
    this.media = { ...this.media, [upload.kind]: { status: 'loading', upload } };
    const bytes = await this.#api.interviewMedia(this.applicationId, upload.kind);
    if (this.#closed) return;
    if (!bytes.ok) {
      this.media = { ...this.media, [upload.kind]: { status: 'error', upload, error: bytes.error } };
      return;
    }
    const mime = mimeOf(upload.container);
    const url = this.#urls.create(new Blob([bytes.value], { type: mime }));
    this.media = { ...this.media, [upload.kind]: { status: 'ready', upload, url, mime } };
  }

  toggleItem(item: ChecklistItem, on: boolean): void {
    this.checklist = on ? [...new Set([...this.checklist, item])] : this.checklist.filter((i) => i !== item);
  }

  toggleReason(reason: VerdictReason, on: boolean): void {
    this.reasons = on ? [...new Set([...this.reasons, reason])] : this.reasons.filter((r) => r !== reason);
  }

  choose(verdict: VerdictKind): void {
    this.verdict = verdict;
    this.error = null;
  }

  /** Sends the verdict when it is complete; returns the answer, or null. */
  async submit(): Promise<VerdictAnswer | null> {
    this.tried = true;
    if (this.busy || this.answer !== null || this.verdict === null || this.problem !== null) return null;
    this.busy = true;
    this.error = null;
    const request = verdictRequest(this.verdict, this.checklist, this.reasons);
    const answer = await this.#api.decideInterview(this.applicationId, request);
    this.busy = false;
    if (!answer.ok) {
      this.error = answer.error;
      return null;
    }
    this.answer = answer.value;
    return answer.value;
  }

  /** Revokes every object URL; nothing fetched after this is shown. */
  close(): void {
    this.#closed = true;
    for (const media of Object.values(this.media)) {
      if (media?.status === 'ready') this.#urls.revoke(media.url);
    }
    this.media = {};
  }
}
