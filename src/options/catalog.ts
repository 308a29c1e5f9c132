/** Options of the listing commands (models, gpus). */
import {gpuOptions, profileOption} from './shared.js'
import type {OptionSpecs} from './spec.js'

export const modelsOptions = {profile: profileOption} as const satisfies OptionSpecs
export const gpusOptions = {'gpu-spec': gpuOptions['gpu-spec']} as const satisfies OptionSpecs
