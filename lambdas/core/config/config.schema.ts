import * as z from 'zod';
import { ENGAGEMENT_KINDS, PRIORITIES } from '../engagement/engagement.schema.js';
import { compilePattern, InvalidEventPatternError } from '../patterns/index.js';
import { PLATFORM_IDS } from '../engagement/platform-ids.js';
import { PollTargetSchema } from './poll-targets.schema.js';
import { parseDurationMs } from './duration.js';
import { BusinessHoursSchema } from './business-hours.js';
import { RetentionSchema } from './retention.js';

const id = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,39}$/,
    'must be lower-case letters, digits and dashes, starting with a letter (at most 40 characters)',
  );

const duration = z.string().refine((v) => parseDurationMs(v) !== undefined, {
  message: 'must be an ISO 8601 duration such as PT15M, PT1H or P1D (weeks, days, hours, minutes, seconds)',
});

/**
 * A department: its id names its queue. `sla.firstResponse` (and `sla.resolution`) set the
 * deadlines of each assignment routed to it, counted from routing in wall-clock time or, with
 * `sla.businessHours`, only in business time in the department's time zone. `escalation.to`
 * receives what breaches a deadline; `account` is the department's own AWS account, which the
 * bus policy then lets put "Status Reported" events of this department's source only.
 */
export const DepartmentSchema = z.strictObject({
  id,
  name: z.string().min(1),
  description: z.string().optional(),
  sla: z
    .strictObject({
      firstResponse: duration,
      resolution: duration.optional(),
      businessHours: BusinessHoursSchema.optional(),
    })
    .optional(),
  escalation: z.strictObject({ to: id, priority: z.enum(PRIORITIES).default('urgent') }).optional(),
  account: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit AWS account id, quoted ("123456789012")')
    .optional(),
});

const pattern = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  try {
    compilePattern(value);
  } catch (err) {
    if (!(err instanceof InvalidEventPatternError)) throw err;
    ctx.addIssue({ code: 'custom', message: `is not a valid EventBridge event pattern: ${err.reason}` });
  }
});

const exampleText = z.string().min(1, 'must not be empty');

/**
 * An engagement draft an example stands for, as `switchboard simulate` accepts it: `platform`
 * (default `generic`) and `text`, with whatever else a rule looks at. Strict, so a misspelt
 * field (`follower`) is an error rather than an example that silently tests something else.
 */
export const ExampleDraftSchema = z.strictObject({
  platform: z.enum(PLATFORM_IDS).default('generic'),
  text: z.string(),
  kind: z.enum(ENGAGEMENT_KINDS).optional(),
  language: z.string().optional(),
  rating: z.number().int().min(1).max(5).optional(),
  url: z.url().optional(),
  author: z
    .strictObject({
      id: z.string().min(1).optional(),
      handle: z.string().optional(),
      name: z.string().optional(),
      followers: z.number().int().nonnegative().optional(),
      verified: z.boolean().optional(),
    })
    .optional(),
  account: z.strictObject({ id: z.string().min(1), handle: z.string().optional() }).optional(),
  thread: z.strictObject({ parentId: z.string().optional(), conversationId: z.string().optional() }).optional(),
});

/** One example: a text (a `generic` post) or an engagement draft ({@link ExampleDraftSchema}). */
export const RuleExampleSchema = z.union([exampleText, ExampleDraftSchema], {
  // A text or a draft: report the problems of the form that was meant, not both.
  error: (issue) => {
    if (issue.code !== 'invalid_union') return undefined;
    const input: unknown = issue.input;
    const draft =
      input !== null && typeof input === 'object' && !Array.isArray(input)
        ? ExampleDraftSchema.safeParse(input)
        : undefined;
    const first = draft?.error?.issues[0];
    if (first) return `${first.path.length ? `${first.path.join('.')}: ` : ''}${first.message}`;
    return 'must be a text or an engagement draft such as { platform: x, text: "…", author: { followers: 20000 } }';
  },
});

/**
 * Examples that document and test a rule (`switchboard rules test`): each of `routes` must
 * match the rule and reach all of its `routeTo` departments; none of `doesNotRoute` may match it.
 */
export const RuleExamplesSchema = z
  .strictObject({
    routes: z.array(RuleExampleSchema).optional(),
    doesNotRoute: z.array(RuleExampleSchema).optional(),
  })
  .refine((e) => (e.routes?.length ?? 0) + (e.doesNotRoute?.length ?? 0) > 0, {
    message: 'must list at least one example under routes or doesNotRoute',
  });

const RuleFieldsSchema = z.strictObject({
  id,
  description: z.string().optional(),
  when: pattern,
  routeTo: z.array(id).min(1),
  priority: z.enum(PRIORITIES).default('normal'),
  /**
   * Whether a follow-up in an open case still goes only to the departments holding the case
   * (the default). `false`: when this rule matches a follow-up, its departments get it too (a
   * legal threat in a care conversation reaches legal).
   */
  sticky: z.boolean().default(true),
  examples: RuleExamplesSchema.optional(),
});

/**
 * A routing rule: an EventBridge pattern over the engagement, the departments it adds, its
 * priority and optional examples. Every problem found in a rule names the rule by its id (when
 * it has a usable one) besides the field, so `rules[4].examples.routes[1].author.follower`
 * reads as belonging to `big-voices`.
 */
export const RuleSchema = z.unknown().transform((raw, ctx): z.output<typeof RuleFieldsSchema> => {
  const result = RuleFieldsSchema.safeParse(raw);
  if (result.success) return result.data;
  const ruleId =
    raw && typeof raw === 'object' && 'id' in raw && typeof raw.id === 'string' && raw.id ? raw.id : undefined;
  for (const issue of result.error.issues) {
    // Not `continue`: a broken rule has no value for the config-wide checks to look at.
    ctx.addIssue({
      ...issue,
      continue: false,
      message: ruleId ? `in rule "${ruleId}": ${issue.message}` : issue.message,
    });
  }
  return z.NEVER;
});

/**
 * Per-platform settings. `trial` is for an emerging platform the comms team wants to watch
 * before committing: its engagements are ingested and enriched, rules are evaluated (so the
 * audit trail shows what they would have done), but they go only to `trialDepartment`.
 */
export const PlatformSettingsSchema = z.strictObject({
  status: z.enum(['active', 'trial']).default('active'),
});

/**
 * Which enricher the process function uses. `local` is the trained model shipped in the bundle
 * (no network); `comprehend` takes language, sentiment and PII from Amazon Comprehend;
 * `intents: bedrock` asks a Bedrock model (`bedrockModelId`) for the intents. With
 * `secondOpinionBelow`, the cloud services are asked only about engagements the local model is
 * unsure of (its sentiment or intent confidence below the threshold): the hybrid mode. Local
 * enrichment is the fallback whenever a service fails or throttles.
 */
export const EnrichmentSettingsSchema = z
  .strictObject({
    provider: z.enum(['local', 'comprehend']).default('local'),
    intents: z.enum(['local', 'bedrock']).default('local'),
    bedrockModelId: z
      .string()
      .regex(/^[\w.:-]+$/, 'must be a Bedrock model id such as anthropic.claude-3-haiku-20240307-v1:0')
      .optional(),
    secondOpinionBelow: z.number().gt(0, 'must be above 0').lt(1, 'must be below 1').optional(),
    /** Store and publish the text with emails, phones, cards and IBANs replaced by `[email]`…; the raw delivery keeps the original for its retention. */
    redactStoredText: z.boolean().default(false),
  })
  .superRefine((settings, ctx) => {
    if (settings.intents === 'bedrock' && !settings.bedrockModelId) {
      ctx.addIssue({
        code: 'custom',
        path: ['bedrockModelId'],
        message: 'bedrockModelId is required when intents is "bedrock"',
      });
    }
    if (settings.secondOpinionBelow !== undefined && settings.provider === 'local' && settings.intents === 'local') {
      ctx.addIssue({
        code: 'custom',
        path: ['secondOpinionBelow'],
        message: 'a second opinion needs a cloud service: set provider: comprehend and/or intents: bedrock',
      });
    }
  });

/** The governance config (`config/switchboard.yaml`), as docs/design.md fixes it. */
export const SwitchboardConfigSchema = z
  .strictObject({
    departments: z.array(DepartmentSchema).min(1),
    defaultDepartment: id,
    /** Where engagements of `trial` platforms go; the default department when not set. */
    trialDepartment: id.optional(),
    platforms: z.partialRecord(z.enum(PLATFORM_IDS), PlatformSettingsSchema).default({}),
    rules: z.array(RuleSchema).default([]),
    /** Sources without push, polled on a schedule (see lambdas/core/polling/). */
    polling: z.array(PollTargetSchema).default([]),
    /** See {@link EnrichmentSettingsSchema}. */
    enrichment: EnrichmentSettingsSchema.default({ provider: 'local', intents: 'local', redactStoredText: false }),
    /**
     * Cases: how long after its latest engagement a conversation still holds a follow-up (sticky,
     * or reopened after resolution). Past it, a follow-up starts afresh: a customer who writes
     * on the same post a year later is a new matter. @default P30D
     */
    cases: z.strictObject({ window: duration.default('P30D') }).default({ window: 'P30D' }),
    /** See {@link RetentionSchema}. */
    retention: RetentionSchema,
  })
  .superRefine((config, ctx) => {
    const departments = new Set<string>();
    config.departments.forEach((d, i) => {
      if (departments.has(d.id))
        ctx.addIssue({
          code: 'custom',
          path: ['departments', i, 'id'],
          message: `department "${d.id}" is declared twice`,
        });
      departments.add(d.id);
    });
    const known = () => [...departments].join(', ');
    if (!departments.has(config.defaultDepartment)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultDepartment'],
        message: `"${config.defaultDepartment}" is not a declared department (declared: ${known()})`,
      });
    }
    config.departments.forEach((d, i) => {
      if (!d.escalation) return;
      if (d.escalation.to === d.id)
        ctx.addIssue({
          code: 'custom',
          path: ['departments', i, 'escalation', 'to'],
          message: `department "${d.id}" cannot escalate to itself`,
        });
      else if (!departments.has(d.escalation.to))
        ctx.addIssue({
          code: 'custom',
          path: ['departments', i, 'escalation', 'to'],
          message: `"${d.escalation.to}" is not a declared department (declared: ${known()})`,
        });
    });
    if (config.trialDepartment && !departments.has(config.trialDepartment)) {
      ctx.addIssue({
        code: 'custom',
        path: ['trialDepartment'],
        message: `"${config.trialDepartment}" is not a declared department (declared: ${known()})`,
      });
    }
    const targets = new Set<string>();
    config.polling.forEach((t, i) => {
      const key = `${t.platform}:${t.id}`;
      if (targets.has(key))
        ctx.addIssue({
          code: 'custom',
          path: ['polling', i, 'id'],
          message: `polling target "${t.id}" of ${t.platform} is declared twice`,
        });
      targets.add(key);
      const every = parseDurationMs(t.every);
      if (every === undefined || every < 60_000)
        ctx.addIssue({
          code: 'custom',
          path: ['polling', i, 'every'],
          message: 'must be an ISO 8601 duration of at least a minute, such as PT15M',
        });
    });
    const rules = new Set<string>();
    config.rules.forEach((r, i) => {
      if (rules.has(r.id))
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `rule "${r.id}" is declared twice` });
      rules.add(r.id);
      r.routeTo.forEach((dept, j) => {
        if (!departments.has(dept)) {
          ctx.addIssue({
            code: 'custom',
            path: ['rules', i, 'routeTo', j],
            message: `rule "${r.id}" routes to "${dept}", which is not a declared department (declared: ${known()})`,
          });
        }
      });
    });
  });

/** See {@link DepartmentSchema}. */
export type Department = z.infer<typeof DepartmentSchema>;
/** See {@link RuleSchema}. */
export type Rule = z.infer<typeof RuleSchema>;
/** See {@link RuleExampleSchema}. */
export type RuleExample = z.infer<typeof RuleExampleSchema>;
/** See {@link SwitchboardConfigSchema}. */
export type SwitchboardConfig = z.infer<typeof SwitchboardConfigSchema>;
/** See {@link EnrichmentSettingsSchema}. */
export type EnrichmentSettings = z.infer<typeof EnrichmentSettingsSchema>;
