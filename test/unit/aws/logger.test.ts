import { safeLogData } from '#aws/logger.js';

describe('log data', () => {
  it('redacts personal data in every string and cuts long ones, leaving other values alone', () => {
    const out = safeLogData({
      error: 'could not parse: "mail me at sam@example.com or +44 20 7946 0958"',
      count: 3,
      long: 'x'.repeat(500),
    });
    expect(out.error).toBe('could not parse: "mail me at [email] or [phone]"');
    expect(out.count).toBe(3);
    expect(String(out.long)).toHaveLength(201);
  });
});
