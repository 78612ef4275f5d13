import { parseConfig } from '#core/config/load-config.js';
import type { Engagement } from '#core/engagement/engagement.schema.js';
import type { PlatformId } from '#core/engagement/platform-ids.js';
import { EngagementSchema } from '#core/engagement/engagement.schema.js';
import { CRISIS_RULE, compilePlaybook } from '#core/routing/crisis-playbook.js';
import { createRouter, type RoutableEngagement } from '#core/routing/router.js';
import { slaDeadlines } from '#core/routing/sla.js';

const loaded = parseConfig(
  `
departments:
  - { id: care, name: Care, sla: { firstResponse: PT1H, resolution: P1D } }
  - { id: eng, name: Engineering, sla: { firstResponse: PT4H } }
  - { id: legal, name: Legal, sla: { firstResponse: PT8H } }
  - { id: crisis-room, name: Crisis room, sla: { firstResponse: PT2H } }
  - { id: social-lab, name: Social Lab, sla: { firstResponse: PT6H } }
defaultDepartment: care
trialDepartment: social-lab
platforms: { tiktok: { status: trial } }
rules:
  - { id: refunds, when: { keywords: [refund] }, routeTo: [care], priority: low }
  - { id: batteries, when: { keywords: [battery] }, routeTo: [eng] }
  - { id: lawyers, when: { keywords: [lawyer] }, routeTo: [legal], priority: urgent }
  - { id: recalls, when: { keywords: [recall] }, routeTo: [crisis-room], priority: normal }
crisis:
  team: crisis-room
  when: { keywords: [battery, fire] }
  priority: high
  approvalsRequired: true
  slaFactor: 0.5
  autoEnd: PT2H
`,
  'crisis-routing.yaml',
);
const router = createRouter(loaded);
const crisis = { crisisId: 'c1' };
const RECEIVED = '2026-11-25T10:00:05.000Z';

const engagement = (keywords: string[], platform: PlatformId = 'x'): RoutableEngagement => ({
  id: `${platform}:1`,
  platform,
  externalId: '1',
  kind: 'mention',
  text: keywords.join(' '),
  language: 'en',
  intents: ['complaint'],
  keywords,
  sentiment: { label: 'negative', score: -0.7 },
  author: { id: 'a1', handle: 'sam', name: 'Sam' },
  createdAt: '2026-11-25T10:00:00.000Z',
  receivedAt: RECEIVED,
});

const distance = (routing: Engagement['routing']) => Date.parse(routing.slaDueAt ?? '') - Date.parse(RECEIVED);

describe('routing while crisis mode is on', () => {
  it('adds the crisis team at the playbook priority to an engagement matching its when, with the crisis rule', () => {
    const e = engagement(['battery']);
    const routing = router.route(e, { crisis });
    expect(routing).toEqual({
      departments: ['eng', 'crisis-room'],
      rules: ['batteries', CRISIS_RULE],
      priority: 'high',
      configVersion: loaded.configVersion,
      crisis: 'c1',
      // The earliest of eng's 4 h and the crisis room's 2 h, halved.
      slaDueAt: new Date(Date.parse(RECEIVED) + 3_600_000).toISOString(),
    });
    expect(EngagementSchema.parse({ ...e, routing })).toEqual({ ...e, routing });
  });

  it('adds the team to an engagement no rule matched, next to the default department', () => {
    expect(router.route(engagement(['fire']), { crisis })).toMatchObject({
      departments: ['care', 'crisis-room'],
      rules: [CRISIS_RULE],
      priority: 'high',
      crisis: 'c1',
    });
  });

  it('does not add the team twice when a rule routed to it already', () => {
    const routing = router.route(engagement(['recall', 'fire']), { crisis });
    expect(routing.departments).toEqual(['crisis-room']);
    expect(routing.rules).toEqual(['recalls', CRISIS_RULE]);
    expect(routing.priority).toBe('high');
  });

  it('never lowers a higher priority the rules gave', () => {
    const routing = router.route(engagement(['battery', 'lawyer']), { crisis });
    expect(routing.priority).toBe('urgent');
    expect(routing.departments).toEqual(['eng', 'legal', 'crisis-room']);
    expect(routing.rules).toEqual(['batteries', 'lawyers', CRISIS_RULE]);
  });

  it('only marks and hurries an engagement not matching when: same departments, rules and priority', () => {
    const e = engagement(['refund']);
    const off = router.route(e);
    const on = router.route(e, { crisis });
    expect(on).toEqual({ ...off, crisis: 'c1', slaDueAt: on.slaDueAt });
    expect(on.departments).toEqual(['care']);
    expect(on.rules).not.toContain(CRISIS_RULE);
    expect(distance(on)).toBe(distance(off) * 0.5);
  });

  it('shortens the deadline of a matching engagement by slaFactor too', () => {
    const e = engagement(['battery']);
    const off = router.route(e);
    expect(off).toEqual({
      departments: ['eng'],
      rules: ['batteries'],
      priority: 'normal',
      configVersion: loaded.configVersion,
      slaDueAt: new Date(Date.parse(RECEIVED) + 4 * 3_600_000).toISOString(),
    });
    // With the crisis room added (2 h) and halved: 1 h.
    expect(distance(router.route(e, { crisis }))).toBe(3_600_000);
  });

  it('changes nothing without crisis mode, even for a matching engagement', () => {
    const routing = router.route(engagement(['battery', 'fire']));
    expect(routing.crisis).toBeUndefined();
    expect(routing.rules).toEqual(['batteries']);
    expect(routing.departments).toEqual(['eng']);
    expect(router.route(engagement(['battery']), { crisis: undefined })).toEqual(routing);
  });

  it("keeps a trial platform's engagement with the trial department", () => {
    const routing = router.route(engagement(['battery', 'fire'], 'tiktok'), { crisis });
    expect(routing).toMatchObject({
      departments: ['social-lab'],
      rules: ['batteries'],
      priority: 'normal',
      trial: true,
    });
    expect(routing.rules).not.toContain(CRISIS_RULE);
  });

  it('marks the crisis and leaves the deadlines alone with no playbook in the config', () => {
    const plain = createRouter(
      parseConfig('departments: [{ id: care, name: Care, sla: { firstResponse: PT1H } }]\ndefaultDepartment: care\n'),
    );
    const off = plain.route(engagement(['battery']));
    const on = plain.route(engagement(['battery']), { crisis });
    expect(on).toEqual({ ...off, crisis: 'c1' });
  });

  it('explains the rules that matched, without inventing reasons for the crisis rule', () => {
    const { routing, reasons } = router.routeWithReasons(engagement(['battery']), { crisis });
    expect(routing.rules).toEqual(['batteries', CRISIS_RULE]);
    expect(reasons.map((r) => r.rule)).toEqual(['batteries']);
  });
});

describe('the playbook in words', () => {
  it('lists every change it makes', () => {
    const playbook = loaded.config.crisis;
    if (!playbook) throw new Error('the config has a playbook');
    const lines = compilePlaybook(playbook).describe();
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/matching .*battery.*fire.* also go to crisis-room, at high priority/);
    expect(lines[1]).toMatch(/Every reply needs approval by crisis-room/);
    expect(lines[2]).toMatch(/SLA deadlines .* 0\.5 times as long/);
    expect(lines[3]).toMatch(/ends by itself after PT2H/);
  });

  it('says a playbook without approvals, factor or autoEnd ends only by hand', () => {
    const lines = compilePlaybook({
      team: 'care',
      when: { intents: ['legal_risk'] },
      priority: 'urgent',
      approvalsRequired: false,
      slaFactor: 1,
    }).describe();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/legal_risk.* also go to care, at urgent priority/);
    expect(lines[1]).toMatch(/crisis end/);
    expect(lines.join('\n')).not.toMatch(/approval|times as long|by itself/);
  });
});

describe('SLA deadlines in a crisis', () => {
  const from = Date.parse('2026-12-07T10:00:00.000Z');

  it('multiplies both durations by the factor', () => {
    expect(slaDeadlines({ sla: { firstResponse: 'PT1H', resolution: 'P1D' } }, from, 0.5)).toEqual({
      firstResponse: '2026-12-07T10:30:00.000Z',
      resolution: '2026-12-07T22:00:00.000Z',
    });
    expect(slaDeadlines({ sla: { firstResponse: 'PT1H', resolution: 'P1D' } }, from)).toEqual({
      firstResponse: '2026-12-07T11:00:00.000Z',
      resolution: '2026-12-08T10:00:00.000Z',
    });
  });

  it('counts the shortened duration in business hours where the department keeps them', () => {
    const department = {
      sla: {
        firstResponse: 'PT2H',
        businessHours: {
          timeZone: 'UTC',
          days: ['mon', 'tue', 'wed', 'thu', 'fri'] as never,
          start: '09:00',
          end: '17:00',
        },
      },
    };
    const fridayLate = Date.parse('2026-12-04T16:30:00.000Z');
    expect(slaDeadlines(department, fridayLate)).toEqual({ firstResponse: '2026-12-07T10:30:00.000Z' });
    expect(slaDeadlines(department, fridayLate, 0.5)).toEqual({ firstResponse: '2026-12-07T09:30:00.000Z' });
  });

  it('sets no deadline for a department without an SLA', () => {
    expect(slaDeadlines({}, from, 0.5)).toEqual({});
  });
});
