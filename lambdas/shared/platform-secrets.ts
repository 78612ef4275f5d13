import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { PlatformId } from '../core/engagement/platform-ids.js';
import type { PlatformSecret } from '../core/platforms/adapter.js';

/** How long a secret is reused before it is read again, so a rotation takes effect within minutes. */
const SECRET_MAX_AGE_SECONDS = 300;

/**
 * Reads platform secrets from Secrets Manager by the ARN map the stack passes in
 * (`PLATFORM_SECRET_ARNS`), caching each for five minutes (Powertools Parameters).
 */
export function secretReader(arnsByPlatform: Record<string, string>): (platform: PlatformId) => Promise<PlatformSecret> {
  return async (platform) => {
    const arn = arnsByPlatform[platform];
    if (!arn) throw new Error(`No secret is configured for platform "${platform}"`);
    const value = await getSecret<PlatformSecret>(arn, { transform: 'json', maxAge: SECRET_MAX_AGE_SECONDS });
    if (!value || typeof value !== 'object') throw new Error(`The secret for platform "${platform}" is not a JSON object`);
    return value;
  };
}
