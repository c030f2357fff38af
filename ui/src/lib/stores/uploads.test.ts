import { describe, expect, it } from 'vitest';

import { liu } from '../../test/interviews';
import type { FaceAdvice } from '../faceMatch/advice';
import type { FaceAdvisor } from '../faceMatch/client';
import { Uploads, type UploadsApi } from './uploads.svelte';

const bytes: UploadsApi = { interviewMedia: async () => ({ ok: true, value: new Uint8Array([1, 2]) }) };
const urls = { create: () => 'blob:x', revoke: () => {} };
const alike: FaceAdvice = { kind: 'compared', distance: 0.2, band: 'alike', selfieFaces: 1 };

function advisor(answer: () => Promise<FaceAdvice>): FaceAdvisor & { given: string[][] } {
  const given: string[][] = [];
  return {
    given,
    advise: async (idFront, selfie) => {
      given.push([idFront.type, selfie.type]);
      return answer();
    },
  };
}

describe('an interview’s uploads', () => {
  it('ask the face model about the ID front and the selfie once both are in', async () => {
    const model = advisor(async () => alike);
    const uploads = new Uploads(bytes, liu, urls, model);
    await uploads.load();
    expect(model.given).toEqual([['image/jpeg', 'image/jpeg']]);
    expect(uploads.advice).toEqual({ status: 'ready', advice: alike });
  });

  it('ask nothing when the selfie could not be fetched, and say so', async () => {
    const model = advisor(async () => alike);
    const api: UploadsApi = {
      interviewMedia: async (_id, kind) =>
        kind === 'selfie' ? { ok: false, error: { code: 'not_found', message: 'gone' } } : { ok: true, value: new Uint8Array([1]) },
    };
    const uploads = new Uploads(api, liu, urls, model);
    await uploads.load();
    expect(model.given).toEqual([]);
    expect(uploads.advice).toEqual({ status: 'unavailable' });
  });

  it('say the model failed rather than hide it, and show no advice that comes after closing', async () => {
    const broken = new Uploads(bytes, liu, urls, advisor(async () => Promise.reject(new Error('no backend'))));
    await broken.load();
    expect(broken.advice).toEqual({ status: 'failed', message: 'no backend' });

    let release: (a: FaceAdvice) => void = () => {};
    const late = new Uploads(bytes, liu, urls, advisor(() => new Promise((resolve) => (release = resolve))));
    const loading = late.load();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(late.advice).toEqual({ status: 'working' });
    late.close();
    release(alike);
    await loading;
    expect(late.advice).toEqual({ status: 'working' });
    expect(late.media).toEqual({});
  });
});
