import { AwsServiceError } from '#local/emulators/aws-json-server.js';
import { buildEnvelope } from '#local/emulators/eventbridge/envelope.js';
import { evaluateJsonPath, parseJsonPath } from '#local/emulators/eventbridge/json-path.js';
import {
  assertValidTargetInput,
  renderTargetInput,
  renderTemplate,
} from '#local/emulators/eventbridge/target-input.js';

const event = buildEnvelope({
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  detailType: 'Engagement Routed',
  source: 'switchboard',
  account: '123456789012',
  time: '2026-11-25T10:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:x:1'],
  detail: { id: 'x:1', author: { handle: 'ana' }, routing: { departments: ['engineering', 'legal'] }, rating: 4 },
});
const context = {
  ruleArn: 'arn:aws:events:us-east-1:123456789012:rule/bus/r1',
  ruleName: 'r1',
  ingestionTime: '2026-11-25T10:00:01.000Z',
};
const target = (extra: object) => ({ Id: 't1', Arn: 'arn:aws:sqs:us-east-1:123456789012:q', ...extra });

describe('JSONPath subset', () => {
  it.each([
    ['$', []],
    ['$.detail', [{ key: 'detail' }]],
    ['$.detail-type', [{ key: 'detail-type' }]],
    ['$.detail.routing.departments[1]', [{ key: 'detail' }, { key: 'routing' }, { key: 'departments' }, { index: 1 }]],
    ["$['detail']['author']", [{ key: 'detail' }, { key: 'author' }]],
  ])('parses %s', (path, steps) => {
    expect(parseJsonPath(path)).toEqual(steps);
  });

  it.each(['detail', '$..detail', '$.detail[*]', '$.a[?(@.b)]', '$.'])('rejects %s', (path) => {
    expect(parseJsonPath(path)).toBeUndefined();
  });

  it('evaluates paths and returns undefined for missing steps', () => {
    expect(evaluateJsonPath(event, parseJsonPath('$.detail.author.handle') ?? [])).toBe('ana');
    expect(evaluateJsonPath(event, parseJsonPath('$.detail.routing.departments[0]') ?? [])).toBe('engineering');
    expect(evaluateJsonPath(event, parseJsonPath('$.detail.nope.deeper') ?? [])).toBeUndefined();
    expect(evaluateJsonPath(event, parseJsonPath('$.detail.author[0]') ?? [])).toBeUndefined();
  });
});

describe('target input', () => {
  it('is the whole event JSON by default, in envelope key order', () => {
    expect(renderTargetInput(target({}), event, context)).toBe(JSON.stringify(event));
  });

  it('is the constant Input when set', () => {
    expect(renderTargetInput(target({ Input: '{"fixed":true}' }), event, context)).toBe('{"fixed":true}');
  });

  it('selects with InputPath', () => {
    expect(JSON.parse(renderTargetInput(target({ InputPath: '$.detail' }), event, context))).toEqual(event.detail);
    expect(renderTargetInput(target({ InputPath: '$.detail.author.handle' }), event, context)).toBe('"ana"');
  });

  it('renders an InputTransformer: strings unescaped (the template quotes them), other values as JSON', () => {
    const rendered = renderTargetInput(
      target({
        InputTransformer: {
          InputPathsMap: {
            handle: '$.detail.author.handle',
            departments: '$.detail.routing.departments',
            rating: '$.detail.rating',
            first: '$.detail.routing.departments[0]',
          },
          InputTemplate:
            '{"who": "<handle>", "to": <departments>, "stars": <rating>, "text": "<handle> goes to <first>", "rule": "<aws.events.rule-name>"}',
        },
      }),
      event,
      context,
    );
    expect(JSON.parse(rendered)).toEqual({
      who: 'ana',
      to: ['engineering', 'legal'],
      stars: 4,
      text: 'ana goes to engineering',
      rule: 'r1',
    });
  });

  it('renders text templates and the reserved event variables', () => {
    expect(
      renderTemplate(
        '<a> is <b>',
        new Map<string, unknown>([
          ['a', 'x'],
          ['b', 3],
        ]),
      ),
    ).toBe('x is 3');
    const full = renderTargetInput(
      target({
        InputTransformer: {
          InputTemplate:
            '{"e": <aws.events.event.json>, "meta": <aws.events.event>, "at": "<aws.events.event.ingestion-time>"}',
        },
      }),
      event,
      context,
    );
    const parsed = JSON.parse(full) as { e: unknown; meta: Record<string, unknown>; at: string };
    expect(parsed.e).toEqual(event);
    expect(parsed.meta).not.toHaveProperty('detail');
    expect(parsed.meta.id).toBe(event.id);
    expect(parsed.at).toBe(context.ingestionTime);
  });

  it('leaves a variable whose path matched nothing empty in strings and null as a value', () => {
    expect(renderTemplate('{"a": <missing>, "b": "x<missing>y"}', new Map())).toBe('{"a": null, "b": "xy"}');
  });

  it('does not treat escaped quotes in a JSON template as string ends', () => {
    expect(renderTemplate('{"a": "say \\"<v>\\"", "b": <v>}', new Map([['v', 'hi']]))).toBe(
      '{"a": "say \\"hi\\"", "b": hi}',
    );
  });
});

describe('target input validation (PutTargets)', () => {
  const reject = (extra: object) => {
    try {
      assertValidTargetInput(target(extra));
    } catch (error) {
      if (error instanceof AwsServiceError) return error.type;
      throw error;
    }
    return 'accepted';
  };

  it('accepts each form alone', () => {
    expect(reject({ Input: '{}' })).toBe('accepted');
    expect(reject({ InputPath: '$.detail' })).toBe('accepted');
    expect(reject({ InputTransformer: { InputPathsMap: { a: '$.detail.a' }, InputTemplate: '<a>' } })).toBe('accepted');
  });

  it('rejects combinations, invalid JSON Input, unsupported paths and reserved names', () => {
    expect(reject({ Input: '{}', InputPath: '$.detail' })).toBe('ValidationException');
    expect(reject({ Input: '{not json' })).toBe('ValidationException');
    expect(reject({ InputPath: 'detail' })).toBe('ValidationException');
    expect(reject({ InputTransformer: { InputPathsMap: { 'aws.x': '$.detail' }, InputTemplate: '<x>' } })).toBe(
      'ValidationException',
    );
    expect(reject({ InputTransformer: { InputPathsMap: { a: '$..a' }, InputTemplate: '<a>' } })).toBe(
      'ValidationException',
    );
  });
});
