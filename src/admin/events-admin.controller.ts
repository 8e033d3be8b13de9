import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ImportRefusedError } from '../event-store/event-store.port';
import { AdminOnly } from '../http/auth/admin-only.decorator';
import { apiBody, parseBody, parseParam } from '../http/validation';
import { DomainError } from '../shared/domain-error';
import { EventTools } from './event-tools';
import { fromWire, wireEvent } from './event-wire';

export const MAX_PAGE = 10_000;

const position = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const limit = z.coerce.number().int().min(1).max(MAX_PAGE).default(1_000);
// A category is what comes before the first '-' of a stream id, so it has none itself.
const category = z.string().regex(/^[^-]{1,200}$/, 'a category is the part of a stream id before the first "-"');

const pageQuery = z.strictObject({
  after: position.default(0),
  to: position.optional(),
  limit,
  category: category.optional(),
  type: z.string().min(1).max(256).optional(),
});
const exportQuery = z.strictObject({ after: position.default(0), to: position.optional(), limit });
const importBody = z.strictObject({ after: z.number().int().min(0), events: z.array(wireEvent).max(MAX_PAGE) });

/** The event log for operators: `npm run cli -- events:*` goes through these when given --url. */
@ApiTags('admin: events')
@Controller('v1/admin/events')
export class EventsAdminController {
  constructor(@Inject(EventTools) private readonly tools: EventTools) {}

  @AdminOnly()
  @Get()
  @ApiOperation({ summary: 'A page of the log in current schema versions, filtered by category and type' })
  @ApiQuery({ name: 'after', required: false, description: 'events after this position (default 0)' })
  @ApiQuery({ name: 'to', required: false, description: 'not past this position (default: the head)' })
  @ApiQuery({ name: 'limit', required: false, description: `1..${MAX_PAGE} (default 1000)` })
  @ApiQuery({ name: 'category', required: false, description: 'stream id prefix before the first "-"' })
  @ApiQuery({ name: 'type', required: false, description: 'event type' })
  page(@Query() query: unknown) {
    return this.tools.page(parseParam(pageQuery, query, ''));
  }

  @AdminOnly()
  @Get('export')
  @ApiOperation({ summary: 'A page of the log exactly as stored (no upcasting), for import into another store' })
  @ApiQuery({ name: 'after', required: false })
  @ApiQuery({ name: 'to', required: false })
  @ApiQuery({ name: 'limit', required: false })
  exportPage(@Query() query: unknown) {
    const { after, to, limit: size } = parseParam(exportQuery, query, '');
    return this.tools.exportPage(after, size, to);
  }

  @AdminOnly()
  @Get('stats')
  @ApiOperation({ summary: 'Event counts by category and type, first and last positions, sizes' })
  stats() {
    return this.tools.stats();
  }

  @AdminOnly()
  @Get('streams/:streamId')
  @ApiOperation({ summary: 'Every event of one stream, in current schema versions' })
  @ApiParam({ name: 'streamId', example: 'Wallet-4f8c0d9e-1c2b-4a5d-9e8f-0a1b2c3d4e5f' })
  async stream(@Param('streamId') streamId: string) {
    const events = await this.tools.readStream(parseParam(z.string().min(1).max(1024), streamId, 'streamId'));
    if (events.length === 0) throw new DomainError('NOT_FOUND', `stream ${streamId} has no events`);
    return { streamId, events };
  }

  @AdminOnly()
  @Post('import')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import a page of an export into an empty store (the first page says after=0; each next one, the head)',
  })
  @apiBody(importBody)
  async import(@Body() body: unknown) {
    const page = parseBody(importBody, body);
    try {
      const head = await this.tools.importPage(page.after, page.events.map(fromWire));
      return { imported: page.events.length, head };
    } catch (error) {
      throw error instanceof ImportRefusedError ? refusal(error) : error;
    }
  }
}

function refusal(error: ImportRefusedError): DomainError {
  if (error.reason === 'store_not_empty') return new DomainError('STORE_NOT_EMPTY', error.message);
  if (error.reason === 'head_moved') return new DomainError('IMPORT_HEAD_MOVED', error.message);
  return new DomainError('VALIDATION_FAILED', error.message);
}
