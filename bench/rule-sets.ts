import type { LoadedConfig } from '../lambdas/core/config/load-config.js';
import { SwitchboardConfigSchema } from '../lambdas/core/config/config.schema.js';
import type { EngagementDraft } from '../lambdas/core/engagement/engagement.schema.js';

/**
 * The benchmark's generated rule sets and engagements, described once (as {@link RuleSpec}s) so
 * Switchboard and json-rules-engine are given exactly the same rules. Deterministic: every run
 * measures the same rules and engagements.
 */

/** One generated rule, engine-neutral. */
export type RuleSpec = { readonly id: string; readonly routeTo: string } & (
  | { readonly kind: 'keyword'; readonly keyword: string }
  | { readonly kind: 'handle'; readonly handle: string }
  | { readonly kind: 'platform+keyword'; readonly platform: 'x'; readonly keyword: string }
  | { readonly kind: 'account'; readonly accountId: string }
);

export const DEPARTMENTS = ['care', 'eng', 'sales', 'comms', 'legal'] as const;

/** Size of the vocabulary, handle and account spaces the generator draws from. */
const SPACE = 20_000;
/** Share of draws that come from the first {@link HOT} values, so small rule sets match too. */
const HOT = 50;
const VOCABULARY = Array.from({ length: SPACE }, (_, i) => `word${i}`);
const COMMON = 'my order never arrived and i want a refund the app crashes when i log in lovely service thanks'.split(
  ' ',
);

/** A small LCG, seeded per call site so adding a generator never shifts another's values. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/**
 * Rules cycle through five kinds, the ones of the json-rules-engine baseline in the toolchain
 * notes: keyword (twice), author handle, platform x AND keyword, account id.
 */
export function ruleSpecs(count: number): RuleSpec[] {
  return Array.from({ length: count }, (_, i): RuleSpec => {
    const base = { id: `rule-${i}`, routeTo: DEPARTMENTS[i % DEPARTMENTS.length]! };
    switch (i % 5) {
      case 0:
      case 1:
        return { ...base, kind: 'keyword', keyword: VOCABULARY[i % SPACE]! };
      case 2:
        return { ...base, kind: 'handle', handle: `handle${i}` };
      case 3:
        return { ...base, kind: 'platform+keyword', platform: 'x', keyword: VOCABULARY[(i * 7) % SPACE]! };
      default:
        return { ...base, kind: 'account', accountId: `account${i}` };
    }
  });
}

/** The rules as a Switchboard config (EventBridge patterns over the enriched engagement). */
export function switchboardConfig(specs: readonly RuleSpec[]): LoadedConfig {
  const departments = DEPARTMENTS.map((id) => ({ id, name: id, sla: { firstResponse: 'PT1H' } }));
  const rules = specs.map((spec) => {
    const when =
      spec.kind === 'keyword'
        ? { keywords: [spec.keyword] }
        : spec.kind === 'handle'
          ? { author: { handle: [spec.handle] } }
          : spec.kind === 'platform+keyword'
            ? { platform: [spec.platform], keywords: [spec.keyword] }
            : { account: { id: [spec.accountId] } };
    return { id: spec.id, when, routeTo: [spec.routeTo], priority: 'normal' };
  });
  const config = SwitchboardConfigSchema.parse({ departments, defaultDepartment: 'comms', rules });
  return { config, configVersion: `bench-${specs.length}`, path: '(generated)' };
}

/**
 * Engagement drafts: 20-word texts (mostly common words, ~2 from the vocabulary), a handle and,
 * for 4 in 5, an account id. Vocabulary words, handles and accounts are drawn half from the
 * first {@link HOT} values and half from all {@link SPACE}, so every rule set sees matches.
 */
export function drafts(n: number): EngagementDraft[] {
  const random = lcg(42);
  const skewed = () => Math.floor(random() * (random() < 0.5 ? HOT : SPACE));
  return Array.from({ length: n }, (_, i): EngagementDraft => {
    const text = Array.from({ length: 20 }, () =>
      random() < 0.9 ? COMMON[Math.floor(random() * COMMON.length)]! : VOCABULARY[skewed()]!,
    ).join(' ');
    const handle = `handle${skewed()}`;
    const account = random() < 0.8 ? { account: { id: `account${skewed()}` } } : {};
    return {
      platform: i % 2 ? 'x' : 'facebook',
      kind: 'comment',
      externalId: String(i),
      text,
      createdAt: '2026-11-25T10:00:00.000Z',
      author: { id: String(i), handle, name: '' },
      ...account,
    };
  });
}
