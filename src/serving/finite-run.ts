/**
 * The request rate of a finite run: `requests` requests in all, at most
 * `running` of them in the engine at once, the rest queued from the start
 * (an offline benchmark such as `trtllm-bench throughput`, or the last
 * rounds of any benchmark). With one prompt and one output length the
 * requests admitted together finish together, so the run is
 * ceil(requests / running) waves, the last of the r requests left over,
 * and each wave lasts one request's life at its batch: K / X(K), X the
 * steady request rate of K clients. The tail wave runs at a smaller batch,
 * which the steady state of the whole queue does not see: on NVIDIA's
 * published trtllm-bench throughputs it takes the error from 17.8% to 16.0%
 * MAPE (docs/serving.md).
 *
 * @param rateAt the steady request rate (requests/s) of a closed loop of that many clients
 * @example
 * // 1,500 requests, 352 at once: 4 waves of 352, then one of 92.
 * finiteRunRate(1500, 352, (c) => (c === 352 ? 1 : 0.5)) // 1500 / (1408 / 1 + 92 / 0.5) = 0.9422
 */
export function finiteRunRate(requests: number, running: number, rateAt: (clients: number) => number): number {
  const waves = Math.ceil(requests / running - 1e-9)
  const last = requests - (waves - 1) * running
  const full = requests - last
  const seconds = (full > 0 ? full / rateAt(running) : 0) + last / rateAt(last)
  return requests / seconds
}
