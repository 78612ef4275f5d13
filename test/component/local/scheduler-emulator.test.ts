import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListScheduleGroupsCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { type SchedulerEmulator, type SchedulerOptions, startScheduler } from '#local/emulators/scheduler.js';

// Each emulator runs on a clock shifted so that BASE (a whole second, as at() needs) comes a
// known lead after its start: at(BASE) then fires after that lead of real time.
const BASE = Date.UTC(2030, 0, 1, 12, 0, 0);
const clockBefore = (instant: number, leadMs: number) => {
  const offset = instant - leadMs - Date.now();
  return () => Date.now() + offset;
};
const at = (instant: number) => `at(${new Date(instant).toISOString().slice(0, 19)})`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const QUEUE = 'arn:aws:sqs:us-east-1:123456789012:sla-timers';
const DLQ = 'arn:aws:sqs:us-east-1:123456789012:sla-timers-dlq';
const ROLE = 'arn:aws:iam::123456789012:role/scheduler-to-sqs';

/** The SLA timer the product creates, at `instant`. */
const slaTimer = (name: string, instant: number, extra: Partial<CreateScheduleCommandInput> = {}) =>
  new CreateScheduleCommand({
    Name: name,
    GroupName: 'stack-sla',
    ScheduleExpression: at(instant),
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Target: { Arn: QUEUE, RoleArn: ROLE, Input: JSON.stringify({ assignment: name }) },
    ...extra,
  });

interface Delivery {
  arn: string;
  input: string | undefined;
  schedule: string;
  /** Real ms since the emulator started. */
  after: number;
}

interface Harness {
  emulator: SchedulerEmulator;
  client: SchedulerClient;
  deliveries: Delivery[];
  logs: string[];
}

const running: Harness[] = [];

async function start(options: Partial<SchedulerOptions> & { leadMs?: number } = {}): Promise<Harness> {
  const deliveries: Delivery[] = [];
  const logs: string[] = [];
  const { leadMs = 500, deliver, ...rest } = options;
  const startedAt = Date.now();
  const emulator = await startScheduler({
    port: 0,
    now: clockBefore(BASE, leadMs),
    retryDelaysMs: [30, 30, 30],
    log: (line) => logs.push(line),
    ...rest,
    deliver: async (target, schedule) => {
      deliveries.push({
        arn: target.arn,
        input: target.input,
        schedule: `${schedule.groupName}/${schedule.name}`,
        after: Date.now() - startedAt,
      });
      await deliver?.(target, schedule);
    },
  });
  const client = new SchedulerClient({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  const harness = { emulator, client, deliveries, logs };
  running.push(harness);
  return harness;
}

async function stop(harness: Harness): Promise<void> {
  harness.client.destroy();
  await harness.emulator.stop();
}

afterEach(async () => {
  await Promise.all(running.splice(0).map(stop));
});

async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('local EventBridge Scheduler, through the AWS SDK', () => {
  it('fires a one-time schedule at its time, once, with its Input; DELETE then removes it, NONE keeps it', async () => {
    const { emulator, client, deliveries } = await start({ leadMs: 600 });
    await client.send(new CreateScheduleGroupCommand({ Name: 'stack-sla' }));
    const { ScheduleArn } = await client.send(slaTimer('deadline-a', BASE));
    await client.send(slaTimer('deadline-b', BASE, { ActionAfterCompletion: 'NONE' }));
    expect(ScheduleArn).toBe('arn:aws:scheduler:us-east-1:123456789012:schedule/stack-sla/deadline-a');

    const stored = await client.send(new GetScheduleCommand({ Name: 'deadline-a', GroupName: 'stack-sla' }));
    expect(stored).toMatchObject({
      Arn: ScheduleArn,
      Name: 'deadline-a',
      GroupName: 'stack-sla',
      ScheduleExpression: 'at(2030-01-01T12:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: QUEUE,
        RoleArn: ROLE,
        Input: '{"assignment":"deadline-a"}',
        // AWS shows the RetryPolicy in force, defaults included.
        RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
      },
    });
    expect(stored.CreationDate).toBeInstanceOf(Date);
    expect(stored.LastModificationDate).toBeInstanceOf(Date);
    expect(emulator.pending()).toBe(2);

    await waitFor(() => deliveries.length === 2);
    for (const delivery of deliveries) {
      expect(delivery.after).toBeGreaterThanOrEqual(590);
      expect(delivery.after).toBeLessThan(750);
    }
    expect(
      deliveries
        .map(({ arn, input, schedule }) => ({ arn, input, schedule }))
        .sort((a, b) => (a.schedule < b.schedule ? -1 : 1)),
    ).toEqual([
      { arn: QUEUE, input: '{"assignment":"deadline-a"}', schedule: 'stack-sla/deadline-a' },
      { arn: QUEUE, input: '{"assignment":"deadline-b"}', schedule: 'stack-sla/deadline-b' },
    ]);
    await emulator.drain();
    await sleep(200);
    expect(deliveries).toHaveLength(2);
    expect(emulator.pending()).toBe(0);
    expect(emulator.inFlight()).toBe(0);

    await expect(
      client.send(new GetScheduleCommand({ Name: 'deadline-a', GroupName: 'stack-sla' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Schedule deadline-a does not exist.',
      $metadata: { httpStatusCode: 404 },
    });
    const kept = await client.send(new GetScheduleCommand({ Name: 'deadline-b', GroupName: 'stack-sla' }));
    expect(kept).toMatchObject({ Name: 'deadline-b', State: 'ENABLED', ActionAfterCompletion: 'NONE' });
    expect(emulator.list().find((s) => s.name === 'deadline-b')).toMatchObject({
      nextFireAt: undefined,
      firing: false,
    });
  });

  it('never fires a schedule deleted before its time; a second delete is ResourceNotFoundException', async () => {
    const { emulator, client, deliveries } = await start({ leadMs: 300 });
    await client.send(new CreateScheduleGroupCommand({ Name: 'stack-sla' }));
    await client.send(slaTimer('met-in-time', BASE));
    await client.send(new DeleteScheduleCommand({ Name: 'met-in-time', GroupName: 'stack-sla' }));
    expect(emulator.pending()).toBe(0);
    await sleep(500);
    expect(deliveries).toEqual([]);
    await expect(
      client.send(new DeleteScheduleCommand({ Name: 'met-in-time', GroupName: 'stack-sla' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
  });

  it('keeps names unique in a group, yet answers a retried create (same ClientToken, same input) with the same ARN', async () => {
    const { client } = await start();
    await client.send(new CreateScheduleGroupCommand({ Name: 'stack-sla' }));
    const first = await client.send(slaTimer('dup', BASE + 60_000, { ClientToken: 'token-1' }));
    const retried = await client.send(slaTimer('dup', BASE + 60_000, { ClientToken: 'token-1' }));
    expect(retried.ScheduleArn).toBe(first.ScheduleArn);

    // The product tells these apart with instanceof, so the SDK must build its own classes from our answers.
    await expect(client.send(slaTimer('dup', BASE + 60_000))).rejects.toBeInstanceOf(ConflictException);
    await expect(client.send(new GetScheduleCommand({ Name: 'absent' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(client.send(slaTimer('dup', BASE + 60_000))).rejects.toMatchObject({
      name: 'ConflictException',
      message: 'Schedule dup already exists.',
      $metadata: { httpStatusCode: 409 },
    });
    await expect(client.send(slaTimer('dup', BASE + 120_000, { ClientToken: 'token-1' }))).rejects.toMatchObject({
      name: 'ConflictException',
    });
    // The same name in another group is another schedule.
    const other = await client.send(slaTimer('dup', BASE + 60_000, { GroupName: undefined }));
    expect(other.ScheduleArn).toBe('arn:aws:scheduler:us-east-1:123456789012:schedule/default/dup');
    await expect(client.send(new CreateScheduleGroupCommand({ Name: 'stack-sla' }))).rejects.toMatchObject({
      name: 'ConflictException',
    });
  });

  it('refuses unknown groups, bad names, bad expressions and missing members as AWS does', async () => {
    const { client } = await start();
    await expect(client.send(slaTimer('t', BASE + 60_000, { GroupName: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Schedule group nope does not exist.',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(client.send(new GetScheduleCommand({ Name: 't', GroupName: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(client.send(new GetScheduleGroupCommand({ Name: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });

    const refused = async (command: CreateScheduleCommand, message: RegExp) => {
      const error = await client.send(command).then(
        () => undefined,
        (e: unknown) => e as Error & { $metadata: { httpStatusCode?: number } },
      );
      expect(error?.name).toBe('ValidationException');
      expect(error?.$metadata.httpStatusCode).toBe(400);
      expect(error?.message).toMatch(message);
    };
    const inDefault = { GroupName: undefined };
    await refused(slaTimer('bad name!', BASE, inDefault), /at 'name' failed .* pattern: \[0-9a-zA-Z-_.\]\+/);
    await refused(slaTimer('x'.repeat(65), BASE, inDefault), /length between 1 and 64/);
    await refused(
      slaTimer('t', BASE, { ...inDefault, ScheduleExpression: 'at(2030-02-30T00:00:00)' }),
      /Invalid Schedule Expression/,
    );
    await refused(
      slaTimer('t', BASE, { ...inDefault, ScheduleExpression: 'at(2030-01-01 12:00:00)' }),
      /Invalid Schedule Expression/,
    );
    await refused(
      slaTimer('t', BASE, { ...inDefault, ScheduleExpression: 'rate(0 minutes)' }),
      /Invalid Schedule Expression/,
    );
    await refused(
      slaTimer('t', BASE, { ...inDefault, ScheduleExpression: 'cron(0 12 * * ? *)' }),
      /not supported by the local twin/,
    );
    await refused(slaTimer('t', BASE, { ...inDefault, ScheduleExpressionTimezone: 'Mars/Olympus' }), /Timezone/);
    await refused(
      slaTimer('t', BASE, { ...inDefault, Target: { Arn: QUEUE } as CreateScheduleCommandInput['Target'] }),
      /Value null at 'target.roleArn'/,
    );
    await refused(
      slaTimer('t', BASE, { ...inDefault, Target: { Arn: QUEUE, RoleArn: 'not-a-role' } }),
      /target.roleArn/,
    );
    await refused(
      slaTimer('t', BASE, { ...inDefault, FlexibleTimeWindow: undefined as unknown as { Mode: 'OFF' } }),
      /Value null at 'flexibleTimeWindow'/,
    );
    await refused(
      slaTimer('t', BASE, { ...inDefault, FlexibleTimeWindow: { Mode: 'FLEXIBLE' } }),
      /MaximumWindowInMinutes is required/,
    );
    await refused(
      slaTimer('t', BASE, {
        ...inDefault,
        Target: { Arn: QUEUE, RoleArn: ROLE, RetryPolicy: { MaximumRetryAttempts: 186 } },
        State: 'PAUSED' as 'ENABLED',
      }),
      /^2 validation errors detected: .*at 'state' .*enum value set: \[ENABLED, DISABLED\]; .*maximumRetryAttempts/,
    );
  });

  it('interprets at() in ScheduleExpressionTimezone, across daylight saving time', async () => {
    const { emulator, client } = await start();
    const create = (name: string, expression: string) =>
      client.send(
        slaTimer(name, BASE, {
          GroupName: undefined,
          ScheduleExpression: expression,
          ScheduleExpressionTimezone: 'America/New_York',
        }),
      );
    await create('winter', 'at(2030-01-01T07:00:00)');
    await create('summer', 'at(2030-07-01T08:00:00)');
    const next = Object.fromEntries(emulator.list().map((s) => [s.name, s.nextFireAt]));
    expect(next).toEqual({ winter: BASE, summer: Date.UTC(2030, 6, 1, 12, 0, 0) });
  });

  it('retries a failing target per retryDelaysMs within its RetryPolicy, then dead-letters the same Input', async () => {
    const failures = new Set([QUEUE]);
    const { emulator, client, deliveries, logs } = await start({
      leadMs: 300,
      deliver: async (target) => {
        if (!failures.has(target.arn)) return;
        if (target.input?.includes('fatal')) throw Object.assign(new Error('no such queue'), { retryable: false });
        throw new Error('queue unavailable');
      },
    });
    await client.send(new CreateScheduleGroupCommand({ Name: 'stack-sla' }));
    const dlq = { DeadLetterConfig: { Arn: DLQ } };
    // 5 retries allowed, but the twin has only three delays: 4 attempts.
    await client.send(
      slaTimer('retried', BASE, {
        Target: { Arn: QUEUE, RoleArn: ROLE, Input: '"retried"', RetryPolicy: { MaximumRetryAttempts: 5 }, ...dlq },
      }),
    );
    await client.send(
      slaTimer('no-retries', BASE, {
        Target: { Arn: QUEUE, RoleArn: ROLE, Input: '"no-retries"', RetryPolicy: { MaximumRetryAttempts: 0 } },
      }),
    );
    await client.send(slaTimer('fatal', BASE, { Target: { Arn: QUEUE, RoleArn: ROLE, Input: '"fatal"', ...dlq } }));

    await waitFor(() => emulator.inFlight() > 0);
    await emulator.drain();
    const of = (name: string) => deliveries.filter((d) => d.schedule === `stack-sla/${name}`);
    expect(of('retried').map((d) => d.arn)).toEqual([QUEUE, QUEUE, QUEUE, QUEUE, DLQ]);
    expect(of('retried').map((d) => d.input)).toEqual(Array(5).fill('"retried"'));
    const times = of('retried').map((d) => d.after);
    for (let i = 1; i < 4; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(25);
    expect(of('no-retries').map((d) => d.arn)).toEqual([QUEUE]);
    expect(of('fatal').map((d) => [d.arn, d.input])).toEqual([
      [QUEUE, '"fatal"'],
      [DLQ, '"fatal"'],
    ]);
    expect(logs.sort()).toEqual([
      expect.stringMatching(
        /^Scheduler dropped an invocation \(schedule stack-sla\/no-retries, .*1 attempt\(s\), stopped by MaximumRetryAttempts\); no DLQ configured\.$/,
      ),
      expect.stringMatching(
        /^Scheduler sent an invocation to its DLQ .*stack-sla\/fatal.*stopped by a non-retryable error/,
      ),
      expect.stringMatching(
        /^Scheduler sent an invocation to its DLQ .*stack-sla\/retried.*queue unavailable \(4 attempt\(s\)/,
      ),
    ]);
    // Given up is over too: ActionAfterCompletion DELETE removed all three.
    expect(emulator.list()).toEqual([]);
  });

  it('keeps schedules in its stateFile: a restarted emulator fires them, one that came due while it was down at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scheduler-state-'));
    const stateFile = join(dir, 'scheduler.json');
    try {
      const clock = clockBefore(BASE, 300);
      const first = await start({ stateFile, now: clock });
      first.emulator.createScheduleGroup('stack-sla');
      await first.client.send(slaTimer('came-due', BASE));
      await first.client.send(slaTimer('still-ahead', BASE + 1_000));
      await stop(first);
      expect(JSON.parse(readFileSync(stateFile, 'utf8')).schedules).toHaveLength(2);
      await sleep(400);
      expect(first.deliveries).toEqual([]);

      const second = await start({ stateFile, now: clock });
      // The group came back with the schedules, and createScheduleGroup is a no-op on it.
      expect(second.emulator.createScheduleGroup('stack-sla')).toBe(
        'arn:aws:scheduler:us-east-1:123456789012:schedule-group/stack-sla',
      );
      await waitFor(() => second.deliveries.length === 2);
      expect(second.deliveries.map((d) => [d.schedule, d.after < 250])).toEqual([
        ['stack-sla/came-due', true],
        ['stack-sla/still-ahead', false],
      ]);
      expect(second.logs).toEqual(['Scheduler: 1 schedule(s) came due while the twin was down; they fire now.']);
      await second.emulator.drain();
      expect(JSON.parse(readFileSync(stateFile, 'utf8')).schedules).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('repeats at the next start an invocation that a stop interrupted (delivery is at least once)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scheduler-state-'));
    const stateFile = join(dir, 'scheduler.json');
    try {
      const clock = clockBefore(BASE, 100);
      // The first twin's target never answers: the stop lands mid-invocation.
      const first = await start({ stateFile, now: clock, deliver: () => new Promise<void>(() => {}) });
      first.emulator.createScheduleGroup('stack-sla');
      await first.client.send(slaTimer('interrupted', BASE));
      await waitFor(() => first.emulator.inFlight() === 1);
      expect(first.emulator.list()[0]).toMatchObject({ name: 'interrupted', firing: true });
      await stop(first);

      const second = await start({ stateFile, now: clock });
      await waitFor(() => second.deliveries.length === 1);
      await second.emulator.drain();
      expect(second.deliveries[0]).toMatchObject({ schedule: 'stack-sla/interrupted', arn: QUEUE });
      expect(second.emulator.list()).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists schedules by group, NamePrefix and State, a page of MaxResults at a time, and lists groups', async () => {
    const { client, deliveries } = await start();
    await client.send(new CreateScheduleGroupCommand({ Name: 'stack-sla' }));
    await client.send(new CreateScheduleGroupCommand({ Name: 'stack-other' }));
    // A year ahead: past setTimeout's 2^31 − 1 ms cap, so these also prove the timer is re-armed, not fired.
    const later = BASE + 365 * 86_400_000;
    for (const name of ['page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'other']) {
      await client.send(slaTimer(name, later));
    }
    await client.send(slaTimer('page-off', later, { State: 'DISABLED' }));
    await client.send(slaTimer('page-1', later, { GroupName: 'stack-other' }));

    const pages: string[][] = [];
    let NextToken: string | undefined;
    do {
      const page = await client.send(
        new ListSchedulesCommand({
          GroupName: 'stack-sla',
          NamePrefix: 'page-',
          State: 'ENABLED',
          MaxResults: 2,
          NextToken,
        }),
      );
      pages.push((page.Schedules ?? []).map((s) => s.Name!));
      NextToken = page.NextToken;
    } while (NextToken);
    expect(pages).toEqual([['page-1', 'page-2'], ['page-3', 'page-4'], ['page-5']]);

    const all = await client.send(new ListSchedulesCommand({ NamePrefix: 'page-1' }));
    expect(all.Schedules?.map((s) => [s.GroupName, s.Name, s.State, s.Target?.Arn])).toEqual([
      ['stack-other', 'page-1', 'ENABLED', QUEUE],
      ['stack-sla', 'page-1', 'ENABLED', QUEUE],
    ]);
    expect(all.Schedules?.[0]?.CreationDate).toBeInstanceOf(Date);
    const disabled = await client.send(new ListSchedulesCommand({ State: 'DISABLED' }));
    expect(disabled.Schedules?.map((s) => s.Name)).toEqual(['page-off']);
    await expect(client.send(new ListSchedulesCommand({ MaxResults: 0 }))).rejects.toMatchObject({
      name: 'ValidationException',
    });

    const groups = await client.send(new ListScheduleGroupsCommand({}));
    expect(groups.ScheduleGroups?.map((g) => [g.Name, g.State])).toEqual([
      ['default', 'ACTIVE'],
      ['stack-other', 'ACTIVE'],
      ['stack-sla', 'ACTIVE'],
    ]);
    const prefixed = await client.send(new ListScheduleGroupsCommand({ NamePrefix: 'stack-', MaxResults: 1 }));
    expect(prefixed.ScheduleGroups?.map((g) => g.Name)).toEqual(['stack-other']);
    expect(prefixed.NextToken).toEqual(expect.any(String));

    // Deleting a group deletes its schedules; the default group stays.
    await client.send(new DeleteScheduleGroupCommand({ Name: 'stack-other' }));
    const left = await client.send(new ListSchedulesCommand({ NamePrefix: 'page-1' }));
    expect(left.Schedules?.map((s) => s.GroupName)).toEqual(['stack-sla']);
    await expect(client.send(new DeleteScheduleGroupCommand({ Name: 'default' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await sleep(50);
    expect(deliveries).toEqual([]);
  });

  it('does not fire a DISABLED schedule; UpdateSchedule re-enables it at a new time', async () => {
    const { emulator, client, deliveries } = await start({ leadMs: 300 });
    await client.send(new CreateScheduleGroupCommand({ Name: 'stack-sla' }));
    await client.send(slaTimer('paused', BASE, { State: 'DISABLED' }));
    expect(emulator.pending()).toBe(0);
    await sleep(500);
    expect(deliveries).toEqual([]);
    expect((await client.send(new GetScheduleCommand({ Name: 'paused', GroupName: 'stack-sla' }))).State).toBe(
      'DISABLED',
    );

    const input = slaTimer('paused', BASE + 1_000).input;
    const { ScheduleArn } = await client.send(
      new UpdateScheduleCommand({ ...input, Name: 'paused', State: 'ENABLED' }),
    );
    expect(ScheduleArn).toBe('arn:aws:scheduler:us-east-1:123456789012:schedule/stack-sla/paused');
    expect(emulator.pending()).toBe(1);
    await waitFor(() => deliveries.length === 1);
    expect(deliveries[0]?.after).toBeGreaterThanOrEqual(1_290);
    await expect(client.send(new UpdateScheduleCommand({ ...input, Name: 'never-created' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('fires a rate() schedule at once, then every period', async () => {
    const { emulator, client, deliveries } = await start();
    await client.send(slaTimer('heartbeat', BASE, { GroupName: undefined, ScheduleExpression: 'rate(5 minutes)' }));
    await waitFor(() => deliveries.length === 1);
    await emulator.drain();
    expect(emulator.pending()).toBe(1);
    const [heartbeat] = emulator.list();
    expect(heartbeat?.nextFireAt).toBeGreaterThan(BASE + 5 * 60_000 - 600);
    expect(heartbeat?.nextFireAt).toBeLessThan(BASE + 5 * 60_000);
  });
});
