import type { CfnResource, SynthesizedStack } from './cloud-assembly.js';

/** Local stand-ins for what CloudFormation would know after deployment. */
export interface LocalEnvironment {
  region: string;
  accountId: string;
  sqsEndpoint: string;
  /** Account id the SQS emulator puts in queue URLs. */
  sqsAccountId: string;
}

const PSEUDO: Record<string, (s: SynthesizedStack, e: LocalEnvironment) => string> = {
  'AWS::Region': (_, e) => e.region,
  'AWS::AccountId': (_, e) => e.accountId,
  'AWS::Partition': () => 'aws',
  'AWS::URLSuffix': () => 'amazonaws.com',
  'AWS::StackName': (s) => s.stackName,
  'AWS::NoValue': () => '',
};

/**
 * Resolves the intrinsic functions a synthesized Switchboard stack uses (Ref, Fn::GetAtt,
 * Fn::Join, Fn::Select, Fn::Split, Fn::Sub) to the names and ARNs of their local counterparts,
 * the same way CloudFormation resolves them to deployed ones.
 */
export class IntrinsicResolver {
  constructor(
    private readonly stack: SynthesizedStack,
    private readonly env: LocalEnvironment,
  ) {}

  /** The physical name a resource gets locally: its declared name, else `<stack>-<logical id>`. */
  physicalName(logicalId: string): string {
    const r = this.resource(logicalId);
    const p = r.Properties ?? {};
    const declared = {
      'AWS::SQS::Queue': p.QueueName,
      'AWS::DynamoDB::GlobalTable': p.TableName,
      'AWS::DynamoDB::Table': p.TableName,
      'AWS::Events::EventBus': p.Name,
      'AWS::Lambda::Function': p.FunctionName,
      'AWS::SecretsManager::Secret': p.Name,
      'AWS::Scheduler::ScheduleGroup': p.Name,
      'AWS::IAM::Role': p.RoleName,
    }[r.Type];
    if (declared !== undefined) return String(this.resolve(declared));
    return `${this.stack.stackName}-${logicalId}`.slice(0, 80);
  }

  arn(logicalId: string): string {
    const { region, accountId } = this.env;
    const name = this.physicalName(logicalId);
    switch (this.resource(logicalId).Type) {
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${region}:${accountId}:${name}`;
      case 'AWS::DynamoDB::GlobalTable':
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${region}:${accountId}:table/${name}`;
      case 'AWS::Events::EventBus':
        return `arn:aws:events:${region}:${accountId}:event-bus/${name}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
      case 'AWS::SecretsManager::Secret':
        return `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${accountId}:role/${name}`;
      case 'AWS::Scheduler::ScheduleGroup':
        return `arn:aws:scheduler:${region}:${accountId}:schedule-group/${name}`;
      case 'AWS::Events::Rule':
        return `arn:aws:events:${region}:${accountId}:rule/${name}`;
      default:
        return `arn:aws:local:${region}:${accountId}:${logicalId}`;
    }
  }

  queueUrl(logicalId: string): string {
    return `${this.env.sqsEndpoint}/${this.env.sqsAccountId}/${this.physicalName(logicalId)}`;
  }

  /** Resolves every intrinsic inside a value. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [fn, arg] = entries[0]!;
      switch (fn) {
        case 'Ref':
          return this.ref(String(arg));
        case 'Fn::GetAtt': {
          const [id, attr] = (Array.isArray(arg) ? arg : String(arg).split('.')) as [string, string];
          return this.getAtt(id, attr);
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          return (this.resolve(parts) as unknown[]).join(sep);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [number | string, unknown];
          return (this.resolve(list) as unknown[])[Number(index)];
        }
        case 'Fn::Split': {
          const [sep, source] = arg as [string, unknown];
          return String(this.resolve(source)).split(sep);
        }
        case 'Fn::Sub': {
          const [template, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, unknown>];
          return template.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
            if (name in vars) return String(this.resolve(vars[name]));
            return String(name.includes('.') ? this.getAtt(...(name.split('.') as [string, string])) : this.ref(name));
          });
        }
        default:
          break;
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]));
  }

  private ref(id: string): string {
    const pseudo = PSEUDO[id];
    if (pseudo) return pseudo(this.stack, this.env);
    const r = this.resource(id);
    switch (r.Type) {
      case 'AWS::SQS::Queue':
        return this.queueUrl(id);
      case 'AWS::SecretsManager::Secret':
      case 'AWS::SNS::Topic':
        return this.arn(id);
      default:
        return this.physicalName(id);
    }
  }

  private getAtt(id: string, attr: string): string {
    if (attr === 'Arn') return this.arn(id);
    if (attr === 'QueueName' || attr === 'Name') return this.physicalName(id);
    if (attr === 'QueueUrl') return this.queueUrl(id);
    return `${this.physicalName(id)}.${attr}`;
  }

  private resource(id: string): CfnResource {
    const r = this.stack.resources[id];
    if (!r) throw new Error(`Template refers to unknown resource ${id}`);
    return r;
  }
}
