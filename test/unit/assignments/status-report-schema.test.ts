import { applyReport, newAssignment } from '#core/assignments/assignment.js';
import { StatusReportBodySchema } from '#core/assignments/status-report.schema.js';
import { EngagementStatusChangedEventSchema, StatusReportedEventSchema } from '#events/schemas/lifecycle.js';

const envelope = {
  version: '0',
  id: 'e1',
  account: '123456789012',
  time: '2026-12-01T10:05:00Z',
  region: 'us-east-1',
  resources: [],
};

describe('status report contract', () => {
  it('reads a report body and names what is wrong with a bad one, field by field', () => {
    expect(
      StatusReportBodySchema.safeParse({ engagementId: 'x:1', status: 'resolved', reportId: 'r1', actor: { id: 'u7' } })
        .success,
    ).toBe(true);
    const bad = StatusReportBodySchema.safeParse({ engagementId: '', status: 'closed', at: 'yesterday', extra: 1 });
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      '',
      'at',
      'engagementId',
      'reportId',
      'status',
    ]);
  });

  it('takes a department report put on the bus only from a department source', () => {
    const detail = { engagementId: 'x:1', status: 'acknowledged', reportId: 'r1' };
    const event = { ...envelope, 'detail-type': 'Status Reported', detail };
    expect(
      StatusReportedEventSchema.safeParse({ ...event, source: 'switchboard.department.customer-care' }).success,
    ).toBe(true);
    expect(StatusReportedEventSchema.safeParse({ ...event, source: 'switchboard' }).success).toBe(false);
  });

  it('describes an applied change as "Engagement Status Changed" expects it', () => {
    const start = newAssignment('x:1', 'care', '2026-12-01T10:00:00.000Z');
    const { change } = applyReport(
      start,
      {
        engagementId: 'x:1',
        department: 'care',
        status: 'acknowledged',
        reportId: 'r1',
        actor: { id: 'u7', name: 'Ana' },
      },
      '2026-12-01T10:05:00.000Z',
    );
    const { by: _by, late: _late, reason: _reason, ...fields } = change!;
    const event = {
      ...envelope,
      'detail-type': 'Engagement Status Changed',
      source: 'switchboard',
      detail: { engagementId: 'x:1', department: 'care', ...fields },
    };
    expect(EngagementStatusChangedEventSchema.safeParse(event).error?.issues ?? []).toEqual([]);
  });
});
