import type { User } from './client';

/** What each event's data is: the body of GET /v1/queue/status. */
export type StatusBody = { status: string; position?: number; etaSeconds: number };
/** `event` is set for named events (a waiting-list offer); a status event has none and a StatusBody as data. */
export type StreamEvent = { id?: string; event?: string; data: StatusBody };

/**
 * A reader of GET /v1/queue/events as a browser's EventSource would read it:
 * events are the blocks between blank lines, comments (`:`) are heartbeats.
 */
export class EventStreamReader {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  heartbeats = 0;

  private constructor(
    readonly response: Response,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly abort: AbortController,
  ) {}

  static async open(
    baseUrl: string,
    headers: Record<string, string>,
  ): Promise<{ status: number; stream?: EventStreamReader; body?: unknown; headers: Headers }> {
    const abort = new AbortController();
    const response = await fetch(`${baseUrl}/v1/queue/events`, { headers, signal: abort.signal });
    if (response.status !== 200) {
      return { status: response.status, body: await response.json(), headers: response.headers };
    }
    const stream = new EventStreamReader(response, response.body!.getReader(), abort);
    return { status: 200, stream, headers: response.headers };
  }

  static headersOf(user: User, lastEventId?: string): Record<string, string> {
    return {
      authorization: `Bearer ${user.accessToken}`,
      'x-queue-token': user.queueToken,
      ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
    };
  }

  /** The next event with data (heartbeats and `retry:` blocks are skipped); undefined when the stream ended. */
  async next(): Promise<StreamEvent | undefined> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const event = this.parse(block);
        if (event) return event;
        continue;
      }
      const { value, done } = await this.reader.read();
      if (done) return undefined;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** Reads events until one satisfies `wanted`; undefined when the stream ended first. */
  async until(wanted: (event: StreamEvent) => boolean): Promise<StreamEvent | undefined> {
    for (;;) {
      const event = await this.next();
      if (!event || wanted(event)) return event;
    }
  }

  close(): void {
    this.abort.abort();
  }

  private parse(block: string): StreamEvent | undefined {
    let id: string | undefined;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.heartbeats += 1;
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length === 0) return undefined;
    return { id, ...(event ? { event } : {}), data: JSON.parse(data.join('\n')) as StatusBody };
  }
}
