import { loadConfig } from '#core/config/load-config.js';
import { testRuleExamples } from '#core/rules/index.js';

// The shipped rules' examples are part of the test suite: a rule change that breaks one fails `npm test`.
const loaded = loadConfig('config/switchboard.yaml');
const results = testRuleExamples(loaded, new Date('2026-11-25T12:00:00.000Z'));

describe('config/switchboard.yaml examples', () => {
  it.each(loaded.config.rules.map((r) => [r.id]))('%s has routes and doesNotRoute examples', (id) => {
    expect(results.filter((r) => r.rule === id && r.expected === 'routes').length).toBeGreaterThan(0);
    expect(results.filter((r) => r.rule === id && r.expected === 'doesNotRoute').length).toBeGreaterThan(0);
  });

  it('all pass', () => {
    expect(
      results.filter((r) => !r.pass).map((r) => `${r.rule} ${r.expected} ${JSON.stringify(r.text)}: ${r.why}`),
    ).toEqual([]);
  });
});
