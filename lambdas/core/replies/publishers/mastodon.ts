import type { PublishContext, PublishOutcome, PublishRequest, ReplyPublisher } from '../publisher.js';
import { arrayOf, field, idOf, prepare, publishedWithoutId, secretOf, unanswerable } from './common.js';
import { failureOutcome, jsonOf, send } from './http.js';

/**
 * Mastodon, `POST /api/v1/statuses` (https://docs.joinmastodon.org/methods/statuses/#create) on the
 * company account's instance: form fields `status` and `in_reply_to_id`, `Authorization: Bearer`
 * and `Idempotency-Key: <replyId>`, answered with the new Status; its `id` is the reply's id.
 *
 * - The instance: `settings.apiBaseUrl`, else `https://<host>` of the engagement's account (the
 *   webhook adapter's account is the instance host; the poller's `user@host`).
 * - The status answered: engagements are keyed by the status `uri` (its ActivityPub id), but
 *   `in_reply_to_id` is the instance-local id, so a URI is first resolved with `GET
 *   /api/v2/search?q=<uri>&type=statuses&resolve=true&limit=1`
 *   (https://docs.joinmastodon.org/methods/search/#v2), which also fetches a remote status the
 *   instance has not seen. An id made only of digits is taken as local already.
 * - Mastodon delivers a status to the followers of its author and to the accounts it mentions,
 *   and notifies only those mentioned: a reply that does not mention the author may never reach
 *   them (their instance is not sent it). So the author's `@user@host` is put before the text when
 *   the text does not mention them already, as Mastodon's own composer does.
 * - Idempotent: Mastodon documents `Idempotency-Key` ("to prevent duplicate submissions of the same
 *   status"); keys are kept for up to an hour, so a reply sent again within the hour is not posted
 *   twice. A 5xx or timeout is `retry`; 429 waits for `X-RateLimit-Reset` (an ISO 8601 time); other
 *   4xx `failed` (422 for a refused status, 404 for a deleted parent). No `find`: sending again is the check.
 *
 * Auth: secret `{ accessToken }`, a user token of the company account with scopes `write:statuses`
 * and `read:search` (the notification poller's token also needs `read:notifications`).
 *
 * Unconfirmed (◐): that the Idempotency-Key is honoured for a request that timed out while the
 * first was still being processed (the docs promise no duplicate "submissions" without detail).
 */
export const mastodonPublisher: ReplyPublisher = {
  platform: 'mastodon',
  idempotent: true,
  secretKeys: ['accessToken'],

  async publish(request, context): Promise<PublishOutcome> {
    const refused = unanswerable(request, ['post', 'reply', 'mention', 'share'], 'mastodon');
    if (refused) return refused;
    const instance = instanceOf(request);
    if (!instance)
      return { kind: 'failed', reason: 'mastodon instance unknown: set platforms.mastodon.apiBaseUrl in the config' };
    const statusId = await localId(request, context, instance);
    if (typeof statusId !== 'string') return statusId;
    const sent = await send(context, `${instance}/api/v1/statuses`, {
      method: 'POST',
      headers: {
        ...auth(request),
        'content-type': 'application/x-www-form-urlencoded',
        'idempotency-key': request.replyId,
      },
      body: new URLSearchParams({ status: addressed(request), in_reply_to_id: statusId }).toString(),
    });
    if ('response' in sent && sent.response.ok) {
      const id = idOf(field(await jsonOf(sent.response), 'id'));
      return id ? { kind: 'published', platformReplyId: id } : publishedWithoutId();
    }
    return failureOutcome(sent, true, context, 'mastodon');
  },
};

const auth = (request: PublishRequest) => ({
  authorization: `Bearer ${secretOf(request, 'accessToken')}`,
  accept: 'application/json',
});

/** The instance's base URL, from the config or the engagement's account. */
function instanceOf(request: PublishRequest): string | undefined {
  if (request.settings.apiBaseUrl) return request.settings.apiBaseUrl.replace(/\/+$/, '');
  const account = request.inReplyTo.account?.id;
  const host = account?.includes('@') ? account.slice(account.lastIndexOf('@') + 1) : account;
  return host && /^[A-Za-z0-9.-]+(:\d+)?$/.test(host) ? `https://${host}` : undefined;
}

/** The instance-local id of the status answered, or the outcome of failing to find it. */
async function localId(
  request: PublishRequest,
  context: PublishContext,
  instance: string,
): Promise<string | PublishOutcome> {
  const { externalId } = request.inReplyTo;
  if (/^\d+$/.test(externalId)) return externalId;
  const url = new URL(`${instance}/api/v2/search`);
  url.search = new URLSearchParams({ q: externalId, type: 'statuses', resolve: 'true', limit: '1' }).toString();
  const answer = await prepare(context, url, { method: 'GET', headers: auth(request) }, 'mastodon search');
  if ('outcome' in answer) return answer.outcome;
  const id = idOf(field(arrayOf(field(await jsonOf(answer.ok), 'statuses'))[0], 'id'));
  return id ?? { kind: 'failed', reason: 'mastodon could not find the status answered (deleted or not reachable)' };
}

/** The text, addressed to the author unless it mentions them already (`@user` or `@user@host`). */
function addressed(request: PublishRequest): string {
  const handle = request.inReplyTo.author.handle.replace(/^@/, '');
  if (!handle) return request.text;
  const user = handle.split('@')[0]!.toLowerCase();
  const mentions = request.text.toLowerCase().match(/(?<![\w@])@[\w.-]+(@[\w.-]+)?/g) ?? [];
  const named = mentions
    .map((m) => m.slice(1).replace(/\.+$/, ''))
    .some((name) => name === handle.toLowerCase() || name === user);
  return named ? request.text : `@${handle} ${request.text}`;
}
