/**
 * The face model's own thread: the descriptor net takes a second or more on
 * a CPU, and the reviewer's screen must not stall for it. Receives the two
 * photos as blobs, decodes and scales them here, and answers with advice.
 */
import type { FaceAdvice } from './advice';
import { compareFaces, loadModel, type Pixels } from './model';

export interface AdviceRequest {
  readonly id: number;
  readonly idFront: Blob;
  readonly selfie: Blob;
}

export type AdviceReply =
  | { readonly id: number; readonly ok: true; readonly advice: FaceAdvice }
  | { readonly id: number; readonly ok: false; readonly message: string };

/** The longest side the model is given: its faces are found at 416 px squares anyway. */
const LONGEST_SIDE = 960;

async function decode(blob: Blob): Promise<Pixels> {
  const bitmap = await createImageBitmap(blob);
  try {
    const scale = Math.min(1, LONGEST_SIDE / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    if (context === null) throw new Error('no 2D canvas in this worker');
    context.drawImage(bitmap, 0, 0, width, height);
    return context.getImageData(0, 0, width, height);
  } finally {
    bitmap.close();
  }
}

async function readWeights(url: string): Promise<ArrayBuffer> {
  const answer = await fetch(url);
  if (!answer.ok) throw new Error(`the face model's weights answered ${answer.status}`);
  return answer.arrayBuffer();
}

self.onmessage = async (event: MessageEvent<AdviceRequest>) => {
  const { id, idFront, selfie } = event.data;
  let reply: AdviceReply;
  try {
    await loadModel(readWeights);
    const advice = await compareFaces(await decode(idFront), await decode(selfie));
    reply = { id, ok: true, advice };
  } catch (error) {
    reply = { id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  self.postMessage(reply);
};
