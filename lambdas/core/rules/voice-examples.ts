import type { LoadedConfig } from '../config/load-config.js';
import type { PlatformId } from '../engagement/platform-ids.js';
import { createRouter } from '../routing/router.js';
import { voiceChecker, type VoiceVerdict } from '../voice/check-reply.js';
import { exampleInput, routeInput } from './examples.js';
import type { Engagement } from '../engagement/engagement.schema.js';
import { fill } from '../replies/suggest.js';

/** What a template is filled with in `voice test`: a made-up author. */
const SAMPLE_ENGAGEMENT = { author: { id: 'sample', handle: 'alex', name: 'Alex' } };

/** The result of one `voice.examples` entry. */
export interface VoiceExampleResult {
  /** `template`: a `voice.templates` entry, filled for a sample author, which must be allowed. */
  expected: 'allowed' | 'refused' | 'template';
  /** The template's id, for a template. */
  template?: string;
  text: string;
  platform: PlatformId;
  department: string;
  pass: boolean;
  /** What the verdict said, in words: the refusing rules, or what was expected and missing. */
  why: string;
  verdict: VoiceVerdict;
}

/**
 * Runs the config's `voice.examples` (`switchboard voice test`), as rule examples are run: an
 * `allowed` text passes when the verdict refuses nothing (warnings are fine); a `refused` one
 * when the rules that refuse it are exactly the ones it `violates` (a text refused for another
 * reason as well documents the wrong thing). An example's `engagement` is built and enriched as
 * `simulate` builds one; without one, the reply answers nothing in particular. A reply is for the
 * `generic` platform and the default department unless the example says otherwise. Each reply
 * template, filled for a sample author, must be allowed too. Pure.
 */
export function testVoiceExamples(loaded: LoadedConfig, now = new Date()): VoiceExampleResult[] {
  const { config } = loaded;
  const voice = config.voice;
  if (!voice) return [];
  const checker = voiceChecker(voice);
  const router = createRouter(loaded);
  const run = (
    expected: 'allowed' | 'refused' | 'template',
    example: {
      text: string;
      platform?: PlatformId | undefined;
      department?: string | undefined;
      engagement?: unknown;
      violates?: string[];
      template?: string;
    },
  ): VoiceExampleResult => {
    const platform = example.platform ?? 'generic';
    const department = example.department ?? config.defaultDepartment;
    const engagement = example.engagement
      ? (routeInput(exampleInput(example.engagement as never), router, now.toISOString()) as unknown as Record<
          string,
          unknown
        >)
      : undefined;
    const verdict = checker.check({
      reply: { text: example.text, platform },
      department,
      ...(engagement ? { engagement } : {}),
    });
    const refusedBy = [...new Set(verdict.violations.map((v) => v.rule))].sort();
    let pass: boolean;
    let why: string;
    if (expected !== 'refused') {
      pass = !verdict.refused;
      why = pass ? 'allowed' : `refused by ${refusedBy.join(', ')}`;
    } else {
      const wanted = [...new Set(example.violates ?? [])].sort();
      pass = refusedBy.join(',') === wanted.join(',');
      why = verdict.refused
        ? `refused by ${refusedBy.join(', ')}${pass ? '' : ` (expected ${wanted.join(', ')})`}`
        : `allowed (expected refused by ${wanted.join(', ')})`;
    }
    return {
      expected,
      ...(example.template ? { template: example.template } : {}),
      text: example.text,
      platform,
      department,
      pass,
      why,
      verdict,
    };
  };
  return [
    ...voice.examples.allowed.map((e) => run('allowed', typeof e === 'string' ? { text: e } : e)),
    ...voice.examples.refused.map((e) => run('refused', e)),
    // A template the policy refuses would never be suggested: a config mistake to catch here.
    ...voice.templates.map((t) =>
      run('template', { text: fill(t.text, SAMPLE_ENGAGEMENT as unknown as Engagement), template: t.id }),
    ),
  ];
}
