import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { atExpression, SchedulerSlaTimers, slaScheduleName } from '#aws/scheduler-sla-timers.js';

const timer = {
  engagementId: 'x:1',
  department: 'care',
  sla: 'firstResponse' as const,
  dueAt: '2026-12-01T11:00:00.250Z',
};
const options = { groupName: 'S-sla', targetArn: 'arn:q', roleArn: 'arn:r', deadLetterArn: 'arn:dlq' };

describe('SLA timers on EventBridge Scheduler', () => {
  it('names a timer the same each time, within Scheduler’s rules, whatever the engagement id holds', () => {
    const name = slaScheduleName({ ...timer, engagementId: `x:${'é#/ '.repeat(200)}` });
    expect(name).toMatch(/^fr-[0-9a-f]{48}$/);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(slaScheduleName(timer)).toBe(slaScheduleName({ ...timer }));
    expect(slaScheduleName({ ...timer, sla: 'resolution' })).toMatch(/^res-/);
    expect(slaScheduleName({ ...timer, department: 'sales' })).not.toBe(slaScheduleName(timer));
  });

  it('never fires before the deadline: at() rounds up to the second', () => {
    expect(atExpression('2026-12-01T11:00:00.250Z')).toBe('at(2026-12-01T11:00:01)');
    expect(atExpression('2026-12-01T11:00:00.000Z')).toBe('at(2026-12-01T11:00:00)');
  });

  it('treats a timer started twice, or cancelled after it fired, as done; other failures throw', async () => {
    const client = mockClient(SchedulerClient);
    client
      .on(CreateScheduleCommand)
      .rejects(new ConflictException({ Message: 'exists', message: 'exists', $metadata: {} }))
      .on(DeleteScheduleCommand)
      .rejects(new ResourceNotFoundException({ Message: 'gone', message: 'gone', $metadata: {} }));
    const timers = new SchedulerSlaTimers(new SchedulerClient({ region: 'us-east-1' }), options);
    await expect(timers.start([timer])).resolves.toBeUndefined();
    await expect(timers.cancel([timer])).resolves.toBeUndefined();
    expect(client.commandCalls(CreateScheduleCommand)[0]!.args[0].input).toMatchObject({
      GroupName: 'S-sla',
      ScheduleExpression: 'at(2026-12-01T11:00:01)',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: 'arn:q',
        RoleArn: 'arn:r',
        DeadLetterConfig: { Arn: 'arn:dlq' },
        Input: JSON.stringify({ slaDue: timer }),
      },
    });
    client.on(CreateScheduleCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    await expect(timers.start([timer])).rejects.toThrow('throttled');
    client.restore();
  });
});
