import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A CloudFormation resource as synthesized. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DependsOn?: string | string[];
}

/** The parts of a synthesized stack the local twin runs. */
export interface SynthesizedStack {
  stackName: string;
  /** Folder of the cloud assembly (cdk.out); asset paths are relative to it. */
  outdir: string;
  resources: Record<string, CfnResource>;
}

interface Manifest {
  artifacts: Record<
    string,
    { type: string; properties?: { templateFile?: string; stackName?: string }; displayName?: string }
  >;
}

/** Reads the (single) stack of a cloud assembly produced by `cdk synth`. */
export function readCloudAssembly(outdir: string): SynthesizedStack {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as Manifest;
  const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
  if (stacks.length !== 1) throw new Error(`Expected one stack in ${outdir}, found ${stacks.length}`);
  const [artifactId, artifact] = stacks[0]!;
  const templateFile = artifact.properties?.templateFile ?? `${artifactId}.template.json`;
  const template = JSON.parse(readFileSync(join(outdir, templateFile), 'utf8')) as {
    Resources?: Record<string, CfnResource>;
  };
  return { stackName: artifact.properties?.stackName ?? artifactId, outdir, resources: template.Resources ?? {} };
}

/** Resources of one type, as [logicalId, resource] pairs. */
export function resourcesOfType(stack: SynthesizedStack, type: string): [string, CfnResource][] {
  return Object.entries(stack.resources).filter(([, r]) => r.Type === type);
}
