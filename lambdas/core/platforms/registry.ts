import { isPlatformId, type PlatformId } from '../engagement/platform-ids.js';
import type { PlatformAdapter } from './adapter.js';
import { facebookAdapter } from './facebook.js';
import { foursquareAdapter } from './foursquare.js';
import { googleBusinessAdapter } from './google-business.js';
import { tiktokAdapter } from './tiktok.js';
import { trustpilotAdapter } from './trustpilot.js';
import { wordpressAdapter } from './wordpress.js';
import { genericAdapter } from './generic.js';
import { instagramAdapter } from './instagram.js';
import { linkedinAdapter } from './linkedin.js';
import { mastodonAdapter } from './mastodon.js';
import { youtubeAdapter } from './youtube.js';
import { threadsAdapter } from './threads.js';
import { xAdapter } from './x.js';

/** Every platform with an adapter, by id; a platform id missing here has no webhook yet. */
export const adapters: ReadonlyMap<PlatformId, PlatformAdapter> = new Map(
  [
    xAdapter,
    facebookAdapter,
    instagramAdapter,
    threadsAdapter,
    linkedinAdapter,
    youtubeAdapter,
    mastodonAdapter,
    tiktokAdapter,
    wordpressAdapter,
    googleBusinessAdapter,
    trustpilotAdapter,
    foursquareAdapter,
    genericAdapter,
  ].map((adapter) => [adapter.id, adapter]),
);

/** The adapter for a webhook path segment or config key; undefined for unknown or not-yet-supported platforms. */
export function adapterFor(platform: string): PlatformAdapter | undefined {
  return isPlatformId(platform) ? adapters.get(platform) : undefined;
}
