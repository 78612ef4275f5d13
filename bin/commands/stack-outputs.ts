import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/**
 * A deployed stack's outputs (`--stack <name>`), with the region and credentials every AWS tool
 * finds (AWS_REGION, AWS_PROFILE, …). Commands that talk to a deployed stack find its table,
 * bus and queues this way, as they find the twin's in `.switchboard/local.json`.
 */
export async function stackOutputs(
  stackName: string,
  client = new CloudFormationClient({}),
): Promise<Record<string, string>> {
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs = Stacks?.[0]?.Outputs ?? [];
    return Object.fromEntries(
      outputs.flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])),
    );
  } finally {
    client.destroy();
  }
}
