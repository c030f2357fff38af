/**
 * The face model on real photographs: the group portraits face-api ships
 * as its demo (read from node_modules, not copied into this repository),
 * cut into ID-photo and selfie shaped pieces. Runs the same code the
 * console's worker runs, on tfjs's CPU backend.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';

import { compareFaces, describeFaces, loadModel, type Pixels } from './model';

const PACKAGE = 'node_modules/@vladmandic/face-api';

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

// Where the three faces of demo/sample1.jpg (1920 × 1280) are.
const LEFT: Box = { x: 336, y: 396, width: 306, height: 253 };
const RIGHT: Box = { x: 1422, y: 215, width: 307, height: 283 };

let group: Pixels;

/** A piece around a face, `margin` of its size on every side, scaled to `side` pixels wide, mirrored if asked, darker by `light`. */
function cut(from: Pixels, box: Box, margin: number, side: number, mirror = false, light = 1): Pixels {
  const left = Math.max(0, box.x - box.width * margin);
  const top = Math.max(0, box.y - box.height * margin);
  const right = Math.min(from.width, box.x + box.width * (1 + margin));
  const bottom = Math.min(from.height, box.y + box.height * (1 + margin));
  const scale = side / (right - left);
  const width = Math.round(side);
  const height = Math.round((bottom - top) * scale);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const sx = Math.floor(left + (mirror ? width - 1 - x : x) / scale);
      const sy = Math.floor(top + y / scale);
      const s = (sy * from.width + sx) * 4;
      const d = (y * width + x) * 4;
      for (let c = 0; c < 3; c += 1) data[d + c] = (from.data[s + c] ?? 0) * light;
      data[d + 3] = 255;
    }
  }
  return { width, height, data };
}

function plain(width: number, height: number): Pixels {
  return { width, height, data: new Uint8ClampedArray(width * height * 4).fill(128) };
}

beforeAll(async () => {
  await loadModel(async (url) => {
    const bytes = await readFile(`${PACKAGE}/model/${basename(url)}`);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }, ['cpu']);
  const decoded = jpeg.decode(await readFile(`${PACKAGE}/demo/sample1.jpg`), { useTArray: true });
  group = cut({ width: decoded.width, height: decoded.height, data: decoded.data }, { x: 0, y: 0, width: 1920, height: 1280 }, 0, 960);
  // The boxes above are in the full-size photo's pixels; `group` is half of it.
}, 120_000);

const half = (b: Box): Box => ({ x: b.x / 2, y: b.y / 2, width: b.width / 2, height: b.height / 2 });

describe('face model', () => {
  it('finds every face in a group photo, and none in a plain grey one', async () => {
    expect(await describeFaces(group)).toHaveLength(3);
    expect(await describeFaces(plain(320, 240))).toHaveLength(0);
  }, 180_000);

  it('says one face framed two ways is alike', async () => {
    const idPhoto = cut(group, half(RIGHT), 0.35, 260);
    const selfie = cut(group, half(RIGHT), 0.8, 420, true, 0.8);
    const advice = await compareFaces(idPhoto, selfie);
    expect(advice).toMatchObject({ kind: 'compared', band: 'alike', selfieFaces: 1 });
    if (advice.kind === 'compared') expect(advice.distance).toBeLessThan(0.5);
  }, 180_000);

  it('says two people are not alike', async () => {
    const advice = await compareFaces(cut(group, half(RIGHT), 0.35, 260), cut(group, half(LEFT), 0.8, 420));
    expect(advice).toMatchObject({ kind: 'compared', band: 'unalike' });
    if (advice.kind === 'compared') expect(advice.distance).toBeGreaterThanOrEqual(0.6);
  }, 180_000);

  it('counts the faces in a selfie with others in it, and names the photo without a face', async () => {
    expect(await compareFaces(cut(group, half(RIGHT), 0.35, 260), group)).toMatchObject({ kind: 'compared', selfieFaces: 3 });
    expect(await compareFaces(cut(group, half(LEFT), 0.35, 260), plain(300, 300))).toEqual({ kind: 'no_face', on: 'selfie' });
    expect(await compareFaces(plain(300, 300), plain(300, 300))).toEqual({ kind: 'no_face', on: 'both' });
  }, 180_000);
});
