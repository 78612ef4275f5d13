import type { LocalFunction } from '#local/functions/function-runner.js';
import { localSchedules, ratePeriodMs, ScheduleRunner } from '#local/functions/schedules.js';
import type { SynthesizedStack } from '#local/template/cloud-assembly.js';
import { IntrinsicResolver } from '#local/template/intrinsics.js';

const stack: SynthesizedStack = {
  stackName: 'Test',
  outdir: '/tmp',
  resources: {
    PollerFn: { Type: 'AWS::Lambda::Function', Properties: {} },
    PollEvery5: {
      Type: 'AWS::Events::Rule',
      Properties: {
        ScheduleExpression: 'rate(5 minutes)',
        Targets: [{ Arn: { 'Fn::GetAtt': ['PollerFn', 'Arn'] }, Id: 't', Input: '{"feed":"blog"}' }],
      },
    },
    Nightly: {
      Type: 'AWS::Scheduler::Schedule',
      Properties: { ScheduleExpression: 'cron(0 3 * * ? *)', Target: { Arn: { 'Fn::GetAtt': ['PollerFn', 'Arn'] } } },
    },
    Routing: { Type: 'AWS::Events::Rule', Properties: { EventPattern: { source: ['x'] }, Targets: [] } },
  },
};
const resolver = new IntrinsicResolver(stack, {
  region: 'us-east-1',
  accountId: '123456789012',
  sqsEndpoint: 'http://127.0.0.1:9324',
  sqsAccountId: '123456789012',
});

describe('local schedules', () => {
  it('reads rate and cron schedules that target functions, and ignores pattern rules', () => {
    expect(localSchedules(stack, resolver)).toEqual([
      {
        name: 'Test-PollEvery5',
        expression: 'rate(5 minutes)',
        functionLogicalId: 'PollerFn',
        input: { feed: 'blog' },
      },
      { name: 'Test-Nightly', expression: 'cron(0 3 * * ? *)', functionLogicalId: 'PollerFn', input: undefined },
    ]);
  });

  it('computes rate periods and leaves cron to on-demand firing', () => {
    expect(ratePeriodMs('rate(1 minute)')).toBe(60_000);
    expect(ratePeriodMs('rate(2 hours)')).toBe(7_200_000);
    expect(ratePeriodMs('rate(1 day)')).toBe(86_400_000);
    expect(ratePeriodMs('cron(0 3 * * ? *)')).toBeUndefined();
    expect(ratePeriodMs('rate(five minutes)')).toBeUndefined();
  });

  it('invokes the target function on its (sped-up) period with the constant input', async () => {
    const events: unknown[] = [];
    const fn = { invoke: async (e: unknown) => void events.push(e) } as unknown as LocalFunction;
    const runner = new ScheduleRunner(localSchedules(stack, resolver), new Map([['PollerFn', fn]]), 'us-east-1', 3_000);
    runner.start();
    await new Promise((r) => setTimeout(r, 250));
    runner.stop();
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events[0]).toEqual({ feed: 'blog' });
    const scheduled = await runner.fire('Test-Nightly').then(() => events.at(-1));
    expect(scheduled).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'aws.events', region: 'us-east-1' });
  });
});
