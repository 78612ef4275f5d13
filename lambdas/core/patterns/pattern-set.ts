import { compilePattern, type CompileOptions } from './compile-pattern.js';
import { subRuleMatches, type CompiledKey, type CompiledSubRule } from './evaluate.js';
import { flattenEvent, type FlatEvent, type Leaf } from './flatten-event.js';
import { ignoreCaseIndexKey } from './ignore-case.js';

/** Prefix conditions of one path, by UTF-16 unit; `ids` are the references ending here. */
interface TrieNode {
  readonly next: Map<string, TrieNode>;
  readonly ids: number[];
}

/**
 * Sub-rule references filed under one value: a single reference is stored unboxed, since most
 * routing values belong to one rule and a hit then costs no extra memory access.
 */
type Refs = number | number[];

/** The sub-rules filed under one path, by the value they need there. */
interface PathIndex {
  strings: Map<string, Refs> | null;
  numbers: Map<number, Refs> | null;
  literals: Map<string, Refs> | null;
  ignoreCase: Map<string, Refs> | null;
  prefixes: TrieNode | null;
}

/** Per-call state of {@link PatternSet.matching}. */
interface Scratch {
  readonly stamp: number;
  readonly candidates: number[];
  readonly matched: number[];
}

/** An index entry a sub-rule can be found under: leaf kind tag + value, or a string prefix. */
type Entry = { readonly tag: 's' | 'n' | 'l' | 'i'; readonly value: string } | { readonly tag: 'p'; readonly value: string };

/**
 * Many patterns compiled once and matched together. Each sub-rule (one `$or` combination) is
 * filed under one of its conditions that needs a specific value at a path (an exact string,
 * number, boolean/null, a simple equals-ignore-case, or a prefix); a matching event must then
 * have that value there, so only sub-rules found through the event's own leaves are evaluated.
 * Sub-rules with no such condition (only anything-but, suffix, wildcard, numeric ranges,
 * exists...) are always evaluated. Answers are exactly those of `compilePattern(p).matches`.
 */
export class PatternSet<K> {
  /** Number of entries (patterns), not sub-rules. */
  readonly size: number;
  private readonly keys: K[] = [];
  private readonly rules: CompiledSubRule[] = [];
  private readonly owner: number[] = [];
  private readonly paths = new Map<string, PathIndex>();
  private readonly always: number[] = [];
  private readonly seenAt: Uint32Array;
  private readonly matchedAt: Uint32Array;
  private stamp = 0;

  /**
   * Compiles every entry (in order). Throws the first entry's InvalidEventPatternError.
   */
  constructor(entries: Iterable<{ key: K; pattern: string | object }>, options?: CompileOptions) {
    for (const { key, pattern } of entries) {
      const compiled = compilePattern(pattern, options);
      const patternIndex = this.keys.length;
      this.keys.push(key);
      for (const rule of compiled.subRules) {
        const id = this.rules.length;
        this.rules.push(rule);
        this.owner.push(patternIndex);
        this.file(id, rule);
      }
    }
    this.size = this.keys.length;
    this.seenAt = new Uint32Array(this.rules.length);
    this.matchedAt = new Uint32Array(this.keys.length);
  }

  /** Keys of all entries whose pattern matches the event, in insertion order. */
  matching(event: unknown): K[] {
    const flat = flattenEvent(event);
    if (flat === null || this.keys.length === 0) return [];
    const stamp = this.nextStamp();
    const candidates: number[] = [];
    const matched: number[] = [];
    const scratch = { stamp, candidates, matched };
    for (const [path, leaves] of flat) {
      const index = this.paths.get(path);
      if (index) for (const leaf of leaves) this.lookup(index, leaf, scratch);
    }
    for (const id of candidates) this.consider(id, flat, stamp, matched);
    for (const id of this.always) this.consider(id, flat, stamp, matched);
    if (!ascending(matched)) matched.sort((a, b) => a - b);
    return matched.map((p) => this.keys[p]!);
  }

  private consider(id: number, flat: FlatEvent, stamp: number, matched: number[]): void {
    const p = this.owner[id]!;
    if (this.matchedAt[p] === stamp) return;
    if (subRuleMatches(this.rules[id]!, flat)) {
      this.matchedAt[p] = stamp;
      matched.push(p);
    }
  }

  private add(refs: Refs | undefined, scratch: Scratch): void {
    if (refs === undefined) return;
    if (typeof refs === 'number') this.addOne(refs, scratch);
    else for (const ref of refs) this.addOne(ref, scratch);
  }

  private addOne(ref: number, scratch: Scratch): void {
    const { stamp } = scratch;
    if (ref < 0) {
      // a proven sub-rule, filed as ~patternIndex: the index hit is its whole condition
      const p = ~ref;
      if (this.matchedAt[p] !== stamp) {
        this.matchedAt[p] = stamp;
        scratch.matched.push(p);
      }
    } else if (this.seenAt[ref] !== stamp) {
      this.seenAt[ref] = stamp;
      scratch.candidates.push(ref);
    }
  }

  private lookup(index: PathIndex, leaf: Leaf, scratch: Scratch): void {
    switch (leaf.kind) {
      case 'string': {
        const text = leaf.text;
        if (index.strings) this.add(index.strings.get(text), scratch);
        if (index.ignoreCase) this.add(index.ignoreCase.get(text.toLowerCase()), scratch);
        if (index.prefixes) {
          let node: TrieNode | undefined = index.prefixes;
          this.add(node.ids, scratch);
          for (let i = 0; i < text.length && node; i++) {
            node = node.next.get(text[i]!);
            if (node) this.add(node.ids, scratch);
          }
        }
        return;
      }
      case 'number':
        if (index.numbers) this.add(index.numbers.get(leaf.num), scratch);
        return;
      default:
        if (index.literals) this.add(index.literals.get(leaf.kind), scratch);
    }
  }

  /** Files a sub-rule under its most selective indexable key, or in the always-checked list. */
  private file(id: number, rule: CompiledSubRule): void {
    let best: { key: CompiledKey; entries: Entry[]; score: number } | undefined;
    for (const key of rule.keys) {
      const entries = indexEntries(key);
      if (!entries) continue;
      // Prefer exact values over prefixes, then fewer entries.
      const score = entries.reduce((s, e) => s + (e.tag === 'p' ? 1000 - Math.min(e.value.length, 999) : 1), 0);
      if (!best || score < best.score) best = { key, entries, score };
    }
    if (!best) {
      this.always.push(id);
      return;
    }
    // When the index hit is the sub-rule's whole condition, file the owning pattern itself
    // (as ~index) so a hit needs no evaluation and no further lookups.
    // (Not when the field is read for IPs: then an IP-valued string is no longer its text.)
    const proven = rule.keys.length === 1 && best.key.mode !== 'ip' && best.entries.every((e) => e.tag !== 'i');
    const ref = proven ? ~this.owner[id]! : id;
    const path = best.key.path;
    let index = this.paths.get(path);
    if (!index) {
      index = { strings: null, numbers: null, literals: null, ignoreCase: null, prefixes: null };
      this.paths.set(path, index);
    }
    for (const entry of best.entries) {
      if (entry.tag === 'p') {
        let node: TrieNode = (index.prefixes ??= { next: new Map(), ids: [] });
        // UTF-16 units, the same steps lookup() walks
        for (let i = 0; i < entry.value.length; i++) {
          const ch = entry.value[i]!;
          let child = node.next.get(ch);
          if (!child) {
            child = { next: new Map(), ids: [] };
            node.next.set(ch, child);
          }
          node = child;
        }
        if (node.ids[node.ids.length - 1] !== ref) node.ids.push(ref);
        continue;
      }
      if (entry.tag === 'n') {
        fileUnder((index.numbers ??= new Map()), Number(entry.value), ref);
        continue;
      }
      const map = entry.tag === 's' ? (index.strings ??= new Map()) : entry.tag === 'l' ? (index.literals ??= new Map()) : (index.ignoreCase ??= new Map());
      fileUnder(map, entry.value, ref);
    }
  }

  private nextStamp(): number {
    if (this.stamp === 0xffffffff) {
      this.seenAt.fill(0);
      this.matchedAt.fill(0);
      this.stamp = 0;
    }
    return ++this.stamp;
  }
}

function ascending(xs: readonly number[]): boolean {
  for (let i = 1; i < xs.length; i++) if (xs[i - 1]! > xs[i]!) return false;
  return true;
}

function fileUnder<T>(map: Map<T, Refs>, value: T, ref: number): void {
  const refs = map.get(value);
  if (refs === undefined) map.set(value, ref);
  else if (typeof refs === 'number') {
    if (refs !== ref) map.set(value, [refs, ref]);
  } else if (refs[refs.length - 1] !== ref) refs.push(ref);
}

function numberKey(n: number): string {
  return Object.is(n, -0) ? '0' : String(n);
}

/**
 * The index entries under which a key can be found, or null when some value of the key could
 * match a leaf without a specific value (then the key cannot be used as a prefilter).
 */
function indexEntries(key: CompiledKey): Entry[] | null {
  if (key.absent || key.values.length === 0) return null;
  const out: Entry[] = [];
  for (const v of key.values) {
    switch (v.type) {
      case 'exact':
        out.push({ tag: 's', value: v.value });
        break;
      case 'literal':
        out.push({ tag: 'l', value: v.value });
        break;
      case 'numeric-equals':
        out.push({ tag: 'n', value: numberKey(v.value) });
        break;
      case 'prefix':
        out.push({ tag: 'p', value: v.value });
        break;
      case 'equals-ignore-case': {
        const k = ignoreCaseIndexKey(v.tests.alts);
        if (k === null) return null;
        out.push({ tag: 'i', value: k });
        break;
      }
      default:
        return null;
    }
  }
  return out;
}
