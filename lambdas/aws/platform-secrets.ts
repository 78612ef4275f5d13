import type { PlatformId } from '../core/engagement/platform-ids.js';
import type { PlatformSecret } from '../core/platforms/adapter.js';

/** How long a secret is reused in the function; the extension keeps it another four minutes, so a rotation takes effect within five. */
const SECRET_MAX_AGE_MS = 60_000;
/** The extension's default port (`PARAMETERS_SECRETS_EXTENSION_HTTP_PORT` changes it). */
const DEFAULT_EXTENSION_PORT = 2773;

/** Options of {@link secretReader} (tests replace the clock and `fetch`). */
export interface SecretReaderOptions {
  fetch?: typeof fetch;
  now?: () => number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads platform secrets by the ARN map the stack passes in (`PLATFORM_SECRET_ARNS`) from the
 * AWS Parameters and Secrets Lambda extension: a local HTTP endpoint that calls Secrets Manager
 * and caches what it got. The function then needs no Secrets Manager client, which is most of
 * what a Secrets Manager read used to add to a cold start (about 17 ms), and Secrets Manager
 * sees one call per secret and cache period, not one per instance. Each secret is also kept
 * here for a minute, so a webhook request does not go to the extension every time. A failed
 * read throws (the webhook answers 503, and the platform retries) and is not kept.
 */
export function secretReader(
  arnsByPlatform: Record<string, string>,
  options: SecretReaderOptions = {},
): (platform: PlatformId | string) => Promise<PlatformSecret> {
  const env = options.env ?? process.env;
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const port = Number(env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? DEFAULT_EXTENSION_PORT);
  const kept = new Map<string, { value: PlatformSecret; until: number }>();
  return async (platform) => {
    const arn = arnsByPlatform[platform];
    if (!arn) throw new Error(`No secret is configured for platform "${platform}"`);
    const cached = kept.get(arn);
    if (cached && cached.until > now()) return cached.value;
    const res = await doFetch(`http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(arn)}`, {
      headers: { 'X-Aws-Parameters-Secrets-Token': env.AWS_SESSION_TOKEN ?? '' },
      signal: AbortSignal.timeout(2_000),
    });
    const text = await res.text();
    // The body of a refusal may name the secret, never its value: safe to pass on.
    if (!res.ok)
      throw new Error(
        `The secret for platform "${platform}" could not be read (extension answered ${res.status}: ${text.slice(0, 200)})`,
      );
    let value: unknown;
    try {
      value = JSON.parse((JSON.parse(text) as { SecretString?: string }).SecretString ?? '');
    } catch {
      throw new Error(`The secret for platform "${platform}" is not a JSON object`);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw new Error(`The secret for platform "${platform}" is not a JSON object`);
    kept.set(arn, { value: value as PlatformSecret, until: now() + SECRET_MAX_AGE_MS });
    return value as PlatformSecret;
  };
}
