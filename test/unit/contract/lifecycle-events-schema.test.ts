import type { Department } from '#core/config/config.schema.js';
import { loadConfig } from '#core/config/load-config.js';
import { buildEngagement } from '#core/lifecycle/build-engagement.js';
import { engagementErased } from '#core/lifecycle/erase.js';
import { reportStatus } from '#core/lifecycle/report-status.js';
import { slaDue } from '#core/lifecycle/sla-due.js';
import { createRouter } from '#core/routing/router.js';
import { EngagementRoutedEventSchema } from '#events/schemas/engagement-routed.js';
import {
  EngagementErasedEventSchema,
  EngagementStatusChangedEventSchema,
  SlaBreachedEventSchema,
  StatusRejectedEventSchema,
} from '#events/schemas/lifecycle.js';
import { MemoryLifecycleStore } from '#test-support/memory-lifecycle-store.js';
import { onTheBus } from '#test-support/on-the-bus.js';

const schemas = {
  'Engagement Status Changed': EngagementStatusChangedEventSchema,
  'SLA Breached': SlaBreachedEventSchema,
  'Engagement Routed': EngagementRoutedEventSchema,
} as const;

describe('lifecycle event contract', () => {
  it('every event a report, a reroute, a breach and an escalation publish is valid against its JSON Schema', async () => {
    const departments: Department[] = [
      {
        id: 'customer-care',
        name: 'Care',
        sla: { firstResponse: 'PT1H' },
        escalation: { to: 'legal', priority: 'urgent' },
      },
      { id: 'legal', name: 'Legal', sla: { firstResponse: 'PT30M' } },
      { id: 'sales', name: 'Sales' },
    ];
    const engagement = buildEngagement(
      {
        platform: 'x',
        kind: 'mention',
        externalId: '1800000000000000123',
        text: 'refund please',
        createdAt: '2026-12-01T09:59:00.000Z',
        author: { id: '42', handle: 'jdoe', name: 'J' },
      },
      '2026-12-01T10:00:00.000Z',
      createRouter(loadConfig('config/switchboard.yaml')),
    );
    const store = new MemoryLifecycleStore();
    store.routed.set(engagement.id, { departments: ['customer-care', 'sales'], at: engagement.receivedAt });
    store.engagements.set(engagement.id, engagement);
    const deps = { store, departments, now: () => new Date('2026-12-01T11:00:05.000Z') };
    await slaDue(
      {
        engagementId: engagement.id,
        department: 'customer-care',
        sla: 'firstResponse',
        dueAt: '2026-12-01T11:00:00.000Z',
      },
      deps,
    );
    await reportStatus(
      {
        engagementId: engagement.id,
        department: 'sales',
        status: 'rerouted',
        to: 'customer-care',
        reportId: 'r1',
        note: 'n',
        actor: { id: 'a' },
      },
      deps,
    );
    await reportStatus(
      { engagementId: engagement.id, department: 'customer-care', status: 'rerouted', to: 'sales', reportId: 'r2' },
      deps,
    );
    expect(new Set(store.events.map((e) => e.detailType))).toEqual(new Set(Object.keys(schemas)));
    for (const event of store.events) {
      const parsed = schemas[event.detailType as keyof typeof schemas].safeParse(onTheBus(event));
      expect([event.detailType, parsed.error?.issues ?? []]).toEqual([event.detailType, []]);
    }
  });

  it('"Status Rejected" as the tracker sends it is valid against its JSON Schema', () => {
    const rejected = { reportId: 'b2', engagementId: 'x:1', department: 'customer-care', reason: 'not allowed' };
    const parsed = StatusRejectedEventSchema.safeParse({
      ...onTheBus({
        engagementId: 'x:1',
        key: 'k',
        at: '',
        source: 'switchboard',
        detailType: 'Status Rejected',
        detail: rejected,
      }),
    });
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('"Engagement Erased" as erasure writes it is valid against its JSON Schema', () => {
    const erased = engagementErased('x:1', 'x:42', '2026-12-06T10:00:00.000Z', ['customer-care']);
    expect(EngagementErasedEventSchema.safeParse(onTheBus(erased)).error?.issues ?? []).toEqual([]);
  });
});
