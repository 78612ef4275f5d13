import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { handleStatusRequest } from '../core/lifecycle/department-api.js';
import { httpFunctionHandler } from '../aws/handler-chain.js';
import { statusDependencies } from './dependencies.js';

/** The department a `/departments/<id>/status` resource (one per department, for throttling) serves. */
const DEPARTMENT_PATH = /^\/departments\/([^/]+)\/status$/;

/**
 * `POST /departments/<department>/status`: a department reports the status of an engagement it
 * got. Applied synchronously; a table that cannot be reached is a 503 (the handler chain's), so
 * the department retries with the same `reportId`.
 */
export const handler = httpFunctionHandler<APIGatewayProxyEvent, APIGatewayProxyResult>(
  'The report could not be applied now; send it again with the same reportId.',
  async (event) => {
    const department = event.pathParameters?.department ?? DEPARTMENT_PATH.exec(event.resource ?? '')?.[1] ?? '';
    const response = await handleStatusRequest(
      {
        department,
        authorization: event.headers?.authorization,
        body: Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8').toString('utf8'),
      },
      statusDependencies,
    );
    return {
      statusCode: response.statusCode,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(response.body),
    };
  },
);
