import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Public } from '../../http/auth/public.decorator';
import { apiBody, parseBody } from '../../http/validation';
import { markPosition } from '../respond';
import { LogIn } from './log-in/log-in.handler';
import { SignUp } from './sign-up/sign-up.handler';

// One rule for a username, wherever one arrives: no account can have a name outside it, so login need not look one up.
const username = z.string().regex(/^[a-zA-Z0-9_.-]{3,32}$/, 'username is 3-32 characters of a-z A-Z 0-9 _ . -');
const signUpBody = z.strictObject({ username, password: z.string().min(8).max(128) });
// A wrong password of any length up to the bound is a 401, as for an unknown user: login does not reveal the password rules.
const logInBody = z.strictObject({ username, password: z.string().max(1024) });

@ApiTags('auth')
@Controller('v1/auth')
export class UsersController {
  constructor(private readonly commands: CommandBus) {}

  @Public()
  @Post('signup')
  @HttpCode(201)
  @apiBody(signUpBody)
  async signUp(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const { username, password } = parseBody(signUpBody, body);
    const { userId, position } = await this.commands.execute(new SignUp(username, password));
    markPosition(reply, position);
    return { userId };
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @apiBody(logInBody)
  async logIn(@Body() body: unknown) {
    const { username, password } = parseBody(logInBody, body);
    return this.commands.execute(new LogIn(username, password));
  }
}
