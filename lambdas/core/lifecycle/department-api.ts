import type { StatusReport } from '../assignments/assignment.js';
import { StatusReportBodySchema } from '../assignments/status-report.schema.js';
import { authenticateDepartment } from './department-auth.js';
import { type LifecycleDependencies, reportStatus, type ReportStatusResult } from './report-status.js';

/** A request to the department API, as the handler reads it off API Gateway. */
export interface StatusRequest {
  /** The department the path names. */
  department: string;
  /** The `Authorization` header, when there is one. */
  authorization: string | undefined;
  body: string;
}

/** What the department API answers: a report's result, or why it was not read at all. */
export type StatusResponse = ReportStatusResult | { statusCode: 401 | 403; body: { error: string; message: string } };

/** What the department API needs besides what reporting needs. */
export interface DepartmentApiDependencies extends LifecycleDependencies {
  /** Each department's status token (its secret), by department id. */
  statusTokens(): Promise<Record<string, string>>;
}

/**
 * `POST /departments/{department}/status` (docs/design.md, "Lifecycle"):
 * 1. the bearer token is compared, in constant time, with every department's token: none
 *    matches → 401; another department's matches → 403 (a department reports only on what was
 *    routed to it, and the body cannot say otherwise: the department comes from the token);
 * 2. the body must be one JSON report (400 naming each problem);
 * 3. the report is applied synchronously (`reportStatus`: 200, 404, 409, 400).
 * Tokens are never logged nor echoed.
 */
export async function handleStatusRequest(
  request: StatusRequest,
  deps: DepartmentApiDependencies,
): Promise<StatusResponse> {
  const refused = await authenticateDepartment(request.authorization, request.department, deps.statusTokens, 'report');
  if (refused) return refused;
  let json: unknown;
  try {
    json = JSON.parse(request.body);
  } catch {
    return { statusCode: 400, body: { error: 'invalid_json', message: 'The body is not JSON.' } };
  }
  const parsed = StatusReportBodySchema.safeParse(json);
  if (!parsed.success)
    return {
      statusCode: 400,
      body: {
        error: 'malformed_report',
        message: parsed.error.issues
          .map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`)
          .join('; '),
      },
    };
  const report: StatusReport = { ...parsed.data, department: request.department };
  return reportStatus(report, deps);
}
