import type { PublishOutcome, PublishRequest, ReplyPublisher } from '../publisher.js';
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
import { jsonOf, send } from './http.js';
import { GRAPH_API, GRAPH_VERSION, graphFailure, graphHeaders } from './meta.js';

/**
 * Instagram professional accounts through Facebook Login (graph.facebook.com):
 *
 * - comments and replies: `POST /{ig-comment-id}/replies?message={message}`
 *   (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment/replies),
 *   answered `{ id }`. Instagram threads one level deep: a reply to a reply is added to the
 *   top-level comment, as the reference says.
 * - mentions (the account was @mentioned in someone else's caption or comment):
 *   `POST /{ig-user-id}/mentions?media_id=…&comment_id=…&message=…` (IG User Mentions,
 *   https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/mentions),
 *   with the account (`inReplyTo.account.id`), the media (`thread.conversationId`) and, for a
 *   comment mention, the comment (`externalId`).
 *
 * `message` travels in the query string as both references document it. Auth: secret
 * `{ pageAccessToken }`, the access token of the Facebook Page linked to the Instagram account
 * (permissions `instagram_basic`, `instagram_manage_comments`, `pages_read_engagement`,
 * `pages_show_list`), as `Authorization: Bearer` (never in the URL).
 *
 * - Direct messages and story mentions arriving as messages are refused (`failed`): they are
 *   answered through the Messaging API, not a comment.
 * - Not idempotent: a 5xx or timeout is `uncertain`; throttling (Graph codes, see meta.ts) waits;
 *   other 4xx `failed` (e.g. a hidden comment, or a comment on a live video).
 * - find (comments and replies only): `GET /{ig-comment-id}/replies?fields=id,text,from,username`
 *   (same reference, "Reading"): a reply from the account (`from.id`, or `username` equal to the
 *   account's handle) with the same text. For a mention it throws: others' media cannot be listed
 *   for our replies, so an uncertain mention reply waits for a person.
 *
 * Unconfirmed (◐): the mentions endpoint's parameters (from the IG User Mentions reference, not
 * checked here against the current page); whether `from` is returned on replies read with a Page
 * token (`username` is matched as well).
 */
export const instagramPublisher: ReplyPublisher = {
  platform: 'instagram',
  idempotent: false,
  secretKeys: ['pageAccessToken'],

  async publish(request, context): Promise<PublishOutcome> {
    const refused = unanswerable(request, ['comment', 'reply', 'mention'], 'instagram');
    if (refused) return refused;
    const url = target(request);
    if (typeof url !== 'string') return url;
    const sent = await send(context, url, {
      method: 'POST',
      headers: graphHeaders(secretOf(request, 'pageAccessToken')),
    });
    if ('response' in sent && sent.response.ok) {
      const id = idOf(field(await jsonOf(sent.response), 'id'));
      return id ? { kind: 'published', platformReplyId: id } : publishedWithoutId();
    }
    return graphFailure(sent, false, context, 'instagram');
  },

  async find(request, context): Promise<string | undefined> {
    if (request.inReplyTo.kind === 'mention')
      throw new Error('instagram replies to mentions cannot be listed; the reply needs a person to check');
    const url = new URL(`${graph(request)}/${encodeURIComponent(request.inReplyTo.externalId)}/replies`);
    url.searchParams.set('fields', 'id,text,from,username');
    const sent = await send(context, url, {
      method: 'GET',
      headers: graphHeaders(secretOf(request, 'pageAccessToken')),
    });
    const body = await listing(sent, 'instagram comment replies');
    const account = request.inReplyTo.account;
    for (const reply of arrayOf(body.data)) {
      const ours =
        (account !== undefined && field(reply, 'from', 'id') === account.id) ||
        (account?.handle !== undefined && account.handle !== '' && field(reply, 'username') === account.handle);
      const text = field(reply, 'text');
      if (ours && typeof text === 'string' && sameText(text, request.text)) return idOf(field(reply, 'id'));
    }
    return undefined;
  },
};

const graph = (request: PublishRequest) => `${baseUrl(request, GRAPH_API)}/${GRAPH_VERSION}`;

/** The URL of the reply request, or why there is none. */
function target(request: PublishRequest): string | PublishOutcome {
  const { externalId, kind, account, thread } = request.inReplyTo;
  if (kind !== 'mention') {
    const url = new URL(`${graph(request)}/${encodeURIComponent(externalId)}/replies`);
    url.searchParams.set('message', request.text);
    return url.toString();
  }
  const mediaId = thread?.conversationId;
  if (!account || !mediaId)
    return { kind: 'failed', reason: 'instagram mention has no account or media id to reply under' };
  const url = new URL(`${graph(request)}/${encodeURIComponent(account.id)}/mentions`);
  url.searchParams.set('media_id', mediaId);
  if (externalId !== mediaId) url.searchParams.set('comment_id', externalId);
  url.searchParams.set('message', request.text);
  return url.toString();
}
