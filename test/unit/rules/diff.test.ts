import { parseConfig } from '#core/config/load-config.js';
import { DiffInputError, diffRouting } from '#core/rules/index.js';
import { thrownBy } from '#test-support/errors.js';

const now = new Date('2026-11-25T12:00:00.000Z');

const config = (rules: string) =>
  parseConfig(`
departments:
  - { id: care, name: Care }
  - { id: engineering, name: Engineering }
  - { id: comms, name: Comms }
defaultDepartment: comms
rules:
${rules}`);

const before = config(`
  - { id: refunds, when: { keywords: [refund, broken] }, routeTo: [care] }
  - { id: big-voices, when: { author: { followers: [{ numeric: [">=", 10000] }] } }, routeTo: [comms], priority: high }`);
const after = config(`
  - { id: refunds, when: { keywords: [refund] }, routeTo: [care] }
  - { id: bugs, when: { keywords: [broken, crash] }, routeTo: [engineering], priority: high }
  - { id: big-voices, when: { author: { followers: [{ numeric: [">=", 5000] }] } }, routeTo: [comms], priority: urgent }`);

describe('diffRouting', () => {
  it('lists the engagements a rule change moves, with their routing before and after', () => {
    const inputs = [
      { platform: 'x', text: 'the app is broken' },
      { platform: 'x', text: 'I want a refund' },
      { platform: 'generic', text: 'hello there' },
      { platform: 'x', text: 'meh', author: { followers: 7000 } },
    ];
    const changes = diffRouting(before, after, inputs, { now });
    expect(changes).toEqual([
      {
        id: expect.stringMatching(/^x:simulated-/),
        text: 'the app is broken',
        input: 0,
        before: { departments: ['care'], rules: ['refunds'], priority: 'normal' },
        after: { departments: ['engineering'], rules: ['bugs'], priority: 'high' },
      },
      {
        id: expect.stringMatching(/^x:/),
        text: 'meh',
        input: 3,
        before: { departments: ['comms'], rules: [], priority: 'normal' },
        after: { departments: ['comms'], rules: ['big-voices'], priority: 'urgent' },
      },
    ]);
  });

  it('finds no change between a config and itself, nor when only rule order changes', () => {
    const inputs = [
      { platform: 'x', text: 'broken refund' },
      { platform: 'x', text: 'x', author: { followers: 20000 } },
    ];
    expect(diffRouting(before, before, inputs, { now })).toEqual([]);
    const reordered = config(`
  - { id: big-voices, when: { author: { followers: [{ numeric: [">=", 10000] }] } }, routeTo: [comms], priority: high }
  - { id: refunds, when: { keywords: [refund, broken] }, routeTo: [care] }`);
    expect(
      diffRouting(before, reordered, [{ platform: 'x', text: 'broken refund', author: { followers: 20000 } }], { now }),
    ).toEqual([]);
  });

  it('reads platform deliveries like simulate does', () => {
    const delivery = {
      platform: 'generic',
      headers: {},
      body: [{ id: 'a1', text: 'it is broken', author: { id: 'u1' } }],
    };
    expect(diffRouting(before, after, [delivery], { now })).toMatchObject([
      { id: 'generic:a1', input: 0, after: { departments: ['engineering'] } },
    ]);
  });

  it('refuses inputs that are not engagements, naming them', () => {
    const err = thrownBy(DiffInputError, () =>
      diffRouting(
        before,
        after,
        [
          { platform: 'x', text: 'ok' },
          { platform: 'myspace', text: 'x' },
        ],
        { now },
      ),
    );
    expect(err.problems).toEqual([{ input: 1, error: expect.stringContaining('"platform" must be one of') }]);
  });
});
