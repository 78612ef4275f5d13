import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, parseConfig } from '#core/config/load-config.js';
import { thrownBy } from '#test-support/errors.js';

const shipped = readFileSync('config/switchboard.yaml', 'utf8');

const problemsOf = (text: string) => thrownBy(ConfigError, () => parseConfig(text, 'test.yaml'));

describe('governance config', () => {
  it('accepts the shipped config with the required departments and default', () => {
    const { config, configVersion } = loadConfig('config/switchboard.yaml');
    expect(config.departments.map((d) => d.id)).toEqual(
      expect.arrayContaining(['customer-care', 'engineering', 'sales', 'communications', 'legal']),
    );
    expect(config.defaultDepartment).toBe('communications');
    expect(configVersion).toMatch(/^[0-9a-f]{16}$/);
  });

  it('gives a different version for different content and the same for the same', () => {
    expect(parseConfig(shipped).configVersion).toBe(parseConfig(shipped).configVersion);
    expect(parseConfig(`${shipped}\n# changed\n`).configVersion).not.toBe(parseConfig(shipped).configVersion);
  });

  it('names the field, the line and the allowed values for a bad priority', () => {
    const text = shipped.replace('\n    priority: urgent', '\n    priority: critical');
    const line = text.split('\n').findIndex((l) => l.includes('priority: critical')) + 1;
    const err = problemsOf(text);
    const problem = err.problems.find((p) => p.field.endsWith('.priority'));
    expect(problem).toMatchObject({ line });
    expect(problem?.field).toMatch(/^rules\[\d+\]\.priority$/);
    expect(err.message).toContain(`test.yaml:${line}:`);
    expect(err.message).toMatch(/low.*normal.*high.*urgent/);
  });

  it('refuses a rule that routes to an undeclared department, naming the rule', () => {
    const err = problemsOf(shipped.replace('routeTo: [legal, communications]', 'routeTo: [legal, marketing]'));
    expect(err.message).toContain('routes to "marketing", which is not a declared department');
    expect(err.message).toContain('legal-threats');
  });

  it('refuses an invalid event pattern with the pattern engine reason', () => {
    const err = problemsOf(shipped.replace('kind: [direct_message]', 'kind: []'));
    expect(err.problems[0]?.field).toMatch(/^rules\[\d+\]\.when$/);
    expect(err.message).toContain('Empty arrays are not allowed');
  });

  it('refuses an unknown default department and unknown keys', () => {
    const err = problemsOf(
      shipped.replace('defaultDepartment: communications', 'defaultDepartment: marketing\nroutes: []'),
    );
    expect(err.message).toContain('defaultDepartment');
    expect(err.message).toContain('"marketing" is not a declared department');
    expect(err.problems.some((p) => p.message.includes('routes'))).toBe(true);
  });

  it('refuses malformed SLA durations and duplicate ids', () => {
    const err = problemsOf(
      shipped.replace('firstResponse: PT1H', 'firstResponse: one hour').replace('id: sales', 'id: engineering'),
    );
    expect(err.message).toContain('ISO 8601 duration');
    expect(err.message).toContain('"engineering" is declared twice');
  });

  it('refuses an unknown trial department and an unknown platform status', () => {
    expect(problemsOf(`${shipped}\ntrialDepartment: lab\n`).message).toContain(
      'trialDepartment: "lab" is not a declared department',
    );
    const status = problemsOf(`${shipped}\nplatforms: { tiktok: { status: beta } }\n`);
    expect(status.problems.find((p) => p.field === 'platforms.tiktok.status')?.message).toMatch(/active.*trial/);
  });

  it('reports YAML syntax errors with their line', () => {
    const err = problemsOf('departments:\n  - id: a\n    name: [unclosed\n');
    expect(err.problems[0]).toMatchObject({ field: '(yaml)' });
    expect(err.problems[0]?.line).toBeGreaterThan(0);
  });

  it('explains a missing file', () => {
    expect(() => loadConfig('config/does-not-exist.yaml')).toThrow(/cannot be read/);
  });
  it('defaults enrichment to local and requires a model id for Bedrock intents', () => {
    expect(parseConfig(shipped).config.enrichment).toEqual({
      provider: 'local',
      intents: 'local',
      redactStoredText: false,
    });
    const cloud = parseConfig(
      `${shipped}\nenrichment: { provider: comprehend, intents: bedrock, bedrockModelId: anthropic.claude-3-haiku-20240307-v1:0 }\n`,
    ).config.enrichment;
    expect(cloud).toEqual({
      provider: 'comprehend',
      intents: 'bedrock',
      bedrockModelId: 'anthropic.claude-3-haiku-20240307-v1:0',
      redactStoredText: false,
    });
    const missing = problemsOf(`${shipped}\nenrichment: { provider: comprehend, intents: bedrock }\n`);
    expect(missing.problems.find((p) => p.field === 'enrichment.bedrockModelId')?.message).toContain(
      'bedrockModelId is required',
    );
    expect(
      problemsOf(`${shipped}\nenrichment: { provider: azure }\n`).problems.find(
        (p) => p.field === 'enrichment.provider',
      )?.message,
    ).toMatch(/local.*comprehend/);
  });
  it('takes a second-opinion threshold only with a cloud service to ask', () => {
    expect(
      parseConfig(`${shipped}\nenrichment: { provider: comprehend, secondOpinionBelow: 0.6 }\n`).config.enrichment
        .secondOpinionBelow,
    ).toBe(0.6);
    expect(
      problemsOf(`${shipped}\nenrichment: { secondOpinionBelow: 0.6 }\n`).problems.find(
        (p) => p.field === 'enrichment.secondOpinionBelow',
      )?.message,
    ).toContain('needs a cloud service');
    expect(
      problemsOf(`${shipped}\nenrichment: { provider: comprehend, secondOpinionBelow: 1.5 }\n`).problems.find(
        (p) => p.field === 'enrichment.secondOpinionBelow',
      )?.message,
    ).toContain('below 1');
  });
});
