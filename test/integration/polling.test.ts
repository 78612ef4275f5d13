import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamodb, receiveUntil, twin } from './twin-client.js';

/**
 * The twin's schedule runs the poller function (from the synthesized bundle) against a feed on
 * loopback (global-setup.ts): the new item reaches the department its rule names, once.
 */
describe('local twin: scheduled polling', () => {
  const id = 'rss:it-newsroom:it-legal-notice';

  it('delivers a new feed item to its department exactly once', async () => {
    const [message] = await receiveUntil('legal', (m) => m.detail.id === id, 40_000);
    expect(message?.detail).toMatchObject({
      platform: 'rss',
      kind: 'post',
      text: 'Notice from our lawyer\n\nOur lawyer says: données personnelles 🔒',
      url: 'https://news.example.com/legal-notice',
      routing: { departments: ['legal', 'communications'], rules: ['legal-threats'] },
    });
    // the poller keeps polling every (sped-up) beat; the feed answers 304 and nothing more arrives
    expect(await receiveUntil('legal', (m) => m.detail.id === id, 4_000)).toEqual([]);
  });

  it('keeps the poll state (ETag, seen items) in the table', async () => {
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: twin.tableName, Key: { pk: { S: 'POLL#rss#it-newsroom' }, sk: { S: 'STATE' } } }),
    );
    expect(Item?.state?.M?.etag?.S).toBe('"feed-v1"');
    expect(Item?.state?.M?.seen?.L?.map((s) => s.S)).toEqual(['it-legal-notice@']);
  });

  it('polls the platforms that have no push at all: Reddit and Bluesky reach their departments once', async () => {
    const [reddit] = await receiveUntil('engineering', (m) => m.detail.id === 'reddit:t3_itcrash', 40_000);
    expect(reddit?.detail).toMatchObject({
      platform: 'reddit',
      kind: 'post',
      routing: { rules: ['engineering-bugs'] },
    });
    const [bluesky] = await receiveUntil(
      'sales',
      (m) => m.detail.id === 'bluesky:at://did:plc:ana/app.bsky.feed.post/itpricing',
      40_000,
    );
    expect(bluesky?.detail).toMatchObject({
      platform: 'bluesky',
      kind: 'mention',
      author: { handle: 'ana.bsky.social' },
      routing: { rules: ['sales-buying-signals'] },
    });
    const again = await receiveUntil('engineering', (m) => m.detail.id === 'reddit:t3_itcrash', 3_000);
    expect(again).toEqual([]);
  });
});
