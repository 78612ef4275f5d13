import { compilePattern, InvalidEventPatternError } from '#core/patterns/index.js';
import { loadConformanceCases } from '../support/conformance-corpus.js';

/**
 * Runs the EventBridge conformance corpus (`corpus/eventbridge-conformance-dev.json`) against the
 * pattern engine; SWITCHBOARD_CONFORMANCE_FILE runs another set of cases through the same suite.
 *
 * Invalid cases: the reason must contain the case's `error` text. That text is exact for
 * `aws-validated` cases. For the other sources it is "indicative", and for the two service-side
 * limits AWS's wording for too many `$or` combinations is not recorded anywhere we could find,
 * so only cases with enforcedBy: eventbridge-service and a source other than aws-validated may
 * pass with a different text; they must still throw InvalidEventPatternError.
 */

interface MatchCase {
  name: string;
  source: string;
  pattern: unknown;
  patternText?: string;
  event: unknown;
  match: boolean;
}

interface InvalidCase {
  name: string;
  source: string;
  pattern: unknown;
  patternText?: string;
  invalid: true;
  error: string;
  enforcedBy: 'event-ruler' | 'eventbridge-service';
}

type Case = MatchCase | InvalidCase;

const corpus = { cases: loadConformanceCases<Case>() };

const isInvalid = (c: Case): c is InvalidCase => 'invalid' in c && c.invalid;
const matchCases = corpus.cases.filter((c): c is MatchCase => !isInvalid(c));
const invalidCases = corpus.cases.filter(isInvalid);

/** The text a case feeds the parser: raw text where JSON objects would lose duplicate keys. */
function patternOf(c: { pattern: unknown; patternText?: string }): string | object {
  return c.patternText ?? (c.pattern as object);
}

describe('EventBridge conformance corpus', () => {
  it('has cases', () => {
    expect(matchCases.length + invalidCases.length).toBeGreaterThan(0);
  });

  describe('match cases', () => {
    test.each(matchCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      expect(compilePattern(patternOf(c)).matches(c.event)).toBe(c.match);
    });
  });

  describe('invalid patterns', () => {
    test.each(invalidCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      let thrown: unknown;
      try {
        compilePattern(patternOf(c));
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(InvalidEventPatternError);
      const error = thrown as InvalidEventPatternError;
      expect(error.message).toBe(`Event pattern is not valid. Reason: ${error.reason}`);
      const wordingMayDiffer = c.enforcedBy === 'eventbridge-service' && c.source !== 'aws-validated';
      if (!wordingMayDiffer || error.reason.includes(c.error)) {
        expect(error.reason).toContain(c.error);
      }
    });
  });
});
