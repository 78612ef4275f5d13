import { ConfigError, parseConfig } from '#core/config/load-config.js';
import { isTimeZone } from '#core/config/business-hours.js';
import { thrownBy } from '#test-support/errors.js';

const withHours = (hours: string) => `departments:
  - id: care
    name: Care
    sla:
      firstResponse: PT4H
      businessHours: ${hours}
defaultDepartment: care
`;
const problemsOf = (text: string) => thrownBy(ConfigError, () => parseConfig(text, 'test.yaml'));
const good = '{ timeZone: Europe/Berlin, days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00" }';

describe('business hours in the config', () => {
  it('accepts business hours with an IANA zone, weekdays and opening times', () => {
    const { config } = parseConfig(withHours(good));
    expect(config.departments[0]?.sla?.businessHours).toEqual({
      timeZone: 'Europe/Berlin',
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      start: '09:00',
      end: '17:00',
    });
    expect(
      parseConfig(withHours('{ timeZone: Asia/Kolkata, days: [sun], start: "00:00", end: "24:00" }')).config
        .departments[0]?.sla?.businessHours?.end,
    ).toBe('24:00');
  });

  it('refuses an unknown time zone and UTC offsets, naming the field and its line', () => {
    const err = problemsOf(withHours('{ timeZone: Europe/Berlinn, days: [mon], start: "09:00", end: "17:00" }'));
    expect(err.problems[0]).toMatchObject({ field: 'departments[0].sla.businessHours.timeZone', line: 6 });
    expect(err.message).toContain('IANA time zone');
    expect(isTimeZone('+01:00')).toBe(false);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('America/New_York')).toBe(true);
  });

  it('refuses unknown and repeated days and an empty list', () => {
    const unknown = problemsOf(withHours('{ timeZone: UTC, days: [mon, funday], start: "09:00", end: "17:00" }'));
    expect(unknown.problems[0]?.field).toBe('departments[0].sla.businessHours.days[1]');
    expect(unknown.message).toMatch(/mon.*tue.*sun|sun.*mon/);
    expect(
      problemsOf(withHours('{ timeZone: UTC, days: [mon, mon], start: "09:00", end: "17:00" }')).message,
    ).toContain('must not list a day twice');
    expect(problemsOf(withHours('{ timeZone: UTC, days: [], start: "09:00", end: "17:00" }')).message).toContain(
      'at least one day',
    );
  });

  it('refuses malformed times and a start not before the end', () => {
    const malformed = problemsOf(withHours('{ timeZone: UTC, days: [mon], start: "9:00", end: "25:00" }'));
    expect(malformed.problems.map((p) => p.field)).toEqual([
      'departments[0].sla.businessHours.start',
      'departments[0].sla.businessHours.end',
    ]);
    expect(malformed.message).toContain('HH:MM');
    const reversed = problemsOf(withHours('{ timeZone: UTC, days: [mon], start: "17:00", end: "09:00" }'));
    expect(reversed.problems[0]).toMatchObject({ field: 'departments[0].sla.businessHours.end' });
    expect(reversed.message).toContain('must be later than start (17:00)');
  });

  it('refuses unknown keys and missing fields', () => {
    const err = problemsOf(withHours('{ timeZone: UTC, days: [mon], start: "09:00", end: "17:00", holidays: [] }'));
    expect(err.message).toContain('holidays');
    expect(problemsOf(withHours('{ days: [mon], start: "09:00", end: "17:00" }')).problems[0]?.field).toBe(
      'departments[0].sla.businessHours.timeZone',
    );
  });
});
