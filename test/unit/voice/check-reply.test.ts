import { parseConfig } from '#core/config/load-config.js';
import { voiceChecker } from '#core/voice/check-reply.js';

const config = parseConfig(
  `
departments:
  - { id: care, name: Care }
  - { id: legal, name: Legal }
  - { id: sales, name: Sales }
defaultDepartment: care
voice:
  maxLength: { default: 2000, x: 280 }
  terms:
    - id: no-promises
      match: [guarantee, guaranteed, "risk free"]
      level: banned
      message: Legal bans promises; say "we aim to".
      except: [legal]
    - id: no-slang
      match: [lol]
      level: discouraged
      message: Keep it professional.
  disclosures:
    - id: ad-disclosure
      when: { reply: { keywords: [discount, "promo code"] } }
      require: "#ad"
  links: { allowedDomains: [acme.example] }
  thirdPartyPii: refuse
  tone: { notNegative: true }
`,
  'voice.yaml',
).config;
const checker = voiceChecker(config.voice);
const check = (text: string, more: { platform?: 'x' | 'generic'; department?: string; engagement?: string } = {}) =>
  checker.check({
    reply: { text, platform: more.platform ?? 'generic' },
    department: more.department ?? 'care',
    ...(more.engagement !== undefined ? { engagement: { text: more.engagement } } : {}),
  });

describe('the voice verdict on a reply', () => {
  it('passes a plain helpful reply, listing every check applied', () => {
    const verdict = check("Sorry for the trouble, we're on it: see https://help.acme.example/returns");
    expect(verdict.violations).toEqual([]);
    expect(verdict.refused).toBe(false);
    expect(verdict.checks.map((c) => c.rule).sort()).toEqual(
      ['links', 'maxLength', 'no-promises', 'no-slang', 'pii', 'tone'].sort(),
    );
  });

  it('names a banned term and where it is', () => {
    const text = 'We GUARANTEE a fix by Friday';
    const verdict = check(text);
    expect(verdict.refused).toBe(true);
    expect(verdict.violations).toEqual([
      { rule: 'no-promises', message: expect.stringContaining('Legal bans promises'), start: 3, end: 12 },
    ]);
    expect(text.slice(3, 12)).toBe('GUARANTEE');
  });

  it('lets the departments a term excepts use it, and only warns for a discouraged one', () => {
    expect(check('We guarantee it', { department: 'legal' }).refused).toBe(false);
    const verdict = check('lol ok, fixed');
    expect(verdict.refused).toBe(false);
    expect(verdict.checks).toContainEqual(expect.objectContaining({ rule: 'no-slang', ok: false, severity: 'warn' }));
  });

  it('requires the disclosure where its pattern matches, without a span', () => {
    const verdict = check('Use promo code SAVE10 for a discount');
    expect(verdict.violations).toEqual([{ rule: 'ad-disclosure', message: 'must include "#ad"' }]);
    expect(check('#ad Use promo code SAVE10 for a discount').refused).toBe(false);
  });

  it('refuses links outside the allowed domains', () => {
    const text = 'try https://acme.example.evil.com/login or www.acme.example';
    expect(check(text).violations).toEqual([
      expect.objectContaining({
        rule: 'links',
        start: 4,
        end: 39,
        message: expect.stringContaining('acme.example.evil.com'),
      }),
    ]);
  });

  it('refuses third parties’ personal data but not the author’s own', () => {
    expect(check('Mail our agent at jo.smith@gmail.com').violations).toEqual([
      expect.objectContaining({ rule: 'pii', start: 18, end: 36 }),
    ]);
    expect(check('We wrote to sam@mail.example', { engagement: 'pls reply to SAM@mail.example' }).refused).toBe(false);
  });

  it('counts the length as the platform does', () => {
    const verdict = check(`${'a'.repeat(279)}世`, { platform: 'x' });
    expect(verdict.violations).toEqual([expect.objectContaining({ rule: 'maxLength', start: 279, end: 280 })]);
    expect(check(`${'a'.repeat(279)}世`).refused).toBe(false);
  });

  it('refuses a hostile reply but not an apology', () => {
    expect(check('No, we will not refund you. Terrible attitude.').violations).toEqual([
      expect.objectContaining({ rule: 'tone' }),
    ]);
    expect(check("Sorry for the trouble, we're fixing it now.").refused).toBe(false);
  });

  it('checks nothing without a policy', () => {
    expect(
      voiceChecker(undefined).check({ reply: { text: 'We guarantee', platform: 'x' }, department: 'care' }),
    ).toEqual({
      refused: false,
      violations: [],
      checks: [],
    });
  });
});
