import { createHash, timingSafeEqual } from 'node:crypto';
import { WebhookRejection, type PlatformSecret, type WebhookRequest } from './adapter.js';
import { secretValue } from './signatures.js';

/**
 * Proof of origin for the platforms that sign nothing (WordPress.com, Trustpilot, Google
 * Business Profile via Pub/Sub push, Foursquare): a shared secret, as a token in the webhook URL
 * or a secret parameter in the body. Their body formats are read with `payload.ts`.
 */
/**
 * Constant-time comparison that does not even leak the length: both sides are hashed to 32
 * bytes first, so `timingSafeEqual` always compares equal-length buffers.
 */
function sameSecret(received: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(received), digest(expected));
}

/**
 * Checks a shared secret the platform sent (`where` names it for the error message, e.g.
 * `token query parameter`): absent or blank → 401 `missing_signature`, different → 403
 * `bad_signature`. Neither message repeats the value received.
 */
export function assertSharedSecret(received: string | undefined, expected: string, where: string, hint?: string): void {
  if (received === undefined || received.trim() === '') {
    throw new WebhookRejection(401, 'missing_signature', `Missing ${where}${hint ? ` (${hint})` : ''}.`);
  }
  if (!sameSecret(received, expected)) {
    throw new WebhookRejection(
      403,
      'bad_signature',
      `${where[0]?.toUpperCase() ?? ''}${where.slice(1)} does not match the configured secret.`,
    );
  }
}

/**
 * The `?token=` of the webhook URL compared with the platform secret's `key`, for platforms that
 * send no signature: the URL registered with the platform carries the token. `platform` names
 * the platform in the hint of a 401.
 */
export function assertQueryToken(request: WebhookRequest, secret: PlatformSecret, key: string, platform: string): void {
  assertSharedSecret(
    request.query.token,
    secretValue(secret, key),
    'token query parameter',
    `the webhook URL registered with ${platform} must end in ?token=<the secret's ${key}>`,
  );
}
