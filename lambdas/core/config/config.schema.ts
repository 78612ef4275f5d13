import * as z from 'zod';
import { PRIORITIES } from '../engagement/engagement.schema.js';
import { PLATFORM_IDS } from '../engagement/platform-ids.js';
import { PollTargetSchema } from './poll-targets.schema.js';
import { parseDurationMs } from './duration.js';
import { ExampleDraftSchema } from './example-draft.schema.js';
import { duration, id, pattern } from './schema-parts.js';
import { ApprovalEntrySchema, BUILT_IN_VOICE_RULES, VoiceSchema } from './voice.schema.js';
import { type CrisisPlaybook, CrisisSchema, type SpikeEntry, SpikeEntrySchema } from './crisis.schema.js';
import { CRISIS_RULE } from './crisis-rule.js';

export { ExampleDraftSchema };
import { BusinessHoursSchema } from './business-hours.js';
import { RetentionSchema } from './retention.js';

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

const exampleText = z.string().min(1, 'must not be empty');

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
  /** `generic` only: where replies are POSTed (https; http only for localhost and 127.0.0.1). */
  replyUrl: z
    .url()
    .refine(httpsOrLoopback, { message: 'must be an https URL (http only for localhost or 127.0.0.1)' })
    .optional(),
  /** The platform's API base URL, for a self-hosted platform (a Mastodon instance) or a test server. */
  apiBaseUrl: z
    .url()
    .refine(httpsOrLoopback, { message: 'must be an https URL (http only for localhost or 127.0.0.1)' })
    .optional(),
});

/** https anywhere; http only to this machine (a test or loopback platform). */
function httpsOrLoopback(value: string): boolean {
  const url = new URL(value);
  return (
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname))
  );
}

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
    /** The brand-voice policy every reply is checked against (see voice.schema.ts); none: replies are checked for nothing. */
    voice: VoiceSchema.optional(),
    /** Which replies wait for which department's approval; every matching entry's department must approve. */
    approval: z.array(ApprovalEntrySchema).default([]),
    /** Spike detection: each entry's key in its recent window against its baseline (see crisis.schema.ts). */
    spikes: z.array(SpikeEntrySchema).default([]),
    /** The crisis playbook, applied while crisis mode is on; none: crisis mode changes nothing but the banner. */
    crisis: CrisisSchema.optional(),
    /** The daily digest (on AWS): who gets the message that it is ready (email subscriptions of its SNS topic). */
    digest: z
      .strictObject({ emails: z.array(z.email('must be an email address')).default([]) })
      .default({ emails: [] }),
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
      // The crisis playbook marks the routing it changed with this id; a rule of that name would
      // be counted and explained as the playbook.
      if (r.id === CRISIS_RULE)
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'id'],
          message: `"${CRISIS_RULE}" is the rule id crisis mode's playbook marks routing with; name this rule otherwise`,
        });
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
    checkGovernance(config, departments, ctx);
    checkSpikes(config, departments, ctx);
  });

/** Cross-checks of `spikes:` and `crisis:`: ids unique, the crisis team declared, a crisis to start. */
function checkSpikes(
  config: { spikes: SpikeEntry[]; crisis?: CrisisPlaybook | undefined },
  departments: ReadonlySet<string>,
  ctx: z.RefinementCtx,
): void {
  const ids = new Set<string>();
  config.spikes.forEach((s, i) => {
    if (ids.has(s.id))
      ctx.addIssue({ code: 'custom', path: ['spikes', i, 'id'], message: `spike "${s.id}" is declared twice` });
    ids.add(s.id);
    if (s.startsCrisis && !config.crisis)
      ctx.addIssue({
        code: 'custom',
        path: ['spikes', i, 'startsCrisis'],
        message: 'a spike can start crisis mode only with a crisis: playbook in the config',
      });
  });
  if (config.crisis && !departments.has(config.crisis.team))
    ctx.addIssue({
      code: 'custom',
      path: ['crisis', 'team'],
      message: `"${config.crisis.team}" is not a declared department (declared: ${[...departments].join(', ')})`,
    });
}

/** Cross-checks of `voice:` and `approval:`: ids unique, departments declared, examples naming known rules. */
function checkGovernance(
  config: { voice?: z.infer<typeof VoiceSchema> | undefined; approval: z.infer<typeof ApprovalEntrySchema>[] },
  departments: Set<string>,
  ctx: z.RefinementCtx,
): void {
  const known = () => [...departments].join(', ');
  const department = (value: string | undefined, path: (string | number)[]) => {
    if (value !== undefined && !departments.has(value))
      ctx.addIssue({ code: 'custom', path, message: `"${value}" is not a declared department (declared: ${known()})` });
  };
  const ids = new Set<string>();
  const unique = (value: string, path: (string | number)[]) => {
    if (ids.has(value) || (BUILT_IN_VOICE_RULES as readonly string[]).includes(value))
      ctx.addIssue({
        code: 'custom',
        path,
        message: `voice rule "${value}" is declared twice (or is a built-in check's name)`,
      });
    ids.add(value);
  };
  const voice = config.voice;
  voice?.terms.forEach((t, i) => {
    unique(t.id, ['voice', 'terms', i, 'id']);
    t.except?.forEach((d, j) => {
      department(d, ['voice', 'terms', i, 'except', j]);
    });
    t.departments?.forEach((d, j) => {
      department(d, ['voice', 'terms', i, 'departments', j]);
    });
  });
  voice?.disclosures.forEach((d, i) => {
    unique(d.id, ['voice', 'disclosures', i, 'id']);
  });
  const rules = new Set<string>([...ids, ...BUILT_IN_VOICE_RULES]);
  voice?.examples.allowed.forEach((e, i) => {
    if (typeof e !== 'string') department(e.department, ['voice', 'examples', 'allowed', i, 'department']);
  });
  voice?.examples.refused.forEach((e, i) => {
    department(e.department, ['voice', 'examples', 'refused', i, 'department']);
    e.violates.forEach((rule, j) => {
      if (!rules.has(rule))
        ctx.addIssue({
          code: 'custom',
          path: ['voice', 'examples', 'refused', i, 'violates', j],
          message: `"${rule}" is not a voice rule (rules: ${[...rules].join(', ')})`,
        });
    });
  });
  const templates = new Set<string>();
  voice?.templates.forEach((t, i) => {
    if (templates.has(t.id))
      ctx.addIssue({
        code: 'custom',
        path: ['voice', 'templates', i, 'id'],
        message: `template "${t.id}" is declared twice`,
      });
    templates.add(t.id);
  });
  const approvals = new Set<string>();
  config.approval.forEach((a, i) => {
    if (approvals.has(a.id))
      ctx.addIssue({ code: 'custom', path: ['approval', i, 'id'], message: `approval "${a.id}" is declared twice` });
    approvals.add(a.id);
    department(a.approvers, ['approval', i, 'approvers']);
  });
}

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
