import * as z from 'zod';
import type { Poller } from './poller.js';
import { RssTargetSchema, rssPoller } from './rss.js';
import { RedditTargetSchema, redditPoller } from './reddit.js';
import { BlueskyTargetSchema, blueskyPoller } from './bluesky.js';
import { MastodonTargetSchema, mastodonPoller } from './mastodon.js';
import { XSearchTargetSchema, xSearchPoller } from './x.js';
import { YouTubeCommentsTargetSchema, youtubeCommentsPoller } from './youtube.js';
import { WordpressTargetSchema, wordpressPoller } from './wordpress.js';
import { GoogleBusinessTargetSchema, googleBusinessPoller } from './google-business.js';

/** Every poller, by platform id. A new poller is one file plus an entry here and in {@link PollTargetSchema}. */
export const pollers: ReadonlyMap<string, Poller> = new Map([rssPoller, redditPoller, blueskyPoller, mastodonPoller, xSearchPoller, youtubeCommentsPoller, wordpressPoller, googleBusinessPoller].map((p) => [p.platform, p]));

/** One `polling:` entry of the config, checked against its platform's settings. */
export const PollTargetSchema = z.discriminatedUnion('platform', [RssTargetSchema, RedditTargetSchema, BlueskyTargetSchema, MastodonTargetSchema, XSearchTargetSchema, YouTubeCommentsTargetSchema, WordpressTargetSchema, GoogleBusinessTargetSchema]);
