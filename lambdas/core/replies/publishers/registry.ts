import type { PlatformId } from '../../engagement/platform-ids.js';
import type { ReplyPublisher } from '../publisher.js';
import { blueskyPublisher } from './bluesky.js';
import { facebookPublisher } from './facebook.js';
import { genericPublisher } from './generic.js';
import { instagramPublisher } from './instagram.js';
import { linkedinPublisher } from './linkedin.js';
import { mastodonPublisher } from './mastodon.js';
import { redditPublisher } from './reddit.js';
import { xPublisher } from './x.js';
import { youtubePublisher } from './youtube.js';

/**
 * Every platform Switchboard can publish a reply to, by platform id. Platforms without a
 * publisher (threads, tiktok, review sites, rss…) are absent: their replies are made by a person
 * on the platform.
 */
export const publishers: ReadonlyMap<PlatformId, ReplyPublisher> = new Map(
  [
    genericPublisher,
    xPublisher,
    facebookPublisher,
    instagramPublisher,
    linkedinPublisher,
    youtubePublisher,
    mastodonPublisher,
    blueskyPublisher,
    redditPublisher,
  ].map((publisher) => [publisher.platform, publisher] as const),
);

/** The publisher of `platform`, or undefined when replies to it are not published through Switchboard. */
export function publisherFor(platform: PlatformId): ReplyPublisher | undefined {
  return publishers.get(platform);
}
