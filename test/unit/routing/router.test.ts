import { parseConfig } from '#core/config/load-config.js';
import { buildEngagement, MAX_TEXT_CHARS } from '#core/lifecycle/build-engagement.js';
import type { EngagementDraft } from '#core/engagement/engagement.schema.js';
import { EngagementSchema } from '#core/engagement/engagement.schema.js';
import { createRouter } from '#core/routing/router.js';

const config = parseConfig(`
departments:
  - { id: care, name: Care, sla: { firstResponse: PT1H } }
  - { id: eng, name: Engineering, sla: { firstResponse: PT4H } }
  - { id: comms, name: Comms, sla: { firstResponse: PT30M } }
  - { id: legal, name: Legal }
defaultDepartment: comms
rules:
  - { id: refunds, when: { keywords: [refund] }, routeTo: [care] }
  - { id: bugs, when: { keywords: [crash] }, routeTo: [eng], priority: high }
  - { id: lawyers, when: { keywords: [lawyer] }, routeTo: [legal, comms], priority: urgent }
  - { id: big, when: { author: { followers: [{ numeric: [">=", 10000] }] } }, routeTo: [comms], priority: low }
`);
const router = createRouter(config);

const draft = (text: string, followers = 10): EngagementDraft => ({
  platform: 'generic',
  kind: 'comment',
  externalId: 'e1',
  text,
  createdAt: '2026-11-25T10:00:00.000Z',
  author: { id: 'a1', handle: 'sam', name: 'Sam', followers },
});
const route = (text: string, followers?: number) =>
  buildEngagement(draft(text, followers), '2026-11-25T10:00:05.000Z', router);

describe('routing by config rules', () => {
  it('sends an engagement to the department of the matching rule with its SLA', () => {
    const e = route('I want a refund');
    expect(e.routing).toEqual({
      departments: ['care'],
      rules: ['refunds'],
      priority: 'normal',
      slaDueAt: '2026-11-25T11:00:05.000Z',
      configVersion: config.configVersion,
    });
    expect(EngagementSchema.parse(e)).toEqual(e);
  });

  it('adds the departments of every matching rule and keeps the highest priority', () => {
    const e = route('Another crash: refund me or my lawyer calls', 50_000);
    expect(e.routing.departments).toEqual(['care', 'eng', 'legal', 'comms']);
    expect(e.routing.rules).toEqual(['refunds', 'bugs', 'lawyers', 'big']);
    expect(e.routing.priority).toBe('urgent');
    // earliest deadline among the departments: comms' 30 minutes
    expect(e.routing.slaDueAt).toBe('2026-11-25T10:30:05.000Z');
  });

  it('sends an unmatched engagement to the default department at normal priority', () => {
    expect(route('Lovely weather').routing).toMatchObject({ departments: ['comms'], rules: [], priority: 'normal' });
  });

  it('omits the SLA when no routed department has one', () => {
    const legalOnly = createRouter(
      parseConfig('departments: [{ id: legal, name: Legal }]\ndefaultDepartment: legal\n'),
    );
    expect(buildEngagement(draft('hello'), '2026-11-25T10:00:05.000Z', legalOnly).routing.slaDueAt).toBeUndefined();
  });

  it('cuts a very long text, which the raw delivery keeps whole', () => {
    const e = route('refund '.repeat(5_000));
    expect(e.text).toHaveLength(MAX_TEXT_CHARS + 1);
    expect(e.text.endsWith('…')).toBe(true);
  });

  it('sets the stable id, keywords and an ISO 639-1 language', () => {
    const e = buildEngagement({ ...draft('Refund!'), language: 'en-GB' }, '2026-11-25T10:00:05.000Z', router);
    expect(e.id).toBe('generic:e1');
    expect(e.language).toBe('en');
    expect(e.keywords).toContain('refund');
    expect(buildEngagement(draft('x'), '2026-11-25T10:00:05.000Z', router).language).toBe('und');
  });

  it('sends a trial platform only to the trial department, recording what the rules matched', () => {
    const trial = createRouter(
      parseConfig(`
departments: [{ id: care, name: Care }, { id: comms, name: Comms }, { id: social-lab, name: Social Lab }]
defaultDepartment: comms
trialDepartment: social-lab
platforms: { tiktok: { status: trial }, x: { status: active } }
rules: [{ id: refunds, when: { keywords: [refund] }, routeTo: [care], priority: high }]
`),
    );
    const on = (platform: 'tiktok' | 'x') =>
      buildEngagement({ ...draft('refund please'), platform }, '2026-11-25T10:00:05.000Z', trial).routing;
    expect(on('tiktok')).toMatchObject({
      departments: ['social-lab'],
      rules: ['refunds'],
      priority: 'high',
      trial: true,
    });
    expect(on('x')).toMatchObject({ departments: ['care'], rules: ['refunds'] });
    expect(on('x').trial).toBeUndefined();
  });

  it('lets urgent win over high whatever the rule order (urgent overrides)', () => {
    const rules = [
      '  - { id: crash, when: { keywords: [crash] }, routeTo: [eng], priority: high }',
      '  - { id: lawyer, when: { keywords: [lawyer] }, routeTo: [legal], priority: urgent }',
      '  - { id: quiet, when: { keywords: [lawyer] }, routeTo: [care], priority: low }',
    ];
    const header =
      'departments:\n  - { id: care, name: Care }\n  - { id: eng, name: Eng }\n  - { id: legal, name: Legal }\ndefaultDepartment: care\nrules:\n';
    for (const order of [rules, [...rules].reverse(), [rules[1], rules[0], rules[2]]]) {
      const r = createRouter(parseConfig(header + order.join('\n')));
      const e = buildEngagement(draft('The app crash made me call my lawyer'), '2026-11-25T10:00:05.000Z', r);
      expect(e.routing.priority).toBe('urgent');
      expect([...e.routing.rules].sort()).toEqual(['crash', 'lawyer', 'quiet']);
    }
  });

  it('stores and publishes a redacted text when the config asks for it, routing on the original', () => {
    const redacting = createRouter(
      parseConfig(`
departments: [{ id: care, name: Care }, { id: comms, name: Comms }]
defaultDepartment: comms
enrichment: { redactStoredText: true }
rules: [{ id: refunds, when: { keywords: [refund] }, routeTo: [care] }]
`),
    );
    const e = buildEngagement(
      draft('Refund please, card 4111 1111 1111 1111, mail sam@example.com'),
      '2026-11-25T10:00:05.000Z',
      redacting,
    );
    expect(e.text).toBe('Refund please, card [card], mail [email]');
    expect(e.routing.departments).toEqual(['care']);
    expect(e.keywords.join(' ')).not.toMatch(/4111|sam@/);
    expect(buildEngagement(draft('mail sam@example.com'), '2026-11-25T10:00:05.000Z', router).text).toBe(
      'mail sam@example.com',
    );
  });
});
