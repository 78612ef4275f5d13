import { retentionDays } from '../config/retention-days.js';

/**
 * Retention of what the engagements table keeps (docs/design.md, "Audit"; the config's
 * `retention:`): which items the daily retention sweep scrubs or deletes, and when. Pure: it
 * decides from times; reading and writing the table is the sweep adapter's job
 * (lambdas/aws/dynamodb-retention-sweep.ts).
 *
 * Two periods, counted from when Switchboard received an engagement (`engagement.receivedAt`,
 * the one time every engagement has and no platform can set):
 * - `retention.engagements` (P400D): the engagement's text class of data goes: text, keywords,
 *   author identity and permalink (the same fields an erasure removes, see below), in the
 *   engagement item and in each delivery copy (`EVENT#…` "Engagement Routed"), the matched values
 *   in its routing decision's reasons, and its raw delivery if that is still kept. What stays is
 *   the record an auditor needs: ids, routing, enrichment labels, times, the lifecycle.
 * - `retention.audit` (P7Y): everything about the engagement goes, its whole partition.
 *
 * Why the author goes with the text: the author's identity is personal data as much as the
 * words are, and once the words are gone it serves no purpose of the engagement (answering it);
 * the audit trail needs how it was routed and handled, not who wrote it (its hash chain covers
 * neither, by design). Keeping an identity without the text would only keep a profile (who wrote
 * to the company, when, about which department) for years. One scrub for erasure and retention
 * also means one definition of "personal data of an engagement" to review.
 *
 * Every kind of item the table holds, and what retention does to it:
 *
 * | Item (`pk` / `sk`)                           | What it is                                  | Retention                                                                  |
 * | -------------------------------------------- | ------------------------------------------- | -------------------------------------------------------------------------- |
 * | `ENG#<id>` / `ENGAGEMENT`                    | engagement and its routing decision         | text scrubbed at `engagements`; deleted at `audit` (last of its partition) |
 * | `ENG#<id>` / `EVENT#…` ("Engagement Routed") | delivery copy: the whole engagement         | text scrubbed at `engagements` (hash unchanged); deleted at `audit`       |
 * | `ENG#<id>` / `EVENT#…` (other events)        | lifecycle audit records (status, erasure)   | deleted at `audit` (staff notes are hashed: they stay until then)          |
 * | `ENG#<id>` / `AUDIT#…`                       | edits, deletions, retention records         | deleted at `audit`                                                         |
 * | `ENG#<id>` / `CHAIN`                         | head of the engagement's audit chain        | deleted at `audit`                                                         |
 * | `ENG#<id>` / `ASSIGN#<department>`           | assignment and its history                  | deleted at `audit`                                                         |
 * | `ENG#<id>` / `REPLY#…` (planned) and others  | anything else about the engagement          | deleted at `audit`, with the partition                                     |
 * | `ERASURE#<at>#<author>` / `ERASURE`          | erasure tombstone (proof a request was met) | deleted at `audit`, counted from the erasure's `at`                        |
 * | `CASE#<case id>` / `CASE`                    | a conversation's routing state              | deleted at `audit`, counted from its latest engagement (`latestAt`)        |
 * | `RAW#<raw key>` / `PART#<n>`                 | raw webhook deliveries of a batch           | TTL (`expiresAt`) at `rawDeliveries`; cut out at `engagements` if still kept |
 * | `POLL#<platform>#<target>` / `STATE`         | a polling cursor                            | kept: operational, no personal data, overwritten by every poll             |
 * | `HEALTH` / `poll#…`                          | polling health counters                     | kept: operational, no personal data, one item per target                   |
 * | `SWEEP#retention` / `CURSOR`                 | this sweep's own progress                   | kept: overwritten by every run                                             |
 *
 * Cases go at `audit`, not `engagements`: a case's key holds its author's id, but so does the case
 * id its engagements' routing decisions keep (hashed, so it cannot be scrubbed without breaking
 * the chain); deleting the case item earlier would remove no identity the table does not keep
 * anyway, and could only cut a conversation short if `cases.window` were ever set longer than
 * `engagements`. SLA timers are not in the table (EventBridge Scheduler deletes each once it
 * fires). Exports in the audit bucket have their own retention (`exports`, S3 lifecycle).
 */

/** The retention periods the sweep enforces, in whole days (from the config's `retention:`). */
export interface RetentionPeriods {
  /** `retention.engagements`: the engagement's text is scrubbed after this many days. */
  engagementDays: number;
  /** `retention.audit`: everything about the engagement is deleted after this many days. */
  auditDays: number;
}

/**
 * The periods of the config's `retention:` (ISO 8601 durations, see {@link retentionDays}).
 * Throws on a period that is not one: the config schema refuses those, so this is a bug.
 */
export function retentionPeriods(retention: { engagements: string; audit: string }): RetentionPeriods {
  const engagementDays = retentionDays(retention.engagements);
  const auditDays = retentionDays(retention.audit);
  if (engagementDays === undefined || auditDays === undefined)
    throw new Error(`retention periods must be ISO 8601 durations of days or more: ${JSON.stringify(retention)}`);
  return { engagementDays, auditDays };
}

/** The instants before which data is past each retention, for one sweep. */
export interface RetentionCutoffs {
  /** Engagements received before this lose their text. */
  text: Date;
  /** Engagements received (and erasures made, cases last used) before this are deleted. */
  audit: Date;
}

const DAY_MS = 86_400_000;

/**
 * The cut-offs at `now`: `now` less each period, in whole days of 24 hours (a retention is kept
 * at least that long; the sweep runs daily, so data goes within a day after its period ends).
 */
export function retentionCutoffs(now: Date, periods: RetentionPeriods): RetentionCutoffs {
  for (const [name, days] of Object.entries(periods))
    if (!Number.isInteger(days) || days <= 0) throw new Error(`${name} must be a whole number of days above zero`);
  return {
    text: new Date(now.getTime() - periods.engagementDays * DAY_MS),
    audit: new Date(now.getTime() - periods.auditDays * DAY_MS),
  };
}

/**
 * Whether a time is past a cut-off: strictly before it. A time that does not parse is never past
 * anything: the sweep keeps what it cannot date rather than delete it on a guess.
 */
export function isPast(at: string | undefined, cutoff: Date): boolean {
  if (at === undefined) return false;
  const t = Date.parse(at);
  return Number.isFinite(t) && t < cutoff.getTime();
}

/** What the sweep does to one engagement. */
export type EngagementRetention = 'keep' | 'expire-text' | 'delete-partition';

/** What the sweep reads of an engagement item to decide. */
export interface EngagementAge {
  /** `engagement.receivedAt`. */
  receivedAt: string | undefined;
  /**
   * Its text is gone already: scrubbed by an earlier sweep (`textExpiredAt`), erased on request
   * (`erasedAt`) or deleted by its platform (`deletedAt`).
   */
  textGone: boolean;
}

/**
 * What to do to an engagement: delete its partition once it is past audit retention (whatever
 * else: a partition past it goes even if its text was never scrubbed, and even if `audit` were
 * set shorter than `engagements`), scrub its text once past text retention unless it is gone
 * already (so a scrubbed engagement is scrubbed once, and gets one retention record), else keep.
 */
export function engagementRetention(engagement: EngagementAge, cutoffs: RetentionCutoffs): EngagementRetention {
  if (isPast(engagement.receivedAt, cutoffs.audit)) return 'delete-partition';
  if (!engagement.textGone && isPast(engagement.receivedAt, cutoffs.text)) return 'expire-text';
  return 'keep';
}

/**
 * Whether an item that is not an engagement goes (see the table above): an erasure tombstone by
 * its `at`, a case by its latest engagement's `latestAt`, both at audit retention. The
 * tombstone is kept as long as the records of the engagements it erased, so an auditor can
 * always tell an erased engagement from a tampered one.
 */
export function recordRetention(at: string | undefined, cutoffs: RetentionCutoffs): 'keep' | 'delete' {
  return isPast(at, cutoffs.audit) ? 'delete' : 'keep';
}

/**
 * The decision of an engagement with its routing reasons' matched values removed: the reasons
 * keep which rule held on which field with which operator (what the audit chain covers), not the
 * engagement's value (a keyword, a quote of its text, an author id).
 */
export function scrubDecisionValues<D extends { reasons?: unknown }>(decision: D): D {
  if (!Array.isArray(decision.reasons)) return decision;
  return {
    ...decision,
    reasons: decision.reasons.map((reason: unknown) => {
      const r = (reason && typeof reason === 'object' ? reason : {}) as { matched?: unknown };
      if (!Array.isArray(r.matched)) return reason;
      return {
        ...r,
        matched: r.matched.map((m: unknown) => {
          if (!m || typeof m !== 'object') return m;
          const { value: _value, ...rest } = m as Record<string, unknown>;
          return rest;
        }),
      };
    }),
  };
}
