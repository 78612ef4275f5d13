import { EngagementDraftSchema, engagementId } from '../engagement/engagement.schema.js';
import { PLATFORM_IDS, type PlatformId } from '../engagement/platform-ids.js';
import { toIntakeDelivery, type IntakeDelivery } from '../intake/delivery.js';
import { MAX_INTAKE_MESSAGE_BYTES, MAX_WEBHOOK_BODY_BYTES } from '../intake/limits.js';
import {
  WebhookRejection,
  type PlatformAdapter,
  type PlatformSecret,
  type WebhookRequest,
  type WebhookResponse,
} from '../platforms/adapter.js';

/** What accepting a webhook needs from the outside world. */
export interface AcceptWebhookDependencies {
  /** The platform's adapter (or a promise of it, for adapters loaded on first use); undefined when there is none. */
  adapterFor(platform: string): PlatformAdapter | undefined | Promise<PlatformAdapter | undefined>;
  /** The platforms a 404 lists. @default the platform ids `adapterFor` answers synchronously */
  knownPlatforms?: readonly string[];
  /** The platform's secret (cached by the caller); throws when it cannot be read. */
  secretFor(platform: PlatformId): Promise<PlatformSecret>;
  /** Writes the delivery durably (the intake queue); resolves only once it is accepted. */
  enqueue(delivery: IntakeDelivery): Promise<void>;
  now(): Date;
  maxBodyBytes?: number;
}

/** A JSON response. */
const json = (statusCode: number, body: unknown): WebhookResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** A 4xx answer naming the problem; nothing has been enqueued or stored when it is sent. */
function rejection(err: WebhookRejection): WebhookResponse {
  return { ...json(err.statusCode, { error: err.code, message: err.message }), errorCode: err.code };
}

/** Raised when a platform's secret lacks keys its adapter needs: a deployment problem, answered with 503. */
export class SecretIncompleteError extends Error {
  constructor(platform: string, missing: string[]) {
    super(
      `The secret for platform "${platform}" has no value for: ${missing.join(', ')}. Put them with \`aws secretsmanager put-secret-value\` (README, "Secrets").`,
    );
    this.name = 'SecretIncompleteError';
  }
}

async function secretOf(adapter: PlatformAdapter, deps: AcceptWebhookDependencies): Promise<PlatformSecret> {
  const secret = await deps.secretFor(adapter.id);
  const missing = adapter.secretKeys.filter((key) => typeof secret[key] !== 'string' || secret[key] === '');
  if (missing.length > 0) throw new SecretIncompleteError(adapter.id, missing);
  return secret;
}

/**
 * Handles `GET|POST /webhooks/{platform}`:
 * 1. unknown platform → 404; GET → the platform's handshake (405 when it has none);
 * 2. POST: oversized → 413, then the signature over the raw body (401/403), then the body is
 *    read by the adapter (400 when it cannot be), so bad input never reaches the queue;
 * 3. the raw delivery is enqueued and only then is 200 returned, with the engagement ids.
 * A delivery with no engagement in it (read receipts, typing) is acknowledged without enqueueing.
 */
export async function acceptWebhook(
  platform: string,
  request: WebhookRequest,
  deps: AcceptWebhookDependencies,
): Promise<WebhookResponse> {
  try {
    return await answer(platform, request, deps);
  } catch (err) {
    if (err instanceof WebhookRejection) return rejection(err);
    throw err;
  }
}

/**
 * What an answer says about the platform's connection, for connector health (metrics): a
 * delivery accepted, or a proof that was present but wrong (403), which is what a rotated or
 * mistyped secret looks like. Unsigned requests (401) are mostly internet noise and say nothing.
 */
export function connectionSignal(response: WebhookResponse): { accepted: number } | { refused: string } | undefined {
  if (response.statusCode === 200) return { accepted: response.accepted ?? 0 };
  if (response.statusCode === 403) return { refused: response.errorCode ?? '403' };
  return undefined;
}

async function answer(
  platform: string,
  request: WebhookRequest,
  deps: AcceptWebhookDependencies,
): Promise<WebhookResponse> {
  const adapter = await deps.adapterFor(platform);
  if (!adapter) {
    const known =
      deps.knownPlatforms ??
      PLATFORM_IDS.filter((p) => {
        const a = deps.adapterFor(p);
        return a !== undefined && !(a instanceof Promise);
      });
    throw new WebhookRejection(
      404,
      'unknown_platform',
      `No platform "${platform}". Known platforms: ${known.join(', ')}.`,
    );
  }
  if (request.method === 'GET') {
    if (!adapter.handshake)
      throw new WebhookRejection(
        405,
        'method_not_allowed',
        `Platform "${platform}" has no GET handshake; deliveries are POSTed.`,
      );
    return adapter.handshake(request, await secretOf(adapter, deps));
  }
  if (request.method !== 'POST')
    throw new WebhookRejection(
      405,
      'method_not_allowed',
      `Use POST for deliveries${adapter.handshake ? ' and GET for the handshake' : ''}.`,
    );
  const max = deps.maxBodyBytes ?? MAX_WEBHOOK_BODY_BYTES;
  if (request.rawBody.length > max)
    throw new WebhookRejection(
      413,
      'payload_too_large',
      `Body is ${request.rawBody.length} bytes; the limit is ${max}.`,
    );
  if (request.rawBody.length === 0) throw new WebhookRejection(400, 'empty_body', 'The request has no body.');

  const now = deps.now();
  adapter.verify(request, await secretOf(adapter, deps), now);
  const receivedAt = now.toISOString();
  const contentType = request.headers['content-type'];
  const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
  const events = adapter.normalize(request.rawBody, { receivedAt, headers });
  // Every draft must meet the engagement contract now: failing later would mean a 200 for a
  // delivery that can only end in a dead-letter queue.
  events.forEach((e, i) => {
    const parsed = EngagementDraftSchema.safeParse(e.draft);
    if (!parsed.success)
      throw new WebhookRejection(
        400,
        'malformed_body',
        `Event ${i} is not a valid engagement: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}.`,
      );
  });
  if (events.length > 0) {
    const delivery = toIntakeDelivery(
      adapter.id,
      adapter.redact ? adapter.redact(request.rawBody) : request.rawBody,
      receivedAt,
      headers,
    );
    const size = Buffer.byteLength(JSON.stringify(delivery), 'utf8');
    if (size > MAX_INTAKE_MESSAGE_BYTES)
      throw new WebhookRejection(
        413,
        'payload_too_large',
        `Body takes ${size} bytes once encoded for the intake queue; the limit is ${MAX_INTAKE_MESSAGE_BYTES}.`,
      );
    await deps.enqueue(delivery);
  }
  return {
    ...json(200, { accepted: events.length, engagements: events.map((e) => engagementId(e.draft)) }),
    accepted: events.length,
  };
}
