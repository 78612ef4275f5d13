import type { PlatformId } from '#core/engagement/platform-ids.js';
import type { PublishContext, PublishRequest } from '#core/replies/publisher.js';
import type { FakePlatform } from './fake-platform.js';

/** The clock every publisher test runs at. */
export const PUBLISH_NOW = new Date('2026-03-02T10:00:00Z');

/** Fields of the engagement answered that a test sets. */
export type InReplyToParts = Partial<PublishRequest['inReplyTo']>;

/** A reply to publish on `platform`, answering an engagement made from `inReplyTo`. */
export function publishRequest(
  platform: PlatformId,
  parts: {
    inReplyTo?: InReplyToParts;
    secret?: Record<string, string>;
    text?: string;
    apiBaseUrl?: string;
    replyUrl?: string;
  } = {},
): PublishRequest {
  const externalId = parts.inReplyTo?.externalId ?? '1001';
  return {
    replyId: 'rep-01JNQ5',
    text: parts.text ?? 'Thanks for flagging this: we have fixed it.',
    inReplyTo: {
      id: `${platform}:${externalId}`,
      platform,
      kind: 'comment',
      externalId,
      author: { id: 'author-1', handle: 'customer', name: 'A Customer' },
      ...parts.inReplyTo,
    },
    secret: parts.secret ?? {},
    settings: {
      ...(parts.apiBaseUrl !== undefined && { apiBaseUrl: parts.apiBaseUrl }),
      ...(parts.replyUrl !== undefined && { replyUrl: parts.replyUrl }),
    },
  };
}

/** The context of one attempt against `platform`, given up after `timeoutMs`. */
export function publishContext(platform: FakePlatform, timeoutMs = 2_000): PublishContext {
  return { fetch: platform.fetch, now: () => PUBLISH_NOW, signal: AbortSignal.timeout(timeoutMs) };
}

/** A request's header, which must have been sent once. */
export function headerOf(req: { headers: Record<string, string | string[] | undefined> }, name: string): string {
  const value = req.headers[name.toLowerCase()];
  if (typeof value !== 'string') throw new Error(`header ${name} was not sent (once)`);
  return value;
}
