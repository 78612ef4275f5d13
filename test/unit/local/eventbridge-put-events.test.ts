import { AwsServiceError } from '#local/emulators/aws-json-server.js';
import { buildEnvelope, formatEventTime, parseEntryTime } from '#local/emulators/eventbridge/envelope.js';
import {
  assertValidPutEventsRequest,
  checkEntry,
  entrySize,
} from '#local/emulators/eventbridge/put-events-validation.js';
import { thrownBy } from '#test-support/errors.js';
import { ENVELOPE_KEYS } from '#test-support/eventbridge.js';

const entry = { Source: 'switchboard', DetailType: 'Engagement Routed', Detail: '{"id":"x:1"}' };

const thrown = (fn: () => void): AwsServiceError => thrownBy(AwsServiceError, fn);

describe('event envelope', () => {
  it('has AWS key order: version, id, detail-type, source, account, time, region, resources, detail', () => {
    const event = buildEnvelope({
      id: 'e1',
      detailType: 'Engagement Routed',
      source: 'switchboard',
      account: '123456789012',
      time: '2026-11-25T10:00:00Z',
      region: 'us-east-1',
      detail: { b: 1, a: 2 },
    });
    expect(Object.keys(event)).toEqual(ENVELOPE_KEYS);
    expect(JSON.stringify(event)).toBe(
      '{"version":"0","id":"e1","detail-type":"Engagement Routed","source":"switchboard","account":"123456789012","time":"2026-11-25T10:00:00Z","region":"us-east-1","resources":[],"detail":{"b":1,"a":2}}',
    );
  });

  it('writes time in RFC 3339 at second precision with Z', () => {
    expect(formatEventTime(new Date('2026-11-25T10:11:12.987Z'))).toBe('2026-11-25T10:11:12Z');
  });

  it('reads entry Time as epoch seconds (wire), Date or ISO text, and ignores garbage', () => {
    expect(parseEntryTime(1_767_225_600.5)?.toISOString()).toBe('2026-01-01T00:00:00.500Z');
    expect(parseEntryTime(new Date('2026-01-01T00:00:00Z'))?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(parseEntryTime('2026-01-01T00:00:00Z')?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(parseEntryTime('not a time')).toBeUndefined();
    expect(parseEntryTime(undefined)).toBeUndefined();
  });
});

describe('PutEvents size', () => {
  it('counts UTF-8 bytes of Source, DetailType, Detail and Resources, plus 14 for Time', () => {
    expect(entrySize({ Source: 'ab', DetailType: 'c', Detail: '{}' })).toBe(5);
    expect(entrySize({ Source: 'é', DetailType: '€', Detail: '{"k":"😀"}' })).toBe(2 + 3 + 12);
    expect(entrySize({ Source: 'a', DetailType: 'b', Detail: '{}', Resources: ['arn:1', 'xyz'] })).toBe(4 + 5 + 3);
    expect(entrySize({ Source: 'a', DetailType: 'b', Detail: '{}', Time: new Date() })).toBe(4 + 14);
  });

  it('ignores EventBusName and TraceHeader', () => {
    expect(entrySize({ ...entry, EventBusName: 'a-very-long-bus-name', TraceHeader: 'Root=1-abc' })).toBe(
      entrySize(entry),
    );
  });

  it('rejects a request whose total is over the limit with the AWS message, and accepts one exactly at it', () => {
    const detail = `{"t":"${'x'.repeat(100)}"}`;
    const big = { Source: 's', DetailType: 'd', Detail: detail };
    const limit = entrySize(big) * 2;
    expect(() => assertValidPutEventsRequest([big, big], limit)).not.toThrow();
    const error = thrown(() => assertValidPutEventsRequest([big, big], limit - 1));
    expect(error.type).toBe('ValidationException');
    expect(error.message).toBe('Total size of the entries in the request is over the limit.');
  });

  it('defaults to 1 MB (1048576 bytes)', () => {
    // 1 + 1 + (8 + n - 10) bytes = n
    const fill = (n: number) => ({ Source: 's', DetailType: 'd', Detail: `{"x":"${'a'.repeat(n - 10)}"}` });
    const exact = fill(1_048_576);
    expect(entrySize(exact)).toBe(1_048_576);
    expect(() => assertValidPutEventsRequest([exact])).not.toThrow();
    expect(() => assertValidPutEventsRequest([fill(1_048_577)])).toThrow('over the limit');
  });
});

describe('PutEvents entry count', () => {
  it('rejects more than 10 entries as a whole-request ValidationException', () => {
    const error = thrown(() => assertValidPutEventsRequest(Array.from({ length: 11 }, () => entry)));
    expect(error.type).toBe('ValidationException');
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(
      /^1 validation error detected: Value '\[PutEventsRequestEntry\(.*\)\]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10$/s,
    );
  });

  it('rejects 0 entries', () => {
    expect(thrown(() => assertValidPutEventsRequest([])).message).toMatch(
      /Member must have length greater than or equal to 1$/,
    );
  });

  it('accepts 1 to 10', () => {
    expect(() => assertValidPutEventsRequest([entry])).not.toThrow();
    expect(() => assertValidPutEventsRequest(Array.from({ length: 10 }, () => entry))).not.toThrow();
  });
});

describe('PutEvents per-entry errors', () => {
  it.each([
    ['Source', { DetailType: 'd', Detail: '{}' }],
    ['Source', { Source: '', DetailType: 'd', Detail: '{}' }],
    ['DetailType', { Source: 's', Detail: '{}' }],
    ['DetailType', { Source: 's', DetailType: '', Detail: '{}' }],
    ['Detail', { Source: 's', DetailType: 'd' }],
  ])('InvalidArgument when %s is missing', (name, candidate) => {
    expect(checkEntry(candidate)).toEqual({
      ok: false,
      ErrorCode: 'InvalidArgument',
      ErrorMessage: `Parameter ${name} is not valid. Reason: ${name} is a required argument.`,
    });
  });

  it('reports Source before DetailType before Detail', () => {
    expect(checkEntry({})).toMatchObject({
      ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
    });
    expect(checkEntry({ Source: 's' })).toMatchObject({
      ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
    });
  });

  it.each(['plain text', '[]', '"\\"str\\""', '{"broken":', '42', 'null', 'true'])(
    'MalformedDetail for Detail %s',
    (detail) => {
      expect(checkEntry({ Source: 's', DetailType: 'd', Detail: detail })).toEqual({
        ok: false,
        ErrorCode: 'MalformedDetail',
        ErrorMessage: 'Detail is malformed.',
      });
    },
  );

  it('accepts a JSON object Detail and returns it parsed', () => {
    expect(checkEntry({ Source: 's', DetailType: 'd', Detail: '{"a":[1,{"b":null}]}' })).toEqual({
      ok: true,
      detail: { a: [1, { b: null }] },
    });
  });
});
