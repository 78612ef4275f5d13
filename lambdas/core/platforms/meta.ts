import { WebhookRejection, type PlatformSecret, type WebhookRequest, type WebhookResponse } from './adapter.js';
import { assertSignature, hmac, requireHeader, safeEqual, secretValue, type SignatureFormat } from './signatures.js';

/**
 * What Meta's webhook products (Facebook Pages and Messenger, Instagram, Threads) share
 * (docs/platforms/facebook.md): the `hub.*` verification request and the `X-Hub-Signature-256`
 * HMAC, both keyed by the platform secret `{ appSecret, verifyToken }` (docs/design.md).
 */

/** The secret keys every Meta adapter needs. */
export const META_SECRET_KEYS = ['appSecret', 'verifyToken'] as const;

/** `X-Hub-Signature-256: sha256=<lower-case hex HMAC-SHA256(app secret, raw body)>`. */
export const META_SIGNATURE: SignatureFormat = { header: 'X-Hub-Signature-256', prefix: 'sha256=', encoding: 'hex' };

/** What an echoed `hub.challenge` may be (Meta sends digits): nothing a browser could read as markup. */
const CHALLENGE = /^[A-Za-z0-9._-]{1,256}$/;

/**
 * Answers Meta's verification request: `hub.mode=subscribe` and `hub.verify_token` equal (in
 * constant time) to the secret's `verifyToken` → 200 with the raw `hub.challenge` as text/plain,
 * with `x-content-type-options: nosniff`. A wrong mode or token → 403; a verified request without
 * a challenge → 400 `missing_challenge`; a challenge other than 1–256 characters from
 * `A-Z a-z 0-9 . _ -` → 400 `bad_challenge` (it is echoed, so it is never arbitrary content).
 */
export function metaHandshake(request: WebhookRequest, secret: PlatformSecret): WebhookResponse {
  if (request.query['hub.mode'] !== 'subscribe') {
    throw new WebhookRejection(403, 'bad_hub_mode', 'hub.mode must be "subscribe" (Meta verification request).');
  }
  if (!safeEqual(request.query['hub.verify_token'], secretValue(secret, 'verifyToken'))) {
    throw new WebhookRejection(403, 'bad_verify_token', 'hub.verify_token does not match the configured verify token.');
  }
  const challenge = request.query['hub.challenge'];
  if (!challenge) {
    throw new WebhookRejection(400, 'missing_challenge', 'Missing hub.challenge query parameter.');
  }
  if (!CHALLENGE.test(challenge)) {
    throw new WebhookRejection(400, 'bad_challenge', 'hub.challenge must be 1-256 characters from A-Z a-z 0-9 . _ -.');
  }
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
    body: challenge,
  };
}

/**
 * Checks `X-Hub-Signature-256` against the HMAC-SHA256 of the raw bytes with the secret's
 * `appSecret`. Meta signs the `\uXXXX`-escaped form it sends, so only the received bytes verify,
 * never a re-serialised body. The legacy sha1 `X-Hub-Signature` is not accepted in its place.
 * Missing → 401 `missing_signature`; malformed or wrong → 403 `bad_signature`.
 */
export function verifyMetaSignature(request: WebhookRequest, secret: PlatformSecret): void {
  const received = requireHeader(request.headers, META_SIGNATURE.header);
  assertSignature(META_SIGNATURE, received, hmac('sha256', secretValue(secret, 'appSecret'), request.rawBody));
}
