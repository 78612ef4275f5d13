import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { consoleAnswer, ConsoleNotFoundError, ConsoleQueryError } from '../core/management/console-read.js';
import { httpFunctionHandler } from '../aws/handler-chain.js';
import { consoleDependencies } from './dependencies.js';

const answer = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  // Figures change by the minute: never cached by a browser or CloudFront.
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/**
 * The console's read-only API (docs/management.md, "Console"): `GET /console/api/<name>`. On AWS
 * API Gateway lets only signed-in users through (the Cognito authorizer); it reads, never writes.
 */
export const handler = httpFunctionHandler<APIGatewayProxyEvent, APIGatewayProxyResult>(
  'The console could not read its figures now; it will try again.',
  async (event) => {
    const name = event.pathParameters?.name ?? /\/console\/api\/([^/]+)$/.exec(event.path ?? '')?.[1] ?? '';
    const query = event.queryStringParameters ?? {};
    try {
      const body = await consoleAnswer(name, query, consoleDependencies);
      return body === undefined
        ? answer(404, {
            error: 'unknown_view',
            message: `No console view "${name}" (meta, feed, trends, service, rules, crisis, digest).`,
          })
        : answer(200, body);
    } catch (err) {
      if (err instanceof ConsoleQueryError) return answer(400, { error: 'bad_query', message: err.message });
      if (err instanceof ConsoleNotFoundError) return answer(404, { error: 'not_found', message: err.message });
      throw err;
    }
  },
);
