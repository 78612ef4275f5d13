import type { LoadedConfig } from '../config/load-config.js';
import type { PlatformAdapter } from '../platforms/adapter.js';
import { adapterFor as defaultAdapterFor } from '../platforms/registry.js';
import { createRouter } from '../routing/router.js';
import { simulate } from '../simulate/simulate.js';
import { outcomeOf, type RoutingOutcome } from './examples.js';

/** An engagement that routes differently under the new config. */
export interface RoutingChange {
  /** The engagement id (`<platform>:<externalId>`; drafts without an id get a stable hash). */
  id: string;
  text: string;
  /** Index of the input it came from (a platform delivery can yield several engagements). */
  input: number;
  before: RoutingOutcome;
  after: RoutingOutcome;
}

/** Thrown when inputs are not engagements; `problems` says which and why. */
export class DiffInputError extends Error {
  constructor(readonly problems: { input: number; error: string }[]) {
    super(problems.map((p) => `input ${p.input}: ${p.error}`).join('\n'));
    this.name = 'DiffInputError';
  }
}

export interface DiffOptions {
  adapterFor?: (platform: string) => PlatformAdapter | undefined;
  now?: Date;
}

/**
 * Which of `inputs` (what `switchboard simulate` accepts: `{platform, text, …}` drafts or
 * platform deliveries) would route differently under `newConfig` than under `oldConfig`: a
 * change in the departments, the matched rules (as sets; config order alone is no change),
 * the priority or trial status. Unchanged engagements are left out. Throws
 * {@link DiffInputError} when an input is not an engagement.
 */
export function diffRouting(
  oldConfig: LoadedConfig,
  newConfig: LoadedConfig,
  inputs: unknown[],
  options: DiffOptions = {},
): RoutingChange[] {
  const adapterFor = options.adapterFor ?? defaultAdapterFor;
  const now = options.now ?? new Date();
  const run = (config: LoadedConfig) => {
    const router = createRouter(config);
    return inputs.flatMap((value, input) =>
      simulate([value], router, adapterFor, now).map((result) => ({ ...result, input })),
    );
  };
  const before = run(oldConfig);
  const after = run(newConfig);
  const problems = before.flatMap((r) => ('error' in r ? [{ input: r.input, error: r.error }] : []));
  if (problems.length > 0) throw new DiffInputError(problems);
  // Same inputs, same clock: both runs yield the same engagements in the same order.
  const seen = new Set<string>();
  const changes: RoutingChange[] = [];
  before.forEach((b, i) => {
    const a = after[i];
    if (!('engagement' in b) || !a || !('engagement' in a) || seen.has(b.engagement.id)) return;
    seen.add(b.engagement.id);
    const was = outcomeOf(b.engagement);
    const is = outcomeOf(a.engagement);
    if (!sameRouting(was, is))
      changes.push({ id: b.engagement.id, text: b.engagement.text, input: b.input, before: was, after: is });
  });
  return changes;
}

function sameRouting(a: RoutingOutcome, b: RoutingOutcome): boolean {
  const sameSet = (x: string[], y: string[]) => x.length === y.length && x.every((v) => y.includes(v));
  return (
    a.priority === b.priority &&
    Boolean(a.trial) === Boolean(b.trial) &&
    sameSet(a.departments, b.departments) &&
    sameSet(a.rules, b.rules)
  );
}
