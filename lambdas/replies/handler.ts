import type { APIGatewayProxyEvent, APIGatewayProxyResult, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { handleReplyRequested } from '../core/replies/reply-requested.js';
import { functionHandler } from '../aws/handler-chain.js';
import { logger } from '../aws/logger.js';
import { decideApproval, type RepliesResponse, submitReply, suggestReplies } from '../core/replies/replies-api.js';
import { httpFunctionHandler } from '../aws/handler-chain.js';
import { repliesDependencies, replyRequestedDependencies } from './dependencies.js';

/**
 * The replies API (docs/replies.md): `POST /departments/<id>/replies`, `…/replies/suggest` and
 * `…/approvals/<replyId>`, one resource each per department (as the status API, for throttling).
 * A table that cannot be reached is a 503: the department sends the same replyId again.
 */
const apiHandler = httpFunctionHandler<APIGatewayProxyEvent, APIGatewayProxyResult>(
  'The reply could not be handled now; send it again with the same replyId.',
  async (event) => {
    const path = event.resource ?? event.path ?? '';
    const department = event.pathParameters?.department ?? /^\/departments\/([^/]+)\//.exec(path)?.[1] ?? '';
    const request = {
      department,
      authorization: event.headers?.authorization,
      body: Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8').toString('utf8'),
    };
    let response: RepliesResponse;
    if (path.endsWith('/replies/suggest')) response = await suggestReplies(request, repliesDependencies);
    else if (path.endsWith('/replies')) response = await submitReply(request, repliesDependencies);
    else {
      const replyId = decodeURIComponent(
        event.pathParameters?.replyId ?? /\/approvals\/([^/]+)$/.exec(event.path ?? '')?.[1] ?? '',
      );
      response = await decideApproval({ ...request, replyId }, repliesDependencies);
    }
    return {
      statusCode: response.statusCode,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(response.body),
    };
  },
);

/**
 * "Reply Requested" events departments put on the bus, from the requests queue: each submitted
 * as the API submits it; a refusal goes back as "Reply Refused", and only a message that could
 * not be handled now comes back.
 */
const busHandler = functionHandler<SQSEvent, SQSBatchResponse>(async (event) => {
  const failures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    try {
      const outcome = await handleReplyRequested(record.body, replyRequestedDependencies);
      if (outcome.kind === 'ignored') logger.warn('reply request ignored', { why: outcome.why });
      else logger.info('reply requested on the bus', { outcome: outcome.kind, status: outcome.statusCode });
    } catch (err) {
      logger.error('reply request failed; it will be offered again', {
        messageId: record.messageId,
        error: (err as Error).message,
      });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
});

/** One function, two doors: the department API (API Gateway) and the bus (the requests queue). */
export const handler = (event: APIGatewayProxyEvent | SQSEvent, context: Parameters<typeof apiHandler>[1]) =>
  'Records' in event ? busHandler(event, context) : apiHandler(event, context);
