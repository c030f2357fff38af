/**
 * The shell as tests see it: `mockIPC` answering each command from a table
 * (a function of the arguments, or a value), recording every call, with
 * Tauri's event mocking on so `emit()` reaches the app's `listen()`.
 */
import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';

import type { FaceAdvice } from '../lib/faceMatch/advice';

/** An answer, or a `{code, message}` failure thrown as the shell does. */
export type Answer = unknown | ((args: Record<string, unknown>) => unknown);

export interface Recorded {
  readonly command: string;
  readonly args: Record<string, unknown>;
}

export class Failure {
  constructor(
    readonly code: string,
    readonly message = code,
  ) {}
}

/** Starts the mock shell; `answers` can be changed as the test goes. */
export function shell(answers: Record<string, Answer>): { calls: Recorded[]; answers: Record<string, Answer>; named: (c: string) => Recorded[] } {
  const calls: Recorded[] = [];
  mockIPC(
    async (command, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ command, args });
      if (!(command in answers)) throw { code: 'internal', message: `unexpected command ${command}` };
      const answer = answers[command];
      const value = typeof answer === 'function' ? await (answer as (a: Record<string, unknown>) => unknown)(args) : answer;
      if (value instanceof Failure) throw { code: value.code, message: value.message };
      return value;
    },
    { shouldMockEvents: true },
  );
  return { calls, answers, named: (c) => calls.filter((call) => call.command === c) };
}

/** Sends a shell event to the page. */
export async function shellEvent(name: string, payload: unknown): Promise<void> {
  await emit(name, payload);
}

/** Object URLs for jsdom, which has none. */
export const fakeUrls = {
  made: [] as string[],
  revoked: [] as string[],
  create(blob: Blob): string {
    const url = `blob:test/${this.made.length}-${blob.type}`;
    this.made.push(url);
    return url;
  },
  revoke(url: string): void {
    this.revoked.push(url);
  },
};

/**
 * The face model as the interview screens see it, without a worker: two
 * faces in the selfie, close to the ID photo. Records what it was given.
 */
export const fakeAdvisor = {
  asked: [] as { idFront: string; selfie: string }[],
  async advise(idFront: Blob, selfie: Blob): Promise<FaceAdvice> {
    this.asked.push({ idFront: idFront.type, selfie: selfie.type });
    return { kind: 'compared', distance: 0.3141, band: 'alike', selfieFaces: 2 };
  },
};
