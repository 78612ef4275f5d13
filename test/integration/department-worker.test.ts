import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { runWorker } from '../../examples/department-worker/worker.mjs';
import { dynamodb, engage, sqs, twin } from './twin-client.js';

const token = 'local-it-worker-status-token';
/** The worker's assignment as the table holds it (state and version). */
const assignmentOf = async (engagementId: string) => {
  const { Item } = await dynamodb.send(
    new GetItemCommand({
      TableName: twin.tableName,
      Key: { pk: { S: `ENG#${engagementId}` }, sk: { S: 'ASSIGN#it-worker' } },
      ConsistentRead: true,
    }),
  );
  return Item ? (unmarshall(Item).assignment as { state: string; version: number }) : undefined;
};

describe('the reference department worker (examples/department-worker) against the twin', () => {
  it('reads its queue, acknowledges, then resolves each engagement, and deletes what it finished', async () => {
    const ids = [await engage('itworker my parcel is late'), await engage('itworker wrong size sent 😕')];
    const worker = runWorker({
      localJson: twin as never,
      department: 'it-worker',
      statusToken: token,
      waitSeconds: 1,
      maxMessages: 2,
      idleStopAfterMs: 30_000,
      sqs,
      log: () => undefined,
    });
    await worker.done;
    expect(worker.processed).toBe(2);
    for (const id of ids) {
      expect(worker.reports.filter((r) => r.engagementId === id).map((r) => [r.status, r.outcome, r.via])).toEqual([
        ['acknowledged', 200, 'https'],
        ['resolved', 200, 'https'],
      ]);
      expect(await assignmentOf(id)).toMatchObject({ state: 'resolved', version: 3 });
    }
  });

  it('reports on the bus too, and hands an engagement to another department when its work says so', async () => {
    const id = await engage('itworker this is really for sales: 40 seats?');
    const worker = runWorker({
      localJson: twin as never,
      department: 'it-worker',
      statusToken: token,
      via: 'bus',
      waitSeconds: 1,
      maxMessages: 1,
      idleStopAfterMs: 30_000,
      sqs,
      log: () => undefined,
      handle: () => ({ status: 'rerouted', to: 'sales', note: 'buying signal' }),
    });
    await worker.done;
    expect(worker.reports.map((r) => [r.status, r.outcome, r.via])).toEqual([
      ['acknowledged', 'accepted', 'bus'],
      ['rerouted', 'accepted', 'bus'],
    ]);
    // Applied by the tracker a moment later: the assignment ends rerouted.
    const deadline = Date.now() + 20_000;
    let last = await assignmentOf(id);
    while (last?.state !== 'rerouted' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      last = await assignmentOf(id);
    }
    // The bus keeps no order: an acknowledgement that arrives after the handover is late (its `at`
    // is earlier) and changes nothing, so the version is 2 or 3; the state is rerouted either way.
    expect(last?.state).toBe('rerouted');
  });
});
