import { msUntilQuotaReset } from '../../polling/youtube.js';
import type { PublishContext, PublishOutcome, PublishRequest, ReplyPublisher } from '../publisher.js';
import {
  arrayOf,
  baseUrl,
  digest,
  field,
  findError,
  idOf,
  listing,
  prepare,
  publishedWithoutId,
  sameText,
  secretOf,
  TokenCache,
  unanswerable,
} from './common.js';
import { DEFAULT_RETRY_MS, failureOutcome, jsonOf, type Sent, send } from './http.js';

const API = 'https://www.googleapis.com';
const TOKEN_URL = 'https://oauth2.googleapis.com/token';
const TOKEN_MARGIN_MS = 60_000;
const KEYS = ['clientId', 'clientSecret', 'refreshToken'] as const;

interface Token {
  value: string;
  expiresAt: number;
}

/**
 * YouTube comments, YouTube Data API v3:
 *
 * - a comment or a reply: `comments.insert` (https://developers.google.com/youtube/v3/docs/comments/insert),
 *   `POST {apiBaseUrl ?? https://www.googleapis.com}/youtube/v3/comments?part=snippet` with
 *   `{ snippet: { parentId, textOriginal } }`. YouTube threads one level deep: `parentId` is the
 *   comment itself for a top-level comment, its parent (`thread.parentId`, the top-level comment)
 *   for a reply. Answered with the Comment resource; its `id` is the reply's id.
 * - a video (the webhook's `post`): `commentThreads.insert`
 *   (https://developers.google.com/youtube/v3/docs/commentThreads/insert), `POST
 *   /youtube/v3/commentThreads?part=snippet` with `{ snippet: { channelId, videoId,
 *   topLevelComment: { snippet: { textOriginal } } } }`; the reply's id is the top-level comment's.
 *
 * Auth: scope `https://www.googleapis.com/auth/youtube.force-ssl`, as the brand channel. Access
 * tokens last an hour, so the secret holds `{ clientId, clientSecret, refreshToken }` (an OAuth
 * client's, with offline access) and the token is refreshed at
 * `https://oauth2.googleapis.com/token` (`grant_type=refresh_token`;
 * https://developers.google.com/identity/protocols/oauth2/web-server#offline) — at
 * `{apiBaseUrl}/token` when `apiBaseUrl` is set — and kept per container until a minute before
 * `expires_in`. Each insert costs 50 quota units.
 *
 * - Not idempotent (no idempotency key): a 5xx or timeout is `uncertain`. 403 `quotaExceeded` /
 *   `dailyLimitExceeded` wait until just after midnight Pacific time (the daily reset); 403
 *   `rateLimitExceeded` / `userRateLimitExceeded` and 429 wait a minute (YouTube sends no reset
 *   header); other 4xx `failed` with the error reason (e.g. `commentsDisabled`, `forbidden`).
 * - find: the channel (`channels.list?part=id&mine=true`), then `comments.list?part=snippet
 *   &parentId=…&maxResults=100&textFormat=plainText` (or `commentThreads.list?videoId=…&order=time`
 *   for a video): a comment whose `authorChannelId.value` is ours with the same `textOriginal`.
 *
 * Unconfirmed (◐): that `snippet.channelId` of a new thread is the video's channel (the
 * engagement's account) — the reference only lists it as required.
 */
export function createYoutubePublisher(): ReplyPublisher {
  const tokens = new TokenCache<Token>();

  /** A token, or the outcome of failing to get one (nothing was posted: `retry` or `failed`). */
  async function token(request: PublishRequest, context: PublishContext): Promise<string | PublishOutcome> {
    const key = keyOf(request);
    const cached = tokens.get(key, context.now());
    if (cached) return cached.value;
    const url = request.settings.apiBaseUrl ? `${baseUrl(request, API)}/token` : TOKEN_URL;
    const answer = await prepare(
      context,
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          client_id: secretOf(request, 'clientId'),
          client_secret: secretOf(request, 'clientSecret'),
          refresh_token: secretOf(request, 'refreshToken'),
          grant_type: 'refresh_token',
        }).toString(),
      },
      'youtube token endpoint',
    );
    if ('outcome' in answer) return answer.outcome;
    const body = await jsonOf(answer.ok);
    const value = field(body, 'access_token');
    if (typeof value !== 'string' || value === '')
      return { kind: 'retry', reason: 'youtube token endpoint answered without an access token' };
    const expiresIn = field(body, 'expires_in');
    return tokens.set(key, {
      value,
      expiresAt: context.now().getTime() + (typeof expiresIn === 'number' ? expiresIn : 3600) * 1000 - TOKEN_MARGIN_MS,
    }).value;
  }

  return {
    platform: 'youtube',
    idempotent: false,
    secretKeys: KEYS,

    async publish(request, context): Promise<PublishOutcome> {
      const refused = unanswerable(request, ['post', 'comment', 'reply'], 'youtube');
      if (refused) return refused;
      const { kind, externalId, thread, account } = request.inReplyTo;
      const parentId = kind === 'reply' ? thread?.parentId : externalId;
      if (!parentId) return { kind: 'failed', reason: 'youtube reply engagement has no parent comment id' };
      if (kind === 'post' && !account) return { kind: 'failed', reason: 'youtube video engagement has no channel id' };
      const bearer = await token(request, context);
      if (typeof bearer !== 'string') return bearer;
      const api = `${baseUrl(request, API)}/youtube/v3`;
      const body =
        kind === 'post'
          ? {
              snippet: {
                channelId: account!.id,
                videoId: externalId,
                topLevelComment: { snippet: { textOriginal: request.text } },
              },
            }
          : { snippet: { parentId, textOriginal: request.text } };
      const sent = await send(context, `${api}/${kind === 'post' ? 'commentThreads' : 'comments'}?part=snippet`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
      if ('response' in sent && sent.response.status === 401) {
        // Refused before anything was made (a revoked or expired token): a new token next time.
        await sent.response.body?.cancel().catch(() => undefined);
        tokens.delete(keyOf(request));
        return { kind: 'retry', reason: 'youtube refused the access token (401)' };
      }
      if ('response' in sent && sent.response.ok) {
        const answer = await jsonOf(sent.response);
        const id =
          idOf(kind === 'post' ? field(answer, 'snippet', 'topLevelComment', 'id') : undefined) ??
          idOf(field(answer, 'id'));
        return id ? { kind: 'published', platformReplyId: id } : publishedWithoutId();
      }
      return youtubeFailure(sent, context);
    },

    async find(request, context): Promise<string | undefined> {
      const bearer = await token(request, context);
      if (typeof bearer !== 'string') throw findError(bearer, 'youtube token');
      const api = `${baseUrl(request, API)}/youtube/v3`;
      const get = (url: URL) =>
        send(context, url, {
          method: 'GET',
          headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' },
        });

      const channels = new URL(`${api}/channels`);
      channels.search = 'part=id&mine=true';
      const channelId = idOf(field(arrayOf((await listing(await get(channels), 'youtube channels')).items)[0], 'id'));
      if (!channelId) throw new Error('youtube channels?mine=true named no channel');

      const { kind, externalId, thread } = request.inReplyTo;
      const video = kind === 'post';
      const url = new URL(`${api}/${video ? 'commentThreads' : 'comments'}`);
      url.search = new URLSearchParams({
        part: 'snippet',
        ...(video
          ? { videoId: externalId, order: 'time' }
          : { parentId: (kind === 'reply' ? thread?.parentId : externalId) ?? externalId }),
        maxResults: '100',
        textFormat: 'plainText',
      }).toString();
      for (const item of arrayOf((await listing(await get(url), 'youtube comments')).items)) {
        const comment = video ? field(item, 'snippet', 'topLevelComment') : item;
        const text = field(comment, 'snippet', 'textOriginal') ?? field(comment, 'snippet', 'textDisplay');
        if (
          field(comment, 'snippet', 'authorChannelId', 'value') === channelId &&
          typeof text === 'string' &&
          sameText(text, request.text)
        )
          return idOf(field(comment, 'id'));
      }
      return undefined;
    },
  };
}

const keyOf = (request: PublishRequest) =>
  `${request.settings.apiBaseUrl ?? ''}\u0000${secretOf(request, 'clientId')}\u0000${digest(secretOf(request, 'refreshToken'))}`;

const QUOTA = new Set(['quotaExceeded', 'dailyLimitExceeded']);
const RATE = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);

/** A refusal read with YouTube's error reasons (a 403 may be a quota, which waits, not a refusal). */
async function youtubeFailure(sent: Sent, context: PublishContext): Promise<PublishOutcome> {
  if ('error' in sent || (sent.response.status !== 403 && sent.response.status !== 400))
    return failureOutcome(sent, false, context, 'youtube');
  const { status } = sent.response;
  const body: unknown = await sent.response.json().catch(() => undefined);
  const reason = field(arrayOf(field(body, 'error', 'errors'))[0], 'reason');
  const code = typeof reason === 'string' && /^[A-Za-z]{1,64}$/.test(reason) ? reason : undefined;
  if (code && QUOTA.has(code))
    return {
      kind: 'retry',
      reason: `youtube quota used up (${status} ${code})`,
      retryAfterMs: msUntilQuotaReset(context.now()),
    };
  if (code && RATE.has(code))
    return {
      kind: 'retry',
      reason: `youtube rate-limited the reply (${status} ${code})`,
      retryAfterMs: DEFAULT_RETRY_MS,
    };
  return { kind: 'failed', reason: `youtube refused the reply (${status}${code ? ` ${code}` : ''})` };
}

/** The registered YouTube publisher (one token cache per Lambda container). */
export const youtubePublisher: ReplyPublisher = createYoutubePublisher();
