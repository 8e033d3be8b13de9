import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { QueueToken } from '../../../http/auth/queue-token';
import type { QueueTokenClaims } from '../../../http/auth/token.service';
import { QueueStatusPush } from './queue-status-push';
import { sseRetry } from './sse-format';

/** How long a client's EventSource waits before reconnecting after the stream drops. */
const RECONNECT_MS = 1_000;

@ApiTags('queue')
@Controller('v1/queue')
export class QueueEventsController {
  constructor(private readonly push: QueueStatusPush) {}

  /**
   * The status is read before the stream opens, so a bad token answers the
   * same problem+json as GET /v1/queue/status; only then is the reply taken
   * over from Fastify and kept open.
   */
  @Get('events')
  @ApiOperation({
    summary: 'Queue status as server-sent events',
    description:
      'Sends the body of GET /v1/queue/status at once and again whenever it changes, at most once a second; ' +
      'a `: heartbeat` comment every 15 s. Each event id is `<log position>.<digest>`: reconnecting with it as ' +
      '`Last-Event-ID` sends the current status at once only if it differs from that event.',
  })
  @ApiHeader({ name: 'X-Queue-Token', required: true })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'the id of the last event received' })
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, description: 'an event stream; each `data:` is a queue status' })
  async events(
    @QueueToken() token: QueueTokenClaims,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const opening = await this.push.opening(token);
    reply.hijack();
    const response = reply.raw;
    // The security and CORS headers the hooks put on the reply, which a hijacked reply no longer sends itself.
    const headers = Object.entries(reply.getHeaders()).filter(
      (entry): entry is [string, string | number | string[]] => entry[1] !== undefined,
    );
    response.writeHead(200, {
      ...Object.fromEntries(headers),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise buffer the events.
      'x-accel-buffering': 'no',
    });
    response.write(sseRetry(RECONNECT_MS));
    const stream = this.push.attach(token, response, opening, lastEventId);
    response.once('close', () => this.push.detach(stream));
  }
}
