import { ipToHex } from './cidr.js';
import { javaUtf8Normalize } from './java-text.js';

/**
 * Array membership of a leaf as flat `[arrayId, index, arrayId, index, ...]` pairs: for every
 * event array whose *object or array* element the leaf sits in, which element. (Ruler records no
 * membership for scalars directly inside an array, so `["a","b"]` adds nothing.)
 */
export type Membership = readonly number[];

/** One leaf value of an event, as Ruler's flattened `Field`. */
export interface Leaf {
  readonly kind: 'string' | 'number' | 'true' | 'false' | 'null';
  /** String value (normalised for Java's UTF-8) or the number's text. */
  readonly text: string;
  /** The number, or NaN for every other kind. */
  readonly num: number;
  readonly membership: Membership;
  /** Lazily computed hex form of an IP string (null: not an IP). */
  ipHex?: string | null;
}

/** The flattened event: dotted path -> its leaves in document order. */
export type FlatEvent = ReadonlyMap<string, readonly Leaf[]>;

const NONE: Membership = [];

/**
 * Flattens an event once into path -> leaves. Objects are descended with '.'-joined keys
 * (so `{"a.b":1}` and `{"a":{"b":1}}` both give `a.b`, as in Ruler); arrays contribute every
 * element; empty arrays and objects contribute nothing. Returns null for anything but an object.
 */
export function flattenEvent(event: unknown): FlatEvent | null {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return null;
  const out = new Map<string, Leaf[]>();
  const state = { arrays: 0 };
  visitObject(event as Record<string, unknown>, '', true, NONE, out, state);
  return out;
}

function visitObject(
  obj: Record<string, unknown>,
  base: string,
  atRoot: boolean,
  membership: Membership,
  out: Map<string, Leaf[]>,
  state: { arrays: number },
): void {
  for (const key of Object.keys(obj)) {
    const path = atRoot ? key : `${base}.${key}`;
    visitValue(obj[key], path, membership, out, state);
  }
}

function visitValue(
  raw: unknown,
  path: string,
  membership: Membership,
  out: Map<string, Leaf[]>,
  state: { arrays: number },
): void {
  const value = toJsonValue(raw);
  if (value === undefined) return;
  if (Array.isArray(value)) {
    const id = state.arrays++;
    for (let i = 0; i < value.length; i++) {
      const element = toJsonValue(value[i]);
      if (typeof element === 'object' && element !== null) {
        const inner = [...membership, id, i];
        if (Array.isArray(element)) visitValue(element, path, inner, out, state);
        else visitObject(element as Record<string, unknown>, path, false, inner, out, state);
      } else {
        // JSON.stringify writes undefined array elements as null
        addLeaf(element === undefined ? null : element, path, membership, out);
      }
    }
    return;
  }
  if (typeof value === 'object' && value !== null) {
    visitObject(value as Record<string, unknown>, path, false, membership, out, state);
    return;
  }
  addLeaf(value, path, membership, out);
}

/** Reads a JS value as JSON would (toJSON, bigint as number, functions/symbols dropped). */
function toJsonValue(raw: unknown): unknown {
  let value = raw;
  if (typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  return value;
}

function addLeaf(value: unknown, path: string, membership: Membership, out: Map<string, Leaf[]>): void {
  let leaf: Leaf;
  if (typeof value === 'string') leaf = { kind: 'string', text: javaUtf8Normalize(value), num: NaN, membership };
  else if (typeof value === 'number') leaf = { kind: 'number', text: String(value), num: value, membership };
  else if (value === true) leaf = { kind: 'true', text: 'true', num: NaN, membership };
  else if (value === false) leaf = { kind: 'false', text: 'false', num: NaN, membership };
  else if (value === null) leaf = { kind: 'null', text: 'null', num: NaN, membership };
  else return;
  const list = out.get(path);
  if (list) list.push(leaf);
  else out.set(path, [leaf]);
}

/** The hex form an IP-reading machine sees for a string leaf (null when it is not an IP). */
export function leafIpHex(leaf: Leaf): string | null {
  if (leaf.ipHex === undefined) leaf.ipHex = ipToHex(leaf.text);
  return leaf.ipHex;
}

/**
 * Merges two memberships, or returns null when they disagree on an array (the leaves come from
 * different elements of the same array).
 */
export function mergeMembership(a: Membership, b: Membership): Membership | null {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  let merged: number[] | null = null;
  for (let i = 0; i < b.length; i += 2) {
    const id = b[i]!;
    const index = b[i + 1]!;
    let found = false;
    for (let j = 0; j < a.length; j += 2) {
      if (a[j] === id) {
        if (a[j + 1] !== index) return null;
        found = true;
        break;
      }
    }
    if (!found) (merged ??= [...a]).push(id, index);
  }
  return merged ?? a;
}

/** Whether two memberships agree on every array they share. */
export function consistent(a: Membership, b: Membership): boolean {
  if (a.length === 0 || b.length === 0) return true;
  for (let i = 0; i < b.length; i += 2) {
    for (let j = 0; j < a.length; j += 2) {
      if (a[j] === b[i] && a[j + 1] !== b[i + 1]) return false;
    }
  }
  return true;
}
