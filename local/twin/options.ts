import { resolve } from 'node:path';
import { DEFAULT_DYNAMODB_PORT, DYNAMODB_PORT_ENV } from '../emulators/dynamodb-local.js';
import { DEFAULT_EVENTBRIDGE_PORT, EVENTBRIDGE_PORT_ENV } from '../emulators/eventbridge/index.js';
import { portFromEnv } from '../emulators/port-check.js';
import { DEFAULT_SQS_PORT, SQS_PORT_ENV } from '../emulators/sqs.js';
import { FAULTS_ENV, parseFaults, type FaultService } from '../emulators/fault-proxy.js';

/** The webhook API's port variable and default (docs/design.md). */
export const WEBHOOK_PORT_ENV = 'PORT';
export const DEFAULT_WEBHOOK_PORT = 3000;

/** Everything the twin can be told, from the environment (docs/design.md, "Local twin"). */
export interface TwinOptions {
  webhookPort: number;
  dynamodbPort: number;
  sqsPort: number;
  eventBridgePort: number;
  region: string;
  accountId: string;
  /** Folder `local.json` is written to. */
  stateDir: string;
  secretsFile: string;
  /** Cloud assembly folder; `cdk synth` writes it unless `synth` is false. */
  outdir: string;
  synth: boolean;
  /**
   * An already running DynamoDB (`DYNAMODB_ENDPOINT`, e.g. a DynamoDB Local you keep running):
   * used instead of starting one; its tables are reused, only the missing ones created.
   */
  dynamodbEndpoint?: string;
  /**
   * Where the DynamoDB Local the twin starts keeps its data (`DYNAMODB_DATA_DIR`), so the
   * engagements and audit trail survive a restart; in memory when unset.
   */
  dynamodbDataDir?: string;
  /**
   * Fault mode (`SWITCHBOARD_FAULTS`): the share of the functions' requests to each service
   * that fail as AWS fails them. Empty: none.
   */
  faults: Partial<Record<FaultService, number>>;
}

/** Reads {@link TwinOptions} from the environment, with the contract's defaults. */
export function twinOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): TwinOptions {
  return {
    webhookPort: portFromEnv(WEBHOOK_PORT_ENV, DEFAULT_WEBHOOK_PORT, env),
    dynamodbPort: portFromEnv(DYNAMODB_PORT_ENV, DEFAULT_DYNAMODB_PORT, env),
    sqsPort: portFromEnv(SQS_PORT_ENV, DEFAULT_SQS_PORT, env),
    eventBridgePort: portFromEnv(EVENTBRIDGE_PORT_ENV, DEFAULT_EVENTBRIDGE_PORT, env),
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    accountId: '123456789012',
    stateDir: resolve(env.SWITCHBOARD_STATE_DIR ?? '.switchboard'),
    secretsFile: resolve(env.SWITCHBOARD_SECRETS_FILE ?? 'config/local-secrets.json'),
    outdir: resolve(env.SWITCHBOARD_CDK_OUT ?? 'cdk.out'),
    synth: env.SWITCHBOARD_SKIP_SYNTH !== '1',
    faults: parseFaults(env[FAULTS_ENV]),
    ...(env.DYNAMODB_ENDPOINT ? { dynamodbEndpoint: endpointFromEnv(env.DYNAMODB_ENDPOINT) } : {}),
    ...(env.DYNAMODB_DATA_DIR ? { dynamodbDataDir: resolve(env.DYNAMODB_DATA_DIR) } : {}),
  };
}

/** `DYNAMODB_ENDPOINT` as a URL, or a clear error naming the variable. */
function endpointFromEnv(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`DYNAMODB_ENDPOINT must be a URL such as http://127.0.0.1:8000, not "${value}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`DYNAMODB_ENDPOINT must be an http(s) URL, not "${value}".`);
  return value.replace(/\/+$/, '');
}
