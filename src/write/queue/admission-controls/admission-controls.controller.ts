import { Body, Controller, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AdminOnly } from '../../../http/auth/admin-only.decorator';
import { apiBody, parseBody, parseId } from '../../../http/validation';
import { markPosition } from '../../respond';
import { MAX_ADMIT_PER_MINUTE } from '../admission.decider';
import { AdmissionControl, AdmissionSettingsView, ControlAdmissionCommand } from './control-admission.handler';

const admissionRateBody = z.strictObject({
  /** Most users admitted per minute, spread over the minute; null lifts the limit. */
  admitPerMinute: z.number().int().min(1).max(MAX_ADMIT_PER_MINUTE).nullable(),
});

/** Admission controls of one concert's waiting room: pause, resume, inflow rate. Each answers the settings in force. */
@ApiTags('queue')
@Controller('v1/admin/concerts/:concertId/admission')
export class AdmissionControlsController {
  constructor(private readonly commands: CommandBus) {}

  @AdminOnly()
  @Post('pause')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Stop admitting from the waiting room; ACTIVE users keep their slots, WAITING ones read PAUSED',
  })
  pause(@Param('concertId') concertId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.control(concertId, { kind: 'pause' }, reply);
  }

  @AdminOnly()
  @Post('resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Admit again, from where admission stopped' })
  resume(@Param('concertId') concertId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.control(concertId, { kind: 'resume' }, reply);
  }

  @AdminOnly()
  @Put()
  @HttpCode(200)
  @apiBody(admissionRateBody)
  @ApiOperation({ summary: 'Set the inflow rate (admitPerMinute, null for no limit) beside the active capacity' })
  setRate(
    @Param('concertId') concertId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { admitPerMinute } = parseBody(admissionRateBody, body);
    return this.control(concertId, { kind: 'rate', admitPerMinute }, reply);
  }

  private async control(rawConcertId: string, control: AdmissionControl, reply: FastifyReply) {
    const concertId = parseId(rawConcertId, 'concertId');
    const { position, ...settings }: AdmissionSettingsView = await this.commands.execute(
      new ControlAdmissionCommand(concertId, control),
    );
    markPosition(reply, position);
    return settings;
  }
}
