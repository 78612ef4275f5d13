import { createHash } from 'node:crypto';
import * as z from 'zod';
import { buildEngagement } from '../lifecycle/build-engagement.js';
import { EngagementDraftSchema, type Engagement, type EngagementDraft } from '../engagement/engagement.schema.js';
import { isPlatformId } from '../engagement/platform-ids.js';
import type { PlatformAdapter } from '../platforms/adapter.js';
import type { Router } from '../routing/router.js';

/** A platform delivery to dry-run: `{platform, method?, headers, body}` or a sample from events/. */
const DeliveryInput = z.object({
  platform: z.string().optional(),
  path: z.string().optional(),
  method: z.string().optional(),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.unknown().optional(),
  rawBody: z.string().optional(),
});

/** One line of `switchboard simulate` output: the engagement, or why an input was not one. */
export type SimulationResult = { engagement: Engagement } | { error: string; input: number };

/**
 * Dry-runs inputs through the same enrichment and routing as the process function, without
 * AWS and without signature checks: each input is either an engagement draft
 * (`{platform, text, …}`; missing ids, author and times are filled in) or a platform delivery
 * (`{platform, headers, body}`, or a sample file with `path`), which its adapter splits.
 */
export function simulate(
  inputs: unknown[],
  router: Router,
  adapterFor: (p: string) => PlatformAdapter | undefined,
  now = new Date(),
): SimulationResult[] {
  const receivedAt = now.toISOString();
  return inputs.flatMap((input, index): SimulationResult[] => {
    try {
      if (
        input &&
        typeof input === 'object' &&
        ('headers' in input || 'rawBody' in input || ('body' in input && !('text' in input)))
      ) {
        const d = DeliveryInput.parse(input);
        const platform = d.platform ?? d.path?.split('/').pop() ?? '';
        const adapter = adapterFor(platform);
        if (!adapter) return [{ error: `no adapter for platform "${platform}"`, input: index }];
        const raw = Buffer.from(d.rawBody ?? (typeof d.body === 'string' ? d.body : JSON.stringify(d.body)), 'utf8');
        return adapter
          .normalize(raw, { receivedAt, headers: d.headers })
          .filter((e) => e.change === 'created')
          .map((e) => ({ engagement: buildEngagement(e.draft, receivedAt, router) }));
      }
      const draft = fillDraft(input, receivedAt);
      return [{ engagement: buildEngagement(draft, receivedAt, router) }];
    } catch (err) {
      const message =
        err instanceof z.ZodError
          ? err.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')
          : (err as Error).message;
      return [{ error: message, input: index }];
    }
  });
}

/**
 * Completes an engagement draft given as `{platform, text, …}`: `kind` defaults to `post`,
 * `createdAt` to `receivedAt`, the author to a placeholder (keeping any `followers`, `handle`…
 * given) and `externalId` to a hash of the input, so the same input always gets the same id.
 * Throws when `platform` is not a platform id or the draft is not valid.
 */
export function fillDraft(input: unknown, receivedAt: string): EngagementDraft {
  if (!input || typeof input !== 'object') throw new Error('an input must be a JSON object');
  const i = input as Record<string, unknown>;
  if (typeof i.platform !== 'string' || !isPlatformId(i.platform))
    throw new Error(`"platform" must be one of the platform ids (got ${JSON.stringify(i.platform)})`);
  const author = (i.author ?? {}) as Record<string, unknown>;
  return EngagementDraftSchema.parse({
    kind: 'post',
    createdAt: receivedAt,
    externalId: `simulated-${createHash('sha256').update(JSON.stringify(input)).digest('hex').slice(0, 12)}`,
    ...i,
    author: { id: 'simulated-author', handle: '', name: '', ...author },
  });
}
