/**
 * A Messages request the gateway cannot carry out as asked (an unsupported block or tool, a
 * `tool_result` answering no `tool_use`). Thrown inside the converters, which are nested, and caught
 * once by `convertMessagesRequest`, which answers it as `{ ok: false, message, param }`.
 */
export class MessagesConversionRefusal extends Error {
  override readonly name = 'MessagesConversionRefusal';

  constructor(
    /** The request field at fault, as a path: `messages[2].content[0].tool_use_id`. */
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}
