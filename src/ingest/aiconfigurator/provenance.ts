import {AIC_SOURCE, type AicProvenance, type SourceInfo} from './types.js'

export function provenanceOf(
  sources: readonly SourceInfo[],
  sel: {selection: string; kernelSources: Record<string, number>},
  filters: string[],
  rows: number,
  mfu?: string,
): AicProvenance {
  const first = sources[0]
  return {
    source: AIC_SOURCE,
    license: 'Apache-2.0',
    inputs: [...new Map(sources.map((s) => [s.file, {file: s.file, sha256: s.sha256}])).values()],
    framework: first?.framework ?? '',
    version: [...new Set(sources.map((s) => s.version))].join(', '),
    device: first?.device ?? '',
    selection: sel.selection,
    kernelSources: sel.kernelSources,
    filters,
    ...(mfu ? {mfu} : {}),
    rows,
  }
}
