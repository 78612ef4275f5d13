import type { PublishContext, PublishOutcome, PublishRequest, ReplyPublisher } from '../publisher.js';
import {
  arrayOf,
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
import { DEFAULT_RETRY_MS, failureOutcome, jsonOf, send } from './http.js';

const API = 'https://oauth.reddit.com';
const AUTH = 'https://www.reddit.com';
const KEYS = ['clientId', 'clientSecret', 'username', 'password'] as const;
const DEFAULT_USER_AGENT =
  'server:switchboard:0.1.0 (replies; set userAgent in the reddit secret to name your app and account)';
const TOKEN_MARGIN_MS = 60_000;
/** Reddit's error codes are upper-case words (`THREAD_LOCKED`): safe to name in a reason. */
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

interface Token {
  value: string;
  expiresAt: number;
}

/**
 * Reddit, `POST /api/comment` (https://www.reddit.com/dev/api/#POST_api_comment): form fields
 * `api_type=json`, `thing_id` (the fullname answered: `t3_…` a post, `t1_…` a comment) and `text`
 * (markdown), to `{apiBaseUrl ?? https://oauth.reddit.com}/api/comment`, answered
 * `{ json: { errors: [], data: { things: [{ kind: "t1", data: { name, … } }] } } }`; the new
 * comment's fullname (`t1_…`) is the reply's id, as the poller keys comments.
 *
 * Auth: the poller's application-only token cannot post, so publishing logs in as the brand
 * account with a "script" app: `POST {apiBaseUrl ?? https://www.reddit.com}/api/v1/access_token`,
 * HTTP Basic `clientId:clientSecret`, `grant_type=password&username=…&password=…`
 * (https://github.com/reddit-archive/reddit/wiki/OAuth2, "Application Only OAuth" / script apps);
 * secret `{ clientId, clientSecret, username, password, userAgent? }` (the account must not use
 * two-factor authentication, which the password grant cannot answer). The token (scope `*` for a
 * script app; `submit` and `history` at least) is kept per container until a minute before
 * `expires_in`. Every request sends `userAgent` (Reddit requires a descriptive one).
 *
 * - Not idempotent: a 5xx or timeout is `uncertain`. A 429 waits for `x-ratelimit-reset` (seconds
 *   from now). Reddit also answers some refusals with 200 and `json.errors`: `RATELIMIT` ("you are
 *   doing that too much") is `retry` after `json.ratelimit` seconds, any other (`THREAD_LOCKED`,
 *   `DELETED_COMMENT`, `TOO_OLD`) `failed`, naming the code.
 * - find: `GET /user/{username}/comments?sort=new&limit=100&raw_json=1`: a comment of the
 *   account whose `parent_id` is the engagement, with the same `body`.
 *
 * Unconfirmed (◐): the `json.ratelimit` field (the wait is also read from the message, else a minute).
 */
export function createRedditPublisher(): ReplyPublisher {
  const tokens = new TokenCache<Token>();

  async function token(request: PublishRequest, context: PublishContext): Promise<string | PublishOutcome> {
    const key = keyOf(request);
    const cached = tokens.get(key, context.now());
    if (cached) return cached.value;
    const basic = Buffer.from(`${secretOf(request, 'clientId')}:${secretOf(request, 'clientSecret')}`).toString(
      'base64',
    );
    const answer = await prepare(
      context,
      `${(request.settings.apiBaseUrl ?? AUTH).replace(/\/+$/, '')}/api/v1/access_token`,
      {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'user-agent': userAgent(request),
        },
        body: new URLSearchParams({
          grant_type: 'password',
          username: secretOf(request, 'username'),
          password: secretOf(request, 'password'),
        }).toString(),
      },
      'reddit token endpoint',
    );
    if ('outcome' in answer) return answer.outcome;
    const body = await jsonOf(answer.ok);
    const value = field(body, 'access_token');
    // Reddit answers a wrong password with 200 and `{ "error": "invalid_grant" }`.
    if (typeof value !== 'string' || value === '')
      return {
        kind: 'failed',
        reason: 'reddit refused the account login; check username and password in the reddit secret',
      };
    const expiresIn = field(body, 'expires_in');
    return tokens.set(key, {
      value,
      expiresAt: context.now().getTime() + (typeof expiresIn === 'number' ? expiresIn : 3600) * 1000 - TOKEN_MARGIN_MS,
    }).value;
  }

  const headers = (request: PublishRequest, bearer: string) => ({
    authorization: `bearer ${bearer}`,
    accept: 'application/json',
    'user-agent': userAgent(request),
  });

  return {
    platform: 'reddit',
    idempotent: false,
    secretKeys: KEYS,

    async publish(request, context): Promise<PublishOutcome> {
      const refused = unanswerable(request, ['post', 'comment', 'reply', 'mention'], 'reddit');
      if (refused) return refused;
      if (!/^t[13]_[0-9a-z]+$/.test(request.inReplyTo.externalId))
        return { kind: 'failed', reason: 'reddit engagement is not a post or comment fullname' };
      const bearer = await token(request, context);
      if (typeof bearer !== 'string') return bearer;
      const sent = await send(context, `${(request.settings.apiBaseUrl ?? API).replace(/\/+$/, '')}/api/comment`, {
        method: 'POST',
        headers: { ...headers(request, bearer), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          api_type: 'json',
          thing_id: request.inReplyTo.externalId,
          text: request.text,
        }).toString(),
      });
      if (!('response' in sent) || !sent.response.ok) {
        if ('response' in sent && sent.response.status === 401) {
          // The token was refused before anything was made: a new one next time.
          await sent.response.body?.cancel().catch(() => undefined);
          tokens.delete(keyOf(request));
          return { kind: 'retry', reason: 'reddit refused the access token (401)' };
        }
        return failureOutcome(sent, false, context, 'reddit');
      }
      const body = await jsonOf(sent.response);
      const errors = arrayOf(field(body, 'json', 'errors'));
      if (errors.length > 0) return refusal(errors, field(body, 'json', 'ratelimit'));
      const name = idOf(field(arrayOf(field(body, 'json', 'data', 'things'))[0], 'data', 'name'));
      return name ? { kind: 'published', platformReplyId: name } : publishedWithoutId();
    },

    async find(request, context): Promise<string | undefined> {
      const bearer = await token(request, context);
      if (typeof bearer !== 'string') throw findError(bearer, 'reddit token');
      const url = new URL(
        `${(request.settings.apiBaseUrl ?? API).replace(/\/+$/, '')}/user/${encodeURIComponent(secretOf(request, 'username'))}/comments`,
      );
      url.search = 'sort=new&limit=100&raw_json=1';
      const body = await listing(
        await send(context, url, { method: 'GET', headers: headers(request, bearer) }),
        'reddit user comments',
      );
      for (const child of arrayOf(field(body, 'data', 'children'))) {
        const text = field(child, 'data', 'body');
        if (
          field(child, 'data', 'parent_id') === request.inReplyTo.externalId &&
          typeof text === 'string' &&
          sameText(text, request.text)
        )
          return idOf(field(child, 'data', 'name'));
      }
      return undefined;
    },
  };
}

const keyOf = (request: PublishRequest) =>
  `${request.settings.apiBaseUrl ?? ''}\u0000${secretOf(request, 'clientId')}\u0000${secretOf(request, 'username')}\u0000${digest(secretOf(request, 'password'))}`;

const userAgent = (request: PublishRequest) => request.secret.userAgent || DEFAULT_USER_AGENT;

/** A 200 with `json.errors`: nothing was made. `RATELIMIT` waits, anything else is refused. */
function refusal(errors: unknown[], ratelimit: unknown): PublishOutcome {
  const first = arrayOf(errors[0]);
  const code = typeof first[0] === 'string' && ERROR_CODE.test(first[0]) ? first[0] : 'unknown';
  if (code !== 'RATELIMIT') return { kind: 'failed', reason: `reddit refused the reply (${code})` };
  const seconds = typeof ratelimit === 'number' && Number.isFinite(ratelimit) ? ratelimit : waitFromMessage(first[1]);
  return {
    kind: 'retry',
    reason: 'reddit rate-limited the reply (RATELIMIT)',
    retryAfterMs: seconds === undefined ? DEFAULT_RETRY_MS : Math.ceil(seconds * 1000),
  };
}

/** "… try again in 9 minutes." → seconds. */
function waitFromMessage(message: unknown): number | undefined {
  const m = typeof message === 'string' ? /(\d+)\s*(second|minute|hour)/i.exec(message) : null;
  if (!m) return undefined;
  const unit = m[2]!.toLowerCase();
  return Number(m[1]) * (unit === 'hour' ? 3600 : unit === 'minute' ? 60 : 1);
}

/** The registered Reddit publisher (one token cache per Lambda container). */
export const redditPublisher: ReplyPublisher = createRedditPublisher();
