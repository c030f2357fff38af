/**
 * The face model: face-api's tiny face detector, its small 68-point
 * landmark net (to align each face) and its face descriptor net, with the
 * weights the package ships (no download; about 6.7 MB, fetched from the
 * console's own assets the first time an interview is opened). Runs where
 * it is loaded: the console loads it in a worker (worker.ts), the tests in
 * Node.
 */
import * as faceapi from '@vladmandic/face-api/dist/face-api.esm.js';
import detectorManifest from '@vladmandic/face-api/model/tiny_face_detector_model-weights_manifest.json';
import detectorWeights from '@vladmandic/face-api/model/tiny_face_detector_model.bin?url';
import landmarkManifest from '@vladmandic/face-api/model/face_landmark_68_tiny_model-weights_manifest.json';
import landmarkWeights from '@vladmandic/face-api/model/face_landmark_68_tiny_model.bin?url';
import descriptorManifest from '@vladmandic/face-api/model/face_recognition_model-weights_manifest.json';
import descriptorWeights from '@vladmandic/face-api/model/face_recognition_model.bin?url';

import { adviceFrom, type FaceAdvice } from './advice';

/** Decoded pixels, four bytes (RGBA) each, row by row. */
export interface Pixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** Reads a weights file by the URL the bundler gave it. */
export type ReadWeights = (url: string) => Promise<ArrayBuffer>;

interface Manifest {
  readonly paths: readonly string[];
  readonly weights: Parameters<typeof faceapi.tf.io.decodeWeights>[1];
}

interface Net {
  loadFromWeightMap(map: faceapi.tf.NamedTensorMap): void;
}

const NETS: readonly { net: Net; manifest: readonly Manifest[]; url: string }[] = [
  { net: faceapi.nets.tinyFaceDetector, manifest: detectorManifest as Manifest[], url: detectorWeights },
  { net: faceapi.nets.faceLandmark68TinyNet, manifest: landmarkManifest as Manifest[], url: landmarkWeights },
  { net: faceapi.nets.faceRecognitionNet, manifest: descriptorManifest as Manifest[], url: descriptorWeights },
];

/**
 * The tiny detector sees the photo as one square of a fixed size and finds
 * faces of some sizes in it and not others (a face filling a tight crop is
 * missed at 416 px and found at 160 px), so it looks at finer squares first
 * and at coarser ones while it has found nothing.
 */
const DETECTORS = [416, 320, 224, 160].map(
  (inputSize) => new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: 0.5 }),
);

let loaded: Promise<void> | null = null;

/**
 * face-api looks for a DOM (or Node's `require`) to make canvases from
 * images; a worker has neither, and it is only ever given tensors, so it
 * gets an environment whose element types nothing is an instance of.
 */
function tensorOnlyEnvironment(): void {
  class NotAnElement {}
  const none = (): never => {
    throw new Error('the face model is given tensors only');
  };
  faceapi.env.setEnv({
    Canvas: NotAnElement,
    CanvasRenderingContext2D: NotAnElement,
    Image: NotAnElement,
    ImageData: NotAnElement,
    Video: NotAnElement,
    createCanvasElement: none,
    createImageElement: none,
    createVideoElement: none,
    fetch: (...args: Parameters<typeof fetch>) => fetch(...args),
    readFile: none,
  } as unknown as Parameters<typeof faceapi.env.setEnv>[0]);
}

/** Loads the three nets once (later calls wait for the first). */
export function loadModel(read: ReadWeights, backends: readonly string[] = ['webgl', 'cpu']): Promise<void> {
  loaded ??= (async () => {
    tensorOnlyEnvironment();
    await chooseBackend(backends);
    for (const { net, manifest, url } of NETS) {
      const group = manifest[0];
      if (group === undefined) throw new Error('an empty weights manifest');
      const map = faceapi.tf.io.decodeWeights(await read(url), group.weights);
      net.loadFromWeightMap(map);
    }
  })();
  loaded.catch(() => (loaded = null));
  return loaded;
}

/** The engine calls the bundled tfjs has and face-api's types leave out. */
interface Engine {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
}

/** The first backend that starts here (WebGL where the GPU answers, else the CPU). */
async function chooseBackend(backends: readonly string[]): Promise<void> {
  const engine = faceapi.tf as unknown as Engine;
  for (const name of backends) {
    try {
      if (await engine.setBackend(name)) {
        await engine.ready();
        return;
      }
    } catch {
      // This backend cannot run here: try the next.
    }
  }
  throw new Error('no backend for the face model');
}

/** The descriptors of every face found, the largest face first. */
export async function describeFaces(pixels: Pixels): Promise<Float32Array[]> {
  const input = faceapi.tf.tidy(() => {
    const rgba = faceapi.tf.tensor3d(Uint8Array.from(pixels.data), [pixels.height, pixels.width, 4], 'int32');
    return faceapi.tf.slice(rgba, [0, 0, 0], [pixels.height, pixels.width, 3]);
  });
  try {
    let faces: Awaited<ReturnType<typeof detect>> = [];
    for (const options of DETECTORS) {
      faces = await detect(input, options);
      if (faces.length > 0) break;
    }
    return faces
      .sort((a, b) => b.detection.box.area - a.detection.box.area)
      .map((face) => face.descriptor);
  } finally {
    input.dispose();
  }
}

function detect(input: faceapi.tf.Tensor3D, options: faceapi.TinyFaceDetectorOptions) {
  return faceapi.detectAllFaces(input, options).withFaceLandmarks(true).withFaceDescriptors();
}

/** The model's advice on an ID card's front and a selfie. */
export async function compareFaces(idFront: Pixels, selfie: Pixels): Promise<FaceAdvice> {
  const id = await describeFaces(idFront);
  const self = await describeFaces(selfie);
  return adviceFrom(id, self);
}
