import type { Engagement } from '../engagement/engagement.schema.js';
import type { OutboxEvent } from './ports/lifecycle-store.js';

/**
 * Erasure on request (GDPR art. 17 and the like; docs/auditing.md, "Erasure"): a person's
 * personal data — the text they wrote, their name, handle and id, the permalink that names them —
 * is removed from everything Switchboard keeps, and what remains says that it was erased, when,
 * at whose request, and which engagements, not what they said.
 */

/** What an erased engagement's author becomes. */
export const ERASED_AUTHOR = { id: 'erased', handle: '', name: '' } as const;

/** The `detail-type` departments get for each erased engagement, to erase their own copies. */
export const ENGAGEMENT_ERASED = { source: 'switchboard', detailType: 'Engagement Erased' } as const;

/** `<platform>:<author id>`, as `erase --author` takes it. */
export function parseAuthor(text: string): { platform: string; authorId: string } | undefined {
  const at = text.indexOf(':');
  if (at <= 0 || at === text.length - 1) return undefined;
  return { platform: text.slice(0, at), authorId: text.slice(at + 1) };
}

/** The engagement without its author's personal data (routing, enrichment and ids stay). */
export function scrubEngagement<T extends Pick<Engagement, 'text' | 'keywords' | 'author'> & { url?: string }>(
  engagement: T,
): T {
  const { url: _url, ...rest } = engagement;
  return { ...(rest as T), text: '', keywords: [], author: { ...ERASED_AUTHOR } };
}

/**
 * "Engagement Erased" for one engagement, as an outbox event (written with the erasure, published
 * by the table stream, linked into the engagement's audit chain). `departments` (those that
 * received it) lets each department's rule deliver it to its queue.
 */
export function engagementErased(
  engagementId: string,
  author: string,
  at: string,
  departments: readonly string[],
): OutboxEvent {
  return {
    engagementId,
    key: `${at}#erased`,
    at,
    source: ENGAGEMENT_ERASED.source,
    detailType: ENGAGEMENT_ERASED.detailType,
    detail: { engagementId, author, at, departments: [...departments] },
  };
}

/** The tombstone kept for an erasure: who asked, when, which engagements; no personal data beyond the key asked for. */
export interface ErasureRecord {
  author: string;
  requestedBy: string;
  engagementIds: string[];
  at: string;
}
