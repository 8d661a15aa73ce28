import { GatewayError } from '../errors/gateway-error.ts';
import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatCompletionChunk } from '../providers/chat-stream.ts';
import { keepAliveComment, SseWriter } from './sse-writer.ts';
import { RecordingResponse } from '../../test/support/recording-response.ts';

const chunk: ChatCompletionChunk = {
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta: { content: 'hi' }, logprobs: null, finish_reason: null }],
};

describe('SseWriter heartbeats', () => {
  let response: RecordingResponse;
  const writerFor = (heartbeatIntervalMs: number) => new SseWriter(response as unknown as ServerResponse, { includeUsage: false, heartbeatIntervalMs });

  beforeEach(() => {
    vi.useFakeTimers();
    response = new RecordingResponse();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends nothing before start', () => {
    writerFor(100);
    vi.advanceTimersByTime(1_000);
    expect(response.written).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('writes a comment after each interval without a write, counted from the last write', () => {
    const writer = writerFor(100);
    writer.start({});
    vi.advanceTimersByTime(250);
    expect(response.written).toEqual([keepAliveComment, keepAliveComment]);
    vi.advanceTimersByTime(40);
    writer.chunks([chunk]);
    // 90 ms after the chunk: nothing yet, though 100 ms passed since the last heartbeat.
    vi.advanceTimersByTime(90);
    expect(response.written).toHaveLength(3);
    vi.advanceTimersByTime(10);
    expect(response.written[3]).toBe(keepAliveComment);
  });

  it.each([
    ['finish', (writer: SseWriter) => writer.finish({ promptTokens: 1, completionTokens: 1, totalTokens: 2 }, undefined)],
    ['fail', (writer: SseWriter) => writer.fail(new GatewayError({ code: 'stream_interrupted', message: 'x' }))],
    ['a client disconnect', () => response.disconnect()],
  ])('stops at %s, leaving no timer', (_end, end) => {
    const writer = writerFor(100);
    writer.start({});
    expect(vi.getTimerCount()).toBe(1);
    end(writer);
    expect(vi.getTimerCount()).toBe(0);
    const written = response.written.length;
    vi.advanceTimersByTime(1_000);
    expect(response.written).toHaveLength(written);
  });

  it('starts no timer for a response already closed, nor with an interval of 0', () => {
    response.disconnect();
    writerFor(100).start({});
    expect(vi.getTimerCount()).toBe(0);
    response = new RecordingResponse();
    writerFor(0).start({});
    vi.advanceTimersByTime(1_000);
    expect(vi.getTimerCount()).toBe(0);
    expect(response.written).toEqual([]);
  });
});
