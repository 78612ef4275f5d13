import type { PublishOutcome, PublishRequest, ReplyPublisher } from '../publisher.js';
import { arrayOf, baseUrl, field, idOf, listing, sameText, secretOf, unanswerable } from './common.js';
import { failureOutcome, jsonOf, send } from './http.js';

const API = 'https://api.linkedin.com';
/**
 * The Marketing API version sent as `LinkedIn-Version` (YYYYMM). LinkedIn supports a version for
 * about a year after its release: move this forward when LinkedIn announces the sunset.
 */
export const LINKEDIN_VERSION = '202610';

/** `urn:li:comment:(<object urn>,<id>)` → its object (the post the comment is on) and id. */
const COMMENT_URN = /^urn:li:comment:\((urn:li:[A-Za-z]+:[^,]+),([^)]+)\)$/;

/** A URN as one path segment: Rest.li wants `:` `(` `)` `,` percent-encoded. */
export const encodeUrn = (urn: string): string => encodeURIComponent(urn).replace(/\(/g, '%28').replace(/\)/g, '%29');

/** Where a comment goes: the entity in the path, the post (`object`) and, for a nested one, the comment. */
interface Target {
  entity: string;
  object: string;
  parentComment?: string;
}

/**
 * LinkedIn organization pages, Comments API "Create a Comment"
 * (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/comments-api):
 * `POST {apiBaseUrl ?? https://api.linkedin.com}/rest/socialActions/{target URN}/comments` with
 * `LinkedIn-Version`, `X-Restli-Protocol-Version: 2.0.0` and JSON
 * `{ actor: <organization URN>, object: <post URN>, message: { text }, parentComment? }`.
 *
 * - A comment (`urn:li:comment:(<post>,<id>)`) is answered by a nested comment: target and
 *   `parentComment` the comment, `object` its post. LinkedIn nests one level, so a reply is
 *   answered under its parent comment (`thread.parentId`), in the same thread.
 * - A share, mention or post (a share or ugcPost URN) gets a comment on it: target and `object`
 *   the URN.
 * - Likes are refused (`failed`), as are engagements keyed by a notification id (no URN to answer).
 * - The reply's id: `commentUrn` of the created comment, else the `x-restli-id` header, else
 *   `urn:li:comment:(<object>,<id>)` from its `id`, so it matches how the webhook adapter keys comments.
 *
 * Auth: secret `{ accessToken, organizationUrn? }`: a 3-legged token of a member who administers the
 * organization, scope `w_organization_social` (and `r_organization_social` for `find`); the
 * actor is `organizationUrn`, else the engagement's account (the notification's `organizationalEntity`).
 *
 * - Not idempotent: a 5xx or timeout is `uncertain`; 429 waits (LinkedIn sends no reset header: a
 *   minute); other 4xx `failed`.
 * - find: `GET /rest/socialActions/{target URN}/comments?count=100` (same page, "Get Comments on
 *   Shares/Comments"): a comment by the actor with the same `message.text`.
 *
 * Unconfirmed (◐): the current `LinkedIn-Version` value (see {@link LINKEDIN_VERSION}); that a
 * nested comment's `object` is the post URN inside the comment URN; the create answer's body
 * (`commentUrn`) — the header and `id` are read as fallbacks.
 */
export const linkedinPublisher: ReplyPublisher = {
  platform: 'linkedin',
  idempotent: false,
  secretKeys: ['accessToken'],

  async publish(request, context): Promise<PublishOutcome> {
    const refused = unanswerable(request, ['post', 'comment', 'reply', 'mention', 'share'], 'linkedin');
    if (refused) return refused;
    const target = targetOf(request);
    const actor = actorOf(request);
    if (!target) return { kind: 'failed', reason: 'linkedin engagement has no post or comment URN to answer' };
    if (!actor)
      return { kind: 'failed', reason: 'linkedin has no organization URN: set organizationUrn in the secret' };
    const sent = await send(context, commentsUrl(request, target), {
      method: 'POST',
      headers: { ...headers(request), 'content-type': 'application/json' },
      body: JSON.stringify({
        actor,
        object: target.object,
        message: { text: request.text },
        ...(target.parentComment && { parentComment: target.parentComment }),
      }),
    });
    if ('response' in sent && sent.response.ok) {
      const header = sent.response.headers.get('x-restli-id');
      const body = await jsonOf(sent.response);
      const urn = idOf(field(body, 'commentUrn'));
      const id = idOf(field(body, 'id')) ?? header ?? undefined;
      const platformReplyId =
        urn ?? (id?.startsWith('urn:') ? id : id ? `urn:li:comment:(${target.object},${id})` : '');
      return { kind: 'published', platformReplyId };
    }
    return failureOutcome(sent, false, context, 'linkedin');
  },

  async find(request, context): Promise<string | undefined> {
    const target = targetOf(request);
    const actor = actorOf(request);
    if (!target || !actor) throw new Error('linkedin engagement has no URN or organization to check');
    const url = new URL(commentsUrl(request, target));
    url.searchParams.set('count', '100');
    const body = await listing(
      await send(context, url, { method: 'GET', headers: headers(request) }),
      'linkedin comments',
    );
    for (const comment of arrayOf(body.elements)) {
      const text = field(comment, 'message', 'text');
      if (field(comment, 'actor') !== actor || typeof text !== 'string' || !sameText(text, request.text)) continue;
      const urn = idOf(field(comment, 'commentUrn'));
      const id = idOf(field(comment, 'id'));
      return urn ?? (id ? `urn:li:comment:(${target.object},${id})` : undefined);
    }
    return undefined;
  },
};

function targetOf(request: PublishRequest): Target | undefined {
  const { kind, externalId, thread } = request.inReplyTo;
  if (kind === 'comment' || kind === 'reply') {
    const comment = kind === 'reply' && thread?.parentId?.startsWith('urn:li:comment:') ? thread.parentId : externalId;
    const object = COMMENT_URN.exec(comment)?.[1];
    return object ? { entity: comment, object, parentComment: comment } : undefined;
  }
  return externalId.startsWith('urn:li:') ? { entity: externalId, object: externalId } : undefined;
}

function actorOf(request: PublishRequest): string | undefined {
  const configured = request.secret.organizationUrn;
  if (configured) return configured;
  const account = request.inReplyTo.account?.id;
  return account?.startsWith('urn:li:organization:') ? account : undefined;
}

const commentsUrl = (request: PublishRequest, target: Target) =>
  `${baseUrl(request, API)}/rest/socialActions/${encodeUrn(target.entity)}/comments`;

const headers = (request: PublishRequest): Record<string, string> => ({
  authorization: `Bearer ${secretOf(request, 'accessToken')}`,
  'linkedin-version': LINKEDIN_VERSION,
  'x-restli-protocol-version': '2.0.0',
  accept: 'application/json',
});
