import { ConfigError, parseConfig } from '#core/config/load-config.js';
import { extractKeywords } from '#core/enrichment/keywords.js';

const DEPARTMENTS = `departments:
  - { id: care, name: Care }
  - { id: crisis-room, name: Crisis room }
defaultDepartment: care
`;

const parse = (yaml: string) => parseConfig(DEPARTMENTS + yaml, 'crisis.yaml').config;

/** The problems a config is refused with (fails the test when it is accepted). */
function problems(yaml: string): ConfigError['problems'] {
  try {
    parse(yaml);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('the config was accepted');
}

/** The config's message for a refused config (file, line and column, field, what to do). */
function message(yaml: string): string {
  try {
    parse(yaml);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('the config was accepted');
}

/** One spike entry (on line 6), with fields replacing the defaults (`key: value, …`). */
function spike(fields: string): string {
  const given = new Map(
    fields.split(/,\s*(?=\w+:)/).map((f) => [f.slice(0, f.indexOf(':')).trim(), f.slice(f.indexOf(':') + 1).trim()]),
  );
  const all = new Map([['id', 's1'], ['window', 'PT15M'], ['sensitivity', '3'], ['cooldown', 'PT1H'], ...given]);
  return `spikes:\n  - { ${[...all].map(([k, v]) => `${k}: ${v}`).join(', ')} }\n`;
}

describe('spikes: and crisis: in the config', () => {
  it('parses a spike entry and a playbook, filling in the defaults', () => {
    const config = parse(`spikes:
  - { id: battery, key: "keyword:battery fire", window: PT15M, sensitivity: 3.5, cooldown: PT1H }
  - { id: negative, key: negativeShare, window: PT1H, sensitivity: 4, minCount: 25, cooldown: P1D, startsCrisis: true }
crisis:
  team: crisis-room
  when: { keywords: [battery] }
`);
    expect(config.spikes).toEqual([
      {
        id: 'battery',
        key: 'keyword:battery fire',
        window: 'PT15M',
        sensitivity: 3.5,
        minCount: 10,
        cooldown: 'PT1H',
        startsCrisis: false,
      },
      {
        id: 'negative',
        key: 'negativeShare',
        window: 'PT1H',
        sensitivity: 4,
        minCount: 25,
        cooldown: 'P1D',
        startsCrisis: true,
      },
    ]);
    expect(config.crisis).toEqual({
      team: 'crisis-room',
      when: { keywords: ['battery'] },
      priority: 'urgent',
      approvalsRequired: false,
      slaFactor: 1,
    });
    expect(config.crisis?.autoEnd).toBeUndefined();
  });

  it('has no spikes and no playbook when the sections are absent', () => {
    const config = parse('');
    expect(config.spikes).toEqual([]);
    expect(config.crisis).toBeUndefined();
  });

  it('accepts every kind of key, and the window and cooldown at their bounds', () => {
    const config = parse(`spikes:
  - { id: a, key: "intent:legal_risk", window: PT5M, sensitivity: 3, cooldown: PT1M }
  - { id: b, key: "platform:google-business", window: PT6H, sensitivity: 50, cooldown: P7D }
  - { id: c, key: "keyword:wi-fi", window: PT90M, sensitivity: 0.5, cooldown: PT2H }
crisis: { team: care, when: { intents: [legal_risk] }, priority: high, approvalsRequired: true, slaFactor: 0.5, autoEnd: PT2H }
`);
    expect(config.spikes.map((s) => s.key)).toEqual(['intent:legal_risk', 'platform:google-business', 'keyword:wi-fi']);
    expect(config.crisis).toMatchObject({ priority: 'high', approvalsRequired: true, slaFactor: 0.5, autoEnd: 'PT2H' });
  });

  it.each([
    ['keyword:Battery', /lower-case word or phrase.*keyword:battery/],
    ['keyword:', /keyword:<word> takes one lower-case word/],
    ['intent:nope', /intent:<intent> takes one of complaint, .*legal_risk/],
    ['platform:myspace', /platform:<id> takes one of x, facebook, .*generic/],
    ['foo', /must be keyword:<word>, intent:<intent>, platform:<id> or negativeShare/],
    ['negativeShare:x', /must be keyword:<word>, intent:<intent>, platform:<id> or negativeShare/],
  ])('refuses the key %j, saying which keys there are, at its line', (key, says) => {
    const found = problems(spike(`key: "${key}"`));
    expect(found).toEqual([
      { field: 'spikes[0].key', line: 6, column: expect.any(Number), message: expect.stringMatching(says) },
    ]);
    expect(message(spike(`key: "${key}"`))).toMatch(/crisis\.yaml:6:\d+ spikes\[0\]\.key: /);
  });

  it('refuses a window that is not whole minutes', () => {
    expect(problems(spike('key: negativeShare, window: PT5M30S'))).toEqual([
      { field: 'spikes[0].window', line: 6, column: expect.any(Number), message: 'must be whole minutes' },
    ]);
  });

  it.each(['PT4M', 'PT6H1M', 'P1D'])('refuses the window %s, naming the range', (window) => {
    expect(problems(spike(`key: negativeShare, window: ${window}`))).toEqual([
      { field: 'spikes[0].window', line: 6, column: expect.any(Number), message: 'must be from PT5M to PT6H' },
    ]);
  });

  it('refuses a window that is no duration at all, saying what a duration looks like', () => {
    const found = problems(spike('key: negativeShare, window: soon'));
    expect(found.map((p) => p.field)).toContain('spikes[0].window');
    expect(found.map((p) => p.message).join('\n')).toMatch(/ISO 8601 duration such as PT15M/);
  });

  it('refuses sensitivity, minCount and cooldown out of range', () => {
    const found = problems(spike('key: negativeShare, sensitivity: 0, minCount: 0, cooldown: PT30S'));
    expect(found.map((p) => [p.field, p.message])).toEqual(
      expect.arrayContaining([
        ['spikes[0].sensitivity', 'must be above 0'],
        ['spikes[0].minCount', 'must be at least 1'],
        ['spikes[0].cooldown', 'must be from PT1M to P7D'],
      ]),
    );
  });

  it('refuses an unknown field of a spike entry, pointing at it', () => {
    const found = problems(spike('key: negativeShare, threshold: 3'));
    expect(found).toEqual([
      expect.objectContaining({ field: 'spikes[0]', line: 6, message: expect.stringContaining('threshold') }),
    ]);
  });

  it('refuses a spike id declared twice, at the second', () => {
    const found = problems(`spikes:
  - { id: battery, key: "keyword:battery", window: PT15M, sensitivity: 3, cooldown: PT1H }
  - { id: battery, key: "keyword:fire", window: PT15M, sensitivity: 3, cooldown: PT1H }
`);
    expect(found).toEqual([
      { field: 'spikes[1].id', line: 7, column: expect.any(Number), message: 'spike "battery" is declared twice' },
    ]);
  });

  it('refuses startsCrisis without a crisis: section, saying what is missing', () => {
    const found = problems(spike('key: negativeShare, startsCrisis: true'));
    expect(found).toEqual([
      {
        field: 'spikes[0].startsCrisis',
        line: 6,
        column: expect.any(Number),
        message: 'a spike can start crisis mode only with a crisis: playbook in the config',
      },
    ]);
    // With the playbook it is fine.
    expect(
      parse(`${spike('key: negativeShare, startsCrisis: true')}crisis: { team: care, when: { keywords: [x] } }\n`)
        .spikes[0]?.startsCrisis,
    ).toBe(true);
  });

  it('refuses a crisis team that is not a declared department, listing the declared ones', () => {
    const found = problems('crisis:\n  team: war-room\n  when: { keywords: [recall] }\n');
    expect(found).toEqual([
      {
        field: 'crisis.team',
        line: 6,
        column: expect.any(Number),
        message: '"war-room" is not a declared department (declared: care, crisis-room)',
      },
    ]);
  });

  it('refuses an slaFactor above 1 (a crisis never lengthens SLAs), and one of 0', () => {
    expect(problems('crisis:\n  team: care\n  when: { keywords: [x] }\n  slaFactor: 1.5\n')).toEqual([
      {
        field: 'crisis.slaFactor',
        line: 8,
        column: expect.any(Number),
        message: 'must be at most 1 (a crisis never lengthens SLAs)',
      },
    ]);
    expect(problems('crisis: { team: care, when: { keywords: [x] }, slaFactor: 0 }\n')).toEqual([
      expect.objectContaining({ field: 'crisis.slaFactor', message: 'must be above 0' }),
    ]);
  });

  it('refuses a playbook without when, an autoEnd out of range and an invalid pattern', () => {
    expect(problems('crisis: { team: care }\n')).toEqual([expect.objectContaining({ field: 'crisis.when' })]);
    expect(problems('crisis: { team: care, when: { keywords: [x] }, autoEnd: PT1M }\n')).toEqual([
      expect.objectContaining({ field: 'crisis.autoEnd', message: 'must be from PT5M to P30D' }),
    ]);
    expect(problems('crisis: { team: care, when: { keywords: x } }\n')).toEqual([
      expect.objectContaining({
        field: 'crisis.when',
        message: expect.stringContaining('is not a valid EventBridge event pattern'),
      }),
    ]);
  });

  // Routing marks an engagement the playbook sent to the crisis team with the rule id `crisis`
  // (CRISIS_RULE), which the rollups count as byRule.crisis and explain() looks up among the
  // config's rules: a rule of the config by that name would be counted and explained as the
  // playbook (and an engagement both match would carry `crisis` twice, counted twice).
  it('refuses a rule with the id the crisis playbook marks its routing with', () => {
    const found = problems(`rules:
  - { id: crisis, when: { keywords: [fire] }, routeTo: [care] }
crisis: { team: crisis-room, when: { keywords: [battery] } }
`);
    expect(found).toEqual([expect.objectContaining({ field: 'rules[0].id', line: 6 })]);
  });

  // The key's own message says it takes a keyword "as engagement keywords are": a keyword that
  // enrichment extracts (and a spike could count) must be accepted.
  it.each([
    ['a word with combining marks (Hindi)', 'बैटरी फट गई', 'बैटरी'],
    ['a hashtag joined by an underscore', 'the #battery_fire again', 'battery_fire'],
    ['a word with a typographic apostrophe', 'I don’t trust it', 'don’t'],
  ])('accepts as keyword:<word> %s, as enrichment extracts it', (_what, text, keyword) => {
    expect(extractKeywords(text)).toContain(keyword);
    expect(parse(spike(`key: ${JSON.stringify(`keyword:${keyword}`)}`)).spikes[0]?.key).toBe(`keyword:${keyword}`);
  });
});
