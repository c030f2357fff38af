import { describe, expect, it, vi } from 'vitest';

import { issued, liu } from '../../test/interviews';
import type { Result } from '../api/ipc';
import type { UploadKind, VerdictAnswer, VerdictRequest } from '../api/wire';
import { Review, type ReviewApi } from './review.svelte';

function urls() {
  const made: { url: string; type: string }[] = [];
  const revoked: string[] = [];
  return {
    made,
    revoked,
    create(blob: Blob): string {
      const url = `blob:${made.length}`;
      made.push({ url, type: blob.type });
      return url;
    },
    revoke(url: string): void {
      revoked.push(url);
    },
  };
}

function api(overrides: Partial<ReviewApi> = {}): ReviewApi & { decided: VerdictRequest[] } {
  const decided: VerdictRequest[] = [];
  return {
    decided,
    interviewMedia: async (_id: number, kind: UploadKind) =>
      kind === 'id_back' ? { ok: false, error: { code: 'not_found', message: 'gone' } } : { ok: true, value: new Uint8Array([1, 2]) },
    decideInterview: async (_id: number, request: VerdictRequest): Promise<Result<VerdictAnswer>> => {
      decided.push(request);
      return { ok: true, value: issued };
    },
    ...overrides,
  };
}

describe('a review', () => {
  it('fetches every upload as a Blob of its container’s type, says which failed, and revokes the URLs on leaving', async () => {
    const made = urls();
    const review = new Review(api(), liu, made);
    await review.loadMedia();
    expect(made.made.map((m) => m.type)).toEqual(['image/jpeg', 'image/jpeg', 'video/webm']);
    expect(review.media.id_front).toMatchObject({ status: 'ready', mime: 'image/jpeg', url: 'blob:0' });
    expect(review.media.id_back).toMatchObject({ status: 'error', error: { code: 'not_found' } });
    expect(review.media.video).toMatchObject({ status: 'ready', mime: 'video/webm' });
    review.close();
    expect(made.revoked.sort()).toEqual(made.made.map((m) => m.url).sort());
    expect(review.media).toEqual({});
  });

  it('makes no URL for bytes that arrive after the reviewer left', async () => {
    const made = urls();
    let release: () => void = () => {};
    const late = new Promise<void>((resolve) => (release = resolve));
    const review = new Review(
      api({ interviewMedia: async () => (await late, { ok: true, value: new Uint8Array([1]) }) }),
      liu,
      made,
    );
    const loading = review.loadMedia();
    review.close();
    release();
    await loading;
    expect(made.made).toEqual([]);
  });

  it('sends nothing until the verdict is complete, then sends it once', async () => {
    const desk = api();
    const review = new Review(desk, liu, urls());
    expect(await review.submit()).toBeNull();
    expect(review.problem).toBe('verdict_required');
    review.choose('fail');
    expect(await review.submit()).toBeNull();
    expect(review.problem).toBe('reasons_required');
    review.toggleReason('face_mismatch', true);
    review.toggleReason('not_live', true);
    review.toggleReason('not_live', false);
    expect(await review.submit()).toEqual(issued);
    expect(desk.decided).toEqual([{ verdict: 'fail', checklist: [], reasons: ['face_mismatch'] }]);
    expect(await review.submit()).toBeNull();
    expect(desk.decided).toHaveLength(1);
  });

  it('warns of the override while a pass leaves an item unticked', () => {
    const review = new Review(api(), liu, urls());
    review.choose('pass');
    expect(review.override).toBe(true);
    for (const item of ['face_matches_id', 'liveness', 'document_genuine', 'consent_given', 'questions_answered'] as const) {
      review.toggleItem(item, true);
    }
    expect(review.override).toBe(false);
    review.toggleItem('liveness', false);
    expect(review.override).toBe(true);
  });

  it('keeps the desk’s refusal to show it, and lets the reviewer try again', async () => {
    const decide = vi
      .fn<ReviewApi['decideInterview']>()
      .mockResolvedValueOnce({ ok: false, error: { code: 'forbidden', message: 'not yours' } })
      .mockResolvedValueOnce({ ok: true, value: issued });
    const review = new Review(api({ decideInterview: decide }), liu, urls());
    review.choose('pass');
    expect(await review.submit()).toBeNull();
    expect(review.error?.code).toBe('forbidden');
    expect(await review.submit()).toEqual(issued);
    expect(review.error).toBeNull();
  });
});
