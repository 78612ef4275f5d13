import { createHmac, randomBytes } from 'node:crypto';
import type { PublishContext, PublishOutcome, PublishRequest, ReplyPublisher } from '../publisher.js';
import {
  arrayOf,
  baseUrl,
  field,
  idOf,
  listing,
  publishedWithoutId,
  sameText,
  secretOf,
  unanswerable,
} from './common.js';
import { failureOutcome, jsonOf, send } from './http.js';

const API = 'https://api.x.com';
const KEYS = ['consumerKey', 'consumerSecret', 'accessToken', 'accessTokenSecret'] as const;
/** How many of the account's newest posts `find` reads (one page). */
const FIND_PAGE = 100;

/** RFC 3986 percent-encoding, as OAuth 1.0a signs (encodeURIComponent leaves `!*'()` alone). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** What an OAuth 1.0a signature is made of. */
export interface OAuth1Input {
  method: string;
  /** The request URL; its query parameters are signed with the OAuth ones. */
  url: string;
  /** Form-encoded body parameters (a JSON body is not signed). */
  bodyParams?: readonly (readonly [string, string])[];
  consumerKey: string;
  consumerSecret: string;
  token: string;
  tokenSecret: string;
  nonce: string;
  timestamp: string;
}

/**
 * The OAuth 1.0a HMAC-SHA1 signature of a request, as X documents it
 * (https://docs.x.com/resources/fundamentals/authentication/oauth-1-0a/creating-a-signature):
 * percent-encoded parameters sorted by name then value, the base string
 * `METHOD&enc(base URL)&enc(parameters)`, keyed with `enc(consumer secret)&enc(token secret)`.
 */
export function oauth1Signature(input: OAuth1Input): string {
  const url = new URL(input.url);
  const params: [string, string][] = [
    ...[...url.searchParams].map(([k, v]): [string, string] => [k, v]),
    ...(input.bodyParams ?? []).map(([k, v]): [string, string] => [k, v]),
    ...oauthParams(input),
  ].map(([k, v]) => [percentEncode(k), percentEncode(v)]);
  params.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const base = [
    input.method.toUpperCase(),
    percentEncode(`${url.protocol}//${url.host}${url.pathname}`),
    percentEncode(params.map(([k, v]) => `${k}=${v}`).join('&')),
  ].join('&');
  const key = `${percentEncode(input.consumerSecret)}&${percentEncode(input.tokenSecret)}`;
  return createHmac('sha1', key).update(base).digest('base64');
}

function oauthParams(input: OAuth1Input): [string, string][] {
  return [
    ['oauth_consumer_key', input.consumerKey],
    ['oauth_nonce', input.nonce],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', input.timestamp],
    ['oauth_token', input.token],
    ['oauth_version', '1.0'],
  ];
}

/** The `Authorization: OAuth …` header of a request (docs.x.com, "Authorizing a request"). */
export function oauth1Header(input: OAuth1Input): string {
  const params = [...oauthParams(input), ['oauth_signature', oauth1Signature(input)] as [string, string]];
  return `OAuth ${params.map(([k, v]) => `${percentEncode(k)}="${percentEncode(v)}"`).join(', ')}`;
}

/** Options of {@link createXPublisher}; tests fix the nonce. */
export interface XPublisherOptions {
  nonce?: () => string;
}

/**
 * X (`POST /2/tweets`, https://docs.x.com/x-api/posts/create-or-edit-post and
 * https://developer.x.com/en/docs/twitter-api/tweets/manage-tweets/api-reference/post-tweets):
 * `{ "text": …, "reply": { "in_reply_to_tweet_id": <externalId> } }` as JSON to
 * `{apiBaseUrl ?? https://api.x.com}/2/tweets`, answered `201 { data: { id, text } }`; the new
 * post's `data.id` is the reply's id.
 *
 * Auth: OAuth 1.0a user context (the endpoint takes "OAuth 2.0 Authorization Code with PKCE" or
 * OAuth 1.0a), secret `{ consumerKey, consumerSecret, accessToken, accessTokenSecret }` of the
 * brand account with the app's Read and Write permission. Chosen over an OAuth 2.0 user token
 * because those expire after two hours and refreshing rotates the refresh token, which a secret
 * read-only to Switchboard cannot keep; OAuth 1.0a user tokens do not expire.
 *
 * - Answers: posts, replies, mentions and shares (a quote is answered under the quote); likes and
 *   direct messages are refused (`failed`).
 * - Not idempotent: X takes no idempotency key. A 429 waits for `x-rate-limit-reset` (a unix time);
 *   a 5xx or a timeout is `uncertain`; other 4xx (e.g. 403 for a deleted post or a duplicate) `failed`.
 * - find: `GET /2/users/me` (the account's id; skipped when the engagement names the account),
 *   then `GET /2/users/{id}/tweets?max_results=100&exclude=retweets&tweet.fields=referenced_tweets`
 *   (https://docs.x.com/x-api/users/get-posts): a post that `replied_to` the engagement with the
 *   same text (links aside: X shows them as t.co links). Only the newest 100 posts are read, which
 *   covers a check made soon after the uncertain attempt.
 */
export function createXPublisher(options: XPublisherOptions = {}): ReplyPublisher {
  const nonce = options.nonce ?? (() => randomBytes(24).toString('base64url'));

  const headers = (request: PublishRequest, context: PublishContext, method: string, url: string) => ({
    authorization: oauth1Header({
      method,
      url,
      consumerKey: secretOf(request, 'consumerKey'),
      consumerSecret: secretOf(request, 'consumerSecret'),
      token: secretOf(request, 'accessToken'),
      tokenSecret: secretOf(request, 'accessTokenSecret'),
      nonce: nonce(),
      timestamp: String(Math.floor(context.now().getTime() / 1000)),
    }),
    accept: 'application/json',
  });

  const get = (request: PublishRequest, context: PublishContext, url: string) =>
    send(context, url, { method: 'GET', headers: headers(request, context, 'GET', url) });

  return {
    platform: 'x',
    idempotent: false,
    secretKeys: KEYS,

    async publish(request, context): Promise<PublishOutcome> {
      const refused = unanswerable(request, ['post', 'reply', 'mention', 'share'], 'x');
      if (refused) return refused;
      const url = `${baseUrl(request, API)}/2/tweets`;
      const sent = await send(context, url, {
        method: 'POST',
        headers: { ...headers(request, context, 'POST', url), 'content-type': 'application/json' },
        body: JSON.stringify({ text: request.text, reply: { in_reply_to_tweet_id: request.inReplyTo.externalId } }),
      });
      if ('response' in sent && sent.response.ok) {
        const id = idOf(field(await jsonOf(sent.response), 'data', 'id'));
        return id ? { kind: 'published', platformReplyId: id } : publishedWithoutId();
      }
      return failureOutcome(sent, false, context, 'x');
    },

    async find(request, context): Promise<string | undefined> {
      const base = baseUrl(request, API);
      const accountId = request.inReplyTo.account?.id;
      const userId = accountId && /^\d+$/.test(accountId) ? accountId : await me(request, context, base);
      const url = new URL(`${base}/2/users/${userId}/tweets`);
      url.searchParams.set('max_results', String(FIND_PAGE));
      url.searchParams.set('exclude', 'retweets');
      url.searchParams.set('tweet.fields', 'referenced_tweets');
      const body = await listing(await get(request, context, url.toString()), 'x user posts');
      for (const post of arrayOf(body.data)) {
        const repliesTo = arrayOf(field(post, 'referenced_tweets')).some(
          (ref) => field(ref, 'type') === 'replied_to' && field(ref, 'id') === request.inReplyTo.externalId,
        );
        const text = field(post, 'text');
        if (repliesTo && typeof text === 'string' && sameText(text, request.text)) return idOf(field(post, 'id'));
      }
      return undefined;
    },
  };

  async function me(request: PublishRequest, context: PublishContext, base: string): Promise<string> {
    const body = await listing(await get(request, context, `${base}/2/users/me`), 'x users/me');
    const id = idOf(field(body, 'data', 'id'));
    if (!id) throw new Error('x users/me answered without the account id');
    return id;
  }
}

/** The registered X publisher. */
export const xPublisher: ReplyPublisher = createXPublisher();
