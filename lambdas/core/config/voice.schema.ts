import * as z from 'zod';
import { PLATFORM_IDS } from '../engagement/platform-ids.js';
import { ExampleDraftSchema } from './example-draft.schema.js';
import { duration, id, pattern } from './schema-parts.js';

/**
 * The brand-voice policy (`voice:`) and the approval policy (`approval:`) of the config
 * (docs/design.md, "Governance config"): what every reply a department submits is checked
 * against, and who must approve which replies. Each check runs only where its key is set.
 */

/** The rule names of the built-in voice checks, beside the ids of `terms` and `disclosures`. */
export const BUILT_IN_VOICE_RULES = ['maxLength', 'links', 'pii', 'tone'] as const;

/** A domain name as written in `links.allowedDomains` (`acme.example`; its subdomains are allowed too). */
const domain = z
  .string()
  .transform((v) => v.trim().toLowerCase().replace(/\.$/, ''))
  .refine((v) => /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/.test(v), {
    message: 'must be a domain name such as acme.example (no scheme, no path)',
  });

/** A term entry: words or phrases matched whole, case- and accent-insensitively. */
export const VoiceTermSchema = z
  .strictObject({
    id,
    match: z.array(z.string().trim().min(1, 'must not be empty')).min(1, 'must list at least one word or phrase'),
    /** `banned` refuses the reply (422); `discouraged` accepts it with a warning in `checks`. */
    level: z.enum(['banned', 'discouraged']).default('banned'),
    message: z.string().min(1),
    /** Departments the term does not apply to. */
    except: z.array(id).optional(),
    /** The only departments the term applies to. */
    departments: z.array(id).optional(),
  })
  .refine((t) => !(t.except && t.departments), {
    message: 'give either except (the departments it does not apply to) or departments (the only ones), not both',
  });

/** A required disclosure: where `when` matches `{ engagement, reply, department }`, `require` must be in the text. */
export const VoiceDisclosureSchema = z.strictObject({
  id,
  when: pattern,
  require: z.string().trim().min(1, 'must not be empty'),
  message: z.string().min(1).optional(),
});

/** A reply example: a text, or a text with the platform and department it is written for. */
const ReplyExampleSchema = z.union([
  z.string().min(1, 'must not be empty'),
  z.strictObject({
    text: z.string().min(1, 'must not be empty'),
    platform: z.enum(PLATFORM_IDS).optional(),
    department: id.optional(),
    /** The engagement answered, for disclosures and approvals that look at it. */
    engagement: ExampleDraftSchema.optional(),
  }),
]);

/** A refused example names the rules it breaks: the verdict must name exactly those. */
const RefusedExampleSchema = z.strictObject({
  text: z.string().min(1, 'must not be empty'),
  violates: z.array(z.string().min(1)).min(1, 'must name at least one rule the text breaks'),
  platform: z.enum(PLATFORM_IDS).optional(),
  department: id.optional(),
  engagement: ExampleDraftSchema.optional(),
});

/** A reply template (suggested drafts): chosen by `when` over the engagement, and its language. */
export const ReplyTemplateSchema = z.strictObject({
  id,
  when: pattern,
  language: z.string().min(2).optional(),
  text: z.string().min(1),
});

/**
 * Drafts written by a model (`voice.drafts`): off unless set. `bedrock.modelId` is the model (any
 * text model the Converse API serves, or an inference profile id); `count` drafts are asked for,
 * each then run through the policy as a submission would be.
 */
export const VoiceDraftsSchema = z.strictObject({
  bedrock: z.strictObject({
    modelId: z
      .string()
      .regex(/^[\w.:/-]+$/, 'must be a Bedrock model id such as anthropic.claude-3-haiku-20240307-v1:0'),
    count: z.number().int().min(1, 'must be 1 to 5').max(5, 'must be 1 to 5').default(2),
  }),
});

/** The `voice:` section. */
export const VoiceSchema = z.strictObject({
  /** Per platform (or `default`), counted as that platform counts (X weighs URLs and some characters). */
  maxLength: z
    .partialRecord(z.enum(['default', ...PLATFORM_IDS]), z.number().int().positive('must be a positive length'))
    .optional(),
  terms: z.array(VoiceTermSchema).default([]),
  disclosures: z.array(VoiceDisclosureSchema).default([]),
  links: z.strictObject({ allowedDomains: z.array(domain).min(1, 'must list at least one domain') }).optional(),
  /** `refuse`: emails, phones, cards and IBANs that are not the engagement author's own refuse the reply; `warn` accepts it with a warning. */
  thirdPartyPii: z.enum(['refuse', 'warn']).optional(),
  tone: z.strictObject({ notNegative: z.boolean() }).optional(),
  examples: z
    .strictObject({
      allowed: z.array(ReplyExampleSchema).default([]),
      refused: z.array(RefusedExampleSchema).default([]),
    })
    .default({ allowed: [], refused: [] }),
  templates: z.array(ReplyTemplateSchema).default([]),
  drafts: VoiceDraftsSchema.optional(),
});

/** The parsed `voice:` section. */
export type VoicePolicy = z.infer<typeof VoiceSchema>;
/** One `voice.terms` entry. */
export type VoiceTerm = z.infer<typeof VoiceTermSchema>;

/** One `approval:` entry: replies matching `when` wait for `approvers` (a department) to approve. */
export const ApprovalEntrySchema = z.strictObject({
  id,
  when: pattern,
  approvers: id,
  /** Past this, a pending reply raises "SLA Breached" with `sla: approval`. */
  within: duration.optional(),
});

/** One parsed `approval:` entry. */
export type ApprovalEntry = z.infer<typeof ApprovalEntrySchema>;
