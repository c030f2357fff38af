/**
 * An interview's uploads as one member of staff sees them: each fetched as
 * bytes and shown through an object URL (revoked on close: the photos are
 * the applicant's ID), and the face model's advice on the ID card's front
 * and the selfie once both are in. The reviewer and the supervisor deciding
 * an override each hold one.
 */
import type { DeskApi } from '../api/commands';
import type { BackendError } from '../api/ipc';
import type { Interview, Upload, UploadKind } from '../api/wire';
import type { FaceAdvice } from '../faceMatch/advice';
import type { FaceAdvisor } from '../faceMatch/client';
import { mimeOf } from '../interviews';
import type { UrlMaker } from './case.svelte';

export type UploadsApi = Pick<DeskApi, 'interviewMedia'>;

/** One upload as staff see it. */
export type Media =
  | { readonly status: 'loading'; readonly upload: Upload }
  | { readonly status: 'ready'; readonly upload: Upload; readonly url: string; readonly mime: string }
  | { readonly status: 'error'; readonly upload: Upload; readonly error: BackendError };

/** The face model's advice, as far as it has got. */
export type AdviceState =
  | { readonly status: 'waiting' }
  | { readonly status: 'unavailable' }
  | { readonly status: 'working' }
  | { readonly status: 'ready'; readonly advice: FaceAdvice }
  | { readonly status: 'failed'; readonly message: string };

export const browserUrls: UrlMaker = {
  create: (blob) => URL.createObjectURL(blob),
  revoke: (url) => URL.revokeObjectURL(url),
};

export class Uploads {
  readonly interview: Interview;
  media: Partial<Record<UploadKind, Media>> = $state({});
  advice: AdviceState = $state({ status: 'waiting' });

  readonly #api: UploadsApi;
  readonly #urls: UrlMaker;
  readonly #advisor: FaceAdvisor | null;
  readonly #blobs: Partial<Record<UploadKind, Blob>> = {};
  #closed = false;

  constructor(api: UploadsApi, interview: Interview, urls: UrlMaker = browserUrls, advisor: FaceAdvisor | null = null) {
    this.#api = api;
    this.interview = interview;
    this.#urls = urls;
    this.#advisor = advisor;
  }

  /** Fetches every upload side by side, then asks for the face advice. */
  async load(): Promise<void> {
    await Promise.all(this.interview.uploads.map((upload) => this.#loadOne(upload)));
    await this.#advise();
  }

  async #loadOne(upload: Upload): Promise<void> {
    this.media = { ...this.media, [upload.kind]: { status: 'loading', upload } };
    const bytes = await this.#api.interviewMedia(this.interview.application_id, upload.kind);
    if (this.#closed) return;
    if (!bytes.ok) {
      this.media = { ...this.media, [upload.kind]: { status: 'error', upload, error: bytes.error } };
      return;
    }
    const mime = mimeOf(upload.container);
    const blob = new Blob([bytes.value], { type: mime });
    this.#blobs[upload.kind] = blob;
    const url = this.#urls.create(blob);
    this.media = { ...this.media, [upload.kind]: { status: 'ready', upload, url, mime } };
  }

  async #advise(): Promise<void> {
    const idFront = this.#blobs.id_front;
    const selfie = this.#blobs.selfie;
    if (this.#closed) return;
    if (this.#advisor === null || idFront === undefined || selfie === undefined) {
      this.advice = { status: 'unavailable' };
      return;
    }
    this.advice = { status: 'working' };
    try {
      const advice = await this.#advisor.advise(idFront, selfie);
      if (!this.#closed) this.advice = { status: 'ready', advice };
    } catch (error) {
      if (!this.#closed) this.advice = { status: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Revokes every object URL and forgets the bytes; nothing fetched after this is shown. */
  close(): void {
    this.#closed = true;
    for (const media of Object.values(this.media)) {
      if (media?.status === 'ready') this.#urls.revoke(media.url);
    }
    for (const kind of Object.keys(this.#blobs) as UploadKind[]) delete this.#blobs[kind];
    this.media = {};
  }
}
