/** The Deployment a command's deployment flags (src/options/shared.ts deploymentOptions) describe. */
import {deploymentFromOptions, type DeploymentOptionValues} from '../options/deployment.js'
import {camelCase} from '../options/spec.js'
import type {Deployment} from '../sim/deployment.js'

export function deploymentFromFlags(flags: object, gpu: {gpusPerNode?: number}): Deployment {
  return deploymentFromOptions(Object.fromEntries(Object.entries(flags).map(([k, v]) => [camelCase(k), v])) as unknown as DeploymentOptionValues, gpu)
}
