/**
 * The codes (an error's `data.code`, and `code` in a `--json` error) of a
 * deployment the engine's memory cannot serve: weights beyond the engine's
 * share, or a pool that holds not one request. Apart from the serving model
 * so that the plain fast start, which leaves that model out, can read them.
 */
export const NO_ROOM = {weights: 'weights-do-not-fit', kv: 'no-request-fits'} as const
