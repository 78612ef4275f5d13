import { authenticateDepartment } from '../lifecycle/department-auth.js';
import type { LifecycleStore } from '../lifecycle/ports/lifecycle-store.js';
import type { VoiceCheck, VoiceChecker, VoiceViolation } from '../voice/check-reply.js';
import type { ReplyStore } from './ports/reply-store.js';
import { type ApprovalPolicy, approvalSubject, decide, type Reply, type ReplyState } from './reply.js';
import { replyDecided, replyQueued, replySubmitted } from './reply-events.js';
import { ApprovalBodySchema, problems, ReplyBodySchema, SuggestBodySchema } from './reply-request.schema.js';
import { suggestDrafts } from './suggest.js';
import { type ActiveCrisis, CRISIS_RULE } from '../routing/crisis-playbook.js';
import { modelDrafts } from './model-drafts.js';
import type { DraftWriter } from './ports/draft-writer.js';
import type { VoicePolicy } from '../config/voice.schema.js';

/**
 * The replies API (docs/design.md, "Engaging back"; docs/replies.md):
 * `POST /departments/<id>/replies` and `POST /departments/<id>/approvals/<replyId>`, behind the
 * department's bearer token, applied synchronously.
 */

/** A request to the replies API, as the handler reads it off API Gateway. */
export interface RepliesRequest {
  department: string;
  authorization: string | undefined;
  body: string;
}

/** An answer: a status code and a JSON body. */
export interface RepliesResponse {
  statusCode: number;
  body: Record<string, unknown>;
}

/** What the replies API runs with. */
export interface RepliesDependencies {
  replies: ReplyStore;
  /** To check that the engagement was routed to the replying department. */
  lifecycle: Pick<LifecycleStore, 'read'>;
  voice: VoiceChecker;
  /** The policy the checker was made from (its templates suggest drafts). */
  voicePolicy: VoicePolicy | undefined;
  approvals: ApprovalPolicy;
  /** Crisis mode's playbook asks every reply to be approved by its team: whether it is on, and the team. */
  crisisApproval?: { team: string; active(): Promise<ActiveCrisis | undefined> };
  /** A model writing drafts too (`voice.drafts`); absent when the config asks for none. */
  draftWriter?: DraftWriter;
  /** Told when the model could not help; never given the text. */
  log?(message: string, data: Record<string, unknown>): void;
  /** Each department's token, by department id. */
  statusTokens(): Promise<Record<string, string>>;
  now(): Date;
}

const error = (
  statusCode: number,
  code: string,
  message: string,
  more: Record<string, unknown> = {},
): RepliesResponse => ({
  statusCode,
  body: { error: code, message, ...more },
});

async function readBody(
  request: RepliesRequest,
  deps: RepliesDependencies,
): Promise<RepliesResponse | { json: unknown }> {
  const refused = await authenticateDepartment(request.authorization, request.department, deps.statusTokens);
  if (refused) return refused;
  try {
    return { json: JSON.parse(request.body) };
  } catch {
    return error(400, 'invalid_json', 'The body is not JSON.');
  }
}

/** What a stored reply answers: its id, state and checks. */
const answer = (reply: Reply, statusCode: number): RepliesResponse => ({
  statusCode,
  body: { replyId: reply.id, state: reply.state, checks: reply.checks },
});

/**
 * Submits a reply:
 * 1. token (401/403) and body (400 naming each problem);
 * 2. the engagement must be stored (404) and routed to the department (403);
 * 3. a `replyId` seen before answers the stored reply (200) when it is the same reply, 409 when
 *    it names another;
 * 4. the voice verdict: refused → 422 with every violation (nothing stored, the id stays free);
 * 5. stored with "Reply Submitted" (and "Reply Queued" when no approval applies): 201
 *    `{ replyId, state: pending_approval | queued, checks }`.
 */
export async function submitReply(request: RepliesRequest, deps: RepliesDependencies): Promise<RepliesResponse> {
  const read = await readBody(request, deps);
  if (!('json' in read)) return read;
  return submitReplyBody(request.department, read.json, deps);
}

/**
 * A submission already known to come from `department` (its token checked, or its own bus
 * source): steps 2 to 5 of {@link submitReply}. The bus path ("Reply Requested") answers with
 * the same codes, as "Reply Refused" events when it is not 200 or 201.
 */
export async function submitReplyBody(
  department: string,
  json: unknown,
  deps: Omit<RepliesDependencies, 'statusTokens'>,
): Promise<RepliesResponse> {
  const parsed = ReplyBodySchema.safeParse(json);
  if (!parsed.success) return error(400, 'malformed_reply', problems(parsed.error));
  const body = parsed.data;

  const existing = await deps.replies.get(body.replyId);
  if (existing) return sameReply(existing, department, body) ?? answer(existing, 200);

  const engagement = await deps.replies.engagement(body.engagementId);
  if (!engagement) return error(404, 'unknown_engagement', `No engagement ${body.engagementId} is stored.`);
  if (engagement.gone) return gone(body.engagementId, engagement.gone);
  const assignment = await deps.lifecycle.read(body.engagementId, department);
  // Handed on to another department: that one replies now.
  if (!assignment || assignment.state === 'rerouted')
    return error(
      403,
      'not_routed',
      `Engagement ${body.engagementId} ${assignment ? 'was handed on by' : 'was not routed to'} "${department}": a department replies to what it holds.`,
    );

  const verdict = deps.voice.check({
    reply: { replyId: body.replyId, text: body.text, platform: engagement.platform, author: body.author },
    engagement,
    department,
  });
  if (verdict.refused)
    return error(422, 'voice_policy', 'The reply breaks the brand-voice policy; nothing was stored or sent.', {
      violations: verdict.violations satisfies VoiceViolation[],
    });

  const at = deps.now().toISOString();
  const draft = {
    id: body.replyId,
    engagementId: body.engagementId,
    department,
    platform: engagement.platform,
    text: body.text,
    author: body.author,
  };
  const approvals = deps.approvals.needs(approvalSubject(engagement, draft));
  // While crisis mode is on, its playbook can ask every reply to wait for the crisis team.
  if (deps.crisisApproval && !approvals.some((a) => a.approvers === deps.crisisApproval?.team)) {
    const crisis = await deps.crisisApproval.active();
    if (crisis) approvals.push({ entry: CRISIS_RULE, approvers: deps.crisisApproval.team });
  }
  const state: ReplyState = approvals.length > 0 ? 'pending_approval' : 'queued';
  const reply: Reply = {
    ...draft,
    state,
    submittedAt: at,
    at,
    checks: verdict.checks satisfies VoiceCheck[],
    approvals,
    revision: 1,
  };
  const events = [replySubmitted(reply), ...(state === 'queued' ? [replyQueued(reply, at)] : [])];
  const created = await deps.replies.create(reply, events);
  if (created === 'created') return answer(reply, 201);
  // Erased (or expired) between the read above and the write: nothing is stored.
  if (created === 'gone') return gone(body.engagementId, 'erased');
  // The same id was stored a moment ago (a retry racing itself): answer what is stored.
  const stored = await deps.replies.get(body.replyId);
  return stored
    ? (sameReply(stored, department, body) ?? answer(stored, 200))
    : error(503, 'unavailable', 'Try again.');
}

/** 410: the engagement's text is no more, so nothing may answer it. */
const gone = (engagementId: string, why: 'erased' | 'deleted' | 'expired'): RepliesResponse =>
  error(
    410,
    'engagement_gone',
    `Engagement ${engagementId} was ${why === 'expired' ? 'past its retention' : why === 'deleted' ? 'deleted by its author' : 'erased on its author’s request'}: there is nothing to reply to.`,
  );

/** A stored reply met again under its id: undefined when it is the same reply, else the 409. */
function sameReply(
  stored: Reply,
  department: string,
  body: { engagementId: string; text: string },
): RepliesResponse | undefined {
  if (stored.department === department && stored.engagementId === body.engagementId && stored.text === body.text)
    return undefined;
  return error(
    409,
    'reply_id_taken',
    `replyId ${stored.id} names another reply already; use a new replyId for a new reply.`,
  );
}

/**
 * An approver's decision: `{ decision: approve | reject, approver, note? }` from a department an
 * approval entry names. 200 `{ replyId, state }`; 403 the reply's author or a department no
 * matching entry names; 404 unknown reply; 409 already decided. The last approval queues the
 * reply ("Reply Queued"); a rejection is final.
 */
export async function decideApproval(
  request: RepliesRequest & { replyId: string },
  deps: RepliesDependencies,
): Promise<RepliesResponse> {
  const read = await readBody(request, deps);
  if (!('json' in read)) return read;
  const parsed = ApprovalBodySchema.safeParse(read.json);
  if (!parsed.success) return error(400, 'malformed_decision', problems(parsed.error));
  for (let attempt = 0; attempt < 5; attempt++) {
    const reply = await deps.replies.get(request.replyId);
    if (!reply) return error(404, 'unknown_reply', `No reply ${request.replyId} is stored.`);
    const at = deps.now().toISOString();
    const decided = decide(reply, request.department, parsed.data, at);
    if (!('next' in decided)) return error(decided.statusCode, decided.error, decided.message);
    const { next } = decided;
    const events = [
      replyDecided(next, request.department, at),
      ...(next.state === 'queued' ? [replyQueued(next, at)] : []),
    ];
    // Another decision came first: decide again on what it left.
    if ((await deps.replies.update(next, reply.revision, events)) === 'updated')
      return { statusCode: 200, body: { replyId: next.id, state: next.state } };
  }
  return error(503, 'unavailable', 'The reply kept changing; send the decision again.');
}

/**
 * Suggested drafts for an engagement the department was given (`POST …/replies/suggest`
 * `{ engagementId }`): 200 `{ drafts: [{ text, source, template, checks }] }` from the config's
 * reply templates and, where `voice.drafts` is set, a model; each already through the voice
 * policy; nothing is stored or sent. `unavailable: ["bedrock"]` says the model did not answer.
 */
export async function suggestReplies(request: RepliesRequest, deps: RepliesDependencies): Promise<RepliesResponse> {
  const read = await readBody(request, deps);
  if (!('json' in read)) return read;
  const parsed = SuggestBodySchema.safeParse(read.json);
  if (!parsed.success) return error(400, 'malformed_request', problems(parsed.error));
  const engagement = await deps.replies.engagement(parsed.data.engagementId);
  if (!engagement) return error(404, 'unknown_engagement', `No engagement ${parsed.data.engagementId} is stored.`);
  if (!(await deps.lifecycle.read(parsed.data.engagementId, request.department)))
    return error(
      403,
      'not_routed',
      `Engagement ${parsed.data.engagementId} was not routed to "${request.department}".`,
    );
  const drafts = suggestDrafts(engagement, request.department, deps.voicePolicy, deps.voice);
  if (!deps.draftWriter || !deps.voicePolicy) return { statusCode: 200, body: { drafts } };
  // The model's drafts follow the templates'; when it cannot answer, the templates' still do,
  // and the answer says which source was missing.
  try {
    const written = await modelDrafts(
      deps.draftWriter,
      engagement,
      request.department,
      deps.voicePolicy,
      deps.voice,
      drafts.map((d) => d.text),
    );
    if (written.refused)
      deps.log?.('model drafts refused by the voice policy', {
        model: deps.draftWriter.model,
        refused: written.refused,
      });
    return { statusCode: 200, body: { drafts: [...drafts, ...written.drafts] } };
  } catch (err) {
    const name = (err as { name?: unknown } | undefined)?.name;
    deps.log?.('model drafts unavailable; answering with templates only', {
      model: deps.draftWriter.model,
      error: typeof name === 'string' ? name : 'Error',
    });
    return { statusCode: 200, body: { drafts, unavailable: ['bedrock'] } };
  }
}
