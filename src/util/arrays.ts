/** Appends `items` to `target` one by one: `push(...items)` overflows the call stack beyond about 100,000 items. */
export function pushAll<T>(target: T[], items: readonly T[]): T[] {
  for (const item of items) target.push(item)
  return target
}

/** `items.map(f)`, made one item at a time as it is read. */
export function* mapIterable<T, U>(items: Iterable<T>, f: (item: T) => U): Generator<U> {
  for (const item of items) yield f(item)
}

const LINES_PER_CHUNK = 4096

/**
 * `[...lines].join(separator)` for a million lines: joined a few thousand at a
 * time, so that each line dies young (cheap for the garbage collector) and
 * only the chunks are kept.
 */
export function joinLines(lines: Iterable<string>, separator: string): string {
  const chunks: string[] = []
  let batch: string[] = []
  for (const line of lines) {
    batch.push(line)
    if (batch.length === LINES_PER_CHUNK) {
      chunks.push(batch.join(separator))
      batch = []
    }
  }
  if (batch.length > 0 || chunks.length === 0) chunks.push(batch.join(separator))
  return chunks.join(separator)
}
