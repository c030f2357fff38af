/**
 * The console's side of the face model: one worker, started the first time
 * advice is asked for and kept (its nets stay loaded for the next
 * interview), one answer per request.
 */
import type { FaceAdvice } from './advice';
import type { AdviceReply, AdviceRequest } from './worker';

/** Gives advice on an ID card's front and a selfie. */
export interface FaceAdvisor {
  advise(idFront: Blob, selfie: Blob): Promise<FaceAdvice>;
}

export class WorkerAdvisor implements FaceAdvisor {
  #worker: Worker | null = null;
  #next = 1;
  readonly #waiting = new Map<number, { resolve: (a: FaceAdvice) => void; reject: (e: Error) => void }>();

  advise(idFront: Blob, selfie: Blob): Promise<FaceAdvice> {
    const worker = this.#start();
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.postMessage({ id, idFront, selfie } satisfies AdviceRequest);
    });
  }

  #start(): Worker {
    if (this.#worker !== null) return this.#worker;
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<AdviceReply>) => {
      const reply = event.data;
      const waiting = this.#waiting.get(reply.id);
      this.#waiting.delete(reply.id);
      if (reply.ok) waiting?.resolve(reply.advice);
      else waiting?.reject(new Error(reply.message));
    };
    // A worker that cannot start (or dies) fails everyone waiting; the next request starts a new one.
    worker.onerror = (event) => {
      event.preventDefault();
      for (const waiting of this.#waiting.values()) waiting.reject(new Error(event.message || 'the face model stopped'));
      this.#waiting.clear();
      worker.terminate();
      this.#worker = null;
    };
    this.#worker = worker;
    return worker;
  }
}

/** The console's one advisor. */
export const faceAdvisor: FaceAdvisor = new WorkerAdvisor();
