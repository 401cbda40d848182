/**
 * The cloud side's public API for the rest of lastmile (the rollout uses
 * cloudStep; station templates use CloudOutputs). Pulumi modules are not
 * loaded from here until a Pulumi operation actually runs.
 */
export { cloudStep, type CloudStepOptions, type CloudStepResult } from './cloud-step.js'
export { outputsFromInventory, outputsFromStack, StackOutputsError, type CloudOutputs } from './outputs.js'
export { desiredState, validateDesired, type DesiredProblem, type DesiredState, type K8sObject } from './desired/index.js'
export { defaultCloudConfig, type CloudConfig } from './config.js'
export { renderFiles, type RenderedFile } from './render.js'
export { infraRender, type InfraRenderResult } from './infra-render.js'
export { infraOutputs, type InfraOutputsResult } from './infra-outputs.js'
export { runInfra, type InfraOperation, type InfraRunResult } from './infra-run.js'
