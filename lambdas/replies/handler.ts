import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { decideApproval, type RepliesResponse, submitReply, suggestReplies } from '../core/replies/replies-api.js';
import { httpFunctionHandler } from '../aws/handler-chain.js';
import { repliesDependencies } from './dependencies.js';

/**
 * The replies API (docs/replies.md): `POST /departments/<id>/replies`, `…/replies/suggest` and
 * `…/approvals/<replyId>`, one resource each per department (as the status API, for throttling).
 * A table that cannot be reached is a 503: the department sends the same replyId again.
 */
export const handler = httpFunctionHandler<APIGatewayProxyEvent, APIGatewayProxyResult>(
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
