import { CfnOutput, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Props of {@link DepartmentSecrets}. */
export interface DepartmentSecretsProps {
  /** The config's department ids. */
  departments: readonly string[];
}

/**
 * One Secrets Manager secret per department, `{ "statusToken": "…" }`, generated at deploy: the
 * bearer token the department reports status with (docs/design.md, "Secrets"). The department
 * reads it from its secret (stack output `Department<id>StatusSecretArn`); rotating it is a
 * `put-secret-value`, effective within five minutes.
 */
export class DepartmentSecrets extends Construct {
  readonly secrets = new Map<string, Secret>();

  constructor(scope: Construct, id: string, props: DepartmentSecretsProps) {
    super(scope, id);
    for (const department of props.departments) {
      const secret = new Secret(this, department, {
        description: `Switchboard: ${department}'s status token (department API)`,
        generateSecretString: {
          secretStringTemplate: '{}',
          generateStringKey: 'statusToken',
          excludePunctuation: true,
          passwordLength: 48,
        },
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Tags.of(secret).add('switchboard:department', department);
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The token is shared with the department’s own systems, which must be given the new one: rotation is an operator step (put-secret-value), not a Lambda.',
      });
      new CfnOutput(Stack.of(this), `Department${department.replace(/[^a-zA-Z0-9]/g, '')}StatusSecretArn`, {
        value: secret.secretArn,
        description: `Secret holding ${department}'s status token`,
      });
      this.secrets.set(department, secret);
    }
  }

  /** ARN per department id, for the function's environment. */
  arns(): Record<string, string> {
    return Object.fromEntries([...this.secrets].map(([department, secret]) => [department, secret.secretArn]));
  }

  /** Lets the function read (only) these secrets. */
  grantRead(grantee: IGrantable): void {
    for (const secret of this.secrets.values()) secret.grantRead(grantee);
  }
}
