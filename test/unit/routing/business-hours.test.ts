import { parseConfig } from '#core/config/load-config.js';
import type { BusinessHours } from '#core/config/business-hours.js';
import { buildEngagement } from '#core/lifecycle/build-engagement.js';
import { addBusinessTime } from '#core/routing/business-time.js';
import { createRouter } from '#core/routing/router.js';

const berlin: BusinessHours = {
  timeZone: 'Europe/Berlin',
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  start: '09:00',
  end: '17:00',
};
const HOUR = 3_600_000;
const due = (receivedAt: string, ms: number, hours: BusinessHours = berlin) =>
  new Date(addBusinessTime(Date.parse(receivedAt), ms, hours)).toISOString();

describe('SLA due time in business hours', () => {
  it('counts on into Monday for an engagement received late on Friday', () => {
    // Friday 16:30 Berlin (CET, UTC+1) + PT1H: 30 minutes on Friday, 30 on Monday → Monday 09:30 Berlin
    expect(due('2026-11-27T15:30:00.000Z', HOUR)).toBe('2026-11-30T08:30:00.000Z');
  });

  it('starts counting at the next opening on a weekend, before and after hours', () => {
    expect(due('2026-11-28T12:00:00.000Z', HOUR)).toBe('2026-11-30T09:00:00.000Z'); // Saturday → Monday 10:00 Berlin
    expect(due('2026-11-29T22:00:00.000Z', HOUR)).toBe('2026-11-30T09:00:00.000Z'); // Sunday 23:00 Berlin
    expect(due('2026-11-25T17:00:00.000Z', 4 * HOUR)).toBe('2026-11-26T12:00:00.000Z'); // Wednesday 18:00 → Thursday 13:00
    expect(due('2026-11-25T07:00:00.000Z', HOUR)).toBe('2026-11-25T09:00:00.000Z'); // Wednesday 08:00 → 10:00
  });

  it('counts wall-clock time inside business hours and ends at closing time exactly', () => {
    expect(due('2026-11-25T10:00:00.000Z', 4 * HOUR)).toBe('2026-11-25T14:00:00.000Z');
    expect(due('2026-11-27T15:30:00.000Z', HOUR / 2)).toBe('2026-11-27T16:00:00.000Z'); // Friday 17:00 Berlin
  });

  it('follows the clock through daylight saving changes', () => {
    // Spring: Friday 27 March 16:30 CET; clocks go forward on Sunday 29 → Monday 09:30 CEST (UTC+2)
    expect(due('2026-03-27T15:30:00.000Z', HOUR)).toBe('2026-03-30T07:30:00.000Z');
    // Autumn: Friday 23 October 16:00 CEST; clocks go back on Sunday 25 → Monday 10:00 CET (UTC+1)
    expect(due('2026-10-23T14:00:00.000Z', 2 * HOUR)).toBe('2026-10-26T09:00:00.000Z');
    // Business hours that start inside the skipped hour open once the clock has jumped
    const newYork: BusinessHours = { timeZone: 'America/New_York', days: ['sun'], start: '02:30', end: '05:00' };
    expect(due('2026-03-07T12:00:00.000Z', HOUR / 2, newYork)).toBe('2026-03-08T08:00:00.000Z'); // 03:30 EDT + 30 min
  });

  it('handles a zone with a half-hour offset', () => {
    const kolkata: BusinessHours = {
      timeZone: 'Asia/Kolkata',
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      start: '09:30',
      end: '18:00',
    };
    // Wednesday 17:30 IST (UTC+05:30) + PT1H: 30 minutes on Wednesday, 30 from Thursday 09:30 → 10:00 IST
    expect(due('2026-11-25T12:00:00.000Z', HOUR, kolkata)).toBe('2026-11-26T04:30:00.000Z');
  });

  it('spreads a multi-day SLA over business days only (P1D is 24 business hours)', () => {
    // Thursday 15:00 Berlin + PT20H: 2 h Thursday, 8 h Friday, 8 h Monday, 2 h Tuesday → Tuesday 11:00
    expect(due('2026-11-26T14:00:00.000Z', 20 * HOUR)).toBe('2026-12-01T10:00:00.000Z');
    // Tuesday 12:00 Berlin + P2D (48 business hours): 5+8+8+8+8+8 → Wednesday of the next week, 12:00
    expect(due('2026-11-24T11:00:00.000Z', 48 * HOUR)).toBe('2026-12-02T11:00:00.000Z');
  });

  it('honours non-Monday-to-Friday weeks', () => {
    const dubai: BusinessHours = {
      timeZone: 'Asia/Dubai',
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
      start: '08:00',
      end: '12:00',
    };
    // Friday 11:00 Dubai (UTC+4) + PT2H: 1 h Friday, 1 h Saturday → Saturday 09:00
    expect(due('2026-11-27T07:00:00.000Z', 2 * HOUR, dubai)).toBe('2026-11-28T05:00:00.000Z');
  });
});

describe('routing with business-hours SLAs', () => {
  const config = parseConfig(`
departments:
  - id: care
    name: Care
    sla: { firstResponse: PT1H, businessHours: { timeZone: Europe/Berlin, days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00" } }
  - { id: comms, name: Comms, sla: { firstResponse: PT4H } }
  - { id: legal, name: Legal, sla: { firstResponse: P3D, businessHours: { timeZone: America/New_York, days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00" } } }
defaultDepartment: comms
rules:
  - { id: refunds, when: { keywords: [refund] }, routeTo: [care] }
  - { id: press, when: { keywords: [journalist] }, routeTo: [care, comms] }
  - { id: lawyers, when: { keywords: [lawyer] }, routeTo: [legal] }
`);
  const router = createRouter(config);
  const route = (text: string, receivedAt: string) =>
    buildEngagement(
      {
        platform: 'generic',
        kind: 'comment',
        externalId: 'e1',
        text,
        createdAt: receivedAt,
        author: { id: 'a1', handle: 'sam', name: 'Sam' },
      },
      receivedAt,
      router,
    ).routing;

  it('sets slaDueAt in business time for a department with business hours', () => {
    expect(route('I want a refund', '2026-11-27T15:30:00.000Z').slaDueAt).toBe('2026-11-30T08:30:00.000Z');
  });

  it('keeps the earliest due time across departments, business hours or not', () => {
    // care: Monday 09:30 Berlin; comms (wall clock): Friday 19:30 UTC → comms wins
    expect(route('A journalist asks about a refund', '2026-11-27T15:30:00.000Z').slaDueAt).toBe(
      '2026-11-27T19:30:00.000Z',
    );
    // on a Monday morning care's business hour comes first
    expect(route('A journalist asks about a refund', '2026-11-30T08:00:00.000Z').slaDueAt).toBe(
      '2026-11-30T09:00:00.000Z',
    );
  });

  it('counts a multi-day SLA in the department zone', () => {
    // Monday 09:00 New York (UTC-5) + P3D = 72 business hours = nine 8-hour days → Thursday of the next week, 17:00
    expect(route('my lawyer will call', '2026-11-23T14:00:00.000Z').slaDueAt).toBe('2026-12-03T22:00:00.000Z');
  });
});
