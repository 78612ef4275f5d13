import type { PlatformId } from '../engagement/platform-ids.js';
import type { VoicePolicy } from '../config/voice.schema.js';
import { extractKeywords } from '../enrichment/keywords.js';
import { findPii, type PiiType } from '../enrichment/pii.js';
import { compilePattern, type CompiledPattern } from '../patterns/index.js';
import { findLinks, hostAllowed } from './links.js';
import { termMatcher, type TermMatcher } from './term-matcher.js';
import { overflowAt, platformLength } from './text-length.js';
import { replyTone } from './tone/reply-tone.js';

/**
 * The brand-voice verdict on a reply (docs/design.md, "Voice verdicts"): every check the policy
 * sets, each naming its rule and, where it can, the span of the text at fault. Deterministic
 * and local (the sentiment is the shipped model's), so `voice check`, `voice test` and the
 * replies API give the same verdict on the same text.
 */

/** One check as the API reports it: `ok`, or what is wrong and where (`text.slice(start, end)`). */
export interface VoiceCheck {
  rule: string;
  ok: boolean;
  /** `refuse`: the reply cannot go (422); `warn`: it may, with this said. Absent when ok. */
  severity?: 'refuse' | 'warn';
  message?: string;
  start?: number;
  end?: number;
}

/** A violation in a 422 body. */
export interface VoiceViolation {
  rule: string;
  message: string;
  start?: number;
  end?: number;
}

/** The verdict: refused when any check refuses; `checks` lists every rule applied, warnings included. */
export interface VoiceVerdict {
  refused: boolean;
  violations: VoiceViolation[];
  checks: VoiceCheck[];
}

/** What is checked: the reply, the engagement it answers, and the replying department. */
export interface ReplyContext {
  reply: { replyId?: string; text: string; platform: PlatformId; author?: { id: string; name?: string } };
  /** The engagement answered (as stored: text, intents, keywords, author…), or a draft of one in an example. */
  engagement?: Record<string, unknown> & { text?: string };
  department: string;
}

/** A policy compiled once (term patterns, disclosure patterns), to check many replies. */
export interface VoiceChecker {
  check(context: ReplyContext): VoiceVerdict;
}

const PII_NAMES: Record<PiiType, string> = {
  email: 'an email address',
  phone: 'a phone number',
  card: 'a payment card number',
  iban: 'a bank account (IBAN)',
};

/** Compiles the policy; no policy checks nothing. */
export function voiceChecker(policy: VoicePolicy | undefined): VoiceChecker {
  const terms = (policy?.terms ?? []).map((t) => ({ term: t, matcher: termMatcher(t.match) as TermMatcher }));
  const disclosures = (policy?.disclosures ?? []).map((d) => ({
    disclosure: d,
    when: compilePattern(d.when) as CompiledPattern,
  }));
  const allowedDomains = policy?.links?.allowedDomains ?? [];

  return {
    check({ reply, engagement, department }) {
      const text = reply.text;
      const checks: VoiceCheck[] = [];
      const refuse = (rule: string, message: string, span?: { start: number; end: number }): VoiceCheck => ({
        rule,
        ok: false,
        severity: 'refuse',
        message,
        ...(span ? { start: span.start, end: span.end } : {}),
      });

      const limit = policy?.maxLength?.[reply.platform] ?? policy?.maxLength?.default;
      if (limit !== undefined) {
        const over = overflowAt(reply.platform, text, limit);
        checks.push(
          over === undefined
            ? { rule: 'maxLength', ok: true }
            : refuse(
                'maxLength',
                `is ${platformLength(reply.platform, text)} long as ${reply.platform} counts it; the limit is ${limit}`,
                { start: over, end: text.length },
              ),
        );
      }

      for (const { term, matcher } of terms) {
        const applies = term.departments
          ? term.departments.includes(department)
          : !(term.except ?? []).includes(department);
        if (!applies) continue;
        const hits = matcher.find(text);
        if (hits.length === 0) checks.push({ rule: term.id, ok: true });
        for (const hit of hits)
          checks.push({
            rule: term.id,
            ok: false,
            severity: term.level === 'banned' ? 'refuse' : 'warn',
            message: term.message,
            start: hit.start,
            end: hit.end,
          });
      }

      if (disclosures.length > 0) {
        const subject = {
          engagement: engagement ?? {},
          reply: { ...reply, keywords: extractKeywords(text) },
          department,
        };
        for (const { disclosure, when } of disclosures) {
          if (!when.matches(subject)) continue;
          const present = text.toLowerCase().includes(disclosure.require.toLowerCase());
          checks.push(
            present
              ? { rule: disclosure.id, ok: true }
              : refuse(disclosure.id, disclosure.message ?? `must include "${disclosure.require}"`),
          );
        }
      }

      if (policy?.links) {
        const bad = findLinks(text, allowedDomains).filter((l) => !hostAllowed(l.host, allowedDomains));
        if (bad.length === 0) checks.push({ rule: 'links', ok: true });
        for (const link of bad)
          checks.push(
            refuse('links', `links only to ${allowedDomains.join(', ')}; ${link.host} is not one of them`, link),
          );
      }

      if (policy?.thirdPartyPii) {
        const own = engagement?.text ?? '';
        const others = findPii(text).filter((m) => !authorsOwn(text.slice(m.start, m.end), m.type, own));
        if (others.length === 0) checks.push({ rule: 'pii', ok: true });
        for (const m of others)
          checks.push({
            rule: 'pii',
            ok: false,
            severity: policy.thirdPartyPii === 'refuse' ? 'refuse' : 'warn',
            message: `holds ${PII_NAMES[m.type]} that is not the author's own`,
            start: m.start,
            end: m.end,
          });
      }

      if (policy?.tone?.notNegative) {
        // The reply-tone model (tone/): trained on replies, where the engagement sentiment model
        // reads "we'll refund you" as an unhappy customer.
        const tone = replyTone(text);
        checks.push(
          tone.label === 'negative'
            ? refuse('tone', `reads as negative (probability ${tone.score.toFixed(2)}); say it in a way that helps`)
            : { rule: 'tone', ok: true },
        );
      }

      const violations = checks
        .filter((c) => c.severity === 'refuse')
        .map(({ rule, message, start, end }) => ({
          rule,
          message: message ?? rule,
          ...(start !== undefined ? { start, end } : {}),
        }));
      return { refused: violations.length > 0, violations, checks };
    },
  };
}

/**
 * Whether personal data in a reply is the engagement author's own: it appears in what they
 * wrote (an email compared case-insensitively, numbers by their digits).
 */
function authorsOwn(value: string, type: PiiType, engagementText: string): boolean {
  if (!engagementText) return false;
  if (type === 'email') return engagementText.toLowerCase().includes(value.toLowerCase());
  const digits = (s: string) => s.replace(/[^0-9A-Za-z]/g, '').toUpperCase();
  const wanted = digits(value);
  return findPii(engagementText).some(
    (m) => m.type === type && digits(engagementText.slice(m.start, m.end)) === wanted,
  );
}
