// The renderer's public surface for other areas (rollout, lab, health).
export { renderAll, type RenderAllOptions } from './render-all.js'
export { renderStation, manifestLines, configIdOf, type RenderedStation, type RenderedFile, type RenderStationOptions } from './station.js'
export { buildTemplateContext, checkStation, operatorsFor, type StationRenderContext } from './context.js'
export { loadPlatform, defaultTemplatesDir, type Platform, type PlatformFile } from './platform.js'
export { planChannels24, type ChannelPlan } from './channels.js'
export { maskedSecret } from './secret-value.js'
