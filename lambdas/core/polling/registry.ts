import { blueskyPoller } from './bluesky.js';
import { googleBusinessPoller } from './google-business.js';
import { mastodonPoller } from './mastodon.js';
import type { Poller } from './poller.js';
import { redditPoller } from './reddit.js';
import { rssPoller } from './rss.js';
import { wordpressPoller } from './wordpress.js';
import { xSearchPoller } from './x.js';
import { youtubeCommentsPoller } from './youtube.js';

/**
 * Every poller, by platform id. A new poller is one file here plus an entry in this map, and its
 * target settings in `config/poll-targets.schema.ts` (an entry in `PollTargetSchema`).
 */
export const pollers: ReadonlyMap<string, Poller> = new Map(
  [
    rssPoller,
    redditPoller,
    blueskyPoller,
    mastodonPoller,
    xSearchPoller,
    youtubeCommentsPoller,
    wordpressPoller,
    googleBusinessPoller,
  ].map((p) => [p.platform, p]),
);
