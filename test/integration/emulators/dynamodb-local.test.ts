import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { ensureDynamoDbLocal, startDynamoDbLocal } from '#local/emulators/dynamodb-local.js';
import { localCredentials } from '#test-support/aws-local.js';
import { expectPortFree, occupyPort, waitForPortFree } from '#test-support/tcp-ports.js';

// The first run downloads DynamoDB Local (~56 MB); a start takes ~2-5 s.
jest.setTimeout(180_000);

describe('DynamoDB Local (AWS jar, run with Java)', () => {
  it('is fetched once into node_modules/.cache and reused', async () => {
    const dir = await ensureDynamoDbLocal();
    expect(dir).toMatch(/node_modules\/\.cache\/switchboard\/dynamodb-local$/);
    expect(await ensureDynamoDbLocal()).toBe(dir);
  });

  it('starts in memory, answers the SDK (incl. transactions), and stops releasing its port', async () => {
    const dynamo = await startDynamoDbLocal({ port: 0 });
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: localCredentials,
    });
    try {
      await client.send(
        new CreateTableCommand({
          TableName: 'engagements',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await client.send(new PutItemCommand({ TableName: 'engagements', Item: { pk: { S: 'a' }, n: { N: '1' } } }));
      await client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: 'engagements',
                Item: { pk: { S: 'b' } },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      const { Item } = await client.send(new GetItemCommand({ TableName: 'engagements', Key: { pk: { S: 'a' } } }));
      expect(Item?.n?.N).toBe('1');
    } finally {
      client.destroy();
      await dynamo.stop();
    }
    await expectPortFree(dynamo.port);
  });

  it('keeps its data in a data directory across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ddb-data-'));
    try {
      const first = await startDynamoDbLocal({ port: 0, dataDir });
      const client = new DynamoDBClient({
        endpoint: first.endpoint,
        region: 'us-east-1',
        credentials: localCredentials,
      });
      await client.send(
        new CreateTableCommand({
          TableName: 'kept',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await client.send(new PutItemCommand({ TableName: 'kept', Item: { pk: { S: 'a' }, n: { N: '7' } } }));
      client.destroy();
      await first.stop();
      const second = await startDynamoDbLocal({ port: 0, dataDir });
      const again = new DynamoDBClient({
        endpoint: second.endpoint,
        region: 'us-east-1',
        credentials: localCredentials,
      });
      try {
        const { Item } = await again.send(new GetItemCommand({ TableName: 'kept', Key: { pk: { S: 'a' } } }));
        expect(Item?.n?.N).toBe('7');
      } finally {
        again.destroy();
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('does not outlive a process killed with SIGKILL: its port is free again', async () => {
    // A child process starts DynamoDB Local, prints the port, and is then killed with SIGKILL,
    // which runs no exit handler: the watchdog must stop the JVM.
    const script = `import { startDynamoDbLocal } from ${JSON.stringify(new URL('../../../local/emulators/dynamodb-local.ts', import.meta.url).href)};
const d = await startDynamoDbLocal({ port: 0 });
console.log('PORT ' + d.port);
setInterval(() => {}, 1000);`;
    const { spawn } = await import('node:child_process');
    const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      owner.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /PORT (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      owner.once('exit', (code) => reject(new Error(`owner exited early (${String(code)}): ${out}`)));
    });
    owner.kill('SIGKILL');
    await waitForPortFree(port, 10_000);
  });

  it('names the port and DYNAMODB_PORT when the port is taken', async () => {
    const { server, port } = await occupyPort();
    try {
      await expect(startDynamoDbLocal({ port })).rejects.toThrow(
        `Port ${port} is already in use (needed by DynamoDB Local). Stop the process that holds it, or pick another port with DYNAMODB_PORT=<port>`,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('tells the user to install Java 17+ when java is not on PATH', async () => {
    const started = startDynamoDbLocal({ port: 0, env: { ...process.env, PATH: '/nonexistent' } });
    await expect(started).rejects.toThrow(
      /`java` is not on PATH\. Install Java 17 or newer, e\.g\. `sudo apt-get install -y openjdk-17-jre-headless`.*`brew install openjdk@17`/,
    );
    await started.then((dynamo) => dynamo.stop()).catch(() => undefined);
  });

  it('reports the last lines of output when the process exits before it is ready', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ddb-broken-'));
    try {
      await writeFile(join(dir, 'DynamoDBLocal.jar'), 'not a jar');
      await expect(startDynamoDbLocal({ port: 0, dir })).rejects.toThrow(
        /DynamoDB Local exited \(code \d+\) before it was ready\. Last output:\n.*(jar|Jar)/s,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
