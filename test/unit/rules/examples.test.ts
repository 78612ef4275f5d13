import { ConfigError, parseConfig } from '#core/config/load-config.js';
import { testRuleExamples } from '#core/rules/index.js';
import { thrownBy } from '#test-support/errors.js';

const now = new Date('2026-11-25T12:00:00.000Z');

const config = (rules: string, extra = '') => `
departments:
  - { id: care, name: Care }
  - { id: comms, name: Comms }
  - { id: lab, name: Lab }
defaultDepartment: comms
${extra}
rules:
${rules}`;

const refunds = `
  - id: refunds
    when: { keywords: [refund] }
    routeTo: [care]
    examples:
      routes: ["I want a refund", { platform: x, kind: reply, text: "refund please" }]
      doesNotRoute: ["thanks, all good"]`;

describe('testRuleExamples', () => {
  it('passes examples that route as they say, with the routing they got', () => {
    const results = testRuleExamples(parseConfig(config(refunds)), now);
    expect(results.map((r) => [r.rule, r.expected, r.pass])).toEqual([
      ['refunds', 'routes', true],
      ['refunds', 'routes', true],
      ['refunds', 'doesNotRoute', true],
    ]);
    expect(results[0]).toMatchObject({
      text: 'I want a refund',
      actual: { departments: ['care'], rules: ['refunds'], priority: 'normal' },
    });
    expect(results[0]?.why).toContain('"refund"');
    expect(results[2]).toMatchObject({ actual: { departments: ['comms'], rules: [] } });
  });

  it('reports a failing example in both directions, with why', () => {
    const rules = `
  - id: refunds
    when: { keywords: [refund] }
    routeTo: [care]
    examples:
      routes: ["I want my money back"]
      doesNotRoute: ["refund received, thanks"]`;
    const [missed, wrong] = testRuleExamples(parseConfig(config(rules)), now);
    expect(missed).toMatchObject({
      rule: 'refunds',
      expected: 'routes',
      pass: false,
      actual: { departments: ['comms'], rules: [] },
    });
    expect(missed?.why).toMatch(/does not match, but should.*keywords seen: .*money/);
    expect(wrong).toMatchObject({
      rule: 'refunds',
      expected: 'doesNotRoute',
      pass: false,
      actual: { rules: ['refunds'] },
    });
    expect(wrong?.why).toMatch(/matches, but should not on "refund"/);
  });

  it('judges big voices by the follower count of draft examples', () => {
    const rules = `
  - id: big-voices
    when: { author: { followers: [{ numeric: [">=", 10000] }] } }
    routeTo: [comms]
    priority: urgent
    examples:
      routes:
        - { platform: x, text: "meh", author: { followers: 10000 } }
        - { platform: x, text: "meh", author: { followers: 5 } }
      doesNotRoute:
        - { platform: x, text: "meh", author: { handle: "@small", followers: 9999 } }
        - "meh"`;
    const results = testRuleExamples(parseConfig(config(rules)), now);
    expect(results.map((r) => r.pass)).toEqual([true, false, true, true]);
    expect(results[0]?.actual).toEqual({ departments: ['comms'], rules: ['big-voices'], priority: 'urgent' });
  });

  it('requires a routes example to reach every department of the rule', () => {
    const rules = `
  - id: refunds
    when: { keywords: [refund] }
    routeTo: [care, comms]
    examples: { routes: [{ platform: tiktok, text: "refund" }, "refund"] }`;
    const [trial, ok] = testRuleExamples(
      parseConfig(config(rules, 'trialDepartment: lab\nplatforms: { tiktok: { status: trial } }')),
      now,
    );
    expect(trial).toMatchObject({ pass: false, actual: { departments: ['lab'], rules: ['refunds'], trial: true } });
    expect(trial?.why).toMatch(/does not reach care, comms \(platform tiktok is on trial/);
    expect(ok?.pass).toBe(true);
  });

  it('gives nothing for rules without examples', () => {
    expect(
      testRuleExamples(parseConfig(config('  - { id: a, when: { kind: [post] }, routeTo: [care] }')), now),
    ).toEqual([]);
  });
});

describe('examples validation', () => {
  const problems = (examples: string) =>
    thrownBy(ConfigError, () =>
      parseConfig(
        config(`  - id: refunds\n    when: { keywords: [refund] }\n    routeTo: [care]\n    examples: ${examples}`),
        'rules.yaml',
      ),
    );

  it('names the rule, the field and the line of a misspelt draft field', () => {
    const err = problems('{ routes: ["refund", { platform: x, text: "hi", author: { follower: 3 } }] }');
    expect(err.problems[0]).toMatchObject({ field: 'rules[0].examples.routes[1].author', line: 12 });
    expect(err.message).toContain('in rule "refunds"');
    expect(err.message).toContain('"follower"');
  });

  it('refuses unknown example lists, empty examples, bad platforms and empty texts', () => {
    expect(problems('{ matches: ["refund"] }').message).toMatch(
      /rules\[0\]\.examples: in rule "refunds": Unrecognized key: "matches"/,
    );
    expect(problems('{}').message).toContain('must list at least one example');
    expect(problems('{ routes: [{ platform: myspace, text: "refund" }] }').message).toMatch(
      /rules\[0\]\.examples\.routes\[0\]: in rule "refunds": platform: /,
    );
    expect(problems('{ doesNotRoute: [""] }').message).toContain(
      'rules[0].examples.doesNotRoute[0]: in rule "refunds": must not be empty',
    );
    expect(problems('{ routes: [42] }').message).toContain('must be a text or an engagement draft');
  });

  it('names the rule in other rule errors too', () => {
    const err = thrownBy(ConfigError, () =>
      parseConfig(config('  - { id: refunds, when: { kind: [post] }, routeTo: [care], priority: critical }')),
    );
    expect(err.problems[0]).toMatchObject({ field: 'rules[0].priority' });
    expect(err.problems[0]?.message).toMatch(/^in rule "refunds": Invalid option/);
  });
});
