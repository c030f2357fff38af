/**
 * Small shape checks for the desk's answers, so an answer that does not
 * match the wire types fails at the edge (`bad_response`), not deep inside a
 * component. Each guard is a type predicate; `shape()` composes them.
 */

/** A check that `value` has type `T`. */
export type Guard<T> = (value: unknown) => value is T;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const str: Guard<string> = (value): value is string => typeof value === 'string';
export const int: Guard<number> = (value): value is number => Number.isInteger(value);
export const bool: Guard<boolean> = (value): value is boolean => typeof value === 'boolean';
export const nul: Guard<null> = (value): value is null => value === null;

/** One of a wire enum's names. */
export function oneOf<const T extends string>(names: readonly T[]): Guard<T> {
  return (value): value is T => typeof value === 'string' && (names as readonly string[]).includes(value);
}

/** `T` or `null` (a Rust `Option`). */
export function nullable<T>(guard: Guard<T>): Guard<T | null> {
  return (value): value is T | null => value === null || guard(value);
}

/** `T` or absent (an optional field). */
export function optional<T>(guard: Guard<T>): Guard<T | undefined> {
  return (value): value is T | undefined => value === undefined || guard(value);
}

export function arrayOf<T>(guard: Guard<T>): Guard<readonly T[]> {
  return (value): value is readonly T[] => Array.isArray(value) && value.every(guard);
}

/** An object whose listed fields pass their guards (extra fields are allowed: a newer shell may add some). */
export function shape<T>(fields: { readonly [K in keyof T]-?: Guard<T[K]> }): Guard<T> {
  return (value): value is T =>
    isRecord(value) &&
    Object.entries(fields).every(([name, guard]) => (guard as Guard<unknown>)(value[name]));
}

/** Either of two shapes. */
export function either<A, B>(a: Guard<A>, b: Guard<B>): Guard<A | B> {
  return (value): value is A | B => a(value) || b(value);
}

/** Raw bytes as IPC delivers them: an `ArrayBuffer`, a typed array, or (a JSON `Vec<u8>`) numbers. */
export const bytes: Guard<ArrayBuffer | Uint8Array | readonly number[]> = (
  value,
): value is ArrayBuffer | Uint8Array | readonly number[] =>
  value instanceof ArrayBuffer ||
  value instanceof Uint8Array ||
  (Array.isArray(value) && value.every((b) => Number.isInteger(b) && b >= 0 && b < 256));

/** The bytes as a `Uint8Array` whatever form they came in. */
export function toUint8Array(value: ArrayBuffer | Uint8Array | readonly number[]): Uint8Array<ArrayBuffer> {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value instanceof Uint8Array) return new Uint8Array(value);
  return Uint8Array.from(value);
}
