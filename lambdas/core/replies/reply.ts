import type { ApprovalEntry } from '../config/voice.schema.js';
import type { Engagement } from '../engagement/engagement.schema.js';
import type { PlatformId } from '../engagement/platform-ids.js';
import { extractKeywords } from '../enrichment/keywords.js';
import { compilePattern } from '../patterns/index.js';
import type { VoiceCheck } from '../voice/check-reply.js';

/**
 * A reply a department sends through Switchboard (docs/replies.md): its states
 * (`pending_approval → queued → published | failed`, or `rejected`), the approvals it waits for,
 * and the attempts to publish it. Pure: the use cases read, decide with these, and store.
 */

/** The states of the contract, in order of life. */
export const REPLY_STATES = ['pending_approval', 'queued', 'published', 'failed', 'rejected'] as const;
/** A reply's state. */
export type ReplyState = (typeof REPLY_STATES)[number];
/** States a reply never leaves. */
export const FINAL_REPLY_STATES: ReadonlySet<ReplyState> = new Set(['published', 'failed', 'rejected']);

/** A person, as the department's system names them. */
export interface Person {
  id: string;
  name?: string | undefined;
}

/** One approval a reply waits for: an `approval:` entry that matched, and its department's decision. */
export interface ApprovalNeed {
  /** The entry's id. */
  entry: string;
  /** The department that must approve. */
  approvers: string;
  /** From the entry: past this (ISO 8601 duration) a pending reply is overdue. */
  within?: string | undefined;
  decision?: { decision: 'approve' | 'reject'; approver: Person; note?: string | undefined; at: string };
  /** When `within` ran out with no decision ("SLA Breached" `{ sla: approval }` was published). */
  breachedAt?: string | undefined;
}

/** Where the publisher is with a queued reply. */
export interface PublishAttempt {
  /** Attempts made so far. */
  count: number;
  /**
   * `sending`: an attempt is out (claimed at `at`); `retrying`: the last one made nothing or was
   * deduped, send again from `notBefore`; `uncertain`: the last one may have posted, check first.
   */
  status: 'sending' | 'retrying' | 'uncertain';
  at: string;
  reason?: string | undefined;
  notBefore?: string | undefined;
}

/** A reply, as stored (the `reply` attribute of its item; the auditors' `replies` table reads it). */
export interface Reply {
  /** The department's idempotency key, unique across Switchboard. */
  id: string;
  engagementId: string;
  /** The department replying. */
  department: string;
  platform: PlatformId;
  text: string;
  author: Person;
  state: ReplyState;
  /** When it was submitted. */
  submittedAt: string;
  /** When its state last changed. */
  at: string;
  /** The voice verdict's checks, as answered at submission. */
  checks: VoiceCheck[];
  approvals: ApprovalNeed[];
  /** The last approver, once approved (the auditors' `approver_id`). */
  approver?: Person | undefined;
  platformReplyId?: string | undefined;
  attempt?: PublishAttempt | undefined;
  /** Why it failed, when it did. */
  failure?: string | undefined;
  /** Bumped on every stored change; writes are conditional on it. */
  revision: number;
}

/** What an approval pattern is matched against (docs/design.md, "Governance config"). */
export interface ApprovalSubject {
  engagement: Engagement | Record<string, unknown>;
  reply: { replyId: string; text: string; keywords: string[]; platform: PlatformId; author: Person };
  department: string;
}

/** The subject of approval (and disclosure) patterns for a reply. */
export function approvalSubject(
  engagement: Engagement | Record<string, unknown>,
  reply: Pick<Reply, 'id' | 'text' | 'platform' | 'author' | 'department'>,
): ApprovalSubject {
  return {
    engagement,
    reply: {
      replyId: reply.id,
      text: reply.text,
      keywords: extractKeywords(reply.text),
      platform: reply.platform,
      author: reply.author,
    },
    department: reply.department,
  };
}

/** A compiled approval policy: which entries a reply must pass. */
export interface ApprovalPolicy {
  needs(subject: ApprovalSubject): ApprovalNeed[];
}

/**
 * Compiles the config's `approval:` entries once. Every matching entry's department must approve
 * (docs/design.md); with `crisisApprovers` (crisis mode, later) every reply also needs that team.
 */
export function approvalPolicy(entries: readonly ApprovalEntry[]): ApprovalPolicy {
  const compiled = entries.map((e) => ({ entry: e, pattern: compilePattern(e.when) }));
  return {
    needs(subject) {
      return compiled
        .filter(({ pattern }) => pattern.matches(subject))
        .map(({ entry }) => ({
          entry: entry.id,
          approvers: entry.approvers,
          ...(entry.within ? { within: entry.within } : {}),
        }));
    },
  };
}

/** Why a decision on a reply is refused, as the approvals API answers it. */
export type DecisionRefusal =
  | { statusCode: 403; error: 'not_an_approver' | 'own_reply'; message: string }
  | { statusCode: 409; error: 'already_decided'; message: string };

/**
 * A department's decision on a pending reply: the next reply, or why not. Every pending need of
 * the deciding department takes the decision; a rejection rejects the reply, and the last
 * approval queues it. The author of a reply may not approve it (four eyes), nor may a department
 * no matching entry names.
 */
export function decide(
  reply: Reply,
  department: string,
  decision: { decision: 'approve' | 'reject'; approver: Person; note?: string | undefined },
  at: string,
): { next: Reply } | DecisionRefusal {
  if (reply.state !== 'pending_approval')
    return {
      statusCode: 409,
      error: 'already_decided',
      message: `Reply ${reply.id} is ${reply.state}; there is nothing left to decide.`,
    };
  const mine = reply.approvals.filter((a) => a.approvers === department);
  if (mine.length === 0)
    return {
      statusCode: 403,
      error: 'not_an_approver',
      message: `No approval entry that applies to reply ${reply.id} names "${department}" (it waits for: ${[
        ...new Set(reply.approvals.filter((a) => !a.decision).map((a) => a.approvers)),
      ].join(', ')}).`,
    };
  if (decision.approver.id === reply.author.id)
    return {
      statusCode: 403,
      error: 'own_reply',
      message: 'The author of a reply may not approve or reject it: someone else must.',
    };
  if (mine.every((a) => a.decision))
    return {
      statusCode: 409,
      error: 'already_decided',
      message: `"${department}" has already decided on reply ${reply.id}.`,
    };
  const recorded = {
    decision: decision.decision,
    approver: decision.approver,
    ...(decision.note !== undefined ? { note: decision.note } : {}),
    at,
  };
  const approvals = reply.approvals.map((a) =>
    a.approvers === department && !a.decision ? { ...a, decision: recorded } : a,
  );
  const rejected = decision.decision === 'reject';
  const allApproved = approvals.every((a) => a.decision?.decision === 'approve');
  return {
    next: {
      ...reply,
      approvals,
      state: rejected ? 'rejected' : allApproved ? 'queued' : 'pending_approval',
      at,
      ...(decision.decision === 'approve' ? { approver: decision.approver } : {}),
      revision: reply.revision + 1,
    },
  };
}
