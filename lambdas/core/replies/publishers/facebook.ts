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
import { jsonOf, send } from './http.js';
import { GRAPH_API, GRAPH_VERSION, graphFailure, graphHeaders } from './meta.js';

/**
 * Facebook Pages: a comment on the engagement's object, `POST /{object-id}/comments` with the form
 * field `message` (https://developers.facebook.com/docs/graph-api/reference/object/comments,
 * "Publishing"), to `{apiBaseUrl ?? https://graph.facebook.com}/v25.0/{externalId}/comments`,
 * answered `{ id }` (the new comment's id). The object is the engagement itself: a post (a comment
 * on it), a comment (a reply under it: comments have a `/comments` edge, "comment replies") or the
 * post or comment a mention was made in.
 *
 * Auth: secret `{ pageAccessToken }`, a Page access token of the Page (permissions
 * `pages_manage_engagement`, `pages_read_user_content`, `pages_show_list`; the Page task
 * MODERATE), sent as `Authorization: Bearer` so it never appears in a URL.
 *
 * - Answers posts, comments, replies, mentions and shares; reactions and Messenger messages are
 *   refused (`failed`).
 * - Not idempotent (Graph takes no idempotency key): a 5xx or timeout is `uncertain`. Throttling
 *   comes as 400/403 with Graph error codes 4, 17, 32, 613 or 80001–80014 and waits for
 *   `X-Business-Use-Case-Usage`'s `estimated_time_to_regain_access` (see meta.ts); other 4xx
 *   `failed`, naming the Graph error code.
 * - find: `GET /{externalId}/comments?fields=id,message,from&filter=stream&order=reverse_chronological&limit=100`
 *   (same page): a comment whose `from.id` is the Page (`inReplyTo.account.id`, else `GET /me`)
 *   with the same `message`.
 *
 * Unconfirmed (◐): whether a reply to a reply is accepted under the reply or must go under the
 * top-level comment (posted under the engagement as the reference describes; a refusal is
 * `failed`); Bearer-header authentication (Graph's OAuth 2.0 bearer support; the reference
 * samples pass the token as a parameter).
 */
export const facebookPublisher: ReplyPublisher = {
  platform: 'facebook',
  idempotent: false,
  secretKeys: ['pageAccessToken'],

  async publish(request, context): Promise<PublishOutcome> {
    const refused = unanswerable(request, ['post', 'comment', 'reply', 'mention', 'share'], 'facebook');
    if (refused) return refused;
    const sent = await send(context, `${graph(request)}/${encodeURIComponent(request.inReplyTo.externalId)}/comments`, {
      method: 'POST',
      headers: {
        ...graphHeaders(secretOf(request, 'pageAccessToken')),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ message: request.text }).toString(),
    });
    if ('response' in sent && sent.response.ok) {
      const id = idOf(field(await jsonOf(sent.response), 'id'));
      return id ? { kind: 'published', platformReplyId: id } : publishedWithoutId();
    }
    return graphFailure(sent, false, context, 'facebook');
  },

  async find(request, context): Promise<string | undefined> {
    const pageId = request.inReplyTo.account?.id ?? (await me(request, context));
    const url = new URL(`${graph(request)}/${encodeURIComponent(request.inReplyTo.externalId)}/comments`);
    url.search = new URLSearchParams({
      fields: 'id,message,from',
      filter: 'stream',
      order: 'reverse_chronological',
      limit: '100',
    }).toString();
    const sent = await send(context, url, {
      method: 'GET',
      headers: graphHeaders(secretOf(request, 'pageAccessToken')),
    });
    const body = await listing(sent, 'facebook comments');
    for (const comment of arrayOf(body.data)) {
      const message = field(comment, 'message');
      if (field(comment, 'from', 'id') === pageId && typeof message === 'string' && sameText(message, request.text))
        return idOf(field(comment, 'id'));
    }
    return undefined;
  },
};

const graph = (request: PublishRequest) => `${baseUrl(request, GRAPH_API)}/${GRAPH_VERSION}`;

async function me(request: PublishRequest, context: PublishContext): Promise<string> {
  const sent = await send(context, `${graph(request)}/me?fields=id`, {
    method: 'GET',
    headers: graphHeaders(secretOf(request, 'pageAccessToken')),
  });
  const id = idOf(field(await listing(sent, 'facebook /me'), 'id'));
  if (!id) throw new Error('facebook /me answered without the Page id');
  return id;
}
