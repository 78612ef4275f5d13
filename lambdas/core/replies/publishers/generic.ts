import { hmac } from '../../platforms/signatures.js';
import type { PublishOutcome, ReplyPublisher } from '../publisher.js';
import { failureOutcome, jsonOf, send } from './http.js';

/**
 * `generic` (docs/design.md, "Engaging back"): a POST of `{ replyId, inReplyTo, text }` to the
 * config's `platforms.generic.replyUrl`, signed as generic webhooks are
 * (`X-Switchboard-Signature: sha256=<hex HMAC-SHA256(signingSecret, "<timestamp>.<body>")>`,
 * `X-Switchboard-Timestamp` in unix seconds) with `Idempotency-Key: <replyId>`, answered
 * `2xx { id }`. The receiver dedupes by the key, so a request that timed out is simply sent again.
 */
export const genericPublisher: ReplyPublisher = {
  platform: 'generic',
  idempotent: true,
  secretKeys: ['signingSecret'],
  async publish(request, context): Promise<PublishOutcome> {
    const url = request.settings.replyUrl;
    if (!url) return { kind: 'failed', reason: 'platforms.generic.replyUrl is not set in the config' };
    const body = JSON.stringify({
      replyId: request.replyId,
      inReplyTo: request.inReplyTo.externalId,
      text: request.text,
    });
    const timestamp = String(Math.floor(context.now().getTime() / 1000));
    const signature = hmac('sha256', request.secret.signingSecret ?? '', `${timestamp}.`, body).toString('hex');
    const sent = await send(context, url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': request.replyId,
        'x-switchboard-signature': `sha256=${signature}`,
        'x-switchboard-timestamp': timestamp,
      },
      body,
    });
    if ('response' in sent && sent.response.ok) {
      const answer = await jsonOf(sent.response);
      const id = answer?.id;
      if (typeof id === 'string' || typeof id === 'number') return { kind: 'published', platformReplyId: String(id) };
      // Made, by its 2xx, but without the id the contract promises: recorded as published all the same.
      return { kind: 'published', platformReplyId: '' };
    }
    return failureOutcome(sent, true, context, 'the generic reply endpoint');
  },
};
