import { Controller, Inject, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CONFIG, AppConfig } from '../../config';
import { CurrentUser } from '../../http/auth/current-user.decorator';
import { TokenService } from '../../http/auth/token.service';
import { parseId } from '../../shared/ids';
import { queueView } from '../../read/queue/queue-view';
import { InMemoryQueueReads } from '../../read/stores/in-memory.reads';
import { READ_MODELS, ReadModels } from '../../read/read-models';
import { CLOCK, Clock } from '../../shared/clock';
import { withPosition } from '../respond';
import { JoinQueueCommand } from './join-queue/join-queue.handler';

@ApiTags('queue')
@Controller('v1/concerts/:concertId/queue')
export class QueueController {
  constructor(
    private readonly commands: CommandBus,
    private readonly tokens: TokenService,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  /** 201 with a new token, or 200 with the same token while the user's entry is still live. */
  @Post()
  async join(
    @Param('concertId') rawConcertId: string,
    @CurrentUser() userId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const concertId = parseId(rawConcertId, 'concertId');
    const { entryId, created, position } = await this.commands.execute(new JoinQueueCommand(concertId, userId));
    await withPosition(reply, this.readModels, position);
    reply.status(created ? 201 : 200);
    // The command's own answer, from this instance's in-process queue model that it just waited for.
    const entry = await new InMemoryQueueReads(this.readModels.documents).entry(
      concertId,
      entryId,
      this.clock.now().getTime(),
    );
    const view = entry ? queueView(entry, this.config) : { status: 'WAITING' };
    return { queueToken: this.tokens.signQueue({ userId, concertId, entryId }), ...view };
  }
}
