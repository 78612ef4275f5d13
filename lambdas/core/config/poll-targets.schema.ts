import * as z from 'zod';
import { parseDurationMs } from './duration.js';

/*
 * The settings of each poller's targets (`polling:` in the config), as schemas only: the config
 * schema reads them without loading a single poller, and each poller parses its own target with
 * the schema here. A new poller is one schema here (and an entry in `PollTargetSchema`) plus its
 * file and registry entry in `core/polling/`.
 */

// ---- The settings every target shares ----

/** A target id: it keys the target's state, so it is short and plain. */
export const TargetIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case letters, digits and dashes (at most 64)');

/** How often a target is polled: an ISO 8601 duration of at least a minute (the poller runs every minute). */
export const everySchema = (fallback: string) =>
  z
    .string()
    .refine(
      (v) => (parseDurationMs(v) ?? 0) >= 60_000,
      'must be an ISO 8601 duration of at least one minute, e.g. PT5M or PT15M',
    )
    .default(fallback);

/** An API base URL (overridable so tests and the local twin can point at loopback); no trailing slash. */
export const baseUrlSchema = (fallback: string) =>
  z
    .url({ protocol: /^https?$/, error: `must be an http(s) URL such as ${fallback}` })
    .transform((u) => u.replace(/\/+$/, ''))
    .default(fallback);

/** An ISO 8601 duration setting other than `every` (a lookback, a backfill). */
const durationSchema = (fallback: string, example: string) =>
  z
    .string()
    .refine((v) => parseDurationMs(v) !== undefined, { message: `must be an ISO 8601 duration such as ${example}` })
    .default(fallback);

// ---- rss ----

/** Settings of an `rss` target in `polling:`. */
export const RssTargetSchema = z.strictObject({
  platform: z.literal('rss'),
  id: TargetIdSchema,
  // Credentials in a URL would end up in errors, state and logs; feeds that need them are not supported.
  url: z
    .url({ protocol: /^https?$/ })
    .refine((u) => !new URL(u).username && !new URL(u).password, 'must not carry a user name or password'),
  every: everySchema('PT15M'),
});

// ---- reddit ----

const SUBREDDIT = /^[A-Za-z0-9][A-Za-z0-9_]{1,20}$/;

/** Settings of a `reddit` target in `polling:`. */
export const RedditTargetSchema = z
  .strictObject({
    platform: z.literal('reddit'),
    id: TargetIdSchema,
    /** A subreddit name without `r/`; several joined with `+` (`acme+acmehelp`). */
    subreddit: z
      .string()
      .refine(
        (s) => s.split('+').every((name) => SUBREDDIT.test(name)),
        'must be a subreddit name without "r/" (2–21 letters, digits or underscores), several joined with "+"',
      )
      .optional(),
    /** A Reddit search (posts only), site-wide or, with `subreddit`, within it. */
    query: z.string().trim().min(1, 'must not be empty').max(512, 'must be at most 512 characters').optional(),
    /** With `subreddit` alone: its newest posts (`/new`) or its newest comments (`/comments`). */
    listing: z.enum(['posts', 'comments'], { error: 'must be "posts" or "comments"' }).default('posts'),
    /** The company's Reddit usernames (without `u/`): their posts and comments are not emitted. */
    ownAccounts: z
      .array(z.string().regex(/^[A-Za-z0-9_-]{3,20}$/, 'must be a Reddit username without "u/"'))
      .default([]),
    /** Reddit wants `<platform>:<app ID>:<version> (by /u/<username>)`; generic agents are throttled. */
    userAgent: z
      .string()
      .regex(
        /^[\x20-\x7e]{10,256}$/,
        'must be 10–256 printable ASCII characters, e.g. "server:com.example.switchboard:1.0 (by /u/acme)"',
      )
      .optional(),
    apiBaseUrl: baseUrlSchema('https://oauth.reddit.com'),
    /** Where the OAuth token is requested (`/api/v1/access_token`). */
    authBaseUrl: baseUrlSchema('https://www.reddit.com'),
    every: everySchema('PT5M'),
  })
  .superRefine((t, ctx) => {
    if (!t.subreddit && !t.query) {
      ctx.addIssue({
        code: 'custom',
        path: ['subreddit'],
        message:
          'set subreddit (its newest posts or comments), query (a search), or both (a search within the subreddit)',
      });
    }
    if (t.query && t.listing === 'comments') {
      ctx.addIssue({
        code: 'custom',
        path: ['listing'],
        message: 'Reddit search finds posts only: listing "comments" needs subreddit without query',
      });
    }
  });

/** A `reddit` target after its defaults are applied. */
export type RedditTarget = z.infer<typeof RedditTargetSchema>;

// ---- bluesky ----

/** Notification reasons a target can ask for; `other` is any newer reason whose record is a post. */
export const BLUESKY_REASONS = ['mention', 'reply', 'quote', 'repost', 'like', 'other'] as const;

/** Settings of a `bluesky` target in `polling:`. */
export const BlueskyTargetSchema = z
  .strictObject({
    platform: z.literal('bluesky'),
    id: TargetIdSchema,
    /** `notifications`: what happens to the account of the secret; `search`: posts matching `query`. */
    mode: z
      .enum(['notifications', 'search'], { error: 'must be "notifications" or "search"' })
      .default('notifications'),
    /** A searchPosts query (Lucene-like; `from:`, `mentions:`, `lang:` filters work inside it). */
    query: z.string().trim().min(1, 'must not be empty').max(512, 'must be at most 512 characters').optional(),
    /** Notifications: the reasons emitted (follows never are). Default: all of them. */
    reasons: z
      .array(z.enum(BLUESKY_REASONS, { error: `must be one of ${BLUESKY_REASONS.join(', ')}` }))
      .min(1, 'must name at least one reason')
      .optional(),
    /** The company's other accounts (handles or DIDs) whose posts are not emitted; the secret's account never is. */
    ownAccounts: z
      .array(
        z
          .string()
          .regex(
            /^(did:[a-z]+:[A-Za-z0-9._:%-]+|[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,})$/,
            'must be a handle (acme.com) or a DID (did:plc:…)',
          ),
      )
      .default([]),
    /** The account's PDS (or the bsky.social entryway): login and every request go there. */
    serviceUrl: baseUrlSchema('https://bsky.social'),
    every: everySchema('PT5M'),
  })
  .superRefine((t, ctx) => {
    if (t.mode === 'search' && !t.query)
      ctx.addIssue({ code: 'custom', path: ['query'], message: 'mode "search" needs a query' });
    if (t.mode === 'notifications' && t.query)
      ctx.addIssue({ code: 'custom', path: ['query'], message: 'query is for mode "search"; notifications need none' });
    if (t.mode === 'search' && t.reasons)
      ctx.addIssue({ code: 'custom', path: ['reasons'], message: 'reasons are for mode "notifications"' });
  });

/** A `bluesky` target after its defaults are applied. */
export type BlueskyTarget = z.infer<typeof BlueskyTargetSchema>;

// ---- mastodon ----

/** Notification types the Mastodon poller turns into engagements (and may ask the instance for). */
export const MASTODON_NOTIFICATION_TYPES = ['mention', 'status', 'reblog', 'favourite', 'quote', 'update'] as const;

/** A Mastodon handle: `user` or `user@domain`, with or without a leading `@`. */
const MastodonHandle = z
  .string()
  .regex(
    /^@?[A-Za-z0-9_.-]+(?:@[A-Za-z0-9.-]+(?::\d+)?)?$/,
    'must be a Mastodon handle such as acme or acme@mastodon.social',
  );

/** Settings of a `mastodon` target in `polling:`: the company's account's notifications on its instance. */
export const MastodonTargetSchema = z.strictObject({
  platform: z.literal('mastodon'),
  id: TargetIdSchema,
  /** The instance's base URL (where the company's account lives), e.g. https://mastodon.social. */
  instance: z.url({ protocol: /^https?$/, error: 'must be the instance base URL, such as https://mastodon.social' }),
  /** Which notifications become engagements; `mention` also carries replies and direct messages. */
  types: z
    .array(z.enum(MASTODON_NOTIFICATION_TYPES, { error: `must be one of ${MASTODON_NOTIFICATION_TYPES.join(', ')}` }))
    .min(1, 'list at least one notification type, such as mention')
    .default(['mention']),
  /** The company's account whose token polls (`acme` or `acme@mastodon.social`): the drafts' account, and its own activity is dropped. */
  account: MastodonHandle.optional(),
  /** Other accounts of the company whose activity is dropped (`user@domain`). */
  ownAccounts: z.array(MastodonHandle).default([]),
  /** 300 requests / 5 min per account are allowed; a poll costs one or two when quiet. */
  every: everySchema('PT5M'),
});
export type MastodonTarget = z.output<typeof MastodonTargetSchema>;

// ---- x ----

/** X ids are decimal strings beyond 2^53: they are kept as strings and never parsed as numbers. */
export const XId = z
  .string({ error: 'must be an X id as a quoted string ("900000000000000001"): as a number it would lose digits' })
  .regex(/^\d{1,20}$/, 'must be an X id: digits, as a string');

/** Settings of an `x` target in `polling:`: one recent-search query (brand listening). */
export const XSearchTargetSchema = z.strictObject({
  platform: z.literal('x'),
  id: TargetIdSchema,
  /** The recent-search query, e.g. `(acme OR @acme) -is:retweet lang:en`. */
  query: z.string().trim().min(1, 'must not be empty').max(512, 'X recent search queries are at most 512 characters'),
  /** The company's X user id (digits, quoted in YAML): the drafts' account; its own posts are dropped. */
  accountId: XId.optional(),
  /** Other X user ids of the company whose posts are dropped. */
  ownUserIds: z.array(XId).default([]),
  /** Posts per page, 10–100 (the API's bounds). */
  maxResults: z.number().int().min(10, 'must be 10..100').max(100, 'must be 10..100').default(100),
  apiBaseUrl: baseUrlSchema('https://api.x.com'),
  /** 450 requests / 15 min per app; one request per quiet poll. */
  every: everySchema('PT5M'),
});
export type XSearchTarget = z.output<typeof XSearchTargetSchema>;

// ---- youtube ----

const ChannelId = z
  .string()
  .regex(/^UC[A-Za-z0-9_-]{22}$/, 'must be a YouTube channel id (UC followed by 22 characters)');
export const YouTubeVideoId = z.string().regex(/^[A-Za-z0-9_-]{11}$/, 'must be a YouTube video id (11 characters)');

/** Settings of a `youtube` target in `polling:`: the comments on a channel (and its videos) or on one video. */
export const YouTubeCommentsTargetSchema = z
  .strictObject({
    platform: z.literal('youtube'),
    id: TargetIdSchema,
    /** All comment threads related to the channel (`allThreadsRelatedToChannelId`); comments by the channel itself are dropped. */
    channelId: ChannelId.optional(),
    /** Or the comment threads of one video (`videoId`). */
    videoId: YouTubeVideoId.optional(),
    /** Other channels of the company whose comments are dropped. */
    ownChannelIds: z.array(ChannelId).default([]),
    /** Fetch the replies of a thread whose reply count grew beyond the few the thread carries (comments.list, 1 unit a page). */
    fetchAllReplies: z.boolean().default(true),
    apiBaseUrl: baseUrlSchema('https://www.googleapis.com'),
    /** 10,000 quota units a day per project, 1 unit per call: every 10 minutes is 144 calls a day per quiet target. */
    every: everySchema('PT10M'),
  })
  .refine((t) => (t.channelId === undefined) !== (t.videoId === undefined), {
    message: 'set exactly one of channelId (every comment on the channel and its videos) or videoId (one video)',
    path: ['channelId'],
  });
export type YouTubeCommentsTarget = z.output<typeof YouTubeCommentsTargetSchema>;

// ---- wordpress ----

const wordpressUserId = z
  .union([
    z.number().int().positive(),
    z.string().regex(/^[1-9]\d*$/, 'must be a WordPress user id (a positive whole number)'),
  ])
  .transform(String);

/** Settings of a `wordpress` target in `polling:` (a self-hosted or Jetpack site's comments). */
export const WordpressTargetSchema = z.strictObject({
  platform: z.literal('wordpress'),
  id: TargetIdSchema,
  /** The site's address (home URL), e.g. https://blog.example.com or https://example.com/blog. */
  site: z.url({ protocol: /^https?$/, error: 'must be the site’s address, e.g. https://blog.example.com' }),
  every: everySchema('PT10M'),
  /**
   * The REST API root, default `<site>/wp-json`. For sites without pretty permalinks use
   * `https://example.com/?rest_route=`; tests and the local twin point it at loopback.
   */
  apiBaseUrl: z
    .url({ protocol: /^https?$/, error: 'must be the REST API root, e.g. https://blog.example.com/wp-json' })
    .optional(),
  /** WordPress user ids of the company's own staff; their comments (replies to customers) are dropped. */
  staffUserIds: z.array(wordpressUserId).default([]),
  /** Also fetch comments held for moderation (`status=all`): needs `username`/`applicationPassword` of a user who can moderate. */
  includeHeld: z.boolean().default(false),
  /** How far before the newest comment seen each poll looks again, for comments approved late and for edits. */
  lookback: durationSchema('P1D', 'PT12H, P1D or P7D'),
  /** How far back the first poll of a target reaches. */
  backfill: durationSchema('P7D', 'PT12H, P1D or P7D'),
});
export type WordpressTarget = z.output<typeof WordpressTargetSchema>;

// ---- google-business ----

const googleResourceId = (prefix: string, example: string) =>
  z
    .string()
    .regex(
      new RegExp(`^(?:${prefix}/)?[A-Za-z0-9_-]+$`),
      `must be the ${prefix.slice(0, -1)} id, e.g. ${example} or ${prefix}/${example}`,
    )
    .transform((v) => v.replace(`${prefix}/`, ''));

/** Settings of a `google-business` target in `polling:` (one Business Profile location's reviews). */
export const GoogleBusinessTargetSchema = z.strictObject({
  platform: z.literal('google-business'),
  id: TargetIdSchema,
  /** The Business Profile account id (`accounts/{account}`). */
  account: googleResourceId('accounts', '1234567890'),
  /** The location id (`locations/{location}`) under that account. */
  location: googleResourceId('locations', '9876543210'),
  every: everySchema('PT15M'),
  /** The API's root; tests and the local twin point it at loopback. */
  apiBaseUrl: baseUrlSchema('https://mybusiness.googleapis.com'),
  /** Google's OAuth 2.0 token endpoint, where the refresh token is exchanged for an access token. */
  tokenUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://oauth2.googleapis.com/token' })
    .default('https://oauth2.googleapis.com/token'),
  /** How far back (by update time) the first poll of a target reaches. */
  backfill: durationSchema('P7D', 'P7D or P30D'),
});
export type GoogleBusinessTarget = z.output<typeof GoogleBusinessTargetSchema>;

// ---- every target ----

/** One `polling:` entry of the config, checked against its platform's settings. */
export const PollTargetSchema = z.discriminatedUnion('platform', [
  RssTargetSchema,
  RedditTargetSchema,
  BlueskyTargetSchema,
  MastodonTargetSchema,
  XSearchTargetSchema,
  YouTubeCommentsTargetSchema,
  WordpressTargetSchema,
  GoogleBusinessTargetSchema,
]);
