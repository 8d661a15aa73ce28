/**
 * Streamed-format phases of `bench/sync.ts`: Anthropic's Messages API and OpenAI's Responses API
 * beside chat completions, against the same gateway, model and upstream. Time to the first content
 * event at c=1 (chat's comes from the chat streaming phase, run just before), then streamed RPS at
 * the bench's concurrency for all three formats back to back, every body checked against its format.
 */
import { runAutocannon, type PhaseResult, type Target } from './load.ts';
import { processCounters } from './processes.ts';
import { checkStreamBody, chatFormat, messagesFormat, responsesFormat, type StreamFormat } from './stream-formats.ts';
import { runStreamSequential, type StreamPhaseResult } from './stream-ttfb.ts';

export interface StreamLoadResult {
  phase: PhaseResult;
  /** Bodies that passed the format's check (every status is checked; a non-2xx never passes). */
  whole: number;
  /** Whole streams per second: what the format's RPS is taken to be. */
  wholeRps: number;
  /** Why the others failed, with counts. */
  failures: Record<string, number>;
  /** Events in a whole stream, fewest and most. */
  events: { min: number; max: number };
  /** Gateway CPU per response, ms (undefined without /proc): steadier than RPS on a shared machine. */
  gatewayCpuMs: number | undefined;
}

export interface FormatStreams {
  format: StreamFormat;
  /** At c=1, timed after a warm-up. */
  idle: StreamPhaseResult;
  /** At the bench's concurrency. */
  loaded: StreamLoadResult;
}

export interface FormatStreamsResult {
  /** Chat first, then Messages, then Responses. */
  formats: FormatStreams[];
  /** Warm-ups included: 2xx the gateway gave in these phases (chat's c=1 phase is counted by its caller). */
  gateway2xx: number;
  /** What made a stream fail, warm-ups included: each one is a failed check. */
  problems: string[];
}

/** Streams at `connections` for `seconds`, each body checked against `format` once it has ended. */
async function runStreamLoad(label: string, target: Target, format: StreamFormat, load: { connections: number; seconds: number; gatewayPid: number }): Promise<StreamLoadResult> {
  const failures: Record<string, number> = {};
  const events = { min: Number.POSITIVE_INFINITY, max: 0 };
  let whole = 0;
  const before = processCounters(load.gatewayPid);
  const phase = await runAutocannon(label, target, load.connections, load.seconds, {
    verifyBody: (body) => {
      const verdict = checkStreamBody(format, body);
      if (verdict.whole) {
        whole += 1;
        events.min = Math.min(events.min, verdict.events);
        events.max = Math.max(events.max, verdict.events);
      } else {
        failures[verdict.reason] = (failures[verdict.reason] ?? 0) + 1;
      }
      return verdict.whole;
    },
  });
  const after = processCounters(load.gatewayPid);
  const gatewayCpuMs = before && after && phase.responses > 0 ? ((after.cpu - before.cpu) * 1000) / phase.responses : undefined;
  return { phase, whole, wholeRps: whole / phase.seconds, failures, events: whole > 0 ? events : { min: 0, max: 0 }, gatewayCpuMs };
}

function loadProblems(result: StreamLoadResult): string[] {
  const { phase } = result;
  const problems: string[] = [];
  if (phase.non2xx > 0) problems.push(`${phase.label}: ${phase.non2xx} non-2xx ${JSON.stringify(phase.statusCounts)}`);
  if (phase.errors > 0) problems.push(`${phase.label}: ${phase.errors} request errors`);
  if (result.whole !== phase.responses) problems.push(`${phase.label}: ${result.whole} of ${phase.responses} streams whole ${JSON.stringify(result.failures)}`);
  return problems;
}

function idleProblems(result: StreamPhaseResult): string[] {
  if (result.completed === result.requests) return [];
  return [`${result.label}: ${result.completed} of ${result.requests} streams whole ${JSON.stringify(result.failures)}; first failure ended ${JSON.stringify(result.firstFailureTail ?? '')}`];
}

export async function runFormatStreams(options: {
  gatewayUrl: string;
  gatewayPid: number;
  headers: Record<string, string>;
  model: string;
  /** The chat streaming phase through the gateway at c=1, already run. */
  chatIdle: StreamPhaseResult;
  streamWarmup: number;
  streamRequests: number;
  connections: number;
  warmup: number;
  duration: number;
  log: (message: string) => void;
}): Promise<FormatStreamsResult> {
  const { connections, log } = options;
  const targetOf = (format: StreamFormat): Target => ({ url: `${options.gatewayUrl}${format.path}`, headers: options.headers, body: format.body(options.model) });
  let gateway2xx = 0;
  const problems: string[] = [];

  const idle = new Map<StreamFormat, StreamPhaseResult>([[chatFormat, options.chatIdle]]);
  for (const format of [messagesFormat, responsesFormat]) {
    log(`${format.name} streams at c=1: ${options.streamWarmup} warm-up then ${options.streamRequests} timed`);
    const warm = await runStreamSequential('warm-up', targetOf(format), options.streamWarmup, format);
    const timed = await runStreamSequential(`${format.name} (stream)`, targetOf(format), options.streamRequests, format);
    gateway2xx += warm.ok + timed.ok;
    problems.push(...idleProblems({ ...warm, label: `${format.name} stream warm-up` }), ...idleProblems(timed));
    idle.set(format, timed);
  }

  const formats: FormatStreams[] = [];
  for (const format of [chatFormat, messagesFormat, responsesFormat]) {
    log(`${format.name} streams: warm-up ${options.warmup} s, then ${options.duration} s at c=${connections}`);
    const warm = await runStreamLoad('warm-up', targetOf(format), format, { connections, seconds: options.warmup, gatewayPid: options.gatewayPid });
    const loaded = await runStreamLoad(`${format.name} stream (c=${connections})`, targetOf(format), format, { connections, seconds: options.duration, gatewayPid: options.gatewayPid });
    gateway2xx += warm.phase.ok + loaded.phase.ok;
    problems.push(...loadProblems({ ...warm, phase: { ...warm.phase, label: `${format.name} stream warm-up (c=${connections})` } }), ...loadProblems(loaded));
    const timedIdle = idle.get(format);
    if (timedIdle) formats.push({ format, idle: timedIdle, loaded });
  }
  return { formats, gateway2xx, problems };
}
