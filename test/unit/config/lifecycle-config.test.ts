import { ConfigError, parseConfig } from '#core/config/load-config.js';
import { retentionDays } from '#core/config/retention.js';

const base = (departments: string) => `departments:
${departments}
defaultDepartment: care
`;
const problems = (text: string) => {
  try {
    parseConfig(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.field}: ${p.message}`);
    throw err;
  }
  return [];
};

describe('lifecycle settings in the config', () => {
  it('reads SLAs with a resolution deadline, an escalation (urgent unless told) and an AWS account', () => {
    const { config } = parseConfig(
      base(`  - { id: care, name: Care, sla: { firstResponse: PT1H, resolution: P2D }, escalation: { to: comms }, account: "123456789012" }
  - { id: comms, name: Comms }`),
    );
    expect(config.departments[0]).toMatchObject({
      sla: { firstResponse: 'PT1H', resolution: 'P2D' },
      escalation: { to: 'comms', priority: 'urgent' },
      account: '123456789012',
    });
  });

  it('refuses an escalation to itself or to an undeclared department, a bad account and a bad resolution', () => {
    expect(problems(base('  - { id: care, name: Care, escalation: { to: care } }'))).toEqual([
      'departments[0].escalation.to: department "care" cannot escalate to itself',
    ]);
    expect(problems(base('  - { id: care, name: Care, escalation: { to: nobody } }'))).toEqual([
      'departments[0].escalation.to: "nobody" is not a declared department (declared: care)',
    ]);
    expect(problems(base('  - { id: care, name: Care, account: 1234 }'))[0]).toMatch(/^departments\[0\]\.account: /);
    expect(problems(base('  - { id: care, name: Care, sla: { firstResponse: PT1H, resolution: soon } }'))[0]).toMatch(
      /^departments\[0\]\.sla\.resolution: must be an ISO 8601 duration/,
    );
  });

  it('takes sticky: false on a rule, and sticky by default', () => {
    const { config } = parseConfig(`${base('  - { id: care, name: Care }')}rules:
  - { id: a, when: { intents: [legal_risk] }, routeTo: [care], sticky: false }
  - { id: b, when: { intents: [praise] }, routeTo: [care] }
`);
    expect(config.rules.map((r) => r.sticky)).toEqual([false, true]);
  });
});

describe('retention in the config', () => {
  it('keeps raw deliveries 30 days, engagements 400 days, audit records and exports 7 years unless told', () => {
    const { config } = parseConfig(base('  - { id: care, name: Care }'));
    expect(config.retention).toEqual({ rawDeliveries: 'P30D', engagements: 'P400D', audit: 'P7Y', exports: 'P7Y' });
    expect(['P30D', 'P400D', 'P7Y', 'P1Y6M', 'P2W'].map((p) => retentionDays(p))).toEqual([
      30,
      400,
      7 * 365,
      365 + 180,
      14,
    ]);
  });

  it('refuses a retention that is not a whole number of years, months, weeks or days', () => {
    for (const bad of ['PT1H', 'P0D', '30 days', 'P'])
      expect(problems(`${base('  - { id: care, name: Care }')}retention: { exports: "${bad}" }\n`)[0]).toMatch(
        /^retention\.exports: must be a retention/,
      );
  });
});
