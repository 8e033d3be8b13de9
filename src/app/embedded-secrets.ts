import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../config';

/**
 * In the embedded profile a generated JWT secret and admin key are kept in
 * DATA_DIR, so tokens issued before a restart (or a kill -9) still work
 * against the same data. Values given in the environment always win.
 */
export function embeddedSecrets(config: AppConfig): AppConfig {
  if (config.eventStore.kind !== 'pglite' || !config.eventStore.dataDir) return config;
  const dir = config.eventStore.dataDir;
  const file = join(dir, 'secrets.json');
  mkdirSync(dir, { recursive: true });
  const stored = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { jwtSecret: string; adminKey: string })
    : { jwtSecret: randomBytes(32).toString('base64url'), adminKey: randomBytes(18).toString('base64url') };
  if (!existsSync(file)) writeFileSync(file, JSON.stringify(stored), { mode: 0o600 });
  const fromEnv = !config.adminKeyGenerated;
  return {
    ...config,
    jwtSecret: process.env.JWT_SECRET ? config.jwtSecret : stored.jwtSecret,
    adminKey: fromEnv ? config.adminKey : stored.adminKey,
  };
}
