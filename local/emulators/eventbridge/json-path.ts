/** One step of a JSONPath: an object key or an array index. */
export type PathStep = { key: string } | { index: number };

/**
 * Parses the JSONPath subset EventBridge targets use: `$`, `$.a.b`, `$.detail-type`,
 * `$.list[0]`, `$['odd key']`. Returns undefined for anything else (filters, wildcards, `..`),
 * which EventBridge rejects too.
 */
export function parseJsonPath(path: string): PathStep[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const steps: PathStep[] = [];
  let at = 1;
  while (at < path.length) {
    const char = path[at];
    if (char === '.') {
      const match = /^[^.[\]*?()@,'"\s]+/.exec(path.slice(at + 1));
      if (!match) return undefined;
      steps.push({ key: match[0] });
      at += 1 + match[0].length;
    } else if (char === '[') {
      const index = /^\[(\d+)\]/.exec(path.slice(at));
      const quoted = /^\[(?:'([^']*)'|"([^"]*)")\]/.exec(path.slice(at));
      if (index?.[1] !== undefined) {
        steps.push({ index: Number(index[1]) });
        at += index[0].length;
      } else if (quoted) {
        steps.push({ key: quoted[1] ?? quoted[2] ?? '' });
        at += quoted[0].length;
      } else {
        return undefined;
      }
    } else {
      return undefined;
    }
  }
  return steps;
}

/** Follows `steps` into `value`; undefined when any step is missing. */
export function evaluateJsonPath(value: unknown, steps: readonly PathStep[]): unknown {
  let current = value;
  for (const step of steps) {
    if ('index' in step) {
      if (!Array.isArray(current)) return undefined;
      current = current[step.index];
    } else {
      if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
      current = (current as Record<string, unknown>)[step.key];
    }
    if (current === undefined) return undefined;
  }
  return current;
}
