import { compilePattern, type CompileOptions } from './compile-pattern.js';
import { subRuleMatches, type CompiledKey, type CompiledSubRule } from './evaluate.js';
import { flattenEvent, type FlatEvent, type Leaf } from './flatten-event.js';
import { ignoreCaseIndexKey } from './ignore-case.js';

/** Prefix conditions of one path, by UTF-16 unit; `child` continues the rules whose prefix ends here. */
interface TrieNode {
  readonly next: Map<string, TrieNode>;
  child: IndexNode | null;
}

/**
 * Sub-rule references: a single reference is stored unboxed, since most routing values belong
 * to one rule and a hit then costs no extra memory access.
 */
type Refs = number | number[];

/** The continuations under one path of a node, by the value the rules need there. */
interface PathIndex {
  strings: Map<string, IndexNode> | null;
  numbers: Map<number, IndexNode> | null;
  literals: Map<string, IndexNode> | null;
  ignoreCase: Map<string, IndexNode> | null;
  prefixes: TrieNode | null;
}

/**
 * A state of the index: the sub-rules whose indexed conditions all hold once the event has led
 * here (`refs`), and the conditions on further paths that lead on (`paths`). A sub-rule's indexed
 * conditions are taken in path order, so rules that share conditions share the states.
 */
interface IndexNode {
  refs: Refs | null;
  /** Null for a state no rule goes beyond (most of them: a Map each would double the index's memory). */
  paths: Map<string, PathIndex> | null;
  /** The call that last visited this node, so an event reaches each state once. */
  visited: number;
}

/** Per-call state of {@link PatternSet.matching}. */
interface Scratch {
  readonly stamp: number;
  readonly flat: FlatEvent;
  readonly candidates: number[];
  readonly matched: number[];
}

/** An index entry a sub-rule can be found under: leaf kind tag + value, or a string prefix. */
type Entry =
  | { readonly tag: 's' | 'n' | 'l' | 'i'; readonly value: string }
  | { readonly tag: 'p'; readonly value: string };

/**
 * Most index paths one sub-rule may take: the product of its indexed keys' value counts. Keys
 * that would pass it are checked by evaluation instead of by the index.
 */
const MAX_FANOUT = 64;

const newNode = (): IndexNode => ({ refs: null, paths: null, visited: 0 });

/**
 * Many patterns compiled once and matched together, at a cost that depends on the event and on
 * the rules it can match, not on how many rules there are.
 *
 * The conditions that need a specific value at a path (an exact string, number, boolean/null, a
 * simple equals-ignore-case, or a prefix) form a shared index, like the state machine of AWS's
 * event-ruler: a sub-rule (one `$or` combination) is filed under its indexable conditions in
 * path order, so `{platform: [x], keywords: [a, b]}` is reached through `keywords = a` or
 * `keywords = b` and then `platform = x`, and 10,000 rules that share `platform = x` never make
 * an event with other keywords touch them. The sub-rules an event reaches are then evaluated in
 * full (for the other conditions and array consistency), except single-condition sub-rules,
 * which the index hit proves. Sub-rules with no indexable condition (only anything-but, suffix,
 * wildcard, numeric ranges, exists...) are always evaluated. Answers are exactly those of
 * `compilePattern(p).matches`.
 */
export class PatternSet<K> {
  /** Number of entries (patterns), not sub-rules. */
  readonly size: number;
  private readonly keys: K[] = [];
  private readonly rules: CompiledSubRule[] = [];
  private readonly owner: number[] = [];
  private readonly root: IndexNode = newNode();
  private readonly always: number[] = [];
  private readonly seenAt: Uint32Array;
  private readonly matchedAt: Uint32Array;
  private stamp = 0;
  /**
   * How many sub-rules the last {@link matching} call evaluated in full (the ones the index
   * reached but could not prove, plus the always-checked ones): what a match costs, beyond the
   * index walk. For benchmarks and tests of the index's selectivity.
   */
  lastEvaluated = 0;

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
    this.lastEvaluated = 0;
    const flat = flattenEvent(event);
    if (flat === null || this.keys.length === 0) return [];
    const stamp = this.nextStamp();
    const candidates: number[] = [];
    const matched: number[] = [];
    const scratch: Scratch = { stamp, flat, candidates, matched };
    this.visit(this.root, scratch);
    for (const id of candidates) this.consider(id, flat, stamp, matched);
    for (const id of this.always) this.consider(id, flat, stamp, matched);
    this.lastEvaluated = candidates.length + this.always.length;
    if (!ascending(matched)) matched.sort((a, b) => a - b);
    return matched.map((p) => this.keys[p]!);
  }

  /** Collects a state's sub-rules and follows every condition the event meets from it. */
  private visit(node: IndexNode, scratch: Scratch): void {
    if (node.visited === scratch.stamp) return;
    node.visited = scratch.stamp;
    if (node.refs !== null) this.add(node.refs, scratch);
    const paths = node.paths;
    if (paths === null) return;
    const { flat } = scratch;
    // Walk the smaller of the two maps: the root knows many paths, a deep state one or two.
    if (paths.size <= flat.size) {
      for (const [path, index] of paths) {
        const leaves = flat.get(path);
        if (leaves) for (const leaf of leaves) this.lookup(index, leaf, scratch);
      }
    } else {
      for (const [path, leaves] of flat) {
        const index = paths.get(path);
        if (index) for (const leaf of leaves) this.lookup(index, leaf, scratch);
      }
    }
  }

  private consider(id: number, flat: FlatEvent, stamp: number, matched: number[]): void {
    const p = this.owner[id]!;
    if (this.matchedAt[p] === stamp) return;
    if (subRuleMatches(this.rules[id]!, flat)) {
      this.matchedAt[p] = stamp;
      matched.push(p);
    }
  }

  private add(refs: Refs, scratch: Scratch): void {
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

  private follow(child: IndexNode | undefined | null, scratch: Scratch): void {
    if (child) this.visit(child, scratch);
  }

  private lookup(index: PathIndex, leaf: Leaf, scratch: Scratch): void {
    switch (leaf.kind) {
      case 'string': {
        const text = leaf.text;
        if (index.strings) this.follow(index.strings.get(text), scratch);
        if (index.ignoreCase) this.follow(index.ignoreCase.get(text.toLowerCase()), scratch);
        if (index.prefixes) {
          let node: TrieNode | undefined = index.prefixes;
          this.follow(node.child, scratch);
          for (let i = 0; i < text.length && node; i++) {
            node = node.next.get(text[i]!);
            if (node) this.follow(node.child, scratch);
          }
        }
        return;
      }
      case 'number':
        if (index.numbers) this.follow(index.numbers.get(leaf.num), scratch);
        return;
      default:
        if (index.literals) this.follow(index.literals.get(leaf.kind), scratch);
    }
  }

  /**
   * Files a sub-rule under its indexable keys in path order (as many as {@link MAX_FANOUT}
   * allows), or in the always-checked list when it has none.
   */
  private file(id: number, rule: CompiledSubRule): void {
    const indexable = rule.keys.flatMap((key) => {
      const entries = indexEntries(key);
      return entries ? [{ key, entries }] : [];
    });
    if (indexable.length === 0) {
      this.always.push(id);
      return;
    }
    const chosen: typeof indexable = [];
    let fanout = 1;
    for (const k of indexable) {
      if (fanout * k.entries.length > MAX_FANOUT) continue;
      chosen.push(k);
      fanout *= k.entries.length;
    }
    if (chosen.length === 0) chosen.push(indexable.reduce((a, b) => (b.entries.length < a.entries.length ? b : a)));
    chosen.sort((a, b) => (a.key.path < b.key.path ? -1 : a.key.path > b.key.path ? 1 : 0));
    // When the index hit is the sub-rule's whole condition, file the owning pattern itself
    // (as ~index) so a hit needs no evaluation. Only for one-key sub-rules: with several keys,
    // the hits may come from different elements of an array, which array consistency forbids.
    // (Not when the field is read for IPs: then an IP-valued string is no longer its text.)
    const only = chosen[0]!;
    const proven = rule.keys.length === 1 && only.key.mode !== 'ip' && only.entries.every((e) => e.tag !== 'i');
    this.insert(this.root, chosen, 0, proven ? ~this.owner[id]! : id);
  }

  private insert(
    node: IndexNode,
    chosen: readonly { key: CompiledKey; entries: Entry[] }[],
    i: number,
    ref: number,
  ): void {
    if (i === chosen.length) {
      node.refs = withRef(node.refs, ref);
      return;
    }
    const { key, entries } = chosen[i]!;
    const paths = (node.paths ??= new Map());
    let index = paths.get(key.path);
    if (!index) {
      index = { strings: null, numbers: null, literals: null, ignoreCase: null, prefixes: null };
      paths.set(key.path, index);
    }
    for (const entry of entries) {
      let child: IndexNode;
      if (entry.tag === 'p') {
        let trie: TrieNode = (index.prefixes ??= { next: new Map(), child: null });
        // UTF-16 units, the same steps lookup() walks
        for (let c = 0; c < entry.value.length; c++) {
          const ch = entry.value[c]!;
          let next = trie.next.get(ch);
          if (!next) {
            next = { next: new Map(), child: null };
            trie.next.set(ch, next);
          }
          trie = next;
        }
        child = trie.child ??= newNode();
      } else if (entry.tag === 'n') child = childUnder((index.numbers ??= new Map()), Number(entry.value));
      else
        child = childUnder(
          entry.tag === 's'
            ? (index.strings ??= new Map())
            : entry.tag === 'l'
              ? (index.literals ??= new Map())
              : (index.ignoreCase ??= new Map()),
          entry.value,
        );
      this.insert(child, chosen, i + 1, ref);
    }
  }

  private nextStamp(): number {
    if (this.stamp === 0xffffffff) {
      this.seenAt.fill(0);
      this.matchedAt.fill(0);
      resetVisits(this.root);
      this.stamp = 0;
    }
    return ++this.stamp;
  }
}

/** Clears every node's visit stamp (when the stamp counter wraps around). */
function resetVisits(node: IndexNode): void {
  node.visited = 0;
  const walkTrie = (t: TrieNode): void => {
    if (t.child) resetVisits(t.child);
    for (const n of t.next.values()) walkTrie(n);
  };
  for (const index of node.paths?.values() ?? []) {
    for (const map of [index.strings, index.numbers, index.literals, index.ignoreCase])
      if (map) for (const child of map.values()) resetVisits(child);
    if (index.prefixes) walkTrie(index.prefixes);
  }
}

function childUnder<T>(map: Map<T, IndexNode>, value: T): IndexNode {
  let child = map.get(value);
  if (!child) {
    child = newNode();
    map.set(value, child);
  }
  return child;
}

function withRef(refs: Refs | null, ref: number): Refs {
  if (refs === null) return ref;
  if (typeof refs === 'number') return refs === ref ? refs : [refs, ref];
  if (refs[refs.length - 1] !== ref) refs.push(ref);
  return refs;
}

function ascending(xs: readonly number[]): boolean {
  for (let i = 1; i < xs.length; i++) if (xs[i - 1]! > xs[i]!) return false;
  return true;
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
