import { CfnOutput, RemovalPolicy, SecretValue, Stack, Tags, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** Secret keys whose value Switchboard chooses (rather than the platform issuing it), so they can be generated. */
const SELF_CHOSEN_KEYS = new Set(['verifyToken', 'signingSecret', 'hubSecret', 'pushToken']);

/** Props of {@link PlatformSecrets}. */
export interface PlatformSecretsProps {
  /** Every platform that needs credentials, with the keys its webhook adapter and poller read. */
  platforms: readonly { id: string; secretKeys: readonly string[] }[];
}

/**
 * One Secrets Manager secret per platform, a JSON object with the keys its adapter needs
 * (docs/design.md, "Secrets"). Values Switchboard chooses itself (verify tokens, signing secrets)
 * are generated; values the platform issues start empty for the admin to fill in with
 * `aws secretsmanager put-secret-value` (README, "Secrets").
 */
export class PlatformSecrets extends Construct {
  readonly secrets = new Map<string, Secret>();

  constructor(scope: Construct, id: string, props: PlatformSecretsProps) {
    super(scope, id);
    for (const platform of props.platforms) {
      // CloudFormation generates one value per secret: the first key Switchboard chooses itself.
      // Every other key starts empty, for the admin to fill (README, "Secrets").
      const generated = platform.secretKeys.find((k) => SELF_CHOSEN_KEYS.has(k));
      const template = Object.fromEntries(platform.secretKeys.filter((k) => k !== generated).map((k) => [k, '']));
      const secret = new Secret(this, platform.id, {
        description: `Switchboard: ${platform.id} credentials (keys: ${platform.secretKeys.join(', ')})`,
        // Only empty placeholders are ever written in plain text; real values never pass through the template.
        ...(generated
          ? {
              generateSecretString: {
                secretStringTemplate: JSON.stringify(template),
                generateStringKey: generated,
                excludePunctuation: true,
                passwordLength: 40,
              },
            }
          : { secretStringValue: SecretValue.unsafePlainText(JSON.stringify(template)) }),
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Tags.of(secret).add('switchboard:platform', platform.id);
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Platform-issued app secrets are rotated in the platform console, then put here; no Lambda can rotate them.',
      });
      new CfnOutput(Stack.of(this), `SecretArn${platform.id.replace(/[^a-zA-Z0-9]/g, '')}`, {
        value: secret.secretArn,
        description: `Secret holding ${platform.id}'s credentials`,
      });
      this.secrets.set(platform.id, secret);
    }
  }

  /** ARN per platform id, for the functions' environment. */
  arns(): Record<string, string> {
    return Object.fromEntries([...this.secrets].map(([platform, secret]) => [platform, secret.secretArn]));
  }

  /** Lets the function read (only) these secrets. */
  grantRead(grantee: IGrantable): void {
    for (const secret of this.secrets.values()) secret.grantRead(grantee);
  }
}
