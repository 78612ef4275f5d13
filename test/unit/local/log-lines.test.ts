import { formatLogLine } from '#local/twin/log-lines.js';

describe('function log lines as the twin prints them with --verbose', () => {
  it('shows time, function, level and message of a Powertools record, and its own fields', () => {
    const line = JSON.stringify({
      level: 'ERROR',
      message: 'publish failed',
      timestamp: '2026-12-06T05:40:12.345Z',
      service: 'switchboard',
      cold_start: true,
      xray_trace_id: 'x',
      attempt: 2,
    });
    expect(formatLogLine('Switchboard-Process', line)).toBe(
      '  05:40:12 Switchboard-Process ERROR publish failed {"attempt":2}',
    );
  });

  it('prints other lines as they are', () => {
    expect(formatLogLine('eventbridge', 'delivery to queue failed')).toBe('  eventbridge delivery to queue failed');
    expect(formatLogLine('eventbridge', '[1,2]')).toBe('  eventbridge [1,2]');
  });
});
