import { createHash } from 'node:crypto';
import * as z from 'zod';
import { parseDurationMs } from '../config/duration.js';
import type { EngagementDraft } from '../engagement/engagement.schema.js';
import type { NormalizedEvent, PlatformSecret } from '../platforms/adapter.js';
import { errorCode, exhaustedWaitMs, parseBody, readJson, readJsonCursor, throwIfRateLimited } from './json-api-response.js';
import { RateLimitedError, type Poller, type PollPage, type PollState, type PollTarget } from './poller.js';
import { reportSkipped, safeFetch, validItems } from './social-api-support.js';

const resourceId = (prefix: string, example: string) =>
  z
    .string()
    .regex(new RegExp(`^(?:${prefix}/)?[A-Za-z0-9_-]+$`), `must be the ${prefix.slice(0, -1)} id, e.g. ${example} or ${prefix}/${example}`)
    .transform((v) => v.replace(`${prefix}/`, ''));

/** Settings of a `google-business` target in `polling:` (one Business Profile location's reviews). */
export const GoogleBusinessTargetSchema = z.strictObject({
  platform: z.literal('google-business'),
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case letters, digits and dashes'),
  /** The Business Profile account id (`accounts/{account}`). */
  account: resourceId('accounts', '1234567890'),
  /** The location id (`locations/{location}`) under that account. */
  location: resourceId('locations', '9876543210'),
  every: z.string().default('PT15M'),
  /** The API's root; tests and the local twin point it at loopback. */
  apiBaseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://mybusiness.googleapis.com' }).default('https://mybusiness.googleapis.com'),
  /** Google's OAuth 2.0 token endpoint, where the refresh token is exchanged for an access token. */
  tokenUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://oauth2.googleapis.com/token' }).default('https://oauth2.googleapis.com/token'),
  /** How far back (by update time) the first poll of a target reaches. */
  backfill: z
    .string()
    .refine((v) => parseDurationMs(v) !== undefined, { message: 'must be an ISO 8601 duration such as P7D or P30D' })
    .default('P7D'),
});
export type GoogleBusinessTarget = z.output<typeof GoogleBusinessTargetSchema>;

/** The list's maximum page size (✅). */
const PAGE_SIZE = 50;
const MAX_PAGES_PER_POLL = 40;
/** Pages one pass reads at most, across polls: a page-token chain that never ends is cut here. */
const MAX_PAGES_PER_PASS = 200;
const SEEN_LIMIT = 3000;
/** Google's quotas are per minute; a 429 without Retry-After waits one minute. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;
const EXPECTED = 'a Google Business Profile reviews list: {"reviews": [...], "nextPageToken"?}';

const STARS = { ONE: 1, TWO: 2, THREE: 3, FOUR: 4, FIVE: 5 } as const;

/** RFC 3339 (Google writes up to nanoseconds), normalised to ISO 8601 in milliseconds. */
const Timestamp = z.iso.datetime({ offset: true, error: 'expected an RFC 3339 timestamp' }).transform((v) => new Date(v).toISOString());

const ReviewSchema = z.object({
  name: z.string().min(1).optional(),
  reviewId: z.string().min(1).optional(),
  reviewer: z.object({ displayName: z.string().optional(), isAnonymous: z.boolean().optional() }).optional(),
  starRating: z.enum(['STAR_RATING_UNSPECIFIED', 'ONE', 'TWO', 'THREE', 'FOUR', 'FIVE']).optional(),
  comment: z.string().optional(),
  createTime: Timestamp.optional(),
  updateTime: Timestamp.optional(),
  reviewReply: z.object({ comment: z.string().optional(), updateTime: Timestamp.optional() }).optional(),
});
type Review = z.output<typeof ReviewSchema>;

/** The envelope is checked strictly; reviews one by one (a malformed one is skipped, not fatal). */
const ListSchema = z.object({
  reviews: z.array(z.unknown()).default([]),
  nextPageToken: z.string().optional(),
});

const TokenSchema = z.object({ access_token: z.string().min(1), token_type: z.string().optional(), expires_in: z.number().optional() });

/** The newest update time delivered by the last complete poll, and the page to fetch next while a poll is under way. */
const CursorSchema = z.object({
  watermark: z.string().optional(),
  pending: z.object({ pageToken: z.string(), newest: z.string().optional(), pages: z.number().int().nonnegative().optional() }).optional(),
});
type Cursor = z.output<typeof CursorSchema>;

/**
 * Google Business Profile reviews of one location by polling (platforms.md §14.2):
 * `GET <apiBaseUrl>/v4/accounts/{account}/locations/{location}/reviews?pageSize=50&orderBy=updateTime desc&pageToken=…`
 * with `Authorization: Bearer <access token>`. The access token comes from the secret's
 * `refreshToken` with `clientId`/`clientSecret` (OAuth 2.0 refresh grant at `tokenUrl`, scope
 * `business.manage` granted when the refresh token was issued); it is fetched at the start of
 * every poll and not kept anywhere, and a 401 mid-poll fetches a new one once.
 *
 * Cursor: `watermark` is the newest `updateTime` delivered. Reviews come newest-updated first,
 * so a poll pages until it meets an update time at or before the watermark (first poll: now −
 * `backfill`), keeping the next `pageToken` in the cursor after every page; a poll that fails
 * part-way resumes at that page (if Google no longer accepts the token, with a 400, it starts
 * again from the first page; `seen` keeps delivered reviews from being emitted twice).
 * `seen` holds a hash of each review's name with a hash of its comment and rating.
 *
 * Mapping (as the Pub/Sub adapter, so both transports give one engagement): kind `review`,
 * externalId the review's resource name `accounts/…/locations/…/reviews/…`, text `comment`
 * ('' for a rating without text), rating `starRating` ONE..FIVE → 1..5 (unspecified → none),
 * createdAt `createTime`, author.id the display name (`anonymous` for anonymous reviewers,
 * `unknown` without a reviewer; reviewers have no id in the API), account.id the location name.
 * No url (the API gives no public permalink).
 *
 * Changes: a review seen before whose comment or rating changed is `edited` (also when it was
 * created before the watermark but is not in `seen`); a review whose update time moved but whose
 * comment and rating did not (the owner replied: the company's own activity) yields nothing.
 * Reviews deleted between polls cannot be seen (the list only returns what exists), so no
 * `deleted` event is ever emitted.
 *
 * Rate limits: 429 (Google's RESOURCE_EXHAUSTED) → {@link RateLimitedError}, Retry-After if sent,
 * else one minute; 503 with Retry-After likewise (503 without it is a failure with backoff).
 * Google documents no rate-limit headers (❓); `X-RateLimit-Remaining: 0` from a proxy delivers the
 * current page and then waits for `X-RateLimit-Reset`. No conditional requests.
 *
 * Choices where the documentation is unconfirmed (◐/❓) or silent: the review object's fields (◐)
 * are all optional except that a review needs `name` or `reviewId` and an update or create time;
 * whether an owner's reply moves the review's `updateTime` (❓) matters not, given the content
 * hash; the quota (≈300 QPM per project ❓) is why `every` defaults to 15 minutes.
 */
export const googleBusinessPoller: Poller = {
  platform: 'google-business',
  secretKeys: ['clientId', 'clientSecret', 'refreshToken'],
  async *poll(target: PollTarget, state: PollState, { fetch, now, secret, signal }): AsyncGenerator<PollPage> {
    const settings = GoogleBusinessTargetSchema.parse(target);
    const credentials = oauthCredentials(secret);
    const locationName = `accounts/${settings.account}/locations/${settings.location}`;
    const cursor: Cursor = readJsonCursor(CursorSchema, state.cursor);
    const watermarkMs = cursor.watermark ? Date.parse(cursor.watermark) : now.getTime() - (parseDurationMs(settings.backfill) ?? 0);
    let newest = cursor.pending?.newest ?? cursor.watermark;
    let pageToken = cursor.pending?.pageToken;
    let resuming = pageToken !== undefined;
    let passPages = cursor.pending?.pages ?? 0;
    const tokensUsed = new Set<string>();
    const seen = new Map((state.seen ?? []).map((entry) => [entry.slice(0, entry.indexOf('@')), entry.slice(entry.indexOf('@') + 1)] as const));
    let accessToken = await fetchAccessToken(fetch, settings.tokenUrl, credentials, now, signal);

    for (let fetched = 0; ; fetched++) {
      const url = new URL(`${settings.apiBaseUrl.replace(/\/+$/, '')}/v4/${locationName}/reviews`);
      url.searchParams.set('pageSize', String(PAGE_SIZE));
      url.searchParams.set('orderBy', 'updateTime desc');
      if (pageToken) url.searchParams.set('pageToken', pageToken);
      if (pageToken) tokensUsed.add(pageToken);
      const get = () => safeFetch(fetch, url, { headers: { accept: 'application/json', authorization: `Bearer ${accessToken}` } }, 'Google Business Profile', signal);
      let res = await get();
      if (res.status === 401) {
        accessToken = await fetchAccessToken(fetch, settings.tokenUrl, credentials, now, signal);
        res = await get();
      }
      throwIfRateLimited(res, now, 'Google Business Profile', DEFAULT_RATE_LIMIT_WAIT_MS);
      if (res.status === 400 && resuming) {
        // The stored page token is no longer accepted: start this poll again from the first page.
        await res.body?.cancel().catch(() => undefined);
        pageToken = undefined;
        resuming = false;
        passPages = 0;
        continue;
      }
      if (!res.ok) throw await apiError(res);
      resuming = false;
      const list = parseBody(ListSchema, await readJson(res, 'Google Business Profile'), EXPECTED);
      const reviews = validItems(ReviewSchema, list.reviews, 'Google Business Profile reviews').items;
      let incomplete = 0;

      const events: NormalizedEvent[] = [];
      let reachedWatermark = false;
      for (const review of reviews) {
        const updated = review.updateTime ?? review.createTime;
        const name = review.name ?? (review.reviewId ? `${locationName}/reviews/${review.reviewId}` : undefined);
        if (!updated || !name) {
          // A review needs name or reviewId, and updateTime or createTime: one without is skipped.
          incomplete++;
          continue;
        }
        if (Date.parse(updated) <= watermarkMs) {
          reachedWatermark = true;
          break;
        }
        if (!newest || updated > newest) newest = updated;
        const key = hash(name, 16);
        const version = hash(`${review.starRating ?? ''}\u0000${review.comment ?? ''}`, 8);
        const previous = seen.get(key);
        if (previous === version) continue;
        seen.delete(key);
        seen.set(key, version);
        const existedBefore = previous !== undefined || (cursor.watermark !== undefined && review.createTime !== undefined && review.createTime <= cursor.watermark);
        events.push({ change: existedBefore ? 'edited' : 'created', draft: toDraft(review, name, locationName, updated) });
      }

      if (incomplete > 0) reportSkipped('Google Business Profile reviews', incomplete, 'name or updateTime');
      passPages += 1;
      // The pass also ends on an empty page, a page token seen before in this poll, or a pass grown too long.
      const stalled = list.reviews.length === 0 || (list.nextPageToken !== undefined && tokensUsed.has(list.nextPageToken)) || passPages >= MAX_PAGES_PER_PASS;
      const next = reachedWatermark || stalled ? undefined : list.nextPageToken || undefined;
      const wait = exhaustedWaitMs(res, now, DEFAULT_RATE_LIMIT_WAIT_MS);
      const seenList = [...seen].slice(-SEEN_LIMIT).map(([k, v]) => `${k}@${v}`);
      const nextCursor: Cursor = next ? { ...(cursor.watermark && { watermark: cursor.watermark }), pending: { pageToken: next, ...(newest && { newest }), pages: passPages } } : newest ? { watermark: newest } : {};
      yield { events, state: { ...state, cursor: JSON.stringify(nextCursor), seen: seenList } };
      if (wait !== undefined) throw new RateLimitedError(wait, 'Google Business Profile rate limit used up (X-RateLimit-Remaining: 0)');
      if (!next || fetched + 1 >= MAX_PAGES_PER_POLL) return;
      pageToken = next;
    }
  },
};

interface OAuthCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

/** The three OAuth keys of the google-business secret; a missing one is named, no value is ever echoed. */
function oauthCredentials(secret: PlatformSecret | undefined): OAuthCredentials {
  const missing = (['clientId', 'clientSecret', 'refreshToken'] as const).filter((k) => !secret?.[k]);
  if (missing.length > 0) throw new Error(`the google-business secret has no ${missing.join(', ')} (needed to poll reviews with an OAuth refresh token)`);
  return { clientId: secret!['clientId']!, clientSecret: secret!['clientSecret']!, refreshToken: secret!['refreshToken']! };
}

/** OAuth 2.0 refresh-token grant (RFC 6749 §6) at Google's token endpoint. */
async function fetchAccessToken(fetch: typeof globalThis.fetch, tokenUrl: string, credentials: OAuthCredentials, now: Date, signal: AbortSignal | undefined): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'refresh_token', client_id: credentials.clientId, client_secret: credentials.clientSecret, refresh_token: credentials.refreshToken });
  const res = await safeFetch(fetch, tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body }, 'Google token endpoint', signal);
  throwIfRateLimited(res, now, 'Google token endpoint', DEFAULT_RATE_LIMIT_WAIT_MS);
  if (!res.ok) {
    const code = errorCode(await readJson(res, 'Google token endpoint').catch(() => undefined), 'error');
    const hint = code === ' (invalid_grant)' ? ': the refresh token was revoked or has expired; authorise again and put the new refreshToken in the google-business secret' : code === ' (invalid_client)' ? ': check clientId/clientSecret in the google-business secret' : '';
    throw new Error(`Google token endpoint answered ${res.status}${code}${hint}`);
  }
  return parseBody(TokenSchema, await readJson(res, 'Google token endpoint'), 'an OAuth token response with access_token').access_token;
}

async function apiError(res: Response): Promise<Error> {
  const code = errorCode(await readJson(res, 'Google Business Profile').catch(() => undefined), 'error', 'status');
  const hint =
    res.status === 401
      ? ': the access token was refused twice; check that the refresh token was granted the business.manage scope'
      : res.status === 403
        ? ': the authorised user must manage this location, and the project needs Business Profile API access'
        : res.status === 404
          ? ': check the target’s account and location ids (the location must be verified)'
          : '';
  return new Error(`Google Business Profile answered ${res.status}${code}${hint}`);
}


const hash = (text: string, length: number) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, length);

function toDraft(review: Review, name: string, location: string, updated: string): EngagementDraft {
  const stars = review.starRating && review.starRating !== 'STAR_RATING_UNSPECIFIED' ? STARS[review.starRating] : undefined;
  const reviewer = review.reviewer;
  return {
    platform: 'google-business',
    kind: 'review',
    externalId: name,
    text: review.comment ?? '',
    createdAt: review.createTime ?? updated,
    author: {
      id: reviewer === undefined ? 'unknown' : reviewer.isAnonymous ? 'anonymous' : reviewer.displayName || 'unknown',
      handle: '',
      name: reviewer?.isAnonymous ? '' : (reviewer?.displayName ?? ''),
    },
    account: { id: location },
    ...(stars !== undefined && { rating: stars }),
  };
}
