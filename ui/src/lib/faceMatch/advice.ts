/**
 * What the face model says about an interview's ID photo and selfie: advice
 * for the reviewer, never a verdict. The checklist and the reviewer decide;
 * the desk never sees this number.
 */

/** How alike the two faces look to the model. */
export type FaceBand = 'alike' | 'unclear' | 'unalike';

/** Which upload the model found no face in. */
export type FacelessUpload = 'id_front' | 'selfie' | 'both';

export type FaceAdvice =
  | {
      readonly kind: 'compared';
      /** Euclidean distance between the two 128-number face descriptors (0 = identical). */
      readonly distance: number;
      readonly band: FaceBand;
      /** Faces the model found in the selfie: more than one may mean someone else is present. */
      readonly selfieFaces: number;
    }
  | { readonly kind: 'no_face'; readonly on: FacelessUpload };

/**
 * The model (dlib's ResNet face descriptor, as face-api ships it) is trained
 * so that one person's faces fall within 0.6 of each other; its authors
 * report 99.38 % right on the LFW benchmark at that line. Between 0.5 and 0.6 it is close to the
 * line, so the reviewer is told it is unclear rather than given a yes.
 */
export const SAME_PERSON_BELOW = 0.6;
export const CLEARLY_SAME_BELOW = 0.5;

export function bandOf(distance: number): FaceBand {
  if (distance < CLEARLY_SAME_BELOW) return 'alike';
  if (distance < SAME_PERSON_BELOW) return 'unclear';
  return 'unalike';
}

/** Compares one face descriptor per upload (the largest face of each). */
export function adviceFrom(idFaces: readonly Float32Array[], selfieFaces: readonly Float32Array[]): FaceAdvice {
  const id = idFaces[0];
  const selfie = selfieFaces[0];
  if (id === undefined && selfie === undefined) return { kind: 'no_face', on: 'both' };
  if (id === undefined) return { kind: 'no_face', on: 'id_front' };
  if (selfie === undefined) return { kind: 'no_face', on: 'selfie' };
  const distance = euclidean(id, selfie);
  return { kind: 'compared', distance, band: bandOf(distance), selfieFaces: selfieFaces.length };
}

function euclidean(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error('face descriptors of different lengths');
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    sum += d * d;
  }
  return Math.sqrt(sum);
}
