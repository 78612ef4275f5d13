import type { EngagementDraft } from '../engagement/engagement.schema.js';
import type { PlatformId } from '../engagement/platform-ids.js';

/**
 * An HTTP request as the webhook function hands it to an adapter: header names lower-cased,
 * the body as the exact bytes the platform sent (signatures are computed over those bytes).
 */
export interface WebhookRequest {
  method: string;
  headers: Readonly<Record<string, string | undefined>>;
  query: Readonly<Record<string, string | undefined>>;
  rawBody: Buffer;
}

/** A response the adapter wants sent as-is (handshakes answer with platform-specific bodies). */
export interface WebhookResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  /** For refusals: the machine-readable reason (also in the body), for logs and metrics. */
  errorCode?: string;
  /** For accepted deliveries: how many engagements they carried. */
  accepted?: number;
}

/** The platform's secret: one JSON object per platform (docs/design.md, "Secrets"). */
export type PlatformSecret = Readonly<Record<string, string>>;

/** Why a request was refused; mapped to a 4xx JSON error by the webhook function. */
export class WebhookRejection extends Error {
  constructor(
    readonly statusCode: 400 | 401 | 403 | 404 | 405 | 413 | 415,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookRejection';
  }
}

/** The kind of change a platform event describes; edits and deletions reuse the engagement id. */
export type ChangeType = 'created' | 'edited' | 'deleted';

/** One engagement-bearing event split out of a delivery. */
export interface NormalizedEvent {
  change: ChangeType;
  draft: EngagementDraft;
}

/** What a verified delivery becomes after the adapter has read it. */
export interface NormalizeContext {
  /** When Switchboard accepted the delivery (ISO 8601); used when the platform gives no time. */
  receivedAt: string;
  headers: Readonly<Record<string, string | undefined>>;
}

/**
 * One platform: how it proves a request came from it, how it answers the endpoint handshake,
 * and how its delivery format becomes engagement drafts. Pure functions: no I/O, no clock
 * except the `now` passed in, so every adapter is tested without servers.
 *
 * Adding a platform is one file implementing this interface, registered in `registry.ts`,
 * plus sample deliveries under `events/<platform>/`.
 */
export interface PlatformAdapter {
  readonly id: PlatformId;
  /** Keys the platform's secret must hold (checked when the secret is loaded). */
  readonly secretKeys: readonly string[];
  /**
   * Answers the platform's endpoint-verification GET (X CRC, Meta hub.challenge…).
   * Absent when the platform has no handshake: GET is then refused with 405.
   * Throws {@link WebhookRejection} for a handshake that does not verify.
   */
  handshake?(request: WebhookRequest, secret: PlatformSecret): WebhookResponse;
  /**
   * Proves the POST came from the platform: HMAC over `request.rawBody` with a constant-time
   * compare (or the platform's own scheme). Throws {@link WebhookRejection} (401 missing,
   * 403 wrong) and returns nothing on success.
   */
  verify(request: WebhookRequest, secret: PlatformSecret, now: Date): void;
  /**
   * Splits a verified delivery into engagement events. Events that carry no engagement
   * (typing indicators, read receipts, the page's own echoes…) are dropped, so the result
   * may be empty. Throws {@link WebhookRejection} with 400 for a body it cannot read.
   */
  normalize(rawBody: Buffer, context: NormalizeContext): NormalizedEvent[];
  /**
   * For platforms that send a credential inside the body (no HMAC to preserve bytes for):
   * the body with the credential removed, before it is queued, retained and exported.
   * `normalize` must read the redacted body as it reads the original.
   */
  redact?(rawBody: Buffer): Buffer;
}
