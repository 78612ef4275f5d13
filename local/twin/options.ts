import { resolve } from 'node:path';
import { DEFAULT_DYNAMODB_PORT, DYNAMODB_PORT_ENV } from '../emulators/dynamodb-local.js';
import { DEFAULT_EVENTBRIDGE_PORT, EVENTBRIDGE_PORT_ENV } from '../emulators/eventbridge/index.js';
import { portFromEnv } from '../emulators/port-check.js';
import { DEFAULT_SQS_PORT, SQS_PORT_ENV } from '../emulators/sqs.js';

/** The webhook API's port variable and default (DESIGN.md). */
export const WEBHOOK_PORT_ENV = 'PORT';
export const DEFAULT_WEBHOOK_PORT = 3000;

/** Everything the twin can be told, from the environment (DESIGN.md, "Local twin"). */
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
  };
}
