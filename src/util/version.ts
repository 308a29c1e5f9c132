/**
 * Engine and package versions as releases: the leading number, and whether
 * it is a pre-release (rc, a, b, dev) of it. Build suffixes (.post2) and
 * names that are no release number (glm5-hopper) are read as such.
 */

/**
 * A release's number as [major, minor, patch, ...], and whether it is a pre-release of it; undefined when
 * the text does not start with one (a build's name, or no version given).
 *
 * @example releaseOf('1.0.0rc3') // {parts: [1, 0, 0], pre: true}
 * @example releaseOf('0.5.1.post1') // {parts: [0, 5, 1], pre: false}
 */
export function releaseOf(version: string): {parts: number[]; pre: boolean} | undefined {
  const m = /^v?(\d+(?:\.\d+)*)(.*)$/.exec(version.trim())
  if (!m) return undefined
  return {parts: m[1].split('.').map(Number), pre: /^\.?(rc|a|b|alpha|beta|dev)/i.test(m[2])}
}

/**
 * Orders two versions: negative when `a` is the earlier release. A pre-release comes before its release;
 * a text that is no release number before any release.
 *
 * @example compareReleases('0.5.14', '0.5.6.post2') // > 0
 * @example compareReleases('1.0.0rc3', '1.0.0') // < 0
 */
export const compareReleases = (a: string, b: string): number => compareParsed(releaseOf(a), releaseOf(b))

type Release = ReturnType<typeof releaseOf>

function compareParsed(ra: Release, rb: Release): number {
  if (!ra || !rb) return (ra ? 1 : 0) - (rb ? 1 : 0)
  for (let i = 0; i < Math.max(ra.parts.length, rb.parts.length); i++) {
    const d = (ra.parts[i] ?? 0) - (rb.parts[i] ?? 0)
    if (d !== 0) return d
  }
  return Number(rb.pre) - Number(ra.pre)
}

/** How `version` orders against `bound` (negative: earlier), or undefined where either is no release number. */
function versionOrder(version: string, bound: string): number | undefined {
  const [rv, rb] = [releaseOf(version), releaseOf(bound)]
  return rv !== undefined && rb !== undefined ? compareParsed(rv, rb) : undefined
}

/** Whether `version` is a release before `bound` (a pre-release of `bound` is); a text that is no release number is not. */
export const versionBelow = (version: string, bound: string): boolean => (versionOrder(version, bound) ?? 0) < 0

/**
 * Whether `version` is `bound` or a later release (a pre-release of `bound` is not); a text that is no release number is not.
 *
 * @example versionAtLeast('0.12.0', '0.11.1') // true
 * @example versionAtLeast('0.11.1rc2', '0.11.1') // false
 */
export const versionAtLeast = (version: string, bound: string): boolean => (versionOrder(version, bound) ?? -1) >= 0
