import { resolve } from 'node:path';
import { portFromEnv } from '../emulators/port-check.js';

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
    webhookPort: portFromEnv('PORT', 3000, env),
    dynamodbPort: portFromEnv('DYNAMODB_PORT', 8000, env),
    sqsPort: portFromEnv('SQS_PORT', 9324, env),
    eventBridgePort: portFromEnv('EVENTBRIDGE_PORT', 4010, env),
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    accountId: '123456789012',
    stateDir: resolve(env.SWITCHBOARD_STATE_DIR ?? '.switchboard'),
    secretsFile: resolve(env.SWITCHBOARD_SECRETS_FILE ?? 'config/local-secrets.json'),
    outdir: resolve(env.SWITCHBOARD_CDK_OUT ?? 'cdk.out'),
    synth: env.SWITCHBOARD_SKIP_SYNTH !== '1',
  };
}
