import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type KeySchemaElement,
  type StreamViewType,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApiGatewayServer } from '../api/api-gateway-server.js';
import { consoleFile } from '../console/console-files.js';
import { readRestApi } from '../api/rest-api-routes.js';
import { assertJava, DYNAMODB_PORT_ENV, ensureDynamoDbLocal, startDynamoDbLocal } from '../emulators/dynamodb-local.js';
import { createEventBridge, EVENTBRIDGE_PORT_ENV } from '../emulators/eventbridge/index.js';
import { assertPortFree, closeServer, listenOn } from '../emulators/port-check.js';
import { startScheduler } from '../emulators/scheduler.js';
import { startSecretsManager } from '../emulators/secrets-manager.js';
import { startSecretsExtension } from '../emulators/secrets-extension.js';
import { startFaultProxy, type FaultProxy, type FaultService } from '../emulators/fault-proxy.js';
import { SQS_PORT_ENV, startSqs } from '../emulators/sqs.js';
import { LocalFunction } from '../functions/function-runner.js';
import { ScheduleRunner, localSchedules } from '../functions/schedules.js';
import { SqsEventSource } from '../functions/sqs-event-source.js';
import { DynamoDbStreamSource } from '../functions/dynamodb-stream-source.js';
import { readCloudAssembly, resourcesOfType } from '../template/cloud-assembly.js';
import { IntrinsicResolver } from '../template/intrinsics.js';
import { localFunctions, localQueues, referencedId, tagsOf } from '../template/local-resources.js';
import { WEBHOOK_PORT_ENV, type TwinOptions } from './options.js';
import { synthesize } from './synth.js';
import { recordSynthesis, synthesisIsCurrent, synthInputsDigest } from './synth-inputs.js';
import { formatLogLine } from './log-lines.js';
import { WebhookHealthFromMetrics } from './webhook-health.js';
import { DynamoDbHealthRecorder } from '#aws/dynamodb-health-recorder.js';
import { adapters } from '#core/platforms/registry.js';
import { loadConfig } from '#core/config/load-config.js';
import { LOCAL_CREDENTIALS as CREDENTIALS } from '../emulators/local-credentials.js';

/** The contract file `.switchboard/local.json` (docs/design.md). */
export interface LocalTwinInfo {
  webhookBaseUrl: string;
  /** The management console (docs/management.md). */
  consoleUrl: string;
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  eventBridgeEndpoint: string;
  region: string;
  tableName: string;
  eventBusName: string;
  queues: Record<string, string>;
  deadLetterQueues: Record<string, string>;
  /**
   * On-failure queues of table streams (the publish failures queue), by name, with the queue the
   * same function consumes, where `switchboard redrive` hands the engagements of the records
   * given up on. Such a queue is also listed in `deadLetterQueues`. Beyond the docs/design.md contract.
   */
  streamFailureQueues: Record<string, string>;
}

/** A running twin. */
export interface RunningTwin {
  info: LocalTwinInfo;
  /** How long the start took, from the first check to the webhook API listening. */
  startedInMs: number;
  /** Folder of the function and emulator logs. */
  logDir: string;
  /** Resolves when nothing is in flight (SQS batches, EventBridge deliveries). */
  quiesce(): Promise<void>;
  stop(): Promise<void>;
}

/** How the twin reports while it starts and runs. */
export interface TwinOutput {
  /** Progress and summary lines for the person who started it. */
  log?: (line: string) => void;
  /** Also print every function's log lines (they always go to `<stateDir>/logs/`). */
  verbose?: boolean;
}

/** Fails with a message naming DYNAMODB_ENDPOINT when nothing answers ListTables there. */
async function assertDynamoDbReachable(endpoint: string, region: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region,
    credentials: CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { requestTimeout: 3_000, connectionTimeout: 2_000, throwOnRequestTimeout: true },
  });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
  } catch (err) {
    throw new Error(
      `DYNAMODB_ENDPOINT is ${endpoint}, and no DynamoDB answers there (${(err as Error).name}: ${(err as Error).message}). Start it, or unset DYNAMODB_ENDPOINT to let the twin start DynamoDB Local.`,
    );
  } finally {
    client.destroy();
  }
}

/**
 * Starts the local twin: synthesizes the stack (or reuses the last synthesis when nothing it
 * depends on changed), starts DynamoDB Local, the SQS emulator, our EventBridge and a Secrets
 * Manager stand-in, creates every table, queue, bus, rule and target of the template, runs
 * every function bundle with its template environment, wires the SQS event source mappings and
 * schedules, and serves the REST API on the webhook port. Prints a line per step with its time;
 * function logs go to `<stateDir>/logs/<function name>.log`.
 */
export async function startTwin(options: TwinOptions, output: TwinOutput = {}): Promise<RunningTwin> {
  const log = output.log ?? console.log;
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
  };
  /** Runs one start-up step, then prints what it did and how long it took. */
  const step = async <T>(doing: string, work: () => Promise<T>, done: (result: T) => string): Promise<T> => {
    if (doing) log(`  … ${doing}`);
    const started = performance.now();
    const result = await work();
    log(`  ✓ ${done(result)} (${seconds(performance.now() - started)})`);
    return result;
  };
  const startedAt = performance.now();
  try {
    await step(
      '',
      () =>
        Promise.all([
          assertPortFree(options.webhookPort, WEBHOOK_PORT_ENV, { service: 'the webhook API' }),
          assertPortFree(options.sqsPort, SQS_PORT_ENV, { service: 'the SQS emulator' }),
          assertPortFree(options.eventBridgePort, EVENTBRIDGE_PORT_ENV, { service: 'the EventBridge emulator' }),
          ...(options.dynamodbEndpoint
            ? [assertDynamoDbReachable(options.dynamodbEndpoint, options.region)]
            : [assertPortFree(options.dynamodbPort, DYNAMODB_PORT_ENV, { service: 'DynamoDB Local' }), assertJava()]),
        ]),
      () =>
        options.dynamodbEndpoint
          ? `ports ${options.webhookPort}, ${options.sqsPort} and ${options.eventBridgePort} are free, DynamoDB answers at ${options.dynamodbEndpoint}`
          : `ports ${options.webhookPort}, ${options.dynamodbPort}, ${options.sqsPort} and ${options.eventBridgePort} are free, Java found`,
    );
    // Fetched once (~56 MB) before the synth, so a first start fails early if the registry is unreachable.
    if (!options.dynamodbEndpoint) await ensureDynamoDbLocal({ log: (line) => log(`  … ${line}`) });
    if (options.synth) {
      const digest = synthInputsDigest(process.cwd());
      if (synthesisIsCurrent(options.outdir, digest)) {
        log(`  ✓ stack unchanged since the last start: reusing ${options.outdir}`);
      } else {
        await step(
          'synthesizing the stack (cdk synth, cdk-nag, function bundles)',
          () => synthesize(options.outdir),
          () => 'stack synthesized',
        );
        recordSynthesis(options.outdir, digest);
      }
    }
    const stack = readCloudAssembly(options.outdir);

    const external = options.dynamodbEndpoint;
    const [dynamo, sqsServer] = await step(
      external ? 'starting the SQS emulator' : 'starting DynamoDB Local (Java) and the SQS emulator',
      () =>
        Promise.all([
          external
            ? { endpoint: external, stop: async () => undefined }
            : startDynamoDbLocal({
                port: options.dynamodbPort,
                log,
                ...(options.dynamodbDataDir ? { dataDir: options.dynamodbDataDir } : {}),
              }),
          startSqs({ port: options.sqsPort }),
        ]),
      ([d, q]) =>
        `${external ? `DynamoDB at ${d.endpoint} (yours)` : `DynamoDB Local on ${d.endpoint}${options.dynamodbDataDir ? `, data kept in ${options.dynamodbDataDir}` : ''}`}, SQS on ${q.endpoint}`,
    );
    stoppers.push(
      () => dynamo.stop(),
      () => sqsServer.stop(),
    );
    const resourcesStarted = performance.now();
    const logDir = join(options.stateDir, 'logs');
    mkdirSync(logDir, { recursive: true });
    const logFiles = new Map<string, WriteStream>();
    stoppers.push(async () => {
      await Promise.all([...logFiles.values()].map((f) => new Promise((resolve) => f.end(resolve))));
    });
    /** Appends a line to `<stateDir>/logs/<name>.log`, and prints it too when verbose. */
    const webhookHealth = new WebhookHealthFromMetrics();
    const logTo = (name: string, line: string) => {
      webhookHealth.observe(line);
      let file = logFiles.get(name);
      if (!file) {
        file = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
        logFiles.set(name, file);
      }
      file.write(`${line}\n`);
      if (output.verbose) log(formatLogLine(name, line));
    };
    const env = {
      region: options.region,
      accountId: options.accountId,
      sqsEndpoint: sqsServer.endpoint,
      sqsAccountId: sqsServer.accountId,
    };
    const resolver = new IntrinsicResolver(stack, env);
    const sqs = new SQSClient({ endpoint: sqsServer.endpoint, region: options.region, credentials: CREDENTIALS });
    const dynamodb = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: options.region,
      credentials: CREDENTIALS,
    });
    // Queues
    const queues = localQueues(stack, resolver);
    for (const q of queues)
      await sqs.send(new CreateQueueCommand({ QueueName: q.name, Attributes: q.attributes, tags: q.tags }));

    // Tables
    const tableNames: string[] = [];
    /** Each table's local stream ARN (by logical id), and whether the table was there before this start. */
    const tables = new Map<string, { name: string; streamArn?: string; reused: boolean }>();
    for (const [logicalId, r] of [
      ...resourcesOfType(stack, 'AWS::DynamoDB::GlobalTable'),
      ...resourcesOfType(stack, 'AWS::DynamoDB::Table'),
    ]) {
      const p = r.Properties ?? {};
      const TableName = resolver.physicalName(logicalId);
      const KeySchema = p.KeySchema as KeySchemaElement[];
      const streamView = (p.StreamSpecification as { StreamViewType?: StreamViewType } | undefined)?.StreamViewType;
      const StreamSpecification = streamView ? { StreamEnabled: true, StreamViewType: streamView } : undefined;
      let reused = false;
      /** The table's stream, from whichever answer described the table last. */
      let streamArn: string | undefined;
      try {
        const { TableDescription } = await dynamodb.send(
          new CreateTableCommand({
            TableName,
            KeySchema,
            AttributeDefinitions: p.AttributeDefinitions as AttributeDefinition[],
            BillingMode: 'PAY_PER_REQUEST',
            ...(StreamSpecification ? { StreamSpecification } : {}),
          }),
        );
        streamArn = TableDescription?.LatestStreamArn;
      } catch (err) {
        // A DynamoDB you run (DYNAMODB_ENDPOINT) or a kept data directory already has it: reuse
        // it, unless its keys differ (then the functions' writes would all fail).
        if (!(err instanceof ResourceInUseException)) throw err;
        reused = true;
        const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName }));
        const keysOf = (k: KeySchemaElement[] | undefined) =>
          (k ?? []).map((e) => `${e.AttributeName}:${e.KeyType}`).join(',');
        if (keysOf(Table?.KeySchema) !== keysOf(KeySchema))
          throw new Error(
            `Table ${TableName} already exists at ${dynamo.endpoint} with keys ${keysOf(Table?.KeySchema)}, not ${keysOf(KeySchema)}: delete it or point DYNAMODB_ENDPOINT elsewhere.`,
          );
        // A table kept from before the stream existed gets one (what CloudFormation would do).
        streamArn = Table?.LatestStreamArn;
        if (StreamSpecification && !Table?.StreamSpecification?.StreamEnabled)
          streamArn = (await dynamodb.send(new UpdateTableCommand({ TableName, StreamSpecification }))).TableDescription
            ?.LatestStreamArn;
        log(`  ✓ reusing table ${TableName} found at ${dynamo.endpoint}`);
      }
      const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
      if (ttl?.AttributeName) {
        await dynamodb
          .send(
            new UpdateTimeToLiveCommand({
              TableName,
              TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
            }),
          )
          .catch((err: Error) => {
            // a reused table has it already
            if (!/already enabled/i.test(err.message)) throw err;
          });
      }
      if (StreamSpecification && !streamArn)
        throw new Error(
          `Table ${TableName} at ${dynamo.endpoint} has no stream after it was created or updated with one`,
        );
      tables.set(logicalId, { name: TableName, reused, ...(StreamSpecification && streamArn ? { streamArn } : {}) });
      tableNames.push(TableName);
    }

    // Where stream positions and schedules are kept when the data outlives the twin; a fresh table starts empty.
    const keepsData = Boolean(options.dynamodbEndpoint || options.dynamodbDataDir);

    // EventBridge: buses, rules and their targets
    const eventBridge = createEventBridge({
      region: options.region,
      accountId: options.accountId,
      sqsEndpoint: sqsServer.endpoint,
      log: (line) => logTo('eventbridge', line),
    });
    const eventBridgeEndpoint = await eventBridge.listen(options.eventBridgePort);
    stoppers.push(() => eventBridge.close());
    const buses = resourcesOfType(stack, 'AWS::Events::EventBus').map(([id]) => resolver.physicalName(id));
    for (const name of buses) eventBridge.createEventBus({ Name: name });
    for (const [logicalId, r] of resourcesOfType(stack, 'AWS::Events::Archive')) {
      const p = resolver.resolve(r.Properties ?? {}) as {
        SourceArn: string;
        EventPattern?: object;
        RetentionDays?: number;
        Description?: string;
      };
      eventBridge.createArchive({
        ArchiveName: resolver.physicalName(logicalId),
        EventSourceArn: p.SourceArn,
        EventPattern: p.EventPattern,
        RetentionDays: p.RetentionDays,
        Description: p.Description,
      });
    }
    for (const [logicalId, r] of resourcesOfType(stack, 'AWS::Events::Rule')) {
      const p = resolver.resolve(r.Properties ?? {}) as Record<string, unknown>;
      if (!p.EventPattern) continue; // schedule rules are run by the schedule runner
      const Name = resolver.physicalName(logicalId);
      const EventBusName = String(p.EventBusName ?? 'default');
      eventBridge.putRule({
        Name,
        EventBusName,
        EventPattern: p.EventPattern as object,
        State: (p.State as 'ENABLED' | undefined) ?? 'ENABLED',
      });
      eventBridge.putTargets({ Rule: Name, EventBusName, Targets: (p.Targets as { Id: string; Arn: string }[]) ?? [] });
    }

    // EventBridge Scheduler: the SLA timers' one-time schedules, fired into SQS as on AWS.
    const scheduler = await startScheduler({
      port: 0,
      region: options.region,
      accountId: options.accountId,
      log: (line) => logTo('scheduler', line),
      ...(keepsData ? { stateFile: join(options.stateDir, 'schedules.json') } : {}),
      deliver: async (target) => {
        const arn = /^arn:aws:sqs:[^:]*:([^:]*):(.+)$/.exec(target.arn);
        if (!arn) throw new Error(`${target.arn} is not an SQS queue ARN (the twin's Scheduler sends to queues only)`);
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: `${sqsServer.endpoint}/${arn[1]}/${arn[2]}`,
            MessageBody: target.input ?? '',
          }),
        );
      },
    });
    stoppers.push(() => scheduler.stop());
    for (const [logicalId, r] of resourcesOfType(stack, 'AWS::Scheduler::ScheduleGroup'))
      scheduler.createScheduleGroup(String(r.Properties?.Name ?? resolver.physicalName(logicalId)));

    // Secrets: the local secrets file, one JSON object per platform (tagged on each secret)
    const secretValues = JSON.parse(readFileSync(options.secretsFile, 'utf8')) as Record<string, unknown>;
    const secrets: Record<string, string> = {};
    const defaultedTokens: string[] = [];
    for (const [logicalId, r] of resourcesOfType(stack, 'AWS::SecretsManager::Secret')) {
      const tags = tagsOf(r.Properties);
      const platform = tags['switchboard:platform'];
      if (platform && secretValues[platform]) secrets[resolver.arn(logicalId)] = JSON.stringify(secretValues[platform]);
      // A department's status token, from the file's "departments" entry (docs/design.md, "Secrets").
      const department = tags['switchboard:department'];
      const departments = (secretValues.departments ?? {}) as Record<string, unknown>;
      // A department the file does not list gets `local-<id>-status-token`, so a config of your own
      // works without editing the secrets file too (the start-up summary says so).
      if (department) {
        if (!departments[department]) defaultedTokens.push(department);
        secrets[resolver.arn(logicalId)] = JSON.stringify(
          departments[department] ?? { statusToken: `local-${department}-status-token` },
        );
      }
    }
    if (defaultedTokens.length > 0)
      log(
        `  ✓ status tokens not in ${options.secretsFile}: ${defaultedTokens.map((d) => `${d} → local-${d}-status-token`).join(', ')}`,
      );
    const secretsServer = await startSecretsManager({
      port: 0,
      secrets,
      region: options.region,
      accountId: options.accountId,
    });
    stoppers.push(() => secretsServer.stop());
    // The functions read secrets through the Parameters and Secrets extension's local API, as on
    // AWS; the token stands for the session token Lambda gives each function.
    const sessionToken = randomUUID();
    const secretsExtension = await startSecretsExtension({
      getSecretValue: (id) => secretsServer.getSecretValue(id),
      token: sessionToken,
    });
    stoppers.push(() => secretsExtension.stop());

    // The functions reach each service through a proxy that counts their requests and, in fault
    // mode, fails a share of them as AWS does; the twin's own clients (event sources, set-up) go direct.
    const functionEndpoints: Record<FaultService, string> = {
      dynamodb: dynamo.endpoint,
      sqs: sqsServer.endpoint,
      eventbridge: eventBridgeEndpoint,
    };
    // Every service is proxied, faults or not: the proxies count what the functions use, for
    // `npx switchboard cost`.
    const proxies = new Map<FaultService, FaultProxy>();
    for (const service of ['dynamodb', 'sqs', 'eventbridge'] as const) {
      const proxy = await startFaultProxy({
        service,
        target: functionEndpoints[service],
        share: options.faults[service] ?? 0,
      });
      stoppers.push(() => proxy.stop());
      proxies.set(service, proxy);
      functionEndpoints[service] = proxy.endpoint;
    }
    const faulted = Object.entries(options.faults).filter(([, share]) => share > 0) as [FaultService, number][];
    if (faulted.length > 0)
      log(
        `  ✓ fault mode: ${faulted.map(([s, share]) => `${s} ${(share * 100).toFixed(0)}%`).join(', ')} of the functions' requests fail as AWS fails them`,
      );

    // Functions, with the emulators as their AWS endpoints
    const functions = new Map<string, LocalFunction>();
    for (const f of localFunctions(stack, resolver)) {
      const fn = new LocalFunction({
        logicalId: f.logicalId,
        functionName: f.name,
        bundle: f.bundle,
        handler: f.handler,
        timeoutMs: f.timeoutMs,
        memorySize: f.memorySize,
        log: (line) => logTo(f.name, line),
        environment: {
          // The SDK sends SQS calls to the host of the queue URL, not to the configured endpoint:
          // in fault mode the functions' queue URLs name the proxy.
          ...Object.fromEntries(
            Object.entries(f.environment).map(([k, v]) => [
              k,
              functionEndpoints.sqs !== sqsServer.endpoint && v.startsWith(`${sqsServer.endpoint}/`)
                ? functionEndpoints.sqs + v.slice(sqsServer.endpoint.length)
                : v,
            ]),
          ),
          AWS_REGION: options.region,
          AWS_DEFAULT_REGION: options.region,
          AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
          AWS_SESSION_TOKEN: sessionToken,
          PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(secretsExtension.port),
          AWS_LAMBDA_FUNCTION_NAME: f.name,
          SWITCHBOARD_LOCAL_FUNCTION_ARN: resolver.arn(f.logicalId),
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(f.memorySize),
          AWS_ENDPOINT_URL_DYNAMODB: functionEndpoints.dynamodb,
          AWS_ENDPOINT_URL_SQS: functionEndpoints.sqs,
          AWS_ENDPOINT_URL_EVENTBRIDGE: functionEndpoints.eventbridge,
          AWS_ENDPOINT_URL_SCHEDULER: scheduler.endpoint,
          // The console lists the digests `switchboard digest` writes here (on AWS: the bucket).
          DIGESTS_DIR: join(options.stateDir, 'digests'),
          // Bedrock has no local stand-in: model drafts (`voice.drafts`) reach it only where the
          // user points them (a compatible endpoint, or a test's loopback one).
          ...(process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME
            ? { AWS_ENDPOINT_URL_BEDROCK_RUNTIME: process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME }
            : {}),
        },
      });
      functions.set(f.logicalId, fn);
      stoppers.push(() => fn.stop());
    }

    // Event source mappings: SQS queues and table streams
    const sources: { busy: boolean; stop(): Promise<void> }[] = [];
    const streams = new DynamoDBStreamsClient({
      endpoint: dynamo.endpoint,
      region: options.region,
      credentials: CREDENTIALS,
    });
    let queuePollers = 0;
    /** Per function: the on-failure queue of its stream source, and the queue it also consumes. */
    const streamFailures = new Map<string, { failures?: string; consumed?: string }>();
    const noteStreamFailures = (fnId: string, update: { failures?: string; consumed?: string }) =>
      streamFailures.set(fnId, { ...streamFailures.get(fnId), ...update });
    for (const [mappingId, r] of resourcesOfType(stack, 'AWS::Lambda::EventSourceMapping')) {
      const p = r.Properties ?? {};
      const sourceId = referencedId(p.EventSourceArn);
      const fn = functions.get(referencedId(p.FunctionName) ?? '');
      if (!sourceId || !fn) continue;
      const reportBatchItemFailures = ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes(
        'ReportBatchItemFailures',
      );
      const table = tables.get(sourceId);
      if (table) {
        if (!table.streamArn) throw new Error(`${mappingId} reads the stream of table ${table.name}, which has none`);
        const onFailure = referencedId(
          (p.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination,
        );
        if (onFailure) noteStreamFailures(referencedId(p.FunctionName) ?? '', { failures: onFailure });
        const source = new DynamoDbStreamSource(
          streams,
          sqs,
          fn,
          {
            streamArn: table.streamArn,
            eventSourceArn: table.streamArn,
            region: options.region,
            batchSize: Number(p.BatchSize ?? 100),
            maxBatchingWindowMs: Number(p.MaximumBatchingWindowInSeconds ?? 0) * 1000,
            filters: ((p.FilterCriteria as { Filters?: { Pattern: string }[] } | undefined)?.Filters ?? []).map(
              (f) => f.Pattern,
            ),
            // A reused table's stream holds what earlier runs published: without a kept position, start at its end.
            startingPosition: table.reused
              ? 'LATEST'
              : ((p.StartingPosition as 'TRIM_HORIZON' | 'LATEST' | undefined) ?? 'TRIM_HORIZON'),
            reportBatchItemFailures,
            maxRetryAttempts: Number(p.MaximumRetryAttempts ?? -1),
            bisect: p.BisectBatchOnFunctionError === true,
            ...(onFailure ? { onFailureQueueUrl: resolver.queueUrl(onFailure) } : {}),
            ...(keepsData ? { checkpointFile: join(options.stateDir, 'stream-positions', `${mappingId}.json`) } : {}),
          },
          (err) => logTo(fn.spec.functionName, `[stream] ${err.message}`),
        );
        source.start();
        sources.push(source);
        stoppers.push(() => source.stop());
        continue;
      }
      noteStreamFailures(referencedId(p.FunctionName) ?? '', { consumed: sourceId });
      const fnProps = stack.resources[referencedId(p.FunctionName) ?? '']?.Properties ?? {};
      const scaling = p.ScalingConfig as { MaximumConcurrency?: number } | undefined;
      const concurrency = Number(scaling?.MaximumConcurrency ?? fnProps.ReservedConcurrentExecutions ?? 5);
      const source = new SqsEventSource(sqs, fn, {
        concurrency,
        queueUrl: resolver.queueUrl(sourceId),
        queueArn: resolver.arn(sourceId),
        batchSize: Number(p.BatchSize ?? 10),
        maxBatchingWindowMs: Number(p.MaximumBatchingWindowInSeconds ?? 0) * 1000,
        reportBatchItemFailures,
        region: options.region,
      });
      source.start();
      sources.push(source);
      queuePollers++;
      stoppers.push(() => source.stop());
    }

    // Schedules
    const schedules = new ScheduleRunner(localSchedules(stack, resolver), functions, options.region);
    schedules.start();
    stoppers.push(async () => schedules.stop());

    // The REST API
    // Twin-only endpoints: liveness, and connector health: webhooks from the functions' metric
    // lines, polling from the table (on AWS: CloudWatch metrics and alarms).
    const health = new DynamoDbHealthRecorder(dynamodb, tableNames[0] ?? '');
    const platforms = [...new Set([...adapters.keys(), ...loadConfig().config.polling.map((t) => t.platform)])];
    let apiRequests = 0;
    const usage = () => ({
      apiRequests,
      functions: Object.fromEntries(
        [...functions.values()].map((f) => [f.spec.functionName, { ...f.usage, memoryMb: f.spec.memorySize }]),
      ),
      services: Object.fromEntries(
        [...proxies].map(([service, p]) => [
          service,
          {
            requests: p.counts.requests,
            capacityUnits: p.counts.capacity,
            events: p.counts.events,
            faults: p.counts.faults,
          },
        ]),
      ),
      // Messages EventBridge put on department queues (SQS requests billed to the account).
      eventBridgeDeliveries: eventBridge.counters().delivered - deliveredAtReset,
    });
    let deliveredAtReset = 0;
    const resetUsage = () => {
      apiRequests = 0;
      deliveredAtReset = eventBridge.counters().delivered;
      for (const f of functions.values()) Object.assign(f.usage, { invocations: 0, billedMs: 0 });
      for (const p of proxies.values()) Object.assign(p.counts, { requests: {}, faults: {}, capacity: {}, events: 0 });
    };
    const server: Server = createApiGatewayServer(readRestApi(stack), functions, (req, res) => {
      // The console's pages, chart libraries and digests (its API is the stack's, below).
      if (req.method === 'GET' || req.method === 'HEAD') {
        const path = new URL(req.url ?? '/', 'http://twin').pathname;
        if (path === '/console') {
          res.writeHead(301, { location: '/console/' }).end();
          return true;
        }
        if (path.startsWith('/console/') && !path.startsWith('/console/api/')) {
          const file = consoleFile(path, { digestsDir: join(options.stateDir, 'digests') });
          if (!file) res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
          else res.writeHead(200, { 'content-type': file.contentType, 'cache-control': 'no-cache' }).end(file.body);
          return true;
        }
      }
      // Twin-only: what the functions used since start (or the last reset), for `npx switchboard cost`.
      if (req.url === '/twin/usage' && (req.method === 'GET' || req.method === 'DELETE')) {
        if (req.method === 'DELETE') resetUsage();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(usage()));
        return true;
      }
      // Twin-only: an outage of one service for the functions (`POST /twin/outage?service=dynamodb&seconds=30`).
      const outage =
        req.method === 'POST' && req.url?.startsWith('/twin/outage?')
          ? new URL(req.url, 'http://twin').searchParams
          : undefined;
      if (outage) {
        const proxy = proxies.get(outage.get('service') as FaultService);
        const seconds = Number(outage.get('seconds'));
        if (!proxy || !(seconds > 0 && seconds <= 600)) {
          res.writeHead(400, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              error: 'bad_outage',
              message: `expected ?service=${[...proxies.keys()].join('|')}&seconds=<1..600>`,
            }),
          );
        } else {
          proxy.freeze(seconds * 1000);
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ service: outage.get('service'), seconds }));
        }
        return true;
      }
      if (req.url?.startsWith('/webhooks/')) apiRequests++;
      if (req.method === 'GET' && req.url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return true;
      }
      if (req.method === 'GET' && req.url === '/health/platforms') {
        health.read(platforms).then(
          (list) => {
            for (const p of list) {
              const webhook = webhookHealth.of(p.platform);
              if (webhook) p.webhook = webhook;
            }
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ platforms: list }));
          },
          (err: Error) =>
            res
              .writeHead(500, { 'content-type': 'application/json' })
              .end(JSON.stringify({ error: 'health_unavailable', message: err.message })),
        );
        return true;
      }
      return false;
    });
    await listenOn(server, options.webhookPort, '127.0.0.1', WEBHOOK_PORT_ENV, 'the webhook API');
    stoppers.push(() => closeServer(server));
    const rules = resourcesOfType(stack, 'AWS::Events::Rule').length;
    log(
      `  ✓ ${queues.length} queues, ${tableNames.length} table(s), ${buses.length} bus(es) with ${rules} rules, ${functions.size} functions, ` +
        `${queuePollers} queue pollers, ${sources.length - queuePollers} stream reader(s) and the webhook API (${seconds(performance.now() - resourcesStarted)})`,
    );

    // A stream's on-failure queue is redriven to the queue its function also reads (the republish queue).
    const streamFailureIds = new Map(
      [...streamFailures.values()].flatMap(({ failures, consumed }) =>
        failures && consumed ? [[failures, consumed] as const] : [],
      ),
    );
    const info: LocalTwinInfo = {
      webhookBaseUrl: `http://localhost:${options.webhookPort}`,
      consoleUrl: `http://localhost:${options.webhookPort}/console/`,
      dynamodbEndpoint: dynamo.endpoint,
      sqsEndpoint: sqsServer.endpoint,
      eventBridgeEndpoint,
      region: options.region,
      tableName: tableNames[0] ?? '',
      eventBusName: buses[0] ?? 'default',
      queues: Object.fromEntries(
        queues
          .filter((q) => q.tags['switchboard:department'] && q.deadLetterQueueLogicalId)
          .map((q) => [q.tags['switchboard:department']!, q.url]),
      ),
      deadLetterQueues: Object.fromEntries(
        queues
          .filter((q) => isDeadLetterQueue(q.logicalId, queues, stack) || streamFailureIds.has(q.logicalId))
          .map((q) => [q.name, q.url]),
      ),
      streamFailureQueues: Object.fromEntries(
        queues.flatMap((q) => {
          const consumed = streamFailureIds.get(q.logicalId);
          return consumed ? [[q.name, resolver.queueUrl(consumed)]] : [];
        }),
      ),
    };
    mkdirSync(options.stateDir, { recursive: true });
    writeFileSync(join(options.stateDir, 'local.json'), `${JSON.stringify(info, null, 2)}\n`);

    return {
      info,
      startedInMs: performance.now() - startedAt,
      logDir,
      stop,
      async quiesce() {
        for (let quiet = 0; quiet < 3; ) {
          await new Promise((r) => setTimeout(r, 100));
          const pending = eventBridge.counters();
          await eventBridge.drain();
          await scheduler.drain();
          const busy =
            sources.some((s) => s.busy) || JSON.stringify(pending) !== JSON.stringify(eventBridge.counters());
          quiet = busy ? 0 : quiet + 1;
        }
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** A queue is a dead-letter queue if a queue's redrive policy or a rule target's DeadLetterConfig names it. */
function isDeadLetterQueue(
  logicalId: string,
  queues: { deadLetterQueueLogicalId?: string }[],
  stack: ReturnType<typeof readCloudAssembly>,
): boolean {
  if (queues.some((q) => q.deadLetterQueueLogicalId === logicalId)) return true;
  return resourcesOfType(stack, 'AWS::Events::Rule').some(([, r]) =>
    ((r.Properties?.Targets as { DeadLetterConfig?: { Arn?: unknown } }[] | undefined) ?? []).some(
      (t) => referencedId(t.DeadLetterConfig?.Arn) === logicalId,
    ),
  );
}
