/**
 * Personal data in free text: emails, phone numbers, payment cards (Luhn-checked) and IBANs
 * (ISO 13616 mod-97 checked). Checksums keep order numbers and tracking codes from being
 * reported as cards or IBANs. Detection returns spans; `redactPii` replaces them with a tag,
 * for logs always and for the stored text when the tenant asks for it.
 */

export type PiiType = 'email' | 'phone' | 'card' | 'iban';

export interface PiiMatch {
  type: PiiType;
  start: number;
  end: number;
}

export interface PiiSummary {
  /** Kinds found, in a fixed order. */
  types: PiiType[];
  count: number;
}

/**
 * The detection patterns, built on first use: compiling these Unicode-aware expressions is a few
 * milliseconds that a cold start which redacts nothing (the webhook's, unless an error is
 * logged) need not spend.
 */
function compilePatterns() {
  return {
    EMAIL: /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu,
    /** 13–19 digits, optionally grouped by single spaces or dashes. */
    CARD: /(?<![\p{N}\p{L}])\d(?:[ -]?\d){12,18}(?![\p{N}\p{L}])/gu,
    /** Country code, check digits, then 11–30 alphanumerics, optionally in groups of four. */
    IBAN: /(?<![\p{L}\p{N}])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}(?![\p{L}\p{N}])/gu,
    /**
     * International (+CC or 00CC …) or national numbers written like phone numbers: 8–15 digits in
     * groups separated by spaces, dashes or dots, or with a bracketed area code. A bare run of
     * digits is not a phone (order ids are), unless it starts with + and a country code.
     */
    PHONE:
      /(?<![\p{N}\p{L}+])(?:\+\d{1,3}[ .-]?|00\d{1,3}[ .-])?(?:\(\d{1,5}\)[ .-]?)?\d{1,5}(?:[ .-]\d{1,8}){1,5}(?![\p{N}\p{L}])|(?<![\p{N}\p{L}+])(?:\+\d{1,3}[ .-]?)?\(\d{1,5}\)[ .-]?\d{5,10}(?![\p{N}\p{L}])|(?<![\p{N}\p{L}+])\+\d{8,15}(?![\p{N}\p{L}])/gu,
    /**
     * Words that name the number after them as a reference, not a person's phone: order, receipt,
     * invoice, booking, ticket, tracking, device and postal codes, in the supported languages.
     */
    REFERENCE_CUE:
      /(?:^|[^\p{L}])(?:order|orders|orden|pedido|commande|bestellung|bestellnummer|ordine|bestelling|receipt|recibo|reçu|quittung|ricevuta|invoice|factura|facture|rechnung|fattura|factuur|nota(?: fiscal)?|ref|reference|referencia|référence|referenz|riferimento|booking|reserva|réservation|buchung|prenotazione|boeking|reservering|ticket|case|caso|dossier|protocol|protocolo|protocollo|pratica|tracking|rastreio|suivi|sendung|sendungsnummer|spedizione|zending|imei|serial|serie|série|cep|plz|postcode|sku|model|modelo|modèle|modell|modello|account|cuenta|compte|konto|conto|rekening|contrato|contract|vertrag|contratto|cliente|customer|kunde|klant|client|id|no\.?|nr\.?|n[°º]|#)\s*[:#]?\s*$/iu,

    /**
     * Things that are not personal data but contain phone- or card-like digit groups: UUIDs and
     * other hex ids, codes joining letters and digits with dashes or underscores (ORD-2025-55812,
     * 38e6658c-4f1b-…), dates (2025-03-14, 14.03.2025, 14/03/2025) with an optional time.
     */
    IDENTIFIERS: [
      // IBAN-shaped, whether or not its checksum holds (a mistyped IBAN is no phone)
      /(?<![\p{L}\p{N}])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?(?![\p{L}\p{N}])/gu,
      /(?<![\p{L}\p{N}])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\p{L}\p{N}])/giu,
      /(?<![\p{L}\p{N}_-])(?=[\p{L}\p{N}_-]*\p{L})(?=[\p{L}\p{N}_-]*\p{N})[\p{L}\p{N}]+(?:[-_][\p{L}\p{N}]+)+(?![\p{L}\p{N}_-])/gu,
      /(?<![\p{N}])(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?(?![\p{N}])/gu,
    ] as readonly RegExp[],
  };
}
let compiled: ReturnType<typeof compilePatterns> | undefined;
const patterns = () => (compiled ??= compilePatterns());

const IBAN_START = /[A-Z]{2}\d{2}/;
/**
 * Things that are not personal data but contain phone- or card-like digit groups: UUIDs and
 * other hex ids, codes joining letters and digits with dashes or underscores (ORD-2025-55812,
 * 38e6658c-4f1b-…), dates (2025-03-14, 14.03.2025, 14/03/2025) with an optional time.
 */
/** Cards have 13+ digits and phones 8+: a text with fewer has neither. */
const EIGHT_DIGITS = /\d(?:\D*\d){7}/;

const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AT: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BR: 29,
  CH: 21,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  EE: 20,
  ES: 24,
  FI: 18,
  FR: 27,
  GB: 22,
  GI: 23,
  GR: 27,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IS: 26,
  IT: 27,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MT: 31,
  NL: 18,
  NO: 15,
  PL: 28,
  PT: 25,
  RO: 24,
  SA: 24,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  TR: 26,
  UA: 29,
};

/** Luhn (mod 10) check over the digits of a string. */
export function luhnValid(value: string): boolean {
  const digits = value.replace(/\D/g, '');
  if (digits.length < 12) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** ISO 13616 check: known country length (when we know it) and mod 97 = 1. */
export function ibanValid(value: string): boolean {
  const iban = value.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected !== undefined && iban.length !== expected) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const n = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const digit of n) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/** A range of the text, `[start, end)`. */
interface Span {
  start: number;
  end: number;
}

const overlaps = (m: Span, taken: readonly Span[]): boolean => taken.some((t) => m.start < t.end && t.start < m.end);

/** Every PII span in the text, earlier types winning overlaps (email > iban > card > phone). */
export function findPii(text: string): PiiMatch[] {
  const found: PiiMatch[] = [];
  const push = (type: PiiType, start: number, value: string, ok: (v: string) => boolean): void => {
    const m = { type, start, end: start + value.length };
    if (ok(value) && !overlaps(m, found)) found.push(m);
  };
  // Cheap checks first: most social texts hold no @ and fewer than eight digits.
  if (text.includes('@')) for (const m of text.matchAll(patterns().EMAIL)) push('email', m.index, m[0], () => true);
  if (IBAN_START.test(text)) for (const m of text.matchAll(patterns().IBAN)) push('iban', m.index, m[0], ibanValid);
  if (!EIGHT_DIGITS.test(text)) return found.sort((a, b) => a.start - b.start);
  // Identifiers (UUIDs, order and tracking codes mixing letters and digits, dates, times) hold
  // digit groups that look like phones or cards; nothing inside one is personal data.
  const identifiers: Span[] = [];
  for (const pattern of patterns().IDENTIFIERS)
    for (const m of text.matchAll(pattern)) identifiers.push({ start: m.index, end: m.index + m[0].length });
  const inIdentifier = (start: number, value: string) => overlaps({ start, end: start + value.length }, identifiers);
  for (const m of text.matchAll(patterns().CARD))
    if (!inIdentifier(m.index, m[0])) push('card', m.index, m[0], luhnValid);
  for (const m of text.matchAll(patterns().PHONE)) {
    if (inIdentifier(m.index, m[0]) || patterns().REFERENCE_CUE.test(text.slice(Math.max(0, m.index - 24), m.index)))
      continue;
    push('phone', m.index, m[0], (v) => {
      const digits = v.replace(/\D/g, '').length;
      // Versions (16.2.1) and other short grouped numbers: a phone has 8 to 15 digits.
      return digits >= 8 && digits <= 15;
    });
  }
  return found.sort((a, b) => a.start - b.start);
}

export function summarizePii(matches: PiiMatch[]): PiiSummary | undefined {
  if (matches.length === 0) return undefined;
  const order: PiiType[] = ['email', 'phone', 'card', 'iban'];
  return { types: order.filter((t) => matches.some((m) => m.type === t)), count: matches.length };
}

/** The text with each PII span replaced by `[email]`, `[phone]`, `[card]` or `[iban]`. */
export function redactPii(text: string, matches: PiiMatch[] = findPii(text)): string {
  let out = '';
  let at = 0;
  for (const m of [...matches].sort((a, b) => a.start - b.start)) {
    if (m.start < at) continue;
    out += `${text.slice(at, m.start)}[${m.type}]`;
    at = m.end;
  }
  return out + text.slice(at);
}

/** For log lines: redacted, and cut so a long text never floods the log. */
export function redactForLog(text: string, maxChars = 200): string {
  const redacted = redactPii(text);
  return redacted.length > maxChars ? `${redacted.slice(0, maxChars)}…` : redacted;
}
