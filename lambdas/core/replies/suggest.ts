import type { VoicePolicy } from '../config/voice.schema.js';
import type { Engagement } from '../engagement/engagement.schema.js';
import { type CompiledPattern, compilePattern } from '../patterns/index.js';
import type { VoiceCheck, VoiceChecker } from '../voice/check-reply.js';

/** A suggested draft (docs/design.md, "Engaging back"): never stored or sent until submitted. */
export interface Draft {
  text: string;
  source: 'template' | 'bedrock';
  /** The template's id. */
  template?: string;
  /** The voice verdict's checks on the draft, as a submission would get them. */
  checks: VoiceCheck[];
}

/**
 * The config's reply templates (`voice.templates`) a draft can start from for an engagement: each
 * template whose `when` matches the engagement and whose `language` (if any) is the engagement's,
 * filled in, run through the voice policy as a submission would be, and only kept when the policy
 * would let it through. Templates in the engagement's language come first.
 */
export function suggestDrafts(
  engagement: Engagement,
  department: string,
  policy: VoicePolicy | undefined,
  checker: VoiceChecker,
): Draft[] {
  const drafts: (Draft & { languageMatch: boolean })[] = [];
  for (const template of policy?.templates ?? []) {
    if (template.language && template.language !== engagement.language) continue;
    if (!patternOf(template).matches(engagement)) continue;
    const text = fill(template.text, engagement);
    const verdict = checker.check({ reply: { text, platform: engagement.platform }, engagement, department });
    if (verdict.refused) continue;
    drafts.push({
      text,
      source: 'template',
      template: template.id,
      checks: verdict.checks,
      languageMatch: !!template.language,
    });
  }
  return drafts
    .sort((a, b) => Number(b.languageMatch) - Number(a.languageMatch))
    .map(({ languageMatch: _l, ...draft }) => draft);
}

/** Each template's pattern, compiled once per template (the config lives as long as the function). */
const compiled = new WeakMap<object, CompiledPattern>();
const patternOf = (template: { when: Record<string, unknown> }): CompiledPattern => {
  let pattern = compiled.get(template);
  if (!pattern) compiled.set(template, (pattern = compilePattern(template.when)));
  return pattern;
};

/** `{author.name}`-style placeholders: a path into the engagement; an empty value when absent. */
export function fill(text: string, engagement: Engagement): string {
  const filled = text.replace(/\{([a-zA-Z][\w.]*)\}/g, (_match, path: string) => {
    let value: unknown = engagement;
    for (const key of path.split('.'))
      value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  });
  return tidy(filled);
}

/**
 * A filled-in text tidied: an empty placeholder leaves no stray space or comma
 * ("Thanks, {author.name}!" with no name reads "Thanks!").
 */
export function tidy(text: string): string {
  return text
    .replace(/\s*,\s*([,.!?])/g, '$1')
    .replace(/\s+([,.!?])/g, '$1')
    .replace(/ {2,}/g, ' ')
    .trim();
}
