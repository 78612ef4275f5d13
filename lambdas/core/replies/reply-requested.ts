import { LIFECYCLE_EVENTS } from '../assignments/status-report.schema.js';
import { REPLY_EVENTS } from './reply-events.js';
import { type RepliesDependencies, submitReplyBody } from './replies-api.js';

/** "Reply Refused": a "Reply Requested" that was not taken, and why (as the API would have answered). */
export interface ReplyRefusal {
  replyId?: string;
  engagementId?: string;
  department: string;
  statusCode: number;
  error: string;
  message: string;
  violations?: unknown[];
  at: string;
  /** [department]: where its bus rule delivers it. */
  departments: string[];
}

/** What the bus path needs besides what the API needs. */
export interface ReplyRequestedDependencies extends Omit<RepliesDependencies, 'statusTokens'> {
  /** The config's department ids: a source naming another is ignored. */
  departments: readonly string[];
  /** Publishes "Reply Refused" (nothing was stored, so no outbox is needed). */
  refuse(refusal: ReplyRefusal): Promise<void>;
}

/** What became of one "Reply Requested". */
export type ReplyRequestedOutcome =
  | { kind: 'submitted'; statusCode: number }
  | { kind: 'refused'; statusCode: number }
  | { kind: 'ignored'; why: string };

/**
 * A department's reply over the bus (docs/replies.md): `source: switchboard.department.<id>`,
 * `detail-type: Reply Requested`, `detail` the API's body. The department is the one its
 * source names, as the API's is the one its token names; the reply is submitted as the API
 * submits it, and anything but a 200 or 201 goes back to the department as "Reply Refused" with
 * the API's status and body (a 422's violations included). A 503 throws, for the message to come
 * back.
 */
export async function handleReplyRequested(
  body: string,
  deps: ReplyRequestedDependencies,
): Promise<ReplyRequestedOutcome> {
  let event: { source?: unknown; 'detail-type'?: unknown; detail?: unknown };
  try {
    event = JSON.parse(body) as typeof event;
  } catch {
    return { kind: 'ignored', why: 'not JSON' };
  }
  const source = String(event.source ?? '');
  const prefix = LIFECYCLE_EVENTS.statusReported.sourcePrefix;
  if (event['detail-type'] !== REPLY_EVENTS.requested || !source.startsWith(prefix))
    return { kind: 'ignored', why: 'not a "Reply Requested" from a department' };
  const department = source.slice(prefix.length);
  if (!deps.departments.includes(department)) return { kind: 'ignored', why: `no department "${department}"` };
  const response = await submitReplyBody(department, event.detail, deps);
  if (response.statusCode === 200 || response.statusCode === 201)
    return { kind: 'submitted', statusCode: response.statusCode };
  if (response.statusCode >= 500) throw new Error(`the reply could not be submitted now (${response.statusCode})`);
  const detail = (event.detail ?? {}) as { replyId?: unknown; engagementId?: unknown };
  const { error, message, violations } = response.body as { error: string; message: string; violations?: unknown[] };
  await deps.refuse({
    ...(typeof detail.replyId === 'string' ? { replyId: detail.replyId } : {}),
    ...(typeof detail.engagementId === 'string' ? { engagementId: detail.engagementId } : {}),
    department,
    statusCode: response.statusCode,
    error,
    message,
    ...(violations ? { violations } : {}),
    at: deps.now().toISOString(),
    departments: [department],
  });
  return { kind: 'refused', statusCode: response.statusCode };
}
