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
import { failureOutcome, jsonOf, send } from './http.js';

const SERVICE = 'https://bsky.social';
const SESSION_MARGIN_MS = 60_000;
/** How long an access JWT is trusted when its `exp` cannot be read. */
const UNKNOWN_EXPIRY_MS = 15 * 60_000;
const POST_URI = /^at:\/\/[^/]+\/app\.bsky\.feed\.post\/[^/]+$/;

interface Session {
  accessJwt: string;
  did: string;
  expiresAt: number;
}

interface StrongRef {
  uri: string;
  cid: string;
}

/**
 * Bluesky (AT Protocol) on the account's PDS, `{apiBaseUrl ?? https://bsky.social}`:
 *
 * 1. `POST /xrpc/com.atproto.server.createSession` `{ identifier, password }` (secret
 *    `{ identifier, appPassword }`, an app password of the company account), kept per container
 *    until a minute before the access JWT's `exp`: createSession is limited to 30 per 5 minutes
 *    and 300 a day per account.
 * 2. The post answered: `GET /xrpc/app.bsky.feed.getPosts?uris=<externalId>` (served by the
 *    AppView through the PDS), for its `cid` and its own `record.reply.root` — a reply needs strong
 *    references (uri + cid) to its parent and to the thread's root
 *    (https://docs.bsky.app/docs/advanced-guides/posts, "Replies"): the root is the parent's root,
 *    or the parent itself when it starts the thread.
 * 3. `POST /xrpc/com.atproto.repo.createRecord` `{ repo: <did>, collection: "app.bsky.feed.post",
 *    record: { $type, text, createdAt, reply: { root, parent } } }`, answered `{ uri, cid }`; the
 *    record's AT-URI is the reply's id (as the poller keys posts).
 *
 * - Answers posts, replies, mentions and quotes (any `app.bsky.feed.post`); likes and reposts are
 *   refused (`failed`). A session refused mid-way (401, `ExpiredToken`) is renewed once.
 * - Not idempotent: createRecord takes no idempotency key (a caller-chosen `rkey` must be a TID,
 *   which a reply id is not), so a 5xx or timeout on createRecord is `uncertain`; failures before
 *   it are `retry`. 429 waits for `RateLimit-Reset` (a unix time).
 * - find: `GET /xrpc/com.atproto.repo.listRecords?repo=<did>&collection=app.bsky.feed.post&limit=100`
 *   (the account's own newest posts, read from its repository without AppView delay): a record
 *   whose `reply.parent.uri` is the engagement with the same text.
 * - The text is sent as it is: links and mentions are not turned into facets (they show as plain
 *   text), and Bluesky refuses posts over 300 graphemes (`failed`).
 */
export function createBlueskyPublisher(): ReplyPublisher {
  const sessions = new TokenCache<Session>();

  async function session(
    request: PublishRequest,
    context: PublishContext,
    fresh = false,
  ): Promise<Session | PublishOutcome> {
    const key = `${baseUrl(request, SERVICE)}\u0000${secretOf(request, 'identifier')}\u0000${digest(secretOf(request, 'appPassword'))}`;
    const cached = fresh ? undefined : sessions.get(key, context.now());
    if (cached) return cached;
    sessions.delete(key);
    const answer = await prepare(
      context,
      `${baseUrl(request, SERVICE)}/xrpc/com.atproto.server.createSession`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          identifier: secretOf(request, 'identifier'),
          password: secretOf(request, 'appPassword'),
        }),
      },
      'bluesky createSession',
    );
    if ('outcome' in answer) return answer.outcome;
    const body = await jsonOf(answer.ok);
    const accessJwt = field(body, 'accessJwt');
    const did = field(body, 'did');
    if (typeof accessJwt !== 'string' || typeof did !== 'string' || !did.startsWith('did:'))
      return { kind: 'retry', reason: 'bluesky createSession answered without a session' };
    const expiresAt = jwtExpiry(accessJwt, context.now()) - SESSION_MARGIN_MS;
    return sessions.set(key, { accessJwt, did, expiresAt });
  }

  /** One XRPC call with the session, renewed once when the PDS refuses it. */
  async function call(
    request: PublishRequest,
    context: PublishContext,
    make: (s: Session) => [string | URL, RequestInit],
  ): Promise<{ session: Session; sent: Awaited<ReturnType<typeof send>> } | PublishOutcome> {
    let s = await session(request, context);
    for (let attempt = 0; ; attempt++) {
      if ('kind' in s) return s;
      const [url, init] = make(s);
      const sent = await send(context, url, {
        ...init,
        headers: {
          ...(init.headers as Record<string, string>),
          authorization: `Bearer ${s.accessJwt}`,
          accept: 'application/json',
        },
      });
      if (attempt === 0 && 'response' in sent && (await sessionRefused(sent.response))) {
        await sent.response.body?.cancel().catch(() => undefined);
        s = await session(request, context, true);
        continue;
      }
      return { session: s, sent };
    }
  }

  return {
    platform: 'bluesky',
    idempotent: false,
    secretKeys: ['identifier', 'appPassword'],

    async publish(request, context): Promise<PublishOutcome> {
      const refused = unanswerable(request, ['post', 'reply', 'mention', 'share'], 'bluesky');
      if (refused) return refused;
      if (!POST_URI.test(request.inReplyTo.externalId))
        return { kind: 'failed', reason: 'bluesky engagement is not a post (an app.bsky.feed.post AT-URI)' };
      const base = baseUrl(request, SERVICE);

      const lookup = await call(request, context, () => {
        const url = new URL(`${base}/xrpc/app.bsky.feed.getPosts`);
        url.searchParams.set('uris', request.inReplyTo.externalId);
        return [url, { method: 'GET' }];
      });
      if ('kind' in lookup) return lookup;
      if (!('response' in lookup.sent) || !lookup.sent.response.ok)
        return failureOutcome(lookup.sent, true, context, 'bluesky getPosts');
      const post = arrayOf(field(await jsonOf(lookup.sent.response), 'posts'))[0];
      const parent = strongRef(post);
      if (!parent) return { kind: 'failed', reason: 'bluesky could not find the post answered (deleted?)' };
      const root = strongRef(field(post, 'record', 'reply', 'root')) ?? parent;

      const created = await call(request, context, (s) => [
        `${base}/xrpc/com.atproto.repo.createRecord`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            repo: s.did,
            collection: 'app.bsky.feed.post',
            record: {
              $type: 'app.bsky.feed.post',
              text: request.text,
              createdAt: context.now().toISOString(),
              reply: { root, parent },
            },
          }),
        },
      ]);
      if ('kind' in created) return created;
      if ('response' in created.sent && created.sent.response.ok) {
        const uri = idOf(field(await jsonOf(created.sent.response), 'uri'));
        return uri ? { kind: 'published', platformReplyId: uri } : publishedWithoutId();
      }
      return failureOutcome(created.sent, false, context, 'bluesky createRecord');
    },

    async find(request, context): Promise<string | undefined> {
      const base = baseUrl(request, SERVICE);
      const listed = await call(request, context, (s) => {
        const url = new URL(`${base}/xrpc/com.atproto.repo.listRecords`);
        url.search = new URLSearchParams({ repo: s.did, collection: 'app.bsky.feed.post', limit: '100' }).toString();
        return [url, { method: 'GET' }];
      });
      if ('kind' in listed) throw findError(listed, 'bluesky session');
      const body = await listing(listed.sent, 'bluesky listRecords');
      for (const record of arrayOf(body.records)) {
        const text = field(record, 'value', 'text');
        if (
          field(record, 'value', 'reply', 'parent', 'uri') === request.inReplyTo.externalId &&
          typeof text === 'string' &&
          sameText(text, request.text)
        )
          return idOf(field(record, 'uri'));
      }
      return undefined;
    },
  };
}

function strongRef(value: unknown): StrongRef | undefined {
  const uri = field(value, 'uri');
  const cid = field(value, 'cid');
  return typeof uri === 'string' && typeof cid === 'string' && uri !== '' && cid !== '' ? { uri, cid } : undefined;
}

/** 401, or 400 `ExpiredToken` / `InvalidToken`: the session, not the request, was refused. */
async function sessionRefused(response: Response): Promise<boolean> {
  if (response.status === 401) return true;
  if (response.status !== 400) return false;
  const name = field(
    await response
      .clone()
      .json()
      .catch(() => undefined),
    'error',
  );
  return name === 'ExpiredToken' || name === 'InvalidToken';
}

/** The access JWT's `exp` in ms (read, not verified: the PDS verifies it); unreadable → trusted briefly. */
function jwtExpiry(jwt: string, now: Date): number {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    if (typeof payload.exp === 'number' && Number.isFinite(payload.exp)) return payload.exp * 1000;
  } catch {
    // not a readable JWT
  }
  return now.getTime() + UNKNOWN_EXPIRY_MS;
}

/** The registered Bluesky publisher (one session cache per Lambda container). */
export const blueskyPublisher: ReplyPublisher = createBlueskyPublisher();
