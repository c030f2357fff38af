/**
 * One claimed interview under review: its uploads (with the face model's
 * advice), the checklist, the verdict with its reasons, and the desk's
 * answer once sent.
 */
import type { DeskApi } from '../api/commands';
import type { BackendError } from '../api/ipc';
import type { ChecklistItem, Interview, UploadKind, VerdictAnswer, VerdictKind, VerdictReason } from '../api/wire';
import type { FaceAdvisor } from '../faceMatch/client';
import { needsOverride, verdictProblem, verdictRequest, type VerdictProblem } from '../interviews';
import type { UrlMaker } from './case.svelte';
import { browserUrls, Uploads, type Media } from './uploads.svelte';

export type { Media } from './uploads.svelte';
export type ReviewApi = Pick<DeskApi, 'interviewMedia' | 'decideInterview'>;

export class Review {
  readonly interview: Interview;
  readonly uploads: Uploads;
  checklist: readonly ChecklistItem[] = $state([]);
  verdict: VerdictKind | null = $state(null);
  reasons: readonly VerdictReason[] = $state([]);
  /** The verdict was asked to be sent: say what it lacks from now on. */
  tried = $state(false);
  busy = $state(false);
  error: BackendError | null = $state(null);
  answer: VerdictAnswer | null = $state(null);

  readonly #api: ReviewApi;

  constructor(api: ReviewApi, interview: Interview, urls: UrlMaker = browserUrls, advisor: FaceAdvisor | null = null) {
    this.#api = api;
    this.interview = interview;
    this.uploads = new Uploads(api, interview, urls, advisor);
  }

  /** The uploads by kind, as far as they have loaded. */
  get media(): Partial<Record<UploadKind, Media>> {
    return this.uploads.media;
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

  /** Fetches every upload the interview has, side by side, then the face advice. */
  loadMedia(): Promise<void> {
    return this.uploads.load();
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
    this.uploads.close();
  }
}
