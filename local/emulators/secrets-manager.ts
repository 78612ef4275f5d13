import { createHash } from 'node:crypto';
import { AwsServiceError, createAwsJsonServer, requiredString, type JsonObject } from './aws-json-server.js';
import { assertPortFree, closeServer, listenOn } from './port-check.js';

export const SECRETS_MANAGER_PORT_ENV = 'SECRETS_MANAGER_PORT';

export interface SecretsManagerOptions {
  /** Secret values by name or ARN (`arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 chars>`). */
  secrets: Record<string, string>;
  /** Default 0: a free port is picked. */
  port?: number;
  host?: string;
  region?: string;
  accountId?: string;
}

export interface SecretsManagerEmulator {
  readonly endpoint: string;
  readonly port: number;
  /** ARN under which a secret is (or would be) served; stable across restarts. */
  arnOf(nameOrArn: string): string;
  /** Adds or replaces a secret; the version id changes as it would on PutSecretValue. */
  setSecret(nameOrArn: string, value: string): void;
  /** What GetSecretValue answers for a secret id (AWSCURRENT); throws ResourceNotFoundException. */
  getSecretValue(secretId: string): Record<string, unknown>;
  stop(): Promise<void>;
}

interface StoredSecret {
  name: string;
  arn: string;
  /** Every id that finds this secret: name, full ARN, ARN without the random suffix. */
  ids: Set<string>;
  value: string;
  versionId: string;
  createdDate: number;
}

const NOT_FOUND = () =>
  new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

/**
 * A tiny Secrets Manager over HTTP (AWS JSON 1.1, `X-Amz-Target: secretsmanager.<Action>`):
 * GetSecretValue, DescribeSecret and ListSecrets over an in-memory map supplied by the twin.
 * A secret can be asked for by name, full ARN, or ARN without its random suffix, as on AWS.
 */
export async function startSecretsManager(options: SecretsManagerOptions): Promise<SecretsManagerEmulator> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const port = options.port ?? 0;
  const host = options.host ?? '127.0.0.1';
  const secrets = new Map<string, StoredSecret>();

  const arnPrefix = `arn:aws:secretsmanager:${region}:${accountId}:secret:`;
  // AWS appends six random characters; a hash of the name keeps the ARN stable across runs.
  const arnOf = (name: string) =>
    `${arnPrefix}${name}-${createHash('sha256').update(name).digest('base64url').replace(/[-_]/g, 'x').slice(0, 6)}`;

  const setSecret = (nameOrArn: string, value: string) => {
    const isArn = nameOrArn.startsWith('arn:');
    const resource = isArn ? nameOrArn.slice(nameOrArn.indexOf(':secret:') + ':secret:'.length) : nameOrArn;
    // "-abc123" may be AWS's random suffix or part of the name (AWS has the same ambiguity): accept both.
    const stripped = isArn ? resource.replace(/-[A-Za-z0-9]{6}$/, '') : resource;
    const name = isArn ? stripped : resource;
    const arn = isArn ? nameOrArn : arnOf(name);
    const ids = new Set([nameOrArn, arn, resource, stripped, `${arnPrefix}${stripped}`, `${arnPrefix}${resource}`]);
    for (const [key, other] of secrets) if (other.ids.has(nameOrArn) || other.arn === arn) secrets.delete(key);
    const versionId = createHash('sha256')
      .update(`${name}\0${value}`)
      .digest('hex')
      .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, '$1-$2-$3-$4-$5');
    secrets.set(arn, { name, arn, ids, value, versionId, createdDate: Math.floor(Date.now() / 1000) });
  };
  for (const [key, value] of Object.entries(options.secrets)) setSecret(key, value);

  const find = (secretId: string): StoredSecret => {
    for (const secret of secrets.values()) if (secret.ids.has(secretId)) return secret;
    throw NOT_FOUND();
  };

  const describe = (secret: StoredSecret) => ({
    ARN: secret.arn,
    Name: secret.name,
    CreatedDate: secret.createdDate,
    LastChangedDate: secret.createdDate,
    VersionIdsToStages: { [secret.versionId]: ['AWSCURRENT'] },
  });

  const getSecretValue = (secretId: string, stage?: string, version?: string) => {
    const secret = find(secretId);
    if ((stage !== undefined && stage !== 'AWSCURRENT') || (version !== undefined && version !== secret.versionId)) {
      throw new AwsServiceError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret value for staging label or version.",
      );
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: secret.versionId,
      SecretString: secret.value,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: secret.createdDate,
    };
  };

  const handle = (action: string, body: JsonObject): unknown => {
    switch (action) {
      case 'GetSecretValue': {
        const stage = body.VersionStage;
        const version = body.VersionId;
        return getSecretValue(
          requiredString(body, 'SecretId'),
          typeof stage === 'string' ? stage : undefined,
          typeof version === 'string' ? version : undefined,
        );
      }
      case 'DescribeSecret':
        return describe(find(requiredString(body, 'SecretId')));
      case 'ListSecrets':
        return { SecretList: [...secrets.values()].map(describe) };
      default:
        throw new AwsServiceError(
          'UnknownOperationException',
          `Operation ${action} is not supported by the local Secrets Manager.`,
        );
    }
  };

  await assertPortFree(port, SECRETS_MANAGER_PORT_ENV, { service: 'the local Secrets Manager' });
  const server = createAwsJsonServer({
    targetPrefix: 'secretsmanager',
    handle,
    internalErrorType: 'InternalServiceError',
  });
  const bound = await listenOn(server, port, host, SECRETS_MANAGER_PORT_ENV, 'the local Secrets Manager');
  return {
    endpoint: `http://${host}:${bound}`,
    port: bound,
    arnOf: (id) => [...secrets.values()].find((secret) => secret.ids.has(id))?.arn ?? arnOf(id),
    setSecret,
    getSecretValue: (secretId) => getSecretValue(secretId),
    stop: () => closeServer(server),
  };
}
