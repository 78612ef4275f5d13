/**
 * equals-ignore-case as Ruler implements it: each UTF-16 unit `c` of the pattern may be matched
 * by `toLowerCase(c)` or `toUpperCase(c)` (Locale.ROOT), which is not Unicode case folding:
 * `straße` matches `STRASSE` but not `strasse`, and a titlecase letter matches neither itself
 * nor anything but its lower/upper forms. Surrogate halves become `?` (Java's UTF-8 encoder).
 */
export type CaseAlternatives = ReadonlyArray<readonly string[]>;

/** Per-unit alternatives for a pattern string. */
export function caseAlternatives(pattern: string): CaseAlternatives {
  const out: string[][] = [];
  for (let i = 0; i < pattern.length; i++) {
    const code = pattern.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdfff) {
      out.push(['?']);
      continue;
    }
    const c = pattern[i] ?? '';
    const lower = c.toLowerCase();
    const upper = c.toUpperCase();
    out.push(lower === upper ? [lower] : [lower, upper]);
  }
  return out;
}

/** Whether the whole of `value` spells the pattern with one alternative per unit. */
export function ignoreCaseEquals(alts: CaseAlternatives, value: string): boolean {
  return forward(alts, value).has(value.length);
}

/** Whether `value` starts with a spelling of the pattern. */
export function ignoreCasePrefix(alts: CaseAlternatives, value: string): boolean {
  return forward(alts, value).size > 0;
}

/** Whether `value` ends with a spelling of the pattern. */
export function ignoreCaseSuffix(alts: CaseAlternatives, value: string): boolean {
  let ends = new Set<number>([value.length]);
  for (let i = alts.length - 1; i >= 0 && ends.size > 0; i--) {
    const next = new Set<number>();
    for (const end of ends) {
      for (const alt of alts[i] ?? []) {
        const start = end - alt.length;
        if (start >= 0 && value.startsWith(alt, start)) next.add(start);
      }
    }
    ends = next;
  }
  return ends.size > 0;
}

/** Positions reachable after consuming every alternative from the start of `value`. */
function forward(alts: CaseAlternatives, value: string): Set<number> {
  let positions = new Set<number>([0]);
  for (let i = 0; i < alts.length && positions.size > 0; i++) {
    const next = new Set<number>();
    for (const pos of positions) {
      for (const alt of alts[i] ?? []) {
        if (value.startsWith(alt, pos)) next.add(pos + alt.length);
      }
    }
    positions = next;
  }
  return positions;
}

/**
 * For indexing: when every unit's alternatives are single characters whose lower case is the
 * first alternative (and no sigma, whose lower case depends on context), a value matches only
 * if `value.toLowerCase()` equals the returned key. Otherwise returns null (not indexable).
 */
export function ignoreCaseIndexKey(alts: CaseAlternatives): string | null {
  let key = '';
  for (const unit of alts) {
    const lower = unit[0] ?? '';
    if (lower.length !== 1 || /[\u03a3\u03c2\u03c3]/.test(lower)) return null;
    for (const alt of unit) {
      if (alt.length !== 1 || alt.toLowerCase() !== lower || /[\u03a3\u03c2\u03c3]/.test(alt)) return null;
    }
    key += lower;
  }
  return key;
}

/** Compiled equals-ignore-case tests, with a char-by-char fast path for the common case. */
export interface IgnoreCaseTests {
  readonly alts: CaseAlternatives;
  equals(value: string): boolean;
  prefix(value: string): boolean;
  suffix(value: string): boolean;
}

/** Compiles a pattern string into {@link IgnoreCaseTests}. */
export function compileIgnoreCase(pattern: string): IgnoreCaseTests {
  const alts = caseAlternatives(pattern);
  const simple = alts.every((unit) => unit.every((alt) => alt.length === 1));
  if (!simple) {
    return {
      alts,
      equals: (v) => ignoreCaseEquals(alts, v),
      prefix: (v) => ignoreCasePrefix(alts, v),
      suffix: (v) => ignoreCaseSuffix(alts, v),
    };
  }
  const first = alts.map((u) => u[0] ?? '');
  const second = alts.map((u) => u[1] ?? u[0] ?? '');
  const n = alts.length;
  const at = (v: string, offset: number): boolean => {
    for (let i = 0; i < n; i++) {
      const c = v[offset + i];
      if (c !== first[i] && c !== second[i]) return false;
    }
    return true;
  };
  return {
    alts,
    equals: (v) => v.length === n && at(v, 0),
    prefix: (v) => v.length >= n && at(v, 0),
    suffix: (v) => v.length >= n && at(v, v.length - n),
  };
}
