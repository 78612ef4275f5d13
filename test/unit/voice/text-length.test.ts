import fc from 'fast-check';
import twitterText from 'twitter-text';
import { overflowAt, platformLength } from '#core/voice/text-length.js';

/** Pieces people write in replies: words in several scripts, emoji sequences, links, spaces. */
const piece = fc.constantFrom(
  'thanks',
  'Danke schön',
  'désolé',
  'спасибо',
  'ありがとう',
  '감사합니다',
  'شكرا',
  '👍',
  '👩‍👩‍👧',
  '👋🏽',
  '🇫🇷',
  '❤️',
  'https://www.acme.com/help/returns?id=42',
  'http://t.co/x1',
  '—',
  '…',
  '#ad',
  '@acme_help',
  '42',
);
const reply = fc.array(piece, { minLength: 1, maxLength: 30 }).map((parts) => parts.join(' '));

describe('a reply’s length as X counts it', () => {
  it('agrees with twitter-text, X’s own counter, on generated replies', () => {
    fc.assert(
      fc.property(reply, (text) => {
        expect(platformLength('x', text)).toBe(twitterText.parseTweet(text).weightedLength);
      }),
      { numRuns: 300 },
    );
  });

  it('counts a long link as 23 and CJK as two each', () => {
    expect(platformLength('x', `see https://www.acme.com/${'a'.repeat(200)}`)).toBe(4 + 23);
    expect(platformLength('x', '世界')).toBe(4);
    expect(platformLength('default', '世界')).toBe(2);
  });

  it('says where a reply runs over the limit', () => {
    const text = `${'a'.repeat(279)}世b`;
    // 279 + 2 = 281 > 280: the CJK character is the first that does not fit.
    expect(overflowAt('x', text, 280)).toBe(279);
    expect(overflowAt('x', 'short', 280)).toBeUndefined();
  });
});

describe('other platforms', () => {
  it('Mastodon counts links as 23 and a remote mention as its local part', () => {
    expect(platformLength('mastodon', `@sam@social.example see https://acme.com/${'x'.repeat(100)}`)).toBe(4 + 5 + 23);
  });

  it('Bluesky counts what a reader sees as one character', () => {
    expect(platformLength('bluesky', '👩‍👩‍👧 ok')).toBe(4);
    expect(platformLength('default', '👩‍👩‍👧 ok')).toBe(8);
  });
});
