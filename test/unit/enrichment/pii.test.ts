import { findPii, ibanValid, luhnValid, redactForLog, redactPii, summarizePii } from '#core/enrichment/pii.js';

const types = (t: string) => findPii(t).map((m) => m.type);

describe('PII detection', () => {
  it('finds emails', () => {
    expect(types('write to jane.doe+orders@example.co.uk please')).toEqual(['email']);
    expect(types('@jane on twitter')).toEqual([]);
  });

  it('finds phone numbers in common formats but not dates, versions or order ids', () => {
    for (const t of ['call me on +44 7700 900123', 'ring (020) 7946 0958', '+14155552671', 'tel 06-12-34-56-78'])
      expect(types(t)).toEqual(['phone']);
    for (const t of ['ordered on 2024-05-01', 'iOS 17.4.1', 'order 12345678', 'Pixel 9, Android 16'])
      expect(types(t)).toEqual([]);
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

describe('identifiers are not personal data', () => {
  it.each([
    ['a UUID in a pasted log line', 'request 38e6658c-4f1b-4a1e-aca1-5b3c2f1d9e07 failed at 10:31'],
    ['an order code mixing letters and digits', 'order ORD-2025-55812-7781 still not shipped'],
    ['a tracking code', 'tracking JD014600003828461530 stuck since monday'],
    ['dates in several formats', 'delivered 14.03.2025, again on 2025-03-14 and 14/03/2025 10:30'],
    ['a price and a version', 'paid €1.299,00 and the app is v16.2.1'],
  ])('leaves %s intact', (_what, text) => {
    expect(findPii(text)).toEqual([]);
    expect(redactPii(text)).toBe(text);
  });

  it('reads a number named as a reference (order, receipt, booking, postcode, IMEI) as no phone', () => {
    for (const t of [
      'order 827-1791-5936 never came',
      'Receipt #0341-2928-9449',
      'Reserva 4103.672.589 para el 14',
      'CEP 52122-689 não é aceito',
      'IMEI 49-248444-559168-7',
    ])
      expect(types(t)).toEqual([]);
  });

  it('reads a mistyped IBAN as no phone', () => {
    expect(types('your IBAN GB69 NWBK 7209 6731 0792 26 is wrong')).toEqual([]);
  });

  it('finds phones with one-digit area codes, 00 prefixes and long subscriber groups', () => {
    for (const t of [
      'erreichbar unter +43 1 456 7171',
      'Rückruf an 0176-5175343',
      'al 0039 340 8400006 grazie',
      'mon numéro : +32 2 334 13 88',
    ])
      expect(types(t)).toEqual(['phone']);
  });

  it('still finds a phone or card next to an identifier', () => {
    expect(types('order ORD-2025-55812, call me on +44 7700 900123')).toEqual(['phone']);
    expect(types('ticket 38e6658c-4f1b-4a1e-aca1-5b3c2f1d9e07, card 4111 1111 1111 1111')).toEqual(['card']);
  });
});
