import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '../../config';
import { registerAuthThrottles } from './auth-throttle';

/** Security headers, CORS and the login/signup throttles, registered before app.init(). */
export async function registerSecurity(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  await registerAuthThrottles(fastify, config);
}
