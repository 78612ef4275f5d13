import { findPii, ibanValid, luhnValid, redactForLog, redactPii, summarizePii } from '../../../lambdas/core/enrichment/pii.js';

const types = (t: string) => findPii(t).map((m) => m.type);

describe('PII detection', () => {
  it('finds emails', () => {
    expect(types('write to jane.doe+orders@example.co.uk please')).toEqual(['email']);
    expect(types('@jane on twitter')).toEqual([]);
  });

  it('finds phone numbers in common formats but not dates, versions or order ids', () => {
    for (const t of ['call me on +44 7700 900123', 'ring (020) 7946 0958', '+14155552671', 'tel 06-12-34-56-78']) expect(types(t)).toEqual(['phone']);
    for (const t of ['ordered on 2024-05-01', 'iOS 17.4.1', 'order 12345678', 'Pixel 9, Android 16']) expect(types(t)).toEqual([]);
  });

  it('finds payment cards only when the Luhn check passes', () => {
    expect(luhnValid('4111 1111 1111 1111')).toBe(true);
    expect(luhnValid('4111 1111 1111 1112')).toBe(false);
    expect(types('card 4111-1111-1111-1111 was charged')).toEqual(['card']);
    expect(types('card 4111 1111 1111 1112 was charged')).toEqual([]);
    expect(types('tracking 1234567890123')).toEqual([]);
  });

  it('finds IBANs only when the mod-97 checksum passes', () => {
    expect(ibanValid('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(ibanValid('GB82 WEST 1234 5698 7654 33')).toBe(false);
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(types('refund to DE89 3704 0044 0532 0130 00 thanks')).toEqual(['iban']);
    expect(types('refund to DE00 3704 0044 0532 0130 00 thanks')).toEqual([]);
  });

  it('redacts every kind and summarizes without values', () => {
    const text = 'Mail a@b.io or call +1 415 555 2671, card 4111111111111111';
    expect(redactPii(text)).toBe('Mail [email] or call [phone], card [card]');
    expect(summarizePii(findPii(text))).toEqual({ types: ['email', 'phone', 'card'], count: 3 });
    expect(summarizePii([])).toBeUndefined();
    expect(redactForLog(`${'x'.repeat(300)} a@b.io`, 50)).toHaveLength(51);
  });
});
