import { AwsServiceError } from '#local/emulators/aws-json-server.js';
import { createEventBridge, type LocalEventBridge } from '#local/emulators/eventbridge/index.js';
import { thrownBy } from '#test-support/errors.js';
import { ACCOUNT, bridgeWithRecorder, queueArn, routedEntry as routed } from '#test-support/eventbridge.js';

const errorOf = (fn: () => unknown): AwsServiceError => thrownBy(AwsServiceError, fn);

describe('local EventBridge (in-process API)', () => {
  let bridge: LocalEventBridge;
  afterEach(async () => {
    await bridge?.close();
  });

  it('routes an event to the targets of every matching rule, with the envelope as body', async () => {
    const recorder = bridgeWithRecorder({ now: () => Date.parse('2026-11-25T10:00:00.750Z') });
    bridge = recorder.bridge;
    bridge.createEventBus({ Name: 'switchboard' });
    bridge.putRule({
      Name: 'to-engineering',
      EventBusName: 'switchboard',
      EventPattern: { 'detail-type': ['Engagement Routed'], detail: { routing: { departments: ['engineering'] } } },
    });
    bridge.putRule({
      Name: 'to-legal',
      EventBusName: 'switchboard',
      EventPattern: '{"detail":{"routing":{"departments":["legal"]}}}',
    });
    bridge.putTargets({
      Rule: 'to-engineering',
      EventBusName: 'switchboard',
      Targets: [{ Id: 'q', Arn: queueArn('engineering') }],
    });
    bridge.putTargets({
      Rule: 'to-legal',
      EventBusName: 'switchboard',
      Targets: [{ Id: 'q', Arn: queueArn('legal') }],
    });

    const result = bridge.putEvents([
      routed(
        { id: 'x:1', routing: { departments: ['engineering', 'legal'] } },
        { EventBusName: 'switchboard', Resources: ['r1'] },
      ),
    ]);
    expect(result.FailedEntryCount).toBe(0);
    const eventId = (result.Entries[0] as { EventId: string }).EventId;
    expect(eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(recorder.delivered).toHaveLength(0);

    await bridge.drain();
    const [engineering] = recorder.to('engineering');
    expect(recorder.to('legal')).toHaveLength(1);
    expect(engineering?.body).toBe(
      `{"version":"0","id":"${eventId}","detail-type":"Engagement Routed","source":"switchboard","account":"${ACCOUNT}","time":"2026-11-25T10:00:00Z","region":"us-east-1","resources":["r1"],"detail":{"id":"x:1","routing":{"departments":["engineering","legal"]}}}`,
    );
    expect(bridge.counters()).toEqual({
      accepted: 1,
      unknownBus: 0,
      matched: 2,
      delivered: 2,
      retried: 0,
      deadLettered: 0,
      dropped: 0,
    });
  });

  it('uses the entry Time, keeps buses apart, and skips disabled rules', async () => {
    const recorder = bridgeWithRecorder();
    bridge = recorder.bridge;
    bridge.createEventBus({ Name: 'other' });
    bridge.putRule({ Name: 'all', EventPattern: { source: ['switchboard'] } });
    bridge.putRule({ Name: 'off', EventPattern: { source: ['switchboard'] }, State: 'DISABLED' });
    bridge.putTargets({ Rule: 'all', Targets: [{ Id: 'q', Arn: queueArn('default-bus') }] });
    bridge.putTargets({ Rule: 'off', Targets: [{ Id: 'q', Arn: queueArn('disabled') }] });

    bridge.putEvents([
      routed({}, { Time: new Date('2026-01-02T03:04:05.678Z') }),
      routed({}, { EventBusName: 'other' }),
    ]);
    await bridge.drain();
    expect(recorder.to('default-bus').map((r) => r.event.time)).toEqual(['2026-01-02T03:04:05Z']);
    expect(recorder.to('disabled')).toHaveLength(0);

    bridge.enableRule('off');
    bridge.disableRule('all');
    bridge.putEvents([routed({})]);
    await bridge.drain();
    expect(recorder.to('disabled')).toHaveLength(1);
    expect(recorder.to('default-bus')).toHaveLength(1);
  });

  it('answers an EventId for an unknown bus and drops the event', async () => {
    const recorder = bridgeWithRecorder();
    bridge = recorder.bridge;
    bridge.putRule({ Name: 'all', EventPattern: { source: ['switchboard'] } });
    bridge.putTargets({ Rule: 'all', Targets: [{ Id: 'q', Arn: queueArn('q') }] });
    const result = bridge.putEvents([routed({}, { EventBusName: 'no-such-bus' })]);
    expect(result).toEqual({ FailedEntryCount: 0, Entries: [{ EventId: expect.any(String) }] });
    await bridge.drain();
    expect(recorder.delivered).toHaveLength(0);
    expect(bridge.counters()).toMatchObject({ accepted: 0, unknownBus: 1 });
  });

  it('reports per-entry errors in order while delivering the valid entries', async () => {
    const recorder = bridgeWithRecorder();
    bridge = recorder.bridge;
    bridge.putRule({ Name: 'all', EventPattern: { source: ['switchboard'] } });
    bridge.putTargets({ Rule: 'all', Targets: [{ Id: 'q', Arn: queueArn('q') }] });
    const result = bridge.putEvents([
      routed({ n: 1 }),
      { Source: 'switchboard', DetailType: 'x', Detail: '[1]' },
      { DetailType: 'x', Detail: '{}' },
      routed({ n: 2 }),
    ]);
    expect(result.FailedEntryCount).toBe(2);
    expect(result.Entries).toEqual([
      { EventId: expect.any(String) },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      },
      { EventId: expect.any(String) },
    ]);
    await bridge.drain();
    expect(recorder.to('q').map((r) => r.event.detail)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('applies the configurable PutEvents size limit', () => {
    bridge = createEventBridge({ maxPutEventsBytes: 100 });
    expect(errorOf(() => bridge.putEvents([routed({ text: 'x'.repeat(100) })])).message).toBe(
      'Total size of the entries in the request is over the limit.',
    );
  });

  it('delivers InputPath and Input payloads', async () => {
    const recorder = bridgeWithRecorder();
    bridge = recorder.bridge;
    bridge.putRule({ Name: 'r', EventPattern: { source: ['switchboard'] } });
    bridge.putTargets({
      Rule: 'r',
      Targets: [
        { Id: 'detail', Arn: queueArn('detail'), InputPath: '$.detail' },
        { Id: 'constant', Arn: queueArn('constant'), Input: '{"ping":true}' },
      ],
    });
    bridge.putEvents([routed({ id: 'x:9' })]);
    await bridge.drain();
    expect(recorder.to('detail')[0]?.body).toBe('{"id":"x:9"}');
    expect(recorder.to('constant')[0]?.body).toBe('{"ping":true}');
  });

  it('forwards to another bus for event-bus targets', async () => {
    const recorder = bridgeWithRecorder();
    bridge = recorder.bridge;
    const { EventBusArn } = bridge.createEventBus({ Name: 'downstream' });
    bridge.putRule({ Name: 'forward', EventPattern: { source: ['switchboard'] } });
    bridge.putTargets({ Rule: 'forward', Targets: [{ Id: 'bus', Arn: EventBusArn }] });
    bridge.putRule({ Name: 'sink', EventBusName: 'downstream', EventPattern: { source: ['switchboard'] } });
    bridge.putTargets({ Rule: 'sink', EventBusName: 'downstream', Targets: [{ Id: 'q', Arn: queueArn('sink') }] });
    const { Entries } = bridge.putEvents([routed({})]);
    await bridge.drain();
    expect(recorder.to('sink').map((r) => r.event.id)).toEqual([(Entries[0] as { EventId: string }).EventId]);
  });

  it('validates rules: patterns, names, schedules, states and the 5-target limit', () => {
    bridge = createEventBridge();
    expect(errorOf(() => bridge.putRule({ Name: 'bad', EventPattern: '{"source":"switchboard"}' })).type).toBe(
      'InvalidEventPatternException',
    );
    expect(errorOf(() => bridge.putRule({ Name: 'bad', EventPattern: '{"source":"switchboard"}' })).message).toMatch(
      /^Event pattern is not valid\. Reason: /,
    );
    expect(errorOf(() => bridge.putRule({ Name: 'has space', EventPattern: { source: ['s'] } })).type).toBe(
      'ValidationException',
    );
    expect(errorOf(() => bridge.putRule({ Name: 'none' })).message).toBe(
      'Parameter(s) EventPattern or ScheduleExpression must be specified.',
    );
    expect(
      errorOf(() => bridge.putRule({ Name: 'r', EventBusName: 'nope', EventPattern: { source: ['s'] } })),
    ).toMatchObject({ type: 'ResourceNotFoundException', message: 'Event bus nope does not exist.' });
    bridge.createEventBus({ Name: 'custom' });
    expect(
      errorOf(() => bridge.putRule({ Name: 'cron', EventBusName: 'custom', ScheduleExpression: 'rate(1 minute)' }))
        .type,
    ).toBe('ValidationException');

    bridge.putRule({ Name: 'r', EventPattern: { source: ['s'] } });
    bridge.putTargets({ Rule: 'r', Targets: [1, 2, 3, 4, 5].map((i) => ({ Id: `t${i}`, Arn: queueArn(`q${i}`) })) });
    bridge.putTargets({ Rule: 'r', Targets: [{ Id: 't1', Arn: queueArn('replaced') }] });
    expect(errorOf(() => bridge.putTargets({ Rule: 'r', Targets: [{ Id: 't6', Arn: queueArn('q6') }] }))).toMatchObject(
      { type: 'LimitExceededException' },
    );
    expect(bridge.listTargetsByRule('r').map((t) => t.Arn)).toEqual([
      queueArn('replaced'),
      queueArn('q2'),
      queueArn('q3'),
      queueArn('q4'),
      queueArn('q5'),
    ]);
    expect(errorOf(() => bridge.putTargets({ Rule: 'missing', Targets: [] }))).toMatchObject({
      type: 'ResourceNotFoundException',
      message: 'Rule missing does not exist on EventBus default.',
    });
    expect(errorOf(() => bridge.deleteRule('r')).message).toBe("Rule can't be deleted since it has targets.");
    bridge.removeTargets({ Rule: 'r', Ids: ['t1', 't2', 't3', 't4', 't5'] });
    bridge.deleteRule('r');
    expect(errorOf(() => bridge.describeRule('r')).type).toBe('ResourceNotFoundException');
  });

  it('describes rules and buses with their ARNs', () => {
    bridge = createEventBridge({ region: 'eu-west-1', accountId: '111122223333' });
    bridge.createEventBus({ Name: 'switchboard', Description: 'engagements' });
    bridge.putRule({ Name: 'r', EventBusName: 'switchboard', EventPattern: { source: ['s'] }, Description: 'd' });
    bridge.putRule({ Name: 'cron', ScheduleExpression: 'rate(5 minutes)' });
    expect(bridge.describeRule('r', 'switchboard')).toEqual({
      Name: 'r',
      Arn: 'arn:aws:events:eu-west-1:111122223333:rule/switchboard/r',
      EventPattern: '{"source":["s"]}',
      ScheduleExpression: undefined,
      State: 'ENABLED',
      Description: 'd',
      RoleArn: undefined,
      EventBusName: 'switchboard',
      CreatedBy: '111122223333',
    });
    expect(bridge.describeRule('cron').Arn).toBe('arn:aws:events:eu-west-1:111122223333:rule/cron');
    expect(bridge.describeEventBus('arn:aws:events:eu-west-1:111122223333:event-bus/switchboard')).toMatchObject({
      Name: 'switchboard',
      Description: 'engagements',
    });
    expect(bridge.listEventBuses().map((b) => b.Name)).toEqual(['default', 'switchboard']);
    expect(errorOf(() => bridge.createEventBus({ Name: 'switchboard' }))).toMatchObject({
      type: 'ResourceAlreadyExistsException',
      message: 'Event bus switchboard already exists.',
    });
  });

  it('keeps matching events in an archive', () => {
    bridge = createEventBridge();
    const { EventBusArn } = bridge.createEventBus({ Name: 'switchboard' });
    bridge.createArchive({ ArchiveName: 'all', EventSourceArn: EventBusArn });
    bridge.createArchive({
      ArchiveName: 'legal',
      EventSourceArn: EventBusArn,
      EventPattern: { detail: { routing: { departments: ['legal'] } } },
    });
    bridge.putEvents([
      routed({ routing: { departments: ['legal'] } }, { EventBusName: 'switchboard' }),
      routed({ routing: { departments: ['sales'] } }, { EventBusName: 'switchboard' }),
      routed({}),
    ]);
    expect(bridge.archivedEvents('all')).toHaveLength(2);
    expect(bridge.archivedEvents('legal').map((e) => e.detail)).toEqual([{ routing: { departments: ['legal'] } }]);
    expect(bridge.describeArchive('all')).toMatchObject({
      EventCount: 2,
      State: 'ENABLED',
      EventSourceArn: EventBusArn,
    });
    expect(
      errorOf(() =>
        bridge.createArchive({
          ArchiveName: 'x',
          EventSourceArn: 'arn:aws:events:us-east-1:123456789012:event-bus/nope',
        }),
      ).type,
    ).toBe('ResourceNotFoundException');
  });

  it('recompiles the bus matcher when rules change', async () => {
    const recorder = bridgeWithRecorder();
    bridge = recorder.bridge;
    bridge.putRule({ Name: 'r', EventPattern: { detail: { n: [1] } } });
    bridge.putTargets({ Rule: 'r', Targets: [{ Id: 'q', Arn: queueArn('q') }] });
    bridge.putEvents([routed({ n: 1 }), routed({ n: 2 })]);
    bridge.putRule({ Name: 'r', EventPattern: { detail: { n: [2] } } });
    bridge.putEvents([routed({ n: 1 }), routed({ n: 2 })]);
    await bridge.drain();
    expect(recorder.to('q').map((r) => r.event.detail)).toEqual([{ n: 1 }, { n: 2 }]);
  });
});
