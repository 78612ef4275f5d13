// zod's mini API: the same validation as the classic API, but building these schemas costs a
// fraction of it at a function's cold start (every bundle that reads engagements loads this file).
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { PLATFORM_IDS } from './platform-ids.js';

// The mini API sets no locale (its messages would read "Invalid input"); English, as the classic
// API sets it, so a refused delivery's 400 names the problem in every bundle.
z.config(en());

/** Version of the "Engagement Routed" detail; bump on any breaking change to the schema. */
export const ENGAGEMENT_SCHEMA_VERSION = 1;

/** What the engagement is on its platform (docs/design.md `kind`). */
export const ENGAGEMENT_KINDS = [
  'post',
  'comment',
  'reply',
  'mention',
  'direct_message',
  'review',
  'check_in',
  'reaction',
  'share',
] as const;

/** The multi-label intent vocabulary enrichment assigns (docs/design.md `intents`). */
export const INTENTS = [
  'complaint',
  'question',
  'praise',
  'purchase_intent',
  'bug_report',
  'feature_request',
  'press_inquiry',
  'legal_risk',
  'safety_risk',
  'job_inquiry',
  'partnership',
  'spam',
  'other',
] as const;

/** Routing priorities, lowest first; the highest among matching rules wins. */
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

const isoDateTime = z.iso.datetime({ offset: true });
const nonEmpty = () => z.string().check(z.minLength(1));
const unit = () => z.number().check(z.gte(0), z.lte(1));

/** Who wrote it; `handle`/`name` are empty strings when the platform does not say. */
export const AuthorSchema = z.object({
  id: nonEmpty(),
  handle: z.string(),
  name: z.string(),
  followers: z.optional(z.int().check(z.nonnegative())),
  verified: z.optional(z.boolean()),
});

/** The company's own account, page or feed that was engaged. */
export const AccountSchema = z.object({ id: nonEmpty(), handle: z.optional(z.string()) });

/** Where it sits in a conversation: the item it replies to and the conversation's id. */
export const ThreadSchema = z.object({
  parentId: z.optional(z.string()),
  conversationId: z.optional(z.string()),
});

/** Sentiment label with a score in -1..1 (set by enrichment). */
export const SentimentSchema = z.object({
  label: z.enum(['positive', 'neutral', 'negative']),
  score: z.number().check(z.gte(-1), z.lte(1)),
});

/** Which model enriched the engagement, how, and how sure it was (a version-1 addition). */
export const EnrichmentDetailsSchema = z.object({
  model: nonEmpty(),
  version: z.string(),
  mode: z.enum(['local', 'hybrid', 'cloud']),
  confidence: z.object({
    sentiment: unit(),
    intents: z.partialRecord(z.enum(INTENTS), unit()),
  }),
});

/** The routing decision: departments, matched rules, priority, SLA due time and the config version that made it. */
export const RoutingSchema = z.object({
  departments: z.array(nonEmpty()).check(z.minLength(1)),
  rules: z.array(z.string()),
  priority: z.enum(PRIORITIES),
  slaDueAt: z.optional(isoDateTime),
  configVersion: nonEmpty(),
  /** Set when the platform is on trial: `departments` is the trial department, whatever the rules matched. */
  trial: z.optional(z.literal(true)),
  /** On a delivery a department handed over: the department it came from. */
  reroutedFrom: z.optional(nonEmpty()),
  /** On a delivery made because an SLA was breached: the department that breached it. */
  escalatedFrom: z.optional(nonEmpty()),
  /** On a delivery `switchboard replay` made again from history. */
  replayed: z.optional(z.literal(true)),
  /**
   * Routed while crisis mode was on: that crisis's id. Its SLA deadlines are the departments'
   * multiplied by the playbook's `slaFactor`; `rules` holds `crisis` when the playbook added the team.
   */
  crisis: z.optional(nonEmpty()),
});

/**
 * What a platform adapter produces from one event of a delivery: the engagement before
 * enrichment and routing. Ids are strings end to end so 64-bit platform ids keep every digit.
 */
export const EngagementDraftSchema = z.object({
  platform: z.enum(PLATFORM_IDS),
  kind: z.enum(ENGAGEMENT_KINDS),
  // Bounded so `ENG#<platform>:<externalId>` stays far below DynamoDB's 2 KB key limit.
  externalId: z.string().check(z.minLength(1), z.maxLength(512)),
  url: z.optional(z.url()),
  text: z.string(),
  language: z.optional(z.string()),
  createdAt: isoDateTime,
  author: AuthorSchema,
  account: z.optional(AccountSchema),
  thread: z.optional(ThreadSchema),
  rating: z.optional(z.int().check(z.gte(1), z.lte(5))),
});

/** The `detail` of an "Engagement Routed" event, schema version 1 (docs/design.md contract). */
export const EngagementSchema = z.extend(EngagementDraftSchema, {
  id: z.string().check(z.regex(/^[a-z-]+:.+$/, 'id must be "<platform>:<externalId>"')),
  receivedAt: isoDateTime,
  language: z.string().check(z.regex(/^([a-z]{2}|und)$/, 'ISO 639-1 code or "und"')),
  sentiment: z.optional(SentimentSchema),
  intents: z.array(z.enum(INTENTS)),
  keywords: z.array(z.string()),
  enrichment: z.optional(EnrichmentDetailsSchema),
  routing: RoutingSchema,
});

/** One of {@link ENGAGEMENT_KINDS}. */
export type EngagementKind = (typeof ENGAGEMENT_KINDS)[number];
/** One of {@link INTENTS}. */
export type Intent = (typeof INTENTS)[number];
/** One of {@link PRIORITIES}. */
export type Priority = (typeof PRIORITIES)[number];
/** See {@link AuthorSchema}. */
export type Author = z.infer<typeof AuthorSchema>;
/** See {@link EngagementDraftSchema}. */
export type EngagementDraft = z.infer<typeof EngagementDraftSchema>;
/** See {@link RoutingSchema}. */
export type Routing = z.infer<typeof RoutingSchema>;
/** See {@link EngagementSchema}. */
export type Engagement = z.infer<typeof EngagementSchema>;

/** Stable engagement id: the same platform event always yields the same id, so consumers can dedupe. */
export function engagementId(draft: Pick<EngagementDraft, 'platform' | 'externalId'>): string {
  return `${draft.platform}:${draft.externalId}`;
}
