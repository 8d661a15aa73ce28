import type { GatewayError } from '../../errors/gateway-error.ts';
import type { TokenUsage } from '../../providers/chat-completion-schemas.ts';
import type { ChatCompletionChunk } from '../../providers/chat-stream.ts';
import { convertResponsesUsage, reasoningTokensOf } from './convert-responses-usage.ts';
import { failedResponse, inProgressResponse, responseObject, type ResponseContext } from './convert-to-response.ts';
import { mapResponsesStatus } from './map-responses-status.ts';
import { errorEventData, failureOf } from './openai-responses-errors.ts';
import { derivedItemId, outputItemId } from './response-ids.ts';
import type { ResponseObject, ResponseOutputItem } from './responses-schemas.ts';

/** One Responses stream event: its `type` (also the SSE event name), its fields and `sequence_number`. */
export type ResponseStreamEvent = { type: string; sequence_number: number; [field: string]: unknown };

type ItemStatus = 'in_progress' | 'completed' | 'incomplete';
type ToolCallDelta = NonNullable<ChatCompletionChunk['choices'][number]['delta']['tool_calls']>[number];
type PartType = 'output_text' | 'refusal';

/** An output item as the stream builds it; {@link snapshot} renders it. */
type ItemState =
  | { kind: 'reasoning'; id: string; text: string }
  | { kind: 'message'; id: string; status: ItemStatus; parts: { type: PartType; text: string }[] }
  | { kind: 'function_call'; id: string; status: ItemStatus; callId: string; name: string; arguments: string };

function snapshot(item: ItemState): ResponseOutputItem {
  switch (item.kind) {
    case 'reasoning':
      return { id: item.id, type: 'reasoning', summary: item.text === '' ? [] : [{ type: 'summary_text', text: item.text }] };
    case 'message':
      return { id: item.id, type: 'message', role: 'assistant', status: item.status, content: item.parts.map(part) };
    case 'function_call':
      return { id: item.id, type: 'function_call', status: item.status, arguments: item.arguments, call_id: item.callId, name: item.name };
  }
}

function part(state: { type: PartType; text: string }): { type: 'output_text'; text: string; annotations: unknown[] } | { type: 'refusal'; refusal: string } {
  return state.type === 'output_text' ? { type: 'output_text', text: state.text, annotations: [] } : { type: 'refusal', refusal: state.text };
}

/**
 * Chat completion chunks → the Responses API's stream events, without I/O: the lifecycle events
 * (`response.created`, `response.in_progress`, then `response.completed`, `response.incomplete` or
 * `response.failed`), and per output item `response.output_item.added` / `.done` around its deltas —
 * reasoning (`delta.reasoning_content`) as `response.reasoning_summary_text.*`, text and refusals
 * as content parts with `response.output_text.*` / `response.refusal.*`, each tool call as a
 * `function_call` item with `response.function_call_arguments.*`. One item is open at a time, as
 * OpenAI streams them; item ids are the ones `convertOutputItems` gives the same answer.
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
export class ResponseStreamEvents {
  private sequenceNumber = 0;
  private readonly items: ItemState[] = [];
  private readonly callsByToolIndex = new Map<number, Extract<ItemState, { kind: 'function_call' }>>();
  private openItem: ItemState | undefined;
  private finishReason: string | null = null;
  private reasoningTokens: number | undefined;
  private createdSent = false;
  private latest: ResponseObject;

  constructor(private readonly context: ResponseContext) {
    this.latest = inProgressResponse(context);
  }

  /** The Response as the stream last showed it: the final one once {@link complete} or {@link fail} ran. */
  get response(): ResponseObject {
    return this.latest;
  }

  /** `response.created` and `response.in_progress` (once; every other method sends them first if needed). */
  created(): ResponseStreamEvent[] {
    if (this.createdSent) return [];
    this.createdSent = true;
    return [this.event('response.created', { response: this.latest }), this.event('response.in_progress', { response: this.latest })];
  }

  push(chunks: readonly ChatCompletionChunk[]): ResponseStreamEvent[] {
    const events = this.created();
    for (const chunk of chunks) {
      this.reasoningTokens = reasoningTokensOf(chunk.usage) ?? this.reasoningTokens;
      for (const choice of chunk.choices) {
        if (choice.index !== 0) continue;
        const reasoning = choice.delta['reasoning_content'];
        if (typeof reasoning === 'string' && reasoning !== '') events.push(...this.reasoningDelta(reasoning));
        if (choice.delta.content) events.push(...this.textDelta('output_text', choice.delta.content));
        if (choice.delta.refusal) events.push(...this.textDelta('refusal', choice.delta.refusal));
        for (const call of choice.delta.tool_calls ?? []) events.push(...this.toolCallDelta(call));
        if (choice.finish_reason) this.finishReason = choice.finish_reason;
      }
    }
    return events;
  }

  /** The open item closed, then `response.completed` (or `response.incomplete`, by the finish reason) with the full Response. */
  complete(usage: TokenUsage, cost: string | undefined, completedAt: number): ResponseStreamEvent[] {
    const { status, incompleteDetails } = mapResponsesStatus(this.finishReason);
    const events = [...this.created(), ...this.closeOpenItem(status === 'incomplete' ? 'incomplete' : 'completed')];
    this.latest = responseObject(this.context, {
      status,
      output: this.items.map(snapshot),
      usage: convertResponsesUsage(usage, { reasoningTokens: this.reasoningTokens, cost }),
      incompleteDetails,
      completedAt: status === 'completed' ? completedAt : null,
    });
    events.push(this.event(status === 'completed' ? 'response.completed' : 'response.incomplete', { response: this.latest }));
    return events;
  }

  /**
   * `response.failed` (the Response with `error` and the output so far, the open item incomplete),
   * then an `error` event with the gateway's error, which the OpenAI SDKs raise as an `APIError`.
   */
  fail(error: GatewayError): ResponseStreamEvent[] {
    const events = this.created();
    if (this.openItem && this.openItem.kind !== 'reasoning') this.openItem.status = 'incomplete';
    this.openItem = undefined;
    this.latest = failedResponse(this.context, failureOf(error), this.items.map(snapshot));
    events.push(this.event('response.failed', { response: this.latest }));
    events.push(errorEventData(error, this.sequenceNumber++) as ResponseStreamEvent);
    return events;
  }

  private event(type: string, fields: Record<string, unknown>): ResponseStreamEvent {
    return { type, ...fields, sequence_number: this.sequenceNumber++ };
  }

  /** A new output item: the open one closed first, then `response.output_item.added`. */
  private addItem<Item extends ItemState>(item: Item, events: ResponseStreamEvent[]): Item {
    events.push(...this.closeOpenItem('completed'));
    this.items.push(item);
    this.openItem = item;
    events.push(this.event('response.output_item.added', { output_index: this.items.length - 1, item: snapshot(item) }));
    return item;
  }

  private reasoningDelta(delta: string): ResponseStreamEvent[] {
    const events: ResponseStreamEvent[] = [];
    let item = this.openItem;
    if (item?.kind !== 'reasoning') {
      item = this.addItem({ kind: 'reasoning', id: outputItemId('rs', this.context.id, this.items.length), text: '' }, events);
      events.push(this.event('response.reasoning_summary_part.added', { ...this.at(item), summary_index: 0, part: { type: 'summary_text', text: '' } }));
    }
    item.text += delta;
    events.push(this.event('response.reasoning_summary_text.delta', { ...this.at(item), summary_index: 0, delta }));
    return events;
  }

  private textDelta(type: PartType, delta: string): ResponseStreamEvent[] {
    const events: ResponseStreamEvent[] = [];
    let item = this.openItem;
    if (item?.kind !== 'message') item = this.addItem({ kind: 'message', id: outputItemId('msg', this.context.id, this.items.length), status: 'in_progress', parts: [] }, events);
    let current = item.parts.at(-1);
    if (current?.type !== type) {
      events.push(...this.closePart(item));
      current = { type, text: '' };
      item.parts.push(current);
      events.push(this.event('response.content_part.added', { ...this.at(item), content_index: item.parts.length - 1, part: part(current) }));
    }
    current.text += delta;
    const fields = { ...this.at(item), content_index: item.parts.length - 1, delta };
    events.push(type === 'output_text' ? this.event('response.output_text.delta', { ...fields, logprobs: [] }) : this.event('response.refusal.delta', fields));
    return events;
  }

  /**
   * A tool call's first delta opens its `function_call` item (chat sends the id and name there).
   * Providers send a call's deltas together; should a late one come for a call already closed, it is
   * still sent (as a delta of that item) rather than lost, and the final Response carries it.
   */
  private toolCallDelta(call: ToolCallDelta): ResponseStreamEvent[] {
    const events: ResponseStreamEvent[] = [];
    let item = this.callsByToolIndex.get(call.index);
    if (!item) {
      const outputIndex = this.items.length;
      const callId = call.id ?? derivedItemId('call', this.context.id, `out:${outputIndex}`);
      item = this.addItem({ kind: 'function_call', id: outputItemId('fc', this.context.id, outputIndex), status: 'in_progress', callId, name: call.function?.name ?? '', arguments: '' }, events);
      this.callsByToolIndex.set(call.index, item);
    } else if (item.name === '' && call.function?.name) {
      item.name = call.function.name;
    }
    const delta = call.function?.arguments;
    if (delta) {
      item.arguments += delta;
      events.push(this.event('response.function_call_arguments.delta', { ...this.at(item), delta }));
    }
    return events;
  }

  private closePart(item: Extract<ItemState, { kind: 'message' }>): ResponseStreamEvent[] {
    const current = item.parts.at(-1);
    if (!current) return [];
    const fields = { ...this.at(item), content_index: item.parts.length - 1 };
    const done =
      current.type === 'output_text'
        ? this.event('response.output_text.done', { ...fields, text: current.text, logprobs: [] })
        : this.event('response.refusal.done', { ...fields, refusal: current.text });
    return [done, this.event('response.content_part.done', { ...fields, part: part(current) })];
  }

  private closeOpenItem(status: 'completed' | 'incomplete'): ResponseStreamEvent[] {
    const item = this.openItem;
    if (!item) return [];
    this.openItem = undefined;
    const events: ResponseStreamEvent[] = [];
    if (item.kind === 'reasoning') {
      events.push(this.event('response.reasoning_summary_text.done', { ...this.at(item), summary_index: 0, text: item.text }));
      events.push(this.event('response.reasoning_summary_part.done', { ...this.at(item), summary_index: 0, part: { type: 'summary_text', text: item.text } }));
    } else if (item.kind === 'message') {
      events.push(...this.closePart(item));
      item.status = status;
    } else {
      events.push(this.event('response.function_call_arguments.done', { ...this.at(item), name: item.name, arguments: item.arguments }));
      item.status = status;
    }
    events.push(this.event('response.output_item.done', { output_index: this.items.indexOf(item), item: snapshot(item) }));
    return events;
  }

  private at(item: ItemState): { item_id: string; output_index: number } {
    return { item_id: item.id, output_index: this.items.indexOf(item) };
  }
}
