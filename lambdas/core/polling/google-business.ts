import { createHash } from 'node:crypto';
import * as z from 'zod';
import { parseDurationMs } from '../config/duration.js';
import { GoogleBusinessTargetSchema } from '../config/poll-targets.schema.js';
import type { EngagementDraft } from '../engagement/engagement.schema.js';
import type { NormalizedEvent } from '../platforms/adapter.js';
import {
  credentialedPoller,
  answeredErrorCode,
  discard,
  parseBody,
  pollFetch,
  quotaSpent,
  readJson,
  readStoredCursor,
  reportSkipped,
  throwIfRateLimited,
  validItems,
  type RateLimits,
} from './http.js';
import { passGuard, walkPages, type PageStep } from './page-walk.js';
import type { Poller } from './poller.js';

/** The list's maximum page size (✅). */
const PAGE_SIZE = 50;
const MAX_PAGES_PER_POLL = 40;
/** Pages one pass reads at most, across polls: a page-token chain that never ends is cut here. */
const MAX_PAGES_PER_PASS = 200;
const SEEN_LIMIT = 3000;
/** Google's quotas are per minute (a 429 without Retry-After waits one minute); Google documents no rate-limit headers, a proxy may send them. */
const LIMITS: RateLimits = {
  fallbackMs: 60_000,
  reset: ['X-RateLimit-Reset', 'RateLimit-Reset'],
  remaining: ['X-RateLimit-Remaining', 'RateLimit-Remaining'],
};
const API = 'Google Business Profile';
const TOKEN_ENDPOINT = 'Google token endpoint';

const STARS = { ONE: 1, TWO: 2, THREE: 3, FOUR: 4, FIVE: 5 } as const;

/** RFC 3339 (Google writes up to nanoseconds), normalised to ISO 8601 in milliseconds. */
const Timestamp = z.iso
  .datetime({ offset: true, error: 'expected an RFC 3339 timestamp' })
  .transform((v) => new Date(v).toISOString());

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

const TokenSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().optional(),
});

/** The newest update time delivered by the last complete poll, and the page to fetch next while a poll is under way. */
const CursorSchema = z.object({
  watermark: z.string().optional(),
  pending: z
    .object({ pageToken: z.string(), newest: z.string().optional(), pages: z.number().int().nonnegative().optional() })
    .optional(),
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
export const googleBusinessPoller: Poller = credentialedPoller(
  'google-business',
  GoogleBusinessTargetSchema,
  ['clientId', 'clientSecret', 'refreshToken'],
  async function* (settings, credentials, state, { fetch, now, signal, log }) {
    const locationName = `accounts/${settings.account}/locations/${settings.location}`;
    const cursor: Cursor = readStoredCursor(CursorSchema, state.cursor, API, log) ?? {};
    const watermarkMs = cursor.watermark
      ? Date.parse(cursor.watermark)
      : now.getTime() - (parseDurationMs(settings.backfill) ?? 0);
    let newest = cursor.pending?.newest ?? cursor.watermark;
    let resuming = cursor.pending !== undefined;
    let passPages = cursor.pending?.pages ?? 0;
    const guard = passGuard(MAX_PAGES_PER_PASS);
    const seen = new Map(
      (state.seen ?? []).map(
        (entry) => [entry.slice(0, entry.indexOf('@')), entry.slice(entry.indexOf('@') + 1)] as const,
      ),
    );
    let accessToken = await fetchAccessToken(fetch, settings.tokenUrl, credentials, now, signal);

    yield* walkPages(
      { pageToken: cursor.pending?.pageToken },
      MAX_PAGES_PER_POLL,
      async ({ pageToken }): Promise<PageStep<{ pageToken?: string }>> => {
        const url = new URL(`${settings.apiBaseUrl}/v4/${locationName}/reviews`);
        url.searchParams.set('pageSize', String(PAGE_SIZE));
        url.searchParams.set('orderBy', 'updateTime desc');
        if (pageToken) url.searchParams.set('pageToken', pageToken);
        guard.request(pageToken);
        const get = () =>
          pollFetch(
            fetch,
            url,
            { headers: { accept: 'application/json', authorization: `Bearer ${accessToken}` } },
            API,
            signal,
          );
        let res = await get();
        if (res.status === 401) {
          accessToken = await fetchAccessToken(fetch, settings.tokenUrl, credentials, now, signal);
          res = await get();
        }
        await throwIfRateLimited(res, now, LIMITS, API);
        if (res.status === 400 && resuming) {
          // The stored page token is no longer accepted: start this poll again from the first page.
          await discard(res);
          resuming = false;
          passPages = 0;
          return { next: {} };
        }
        if (!res.ok) throw await apiError(res);
        resuming = false;
        const list = parseBody(ListSchema, await readJson(res, API), API);
        const reviews = validItems(ReviewSchema, list.reviews, `${API} reviews`, log);
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
          const existedBefore =
            previous !== undefined ||
            (cursor.watermark !== undefined &&
              review.createTime !== undefined &&
              review.createTime <= cursor.watermark);
          events.push({
            change: existedBefore ? 'edited' : 'created',
            draft: toDraft(review, name, locationName, updated),
          });
        }

        if (incomplete > 0) reportSkipped(log, `${API} reviews`, incomplete, 'name or updateTime');
        passPages += 1;
        // The pass also ends on an empty page, a page token seen before in this poll, or a pass grown too long.
        const stalled = guard.ends(list.nextPageToken, passPages, list.reviews.length === 0);
        const next = reachedWatermark || stalled ? undefined : list.nextPageToken || undefined;
        const spent = quotaSpent(res, now, LIMITS, API);
        const seenList = [...seen].slice(-SEEN_LIMIT).map(([k, v]) => `${k}@${v}`);
        const nextCursor: Cursor = next
          ? {
              ...(cursor.watermark && { watermark: cursor.watermark }),
              pending: { pageToken: next, ...(newest && { newest }), pages: passPages },
            }
          : newest
            ? { watermark: newest }
            : {};
        return {
          page: { events, state: { ...state, cursor: JSON.stringify(nextCursor), seen: seenList } },
          ...(next && { next: { pageToken: next } }),
          ...(spent && { rateLimited: spent }),
        };
      },
    );
  },
);

interface OAuthCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

/** OAuth 2.0 refresh-token grant (RFC 6749 §6) at Google's token endpoint. */
async function fetchAccessToken(
  fetch: typeof globalThis.fetch,
  tokenUrl: string,
  credentials: OAuthCredentials,
  now: Date,
  signal: AbortSignal | undefined,
): Promise<string> {
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
    refresh_token: credentials.refreshToken,
  });
  const res = await pollFetch(
    fetch,
    tokenUrl,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
    },
    TOKEN_ENDPOINT,
    signal,
  );
  await throwIfRateLimited(res, now, LIMITS, TOKEN_ENDPOINT);
  if (!res.ok) {
    const code = await answeredErrorCode(res, 'error');
    const hint =
      code === ' (invalid_grant)'
        ? ': the refresh token was revoked or has expired; authorise again and put the new refreshToken in the google-business secret'
        : code === ' (invalid_client)'
          ? ': check clientId/clientSecret in the google-business secret'
          : '';
    throw new Error(`${TOKEN_ENDPOINT} answered ${res.status}${code}${hint}`);
  }
  return parseBody(TokenSchema, await readJson(res, TOKEN_ENDPOINT), TOKEN_ENDPOINT).access_token;
}

async function apiError(res: Response): Promise<Error> {
  const code = await answeredErrorCode(res, 'error', 'status');
  const hint =
    res.status === 401
      ? ': the access token was refused twice; check that the refresh token was granted the business.manage scope'
      : res.status === 403
        ? ': the authorised user must manage this location, and the project needs Business Profile API access'
        : res.status === 404
          ? ': check the target’s account and location ids (the location must be verified)'
          : '';
  return new Error(`${API} answered ${res.status}${code}${hint}`);
}

const hash = (text: string, length: number) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, length);

function toDraft(review: Review, name: string, location: string, updated: string): EngagementDraft {
  const stars =
    review.starRating && review.starRating !== 'STAR_RATING_UNSPECIFIED' ? STARS[review.starRating] : undefined;
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
