import { z } from 'zod';
import type { Poller } from './poller.js';
import { RssTargetSchema, rssPoller } from './rss.js';

/** Every poller, by platform id. A new poller is one file plus an entry here and in {@link PollTargetSchema}. */
export const pollers: ReadonlyMap<string, Poller> = new Map([rssPoller].map((p) => [p.platform, p]));

/** One `polling:` entry of the config, checked against its platform's settings. */
export const PollTargetSchema = z.discriminatedUnion('platform', [RssTargetSchema]);
