import { Coalescer } from './coalescer';
import { SSE_HEARTBEAT, bodyDigest, eventId, sseEvent } from './sse-format';

const RETRY_MS = 1_000;

/** What a stream writes to: the hijacked reply's socket response. */
export type StreamSink = { write(chunk: string): unknown; end(): void };

/** A status as the status query answers it, and the log position its read store had applied before the read. */
export type ReadStatus = () => Promise<{ body: unknown; position: number }>;

/**
 * One client's open event stream: on every poke it reads the status again
 * and sends it only when the body differs from the last one sent, one event
 * a second at most (see Coalescer). A read that fails (the store is down) is
 * tried again a second later; the stream stays open meanwhile.
 */
export class StatusStream {
  private readonly coalescer: Coalescer;
  private closed = false;

  constructor(
    readonly concertId: string,
    readonly entryId: string,
    readonly userId: string,
    private readonly sink: StreamSink,
    private readonly read: ReadStatus,
    /** The digest of the body the client already has (from Last-Event-ID, or the first event sent). */
    private sentDigest: string | undefined,
    intervalMs = 1_000,
    now?: () => number,
  ) {
    this.coalescer = new Coalescer(() => this.refresh(), intervalMs, now);
  }

  /** Sends `body` now if the client does not have it yet (the opening status); true when it did. */
  send(body: unknown, position: number): boolean {
    const digest = bodyDigest(body);
    if (this.closed || digest === this.sentDigest) return false;
    this.sentDigest = digest;
    this.sink.write(sseEvent(eventId(position, digest), body));
    this.coalescer.delivered();
    return true;
  }

  /** Something that may change this status happened: read it again soon. */
  poke(): void {
    this.coalescer.poke();
  }

  /** Something for this user that is not the status (a waiting-list offer), sent at once. */
  announce(name: string, id: string, body: unknown): void {
    if (!this.closed) this.sink.write(sseEvent(id, body, name));
  }

  heartbeat(): void {
    if (!this.closed) this.sink.write(SSE_HEARTBEAT);
  }

  /** Ends the stream (shutdown); `sinkGone` when the client already went away. */
  close(sinkGone = false): void {
    if (this.closed) return;
    this.closed = true;
    this.coalescer.close();
    if (!sinkGone) this.sink.end();
  }

  private async refresh(): Promise<void> {
    if (this.closed) return;
    try {
      const { body, position } = await this.read();
      this.send(body, position);
    } catch {
      // Tried again after a pause, not at once: the store is down or behind.
      setTimeout(() => this.poke(), RETRY_MS).unref();
    }
  }
}
