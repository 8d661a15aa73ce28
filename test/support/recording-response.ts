import { EventEmitter } from 'node:events';

/** The part of a ServerResponse the SSE writer and the stream encoders use, recording what was written. */
export class RecordingResponse extends EventEmitter {
  written: string[] = [];
  status: number | undefined;
  headers: Record<string, string> = {};
  writableEnded = false;
  destroyed = false;

  writeHead(status: number, headers: Record<string, string> = {}): this {
    this.status = status;
    this.headers = headers;
    return this;
  }

  write(text: string): boolean {
    this.written.push(text);
    return true;
  }

  end(text: string): this {
    this.written.push(text);
    this.writableEnded = true;
    this.emit('close');
    return this;
  }

  get text(): string {
    return this.written.join('');
  }

  /** The client went away. */
  disconnect(): void {
    this.destroyed = true;
    this.emit('close');
  }
}
